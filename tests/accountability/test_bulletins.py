"""督查通报 from draft to the criticised unit's report: drafted from the quarter's facts (the late units, the last
place — never a secret item), edited, submitted with the causes-and-fixes date, approved or returned by the
leader, issued as a numbered 公文 with a causes-and-fixes item per criticised unit, that item reported and
accepted, then published."""

from __future__ import annotations

import json

import pytest

from ducha.accountability import selectors
from ducha.accountability import services as accountability
from ducha.accountability.models import Bulletin, BulletinKind, BulletinRole, BulletinStatus, BulletinUnit
from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotPermitted, ValidationFailed
from ducha.devtools.demo import DemoWorld
from ducha.documents.models import Document
from ducha.items.models import Item, SourceType
from ducha.items.statuses import ItemStatus
from tests.accountability.helpers import D, assigned, at, report_done, review, scores, sign

pytestmark = pytest.mark.django_db

SECRET_TITLE = "涉密专项核查事项"
BULLETIN_EVENTS = [
    EventType.BULLETIN_SUBMITTED,
    EventType.BULLETIN_APPROVED,
    EventType.BULLETIN_RETURNED,
    EventType.BULLETIN_ISSUED,
    EventType.BULLETIN_PUBLISHED,
]


def _events() -> int:
    return Event.objects.filter(event_type__in=BULLETIN_EVENTS).count()


def _quarter(world: DemoWorld) -> dict[str, Item]:
    """Q1 2026: 发改局 misses its due date of 13 March (and a secret item of it too); 教育局 reports its own a day
    early; the Q1 scores are computed on 3 April."""
    late = assigned(world, (2026, 3, 2, 9), due=D(2026, 3, 13), title="城区供水管网改造")
    sign(world, late, (2026, 3, 2, 10))
    secret = assigned(
        world, (2026, 3, 2, 9), due=D(2026, 3, 13), title=SECRET_TITLE, confidentiality="secret"
    )
    sign(world, secret, (2026, 3, 2, 10))
    on_time = assigned(world, (2026, 3, 2, 9), code="jyj", due=D(2026, 3, 13), title="校舍安全排查")
    sign(world, on_time, (2026, 3, 2, 10), code="jyj")
    report_done(world, on_time, (2026, 3, 12, 10), code="jyj")
    scores(world, 2026, 1, (2026, 4, 3))
    return {"late": late, "secret": secret, "on_time": on_time}


def _draft(world: DemoWorld, kind: str = BulletinKind.CRITICISM) -> Bulletin:
    with at(2026, 4, 8):
        return accountability.bulletin_draft(actor=world.user("office"), kind=kind, year=2026, quarter=1)


def _edit(world: DemoWorld, bulletin: Bulletin, **changes) -> Bulletin:
    with at(2026, 4, 8, 11):
        return accountability.bulletin_update(
            actor=world.user("office"),
            bulletin_id=bulletin.pk,
            title=changes.pop("title", bulletin.title),
            text=changes.pop("text", bulletin.text),
            **changes,
        )


def _submit(world: DemoWorld, bulletin: Bulletin) -> Bulletin:
    with at(2026, 4, 8, 15):
        return accountability.bulletin_submit(actor=world.user("office"), bulletin_id=bulletin.pk)


def _approve(world: DemoWorld, bulletin: Bulletin, **kwargs) -> Bulletin:
    with at(2026, 4, 9, 9):
        return accountability.bulletin_approve(
            actor=world.user(kwargs.pop("by", "leader")), bulletin_id=bulletin.pk, **kwargs
        )


def _issue(world: DemoWorld, bulletin: Bulletin) -> Bulletin:
    with at(2026, 4, 9, 15):
        return accountability.bulletin_issue(
            actor=world.user("office"),
            bulletin_id=bulletin.pk,
            contact_name="周督查",
            contact_phone="0000-1234567",
        )


