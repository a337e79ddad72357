"""领导批示 and 责任领导 (issue 16): who may write an instruction, on the item or one of its reports; refusals change
nothing; the units assigned and the office are told in their inbox."""

from __future__ import annotations

import pytest

from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotFound, NotPermitted, ValidationFailed
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Instruction, Item, ReportKind
from ducha.orgs.models import Role, RoleGrant, User
from ducha.reminders.models import Message
from tests.helpers import advance, item_in, make_item

pytestmark = pytest.mark.django_db


def _city_leader(world) -> User:
    # The demo world has the city's leader (H1, issue 16).
    return world.user("city_leader")


def test_leader_writes_on_the_item_and_the_unit_and_office_are_told(
    world, django_capture_on_commit_callbacks
):
    # given an item in progress, with fgw leading and jyj co-operating
    item = item_in(world, ItemStatus.IN_PROGRESS)
    before = set(Message.objects.values_list("pk", flat=True))
    # when the county leader writes an instruction on the item
    with django_capture_on_commit_callbacks(execute=True):
        instruction = services.item_instruction_write(
            item_id=item.pk, actor=world.user("leader"), text="  请加快进度，月底前见实效。 "
        )
    # then it is stored, audited, and the assigned units' people and the office are told
    instruction.refresh_from_db()
    assert (instruction.item_id, instruction.report_id, instruction.text) == (
        item.pk,
        None,
        "请加快进度，月底前见实效。",
    )
    assert instruction.author == world.user("leader")
    event = Event.objects.get(subject_type="item", subject_id=item.pk, event_type=EventType.ITEM_INSTRUCTION)
    assert event.new == {"instruction": instruction.pk, "report": None}
    assert event.comment == "请加快进度，月底前见实效。"
    told = set(Message.objects.exclude(pk__in=before).values_list("recipient__username", flat=True))
    assert {"fgw", "fgw_head", "jyj", "office"} <= told
    assert "leader" not in told
    assert "zjj" not in told  # not assigned
    message = Message.objects.exclude(pk__in=before).get(recipient__username="fgw")
    assert "请加快进度" in message.subject
    assert item.title in message.subject or (item.number and item.number in message.subject)
    # and the status did not move
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS


def test_leader_writes_on_a_completion_report(world):
    item = item_in(world, ItemStatus.UNDER_REVIEW)
    report = item.reports.get(kind=ReportKind.COMPLETION)
    instruction = services.item_instruction_write(
        item_id=item.pk, actor=world.user("leader"), text="报告属实，同意。", report_id=report.pk
    )
    assert instruction.report_id == report.pk


