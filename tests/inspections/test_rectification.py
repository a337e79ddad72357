"""Rectification (整改): kinds and stored deadlines with a derived light, the target's plan and progress, the office's
verification (整改核查) before closing (销号), and the 回头看 scheduled N months later — created once by the command."""

from __future__ import annotations

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from ducha.audit.models import Event
from ducha.common.errors import ValidationFailed
from ducha.inspections import selectors, services
from ducha.inspections.lifecycle import InspectionStatus as S
from ducha.inspections.models import FollowUp, Inspection, Rectification
from ducha.workcalendar.services import add_workdays, subtract_workdays
from tests.inspections.helpers import advance, inspection_in

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=10):
    return time_machine.travel(datetime.datetime(year, month, day, hour, tzinfo=SHANGHAI), tick=False)


def rectifications_of(
    world, kinds: list[tuple[str, datetime.date | None]], *, rebound: bool = False, months=None
):
    """An inspection of 城关镇 with one finding per (kind, due date), concluded and issued."""
    inspection = inspection_in(world, S.IN_FIELDWORK)
    for index, (kind, due) in enumerate(kinds):
        services.finding_add(
            inspection_id=inspection.pk,
            actor=world.user("office"),
            target_id=world.townships["cgz"].pk,
            title=f"问题{index + 1}",
            description="描述",
            rectification_kind=kind,
            rectification_due_date=due,
            is_rebound_prone=rebound,
            followup_months=months,
        )
    advance(world, inspection, S.RECTIFYING, finding=False)
    return inspection, list(Rectification.objects.filter(inspection=inspection).order_by("finding_id"))


def test_kinds_give_stored_due_dates_and_yellow_light_dates(world):
    with at(2026, 3, 2):
        today = timezone.localdate()
        _inspection, (now, by_date, default, long_term) = rectifications_of(
            world,
            [
                ("immediate", None),
                ("deadline", datetime.date(2026, 5, 29)),
                ("deadline", None),
                ("long_term", datetime.date(2026, 12, 31)),
            ],
        )
    # 立行立改: 5 working days; 限期整改: the date, else 30 working days; long term: the final date
    assert now.due_date == add_workdays(today, 5)
    assert by_date.due_date == datetime.date(2026, 5, 29)
    assert default.due_date == add_workdays(today, 30)
    assert long_term.due_date == datetime.date(2026, 12, 31)
    for rectification in (now, by_date, default, long_term):
        assert rectification.warn_date == subtract_workdays(rectification.due_date, 3)


def test_the_light_is_derived_from_the_stored_dates_in_python_and_in_sql(world):
    with at(2026, 3, 2):
        _inspection, [rectification] = rectifications_of(world, [("deadline", datetime.date(2026, 5, 29))])
    cgz = world.user("cgz")
    days = {
        "green": rectification.warn_date - datetime.timedelta(days=1),
        "yellow": rectification.warn_date,
        "yellow ": rectification.due_date,
        "red": rectification.due_date + datetime.timedelta(days=1),
    }
    for expected, day in days.items():
        with at(day.year, day.month, day.day):
            assert rectification.light_on(day) == expected.strip()
            rows = selectors.rectification_list_for_user(cgz, light=expected.strip())
            assert [r.pk for r in rows] == [rectification.pk], expected
    # a rectification reported complete shows no light
    services.rectification_plan(rectification_id=rectification.pk, actor=cgz, plan="方案")
    services.rectification_report(
        rectification_id=rectification.pk, actor=world.user("cgz_head"), text="完成"
    )
    rectification.refresh_from_db()
    assert rectification.light_on(days["red"]) == ""


def test_long_term_rectification_needs_milestones_not_after_the_due_date(world):
    _inspection, [rectification] = rectifications_of(
        world, [("long_term", timezone.localdate() + datetime.timedelta(days=200))]
    )
    head = world.user("cgz_head")
    with pytest.raises(ValidationFailed) as refused:
        services.rectification_plan(rectification_id=rectification.pk, actor=head, plan="分三步")
    assert refused.value.code == "rectification_milestones_required"
    with pytest.raises(ValidationFailed):
        services.rectification_plan(
            rectification_id=rectification.pk,
            actor=head,
            plan="分三步",
            milestones=[services.MilestoneInput("完工", rectification.due_date + datetime.timedelta(days=1))],
        )
    services.rectification_plan(
        rectification_id=rectification.pk,
        actor=head,
        plan="分两步",
        milestones=[
            services.MilestoneInput("完成设计", rectification.due_date - datetime.timedelta(days=100)),
            services.MilestoneInput("完工", rectification.due_date),
        ],
    )
    first = rectification.milestones.first()
    services.rectification_progress(
        rectification_id=rectification.pk, actor=world.user("cgz"), text="设计已完成", milestone_id=first.pk
    )
    first.refresh_from_db()
    rectification.refresh_from_db()
    assert first.completed_at is not None
    assert rectification.latest_progress == "设计已完成"