class TestDraft:
    def test_a_criticism_draft_names_the_late_unit_and_last_place_and_criticises_it(self, world):
        history = _quarter(world)
        fgw, jyj = world.departments["fgw"], world.departments["jyj"]

        bulletin = _draft(world)

        assert (bulletin.status, bulletin.kind, bulletin.year, bulletin.quarter) == (
            BulletinStatus.DRAFT,
            BulletinKind.CRITICISM,
            2026,
            1,
        )
        assert fgw.name in bulletin.text
        assert jyj.name not in bulletin.text
        assert {(row.unit_id, row.role) for row in bulletin.units.all()} == {
            (fgw.pk, BulletinRole.CRITICISED)
        }
        # The evidence: the late units with the tasks due and late (the secret item left out), and the ranking.
        [late] = [row for row in bulletin.evidence["late"] if row["unit_id"] == fgw.pk]
        assert (late["due"], late["late"], late["last_due"]) == (1, 1, "2026-03-13")
        [on_time] = [row for row in bulletin.evidence["late"] if row["unit_id"] == jyj.pk]
        assert (on_time["due"], on_time["late"]) == (1, 0)
        last = [row for row in bulletin.evidence["scores"] if row["last"]]
        assert [row["unit"] for row in last] == [fgw.pk]
        assert last[0]["score"] in bulletin.text
        assert bulletin.evidence["period"] == {"year": 2026, "quarter": 1}
        assert bulletin.evidence["as_of"] == "2026-04-08"
        assert history["late"].title not in bulletin.text  # units are named, not items
        assert Event.objects.filter(event_type=EventType.BULLETIN_DRAFTED, subject_id=bulletin.pk).exists()

    @pytest.mark.parametrize("kind", BulletinKind.values)
    def test_a_secret_item_never_appears_in_the_text_or_the_evidence(self, world, kind):
        secret = _quarter(world)["secret"]

        bulletin = _draft(world, kind)

        everything = bulletin.title + bulletin.text + json.dumps(bulletin.evidence, ensure_ascii=False)
        assert SECRET_TITLE not in everything
        assert secret.number not in everything

    def test_a_praise_draft_praises_the_unit_on_time_and_names_no_one_criticised(self, world):
        _quarter(world)
        jyj = world.departments["jyj"]

        bulletin = _draft(world, BulletinKind.PRAISE)

        assert jyj.name in bulletin.text
        assert (jyj.pk, BulletinRole.PRAISED) in {(row.unit_id, row.role) for row in bulletin.units.all()}
        assert not bulletin.units.filter(role=BulletinRole.CRITICISED).exists()
        # Nobody criticised: no causes-and-fixes date is needed.
        assert _submit(world, bulletin).status == BulletinStatus.PENDING_APPROVAL

    def test_only_the_office_drafts(self, world):
        with pytest.raises(NotPermitted):
            accountability.bulletin_draft(
                actor=world.user("leader"), kind=BulletinKind.CRITICISM, year=2026, quarter=1
            )
        with pytest.raises(ValidationFailed):
            accountability.bulletin_draft(actor=world.user("office"), kind="gossip", year=2026, quarter=1)
        assert not Bulletin.objects.exists()


