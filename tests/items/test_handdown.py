"""A city item goes down and back up (上级交办逐级落实, 001 §3, 004 §2(1)): the city assigns the county government;
the county office signs for it, reports progress and passes it on to county units as the county's own items; the
county closes those; the county office files the completion report, the county leader checks it, the city office
reviews and the city leader closes."""

from __future__ import annotations

import pytest

from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotFound, NotPermitted, ValidationFailed
from ducha.items import selectors, services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Assignment, Item, Report, ReportStatus
from tests.helpers import item_in


def city_item(world, *, status: str = ItemStatus.ASSIGNED, **fields) -> Item:
    """An item of the city government assigned by the city office to the county government."""
    city_office, city_leader = world.user("city_office"), world.user("city_leader")
    item = services.item_create(
        actor=city_office,
        title=fields.pop("title", "市政府交办：推进农村饮水安全巩固提升工程"),
        source_type="leader_instruction",
        content="请示范县人民政府牵头落实，按期报送办理情况。",
        lead_unit_id=world.county.pk,
        **fields,
    )
    services.item_submit(item_id=item.pk, actor=city_office)
    services.item_approve(item_id=item.pk, actor=city_leader)
    if status != ItemStatus.REGISTERED:
        services.item_assign(item_id=item.pk, actor=city_office)
    item.refresh_from_db()
    return item


def finish_child(world, child: Item, unit: str) -> None:
    """The county unit does its part; the county office reviews it; the county leader closes it."""
    services.item_sign(item_id=child.pk, actor=world.user(unit))
    services.item_report(item_id=child.pk, actor=world.user(unit), text="已完成。")
    services.item_report_approve(item_id=child.pk, actor=world.user(f"{unit}_head"))
    review(world, child, "office")
    services.item_close(item_id=child.pk, actor=world.user("leader"))


def review(world, item, username, decision="accept"):
    return services.item_review(
        item_id=item.pk,
        actor=world.user(username),
        decision=decision,
        opinion="办理到位，同意办结。",
        task_completed=True,
        problem_solved=True,
        conclusion_appropriate=True,
        lawful_compliant=True,
    )


def visible(world, username) -> set[int]:
    return set(selectors.items_for_user(world.user(username)).values_list("pk", flat=True))


def test_the_whole_way_down_and_back_up(world):
    item = city_item(world)
    office, leader = world.user("office"), world.user("leader")
    assert item.government == world.city
    assert item.pk in visible(world, "office") and item.pk in visible(world, "leader")

    services.item_sign(item_id=item.pk, actor=office)
    services.item_progress(item_id=item.pk, actor=office, text="已分解到县发改局和城关镇。")
    first = services.item_delegate(item_id=item.pk, actor=office, unit_id=world.departments["fgw"].pk)
    second = services.item_delegate(item_id=item.pk, actor=office, unit_id=world.townships["cgz"].pk)
    for number, child in enumerate((first, second), start=1):
        assert child.government == world.county  # the county's own item, in its ledger
        assert child.delegating_unit == world.county
        assert child.number == f"{item.number}-{number}"
    # The city follows the children from the parent's page.
    parent = selectors.get_item_for_user(world.user("city_office"), item.pk, record_view=False)
    children = selectors.item_children(parent, world.user("city_office"))
    assert [c.pk for c in children] == [first.pk, second.pk]

    finish_child(world, first, "fgw")
    with pytest.raises(InvalidState) as refused:
        services.item_report(item_id=item.pk, actor=office, text="已完成。")
    assert refused.value.code == codes.OPEN_CHILD_ITEMS
    finish_child(world, second, "cgz")

    report = services.item_report(item_id=item.pk, actor=office, text="饮水安全工程已全部完工。")
    services.item_report_approve(item_id=item.pk, actor=leader)
    review(world, item, "city_office")
    services.item_close(item_id=item.pk, actor=world.user("city_leader"))
    item.refresh_from_db()
    report.refresh_from_db()
    assert item.status == ItemStatus.CLOSED
    assert report.status == ReportStatus.ACCEPTED and report.head_decided_by == leader
    assert item.latest_progress == "已分解到县发改局和城关镇。"


def test_a_county_unit_cannot_act_for_the_county_government(world):
    item = city_item(world)
    for username in ("fgw", "fgw_head", "cgz_liaison"):
        with pytest.raises((NotPermitted, NotFound)):
            services.item_sign(item_id=item.pk, actor=world.user(username))
    assert item.pk not in visible(world, "fgw")
    item.refresh_from_db()
    assert item.status == ItemStatus.ASSIGNED
    assert Assignment.objects.get(item=item).signed_at is None


def test_the_county_cannot_review_or_close_the_city_item(world):
    item = city_item(world)
    office = world.user("office")
    services.item_sign(item_id=item.pk, actor=office)
    report = services.item_report(item_id=item.pk, actor=office, text="已完成。")
    with pytest.raises(NotPermitted):  # the office files; the leader checks
        services.item_report_approve(item_id=item.pk, actor=office)
    services.item_report_approve(item_id=item.pk, actor=world.user("leader"))
    for username in ("office", "office2", "leader"):
        with pytest.raises(NotPermitted):
            review(world, item, username)
    item.refresh_from_db()
    report.refresh_from_db()
    assert item.status == ItemStatus.UNDER_REVIEW and report.status == ReportStatus.SUBMITTED
    assert not item.reviews.exists()