def test_a_report_of_another_item_is_refused_and_nothing_changes(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    other = item_in(world, ItemStatus.UNDER_REVIEW)
    foreign = other.reports.first()
    with pytest.raises(ValidationFailed) as caught:
        services.item_instruction_write(
            item_id=item.pk, actor=world.user("leader"), text="同意", report_id=foreign.pk
        )
    assert caught.value.code == codes.NOT_FOUND
    assert not Instruction.objects.exists()


def test_a_leader_of_the_government_above_may_write(world):
    item = item_in(world, ItemStatus.REGISTERED)
    instruction = services.item_instruction_write(
        item_id=item.pk, actor=_city_leader(world), text="市里关注此事。"
    )
    assert instruction.pk is not None


@pytest.mark.parametrize(
    ("username", "error", "code"),
    [
        ("office", NotPermitted, codes.ROLE_REQUIRED),
        ("fgw", NotPermitted, codes.ROLE_REQUIRED),
        ("fgw_head", NotPermitted, codes.ROLE_REQUIRED),
    ],
)
def test_only_leaders_may_write(world, username, error, code):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    with pytest.raises(error) as caught:
        services.item_instruction_write(item_id=item.pk, actor=world.user(username), text="同意")
    assert caught.value.code == code
    assert not Instruction.objects.exists()
    assert not Event.objects.filter(event_type=EventType.ITEM_INSTRUCTION).exists()


def test_a_leader_of_a_township_below_may_not_write_on_the_county_item(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    township_leader = User.objects.create(username="town_leader", unit=world.townships["cgz"])
    RoleGrant.objects.create(user=township_leader, role=Role.LEADER)
    with pytest.raises(NotPermitted) as caught:
        services.item_instruction_write(item_id=item.pk, actor=township_leader, text="同意")
    assert caught.value.code == codes.NOT_YOUR_UNIT
    assert not Instruction.objects.exists()


@pytest.mark.parametrize("status", [ItemStatus.DRAFT, ItemStatus.CANCELLED])
def test_no_instruction_on_a_draft_or_a_withdrawn_item(world, status):
    item = advance(world, make_item(world), status)
    with pytest.raises(InvalidState):
        services.item_instruction_write(item_id=item.pk, actor=world.user("leader"), text="同意")
    assert not Instruction.objects.exists()


@pytest.mark.parametrize("text", ["", "   ", "批" * 2001])
def test_the_text_is_one_to_two_thousand_characters(world, text):
    item = item_in(world, ItemStatus.PENDING_APPROVAL)
    with pytest.raises(ValidationFailed) as caught:
        services.item_instruction_write(item_id=item.pk, actor=world.user("leader"), text=text)
    assert caught.value.code == codes.INSTRUCTION_EMPTY
    assert caught.value.fields == {"text": codes.message_for(codes.INSTRUCTION_EMPTY)}
    assert not Instruction.objects.exists()
    services.item_instruction_write(item_id=item.pk, actor=world.user("leader"), text="批" * 2000)


def test_unknown_item_is_not_found(world):
    with pytest.raises(NotFound):
        services.item_instruction_write(item_id=987654, actor=world.user("leader"), text="同意")


# --- the leader in charge ------------------------------------------------------------------------------------------


def test_office_sets_changes_and_clears_the_leader_in_charge(world):
    item = item_in(world, ItemStatus.ASSIGNED)
    leader = world.user("leader")
    services.item_leader_set(item_id=item.pk, actor=world.user("office"), leader_id=leader.pk)
    item.refresh_from_db()
    assert item.leader_in_charge == leader
    event = Event.objects.get(subject_type="item", subject_id=item.pk, event_type=EventType.ITEM_LEADER_SET)
    assert (event.old, event.new) == ({"leader_in_charge": None}, {"leader_in_charge": leader.pk})
    services.item_leader_set(item_id=item.pk, actor=world.user("office"), leader_id=None)
    item.refresh_from_db()
    assert item.leader_in_charge is None


@pytest.mark.parametrize("username", ["office", "fgw_head", "county_head"])
def test_the_leader_in_charge_must_be_a_leader_of_the_government(world, username):
    item = item_in(world, ItemStatus.ASSIGNED)
    user = world.user(username)
    if user.has_role(Role.LEADER):  # the county head leads the county: a valid choice
        services.item_leader_set(item_id=item.pk, actor=world.user("office"), leader_id=user.pk)
        return
    with pytest.raises(ValidationFailed) as caught:
        services.item_leader_set(item_id=item.pk, actor=world.user("office"), leader_id=user.pk)
    assert caught.value.code == codes.LEADER_INVALID
    item.refresh_from_db()
    assert item.leader_in_charge is None
    assert not Event.objects.filter(event_type=EventType.ITEM_LEADER_SET).exists()


def test_a_city_leader_is_not_a_leader_of_the_county(world):
    item = item_in(world, ItemStatus.ASSIGNED)
    with pytest.raises(ValidationFailed) as caught:
        services.item_leader_set(
            item_id=item.pk, actor=world.user("office"), leader_id=_city_leader(world).pk
        )
    assert caught.value.code == codes.LEADER_INVALID


@pytest.mark.parametrize("username", ["leader", "fgw"])
def test_only_the_office_sets_the_leader_in_charge(world, username):
    item = item_in(world, ItemStatus.ASSIGNED)
    with pytest.raises(NotPermitted):
        services.item_leader_set(
            item_id=item.pk, actor=world.user(username), leader_id=world.user("leader").pk
        )
    assert Item.objects.get(pk=item.pk).leader_in_charge_id is None