def test_the_office_verifies_before_closing_a_failed_check_goes_back(world):
    _inspection, [rectification] = rectifications_of(world, [("deadline", None)])
    head, office = world.user("cgz_head"), world.user("office")
    services.rectification_plan(rectification_id=rectification.pk, actor=world.user("cgz"), plan="清理杂物")
    services.rectification_report(rectification_id=rectification.pk, actor=head, text="已清理")
    with pytest.raises(ValidationFailed) as refused:
        services.rectification_verify(rectification_id=rectification.pk, actor=office, passed=False, note="")
    assert refused.value.code == "verification_note_required"
    failed = services.rectification_verify(
        rectification_id=rectification.pk, actor=office, passed=False, note="实地查看仍有堆放"
    )
    assert (failed.status, failed.reported_at) == ("in_progress", None)
    services.rectification_report(
        rectification_id=rectification.pk, actor=head, text="已彻底清理并建立巡查制度"
    )
    verified = services.rectification_verify(
        rectification_id=rectification.pk, actor=office, passed=True, note="实地核查属实", method="on_site"
    )
    assert (verified.status, verified.verification_method) == ("verified", "on_site")
    closed = services.rectification_close(rectification_id=rectification.pk, actor=office)
    assert closed.status == "closed" and closed.closed_at is not None
    assert not FollowUp.objects.exists()  # not prone to rebound


def close(world, rectification):
    head, office = world.user("cgz_head"), world.user("office")
    services.rectification_plan(rectification_id=rectification.pk, actor=head, plan="方案")
    services.rectification_report(rectification_id=rectification.pk, actor=head, text="完成")
    services.rectification_verify(rectification_id=rectification.pk, actor=office, passed=True, note="属实")
    services.rectification_close(rectification_id=rectification.pk, actor=office)


def test_a_rebound_prone_finding_gets_a_follow_up_created_on_schedule_and_only_once(world):
    # given two rebound-prone findings closed on 10 March 2026 (the rule: 3 months)
    with at(2026, 3, 2):
        source, rectifications = rectifications_of(
            world, [("deadline", datetime.date(2026, 4, 30)), ("immediate", None)], rebound=True
        )
    with at(2026, 3, 10):
        for rectification in rectifications:
            close(world, rectification)
    assert list(FollowUp.objects.values_list("due_on", flat=True)) == [datetime.date(2026, 6, 10)] * 2
    # when the command runs the day before: nothing
    out = StringIO()
    call_command("inspections_followups", "--at", "2026-06-09", stdout=out)
    assert Inspection.objects.filter(kind="follow_up").count() == 0
    # on the day: one follow-up inspection of those findings' target, following up the source
    call_command("inspections_followups", "--at", "2026-06-10", stdout=out)
    [follow_up] = Inspection.objects.filter(kind="follow_up")
    assert (follow_up.status, follow_up.follows_up_id, follow_up.start_date) == (
        S.PROPOSED,
        source.pk,
        datetime.date(2026, 6, 10),
    )
    assert list(follow_up.targets.values_list("unit_id", flat=True)) == [world.townships["cgz"].pk]
    assert "问题1" in follow_up.basis and "问题2" in follow_up.basis
    assert set(FollowUp.objects.values_list("created_inspection", flat=True)) == {follow_up.pk}
    assert Event.objects.filter(subject_id=source.pk, event_type="inspection_followup_created").count() == 1
    # when it runs again (the next day, or twice the same day): nothing more
    call_command("inspections_followups", "--at", "2026-06-10", stdout=out)
    call_command("inspections_followups", "--at", "2026-06-11", stdout=out)
    assert Inspection.objects.filter(kind="follow_up").count() == 1
    assert "0" in out.getvalue().splitlines()[-1]


def test_the_findings_own_months_override_the_rule(world):
    with at(2026, 3, 2):
        _source, [rectification] = rectifications_of(world, [("immediate", None)], rebound=True, months=6)
    with at(2026, 3, 10):
        close(world, rectification)
    assert FollowUp.objects.get().due_on == datetime.date(2026, 9, 10)


def test_the_command_without_a_date_uses_today(world):
    with at(2026, 3, 2):
        _source, [rectification] = rectifications_of(world, [("immediate", None)], rebound=True, months=1)
        close(world, rectification)
    with at(2026, 4, 2):
        call_command("inspections_followups", stdout=StringIO())
    assert Inspection.objects.filter(kind="follow_up").count() == 1


def test_the_command_refuses_a_bad_date(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("inspections_followups", "--at", "June", stdout=StringIO())


def test_the_targets_to_dos_list_its_rectifications_with_their_light(world, api):
    _inspection, [rectification] = rectifications_of(world, [("deadline", None)])
    todos = selectors.todos_for_user(world.user("cgz"))
    assert [r.pk for r in todos.rectifications_to_do] == [rectification.pk]
    rows = api("cgz").get("/inspections/rectifications/", light="green").json()
    assert [(r["id"], r["light"], r["due_date"]) for r in rows] == [
        (rectification.pk, "green", rectification.due_date.isoformat())
    ]
    assert api("dhz_liaison").get("/inspections/rectifications/").json() == []