def test_the_city_cannot_review_the_countys_child_item(world):
    item = city_item(world)
    office = world.user("office")
    services.item_sign(item_id=item.pk, actor=office)
    child = services.item_delegate(item_id=item.pk, actor=office, unit_id=world.departments["fgw"].pk)
    services.item_sign(item_id=child.pk, actor=world.user("fgw"))
    services.item_report(item_id=child.pk, actor=world.user("fgw"), text="已完成。")
    services.item_report_approve(item_id=child.pk, actor=world.user("fgw_head"))
    with pytest.raises(NotPermitted):
        review(world, child, "city_office")
    child.refresh_from_db()
    assert child.status == ItemStatus.UNDER_REVIEW


def test_the_county_office_sees_the_city_item_only_once_assigned(world):
    registered = city_item(world, status=ItemStatus.REGISTERED)
    assert registered.pk not in visible(world, "office")
    assert registered.pk in visible(world, "city_office")
    services.item_assign(item_id=registered.pk, actor=world.user("city_office"))
    assert registered.pk in visible(world, "office")


def test_drafts_are_the_drafting_offices_own(world):
    county_draft = item_in(world, ItemStatus.DRAFT)
    county_pending = item_in(world, ItemStatus.PENDING_APPROVAL)
    city_draft = services.item_create(
        actor=world.user("city_office"), title="市级草稿", source_type="other", lead_unit_id=world.county.pk
    )
    for username in ("city_office", "city_leader"):
        seen = visible(world, username)
        assert county_draft.pk not in seen and county_pending.pk in seen and city_draft.pk in seen
        with pytest.raises(NotFound):
            selectors.get_item_for_user(world.user(username), county_draft.pk, record_view=False)
    for username in ("office", "leader"):
        seen = visible(world, username)
        assert county_draft.pk in seen and city_draft.pk not in seen


def test_a_refused_delegation_changes_nothing(world):
    item = city_item(world)
    office = world.user("office")
    services.item_sign(item_id=item.pk, actor=office)
    other_county_unit = world.city_office  # the city's own office is not below the county
    with pytest.raises(ValidationFailed) as refused:
        services.item_delegate(item_id=item.pk, actor=office, unit_id=other_county_unit.pk)
    assert refused.value.code == codes.DELEGATE_TARGET_INVALID
    assert not Item.objects.filter(parent=item).exists()
    assert Report.objects.filter(item=item).count() == 0


def test_the_county_offices_workbench_lists_what_was_handed_down(world, today):
    from ducha.workbench import todo

    item = city_item(world)
    office = world.user("office")

    def section(key):
        found = {s.key: s for s in todo.todo_for_user(office, today)}
        return [row.item.pk for row in found[key].rows] if key in found else []

    assert section("handed_down_sign") == [item.pk]
    assert todo.todo_for_user(office, today)[0].rows[0].actions == ("sign",)
    assert section("handed_down") == []
    services.item_sign(item_id=item.pk, actor=office)
    assert section("handed_down_sign") == []
    assert section("handed_down") == [item.pk]
    # The county leader and the county's units have nothing of it on their lists.
    assert all(
        item.pk not in [r.item.pk for r in s.rows] for s in todo.todo_for_user(world.user("fgw"), today)
    )


def test_the_demo_shows_both_paths(world):
    from ducha.devtools.demo.items.handdown import handdown_items_create

    last = Item.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert handdown_items_create(world) == 4
    own, parent, closed, in_hand = Item.objects.filter(pk__gt=last).order_by("pk")
    assert own.status == ItemStatus.IN_PROGRESS and own.latest_progress
    assert own.assignments.get().unit == world.supervision_office
    assert parent.government == world.city and parent.status == ItemStatus.IN_PROGRESS
    assert (closed.status, in_hand.status) == (ItemStatus.CLOSED, ItemStatus.IN_PROGRESS)
    assert {closed.government, in_hand.government} == {world.county}
    for item in (own, parent):
        assert item.created_at <= item.approved_at <= item.assigned_at <= item.assignments.get().signed_at
    for child in (
        closed,
        in_hand,
    ):  # a child carries its parent's approval; it starts after the parent's signing
        assert parent.assignments.get().signed_at <= child.assigned_at <= child.assignments.get().signed_at


def test_the_county_leader_and_office_find_their_steps_on_the_workbench(world, today):
    from ducha.workbench import todo

    def rows(username, key):
        found = {s.key: s for s in todo.todo_for_user(world.user(username), today)}
        return [row.item.pk for row in found[key].rows] if key in found else []

    item = city_item(world)
    office = world.user("office")
    services.item_sign(item_id=item.pk, actor=office)
    child = services.item_delegate(item_id=item.pk, actor=office, unit_id=world.departments["fgw"].pk)
    services.item_sign(item_id=child.pk, actor=world.user("fgw"))
    services.item_report(item_id=child.pk, actor=world.user("fgw"), text="已完成。")
    services.item_report_approve(item_id=child.pk, actor=world.user("fgw_head"))
    assert rows("office", "delegated_review") == [child.pk]
    review(world, child, "office2")
    assert rows("office", "delegated_review") == []
    assert rows("leader", "delegated_close") == [child.pk]
    services.item_close(item_id=child.pk, actor=world.user("leader"))
    services.item_report(item_id=item.pk, actor=office, text="已完成。")
    assert rows("leader", "acting_head_check") == [item.pk]
    assert rows("county_head", "acting_head_check") == [item.pk]
    assert rows("city_leader", "acting_head_check") == []


def test_the_county_passes_on_inside_its_own_tree(world):
    from ducha.orgs.selectors import delegation_targets

    targets = set(delegation_targets(world.county, world.city).values_list("pk", flat=True))
    assert {world.departments["fgw"].pk, world.townships["cgz"].pk} <= targets
    assert world.city_office.pk not in targets and world.county.pk not in targets