class TestWorkflow:
    def test_draft_approved_issued_fixes_requested_reported_and_published(self, world):
        _quarter(world)
        fgw = world.departments["fgw"]
        bulletin = _draft(world)

        # Submitted while a unit is criticised and no date for its causes and fixes: refused, nothing changes.
        with pytest.raises(ValidationFailed) as refused:
            _submit(world, bulletin)
        assert refused.value.code == codes.BULLETIN_FIXES_DUE_REQUIRED
        bulletin.refresh_from_db()
        assert bulletin.status == BulletinStatus.DRAFT
        assert _events() == 0

        bulletin = _edit(world, bulletin, text=bulletin.text + "\n请认真整改。", fixes_due=D(2026, 4, 30))
        assert bulletin.text.endswith("请认真整改。")
        bulletin = _submit(world, bulletin)
        assert bulletin.status == BulletinStatus.PENDING_APPROVAL

        # Only a leader approves; a return needs a reason; returned, it is a draft again.
        with pytest.raises(NotPermitted):
            _approve(world, bulletin, by="office")
        with pytest.raises(ValidationFailed) as no_reason:
            _approve(world, bulletin, approve=False)
        assert no_reason.value.code == codes.REASON_REQUIRED
        bulletin.refresh_from_db()
        assert (bulletin.status, bulletin.approved_by) == (BulletinStatus.PENDING_APPROVAL, None)
        _approve(world, bulletin, approve=False, comment="请补充整改要求。")
        bulletin.refresh_from_db()
        assert bulletin.status == BulletinStatus.DRAFT
        assert Event.objects.get(event_type=EventType.BULLETIN_RETURNED).comment == "请补充整改要求。"
        _submit(world, bulletin)

        # Not issued before it is approved, not published before it is issued.
        with pytest.raises(InvalidState):
            _issue(world, bulletin)
        with pytest.raises(InvalidState):
            accountability.bulletin_publish(actor=world.user("office"), bulletin_id=bulletin.pk)
        bulletin = _approve(world, bulletin)
        assert (bulletin.status, bulletin.approved_by.username) == (BulletinStatus.APPROVED, "leader")
        with pytest.raises(InvalidState):
            accountability.bulletin_publish(actor=world.user("office"), bulletin_id=bulletin.pk)
        assert not Document.objects.exists()

        bulletin = _issue(world, bulletin)

        assert bulletin.status == BulletinStatus.ISSUED
        assert bulletin.number
        document = Document.objects.get(number=bulletin.number)
        assert document.kind == "bulletin"
        event = Event.objects.get(event_type=EventType.BULLETIN_ISSUED, subject_id=bulletin.pk)
        assert event.new == {"number": bulletin.number, "document": document.pk}
        # The causes-and-fixes request: an item of the criticised unit's, assigned, due on the bulletin's date.
        row = BulletinUnit.objects.get(bulletin=bulletin, unit=fgw)
        request = row.fixes_item
        assert request is not None
        assert (request.status, request.due_date, request.source_reference, request.source_type) == (
            ItemStatus.ASSIGNED,
            D(2026, 4, 30),
            bulletin.number,
            SourceType.LEADER_ASSIGNMENT,
        )
        assert [(a.unit_id, a.role) for a in request.assignments.all()] == [(fgw.pk, "lead")]
        assert bulletin.number in request.content

        # 发改局 signs, reports its causes and fixes, its head approves, the office accepts.
        sign(world, request, (2026, 4, 10, 9))
        report_done(world, request, (2026, 4, 24, 10))
        review(world, request, (2026, 4, 27, 10), accept=True)
        row.refresh_from_db()
        assert row.fixes_item.status == ItemStatus.ACCEPTED
        assert row.fixes_item.assignments.get(unit=fgw).reported_at.date() == D(2026, 4, 24)

        # Published: the public list has it; a unit sees the issued bulletin.
        assert list(selectors.published_bulletins()) == []
        with at(2026, 4, 28):
            accountability.bulletin_publish(actor=world.user("office"), bulletin_id=bulletin.pk)
        assert [b.pk for b in selectors.published_bulletins()] == [bulletin.pk]
        assert [b.pk for b in selectors.bulletins_for(world.user("jyj_liaison"))] == [bulletin.pk]

    def test_a_unit_sees_no_bulletin_before_it_is_issued_and_the_public_no_draft(self, world):
        _quarter(world)
        bulletin = _draft(world)
        assert list(selectors.bulletins_for(world.user("fgw_head"))) == []
        assert [b.pk for b in selectors.bulletins_for(world.user("office"))] == [bulletin.pk]
        assert list(selectors.published_bulletins()) == []

    def test_only_a_draft_is_edited_and_a_fixes_date_is_after_today(self, world):
        _quarter(world)
        bulletin = _draft(world)
        with pytest.raises(ValidationFailed):
            _edit(world, bulletin, fixes_due=D(2026, 4, 8))
        with pytest.raises(ValidationFailed) as empty:
            _edit(world, bulletin, text="  ")
        assert empty.value.code == codes.TEXT_REQUIRED
        bulletin.refresh_from_db()
        assert bulletin.fixes_due is None
        _submit(world, _edit(world, bulletin, fixes_due=D(2026, 4, 30)))
        with pytest.raises(InvalidState):
            _edit(world, bulletin, text="改过的")

    def test_the_office_names_the_units_itself(self, world):
        _quarter(world)
        cgz = world.townships["cgz"]
        bulletin = _draft(world, BulletinKind.SITUATION)
        assert not bulletin.units.exists()

        _edit(world, bulletin, named=[(cgz.pk, BulletinRole.CRITICISED)], fixes_due=D(2026, 4, 30))

        assert {(row.unit_id, row.role) for row in bulletin.units.all()} == {
            (cgz.pk, BulletinRole.CRITICISED)
        }
        _issue(world, _approve(world, _submit(world, bulletin)))
        row = BulletinUnit.objects.get(bulletin=bulletin)
        assert row.fixes_item.assignments.get().unit_id == cgz.pk
