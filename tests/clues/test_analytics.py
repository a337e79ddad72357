"""The clue analytics (ducha.clues.analytics): hotspots, spike and systemic warnings (pinned weeks, idempotent
re-runs), the weekly brief's draft, edit and sending (who may), and the analytics pages' permissions."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client

from ducha.clues import analytics, services, tasks
from ducha.clues.models import Brief, BriefStatus, Channel, Clue, EarlyWarning, WarningKind
from ducha.common.errors import InvalidState, NotPermitted
from tests.clock import moment

NOW = moment(2026, 11, 18, 10)  # Wednesday of ISO week 47
WEEK = datetime.date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(NOW, tick=False):
        yield


def _clues(world, township, unit, week, count, *, day=1, channel=Channel.PUBLIC):
    """`count` clues of `township` whose first suggested unit is `unit`, in the week beginning `week`."""
    at = analytics.day_start(week + datetime.timedelta(days=day)) + datetime.timedelta(hours=9)
    return Clue.objects.bulk_create(
        Clue(
            government=world.county,
            channel=channel,
            category="implementation",
            township=township,
            text=f"夜间施工噪音扰民第{index}次",
            submitted_at=at + datetime.timedelta(minutes=index),
            suggested_units=[{"unit_id": unit.pk, "score": 0.8}],
            terms={"夜间施工": 0.8, "噪音": 0.6},
        )
        for index in range(count)
    )


def _weeks_before(n):
    return [WEEK - datetime.timedelta(weeks=back) for back in range(n, 0, -1)]


def test_a_spike_week_gives_one_warning_with_its_clues(world):
    cgz, cgj = world.townships["cgz"], world.departments["cgj"]
    for week in _weeks_before(8):
        _clues(world, cgz, cgj, week, 1)
    spike = _clues(world, cgz, cgj, WEEK, 5)

    written = analytics.warnings_compute(world.county, WEEK)

    assert len(written) == 1
    warning = written[0]
    assert (warning.kind, warning.township, warning.week_start) == (WarningKind.SPIKE, cgz, WEEK)
    assert warning.topic == cgj.short_name
    assert warning.count == 5 and warning.baseline == 1.0  # from 4: max(3, 1 + 3·√1)
    assert sorted(warning.clue_ids) == sorted(clue.pk for clue in spike)


def test_a_flat_series_gives_no_warning(world):
    cgz, cgj = world.townships["cgz"], world.departments["cgj"]
    for week in [*_weeks_before(8), WEEK]:
        _clues(world, cgz, cgj, week, 4)

    assert analytics.warnings_compute(world.county, WEEK) == []
    assert not EarlyWarning.objects.exists()


def test_below_three_is_never_a_spike(world):
    _clues(world, world.townships["dhz"], world.departments["sthjj"], WEEK, 2)
    assert analytics.warnings_compute(world.county, WEEK) == []


def test_a_rerun_updates_the_warning_and_keeps_who_saw_it(world):
    cgz, cgj = world.townships["cgz"], world.departments["cgj"]
    _clues(world, cgz, cgj, WEEK, 3)
    (first,) = analytics.warnings_compute(world.county, WEEK)
    services.warning_seen(warning_id=first.pk, actor=world.user("office"))
    (again,) = analytics.warnings_compute(world.county, WEEK)
    assert again.pk == first.pk and again.count == 3
    more = _clues(world, cgz, cgj, WEEK, 2, day=3)

    (updated,) = analytics.warnings_compute(world.county, WEEK)

    assert updated.pk == first.pk and updated.count == 5
    assert set(more) <= set(Clue.objects.filter(pk__in=updated.clue_ids))
    assert updated.seen_by == world.user("office")
    assert EarlyWarning.objects.count() == 1


def test_a_rejected_clue_does_not_count(world):
    cgz, cgj = world.townships["cgz"], world.departments["cgj"]
    clues = _clues(world, cgz, cgj, WEEK, 3)
    Clue.objects.filter(pk=clues[0].pk).update(status="rejected")
    assert analytics.warnings_compute(world.county, WEEK) == []


def test_one_topic_in_three_townships_is_systemic(world):
    zjj = world.departments["zjj"]
    places = [world.townships[code] for code in ("cgz", "dhz", "xsz")]
    ids = [clue.pk for township in places for clue in _clues(world, township, zjj, WEEK, 2)]
    _clues(world, world.townships["nqz"], zjj, WEEK, 1)  # one clue: not counted as a township of it

    written = analytics.warnings_compute(world.county, WEEK)

    (warning,) = written
    assert warning.kind == WarningKind.SYSTEMIC and warning.township is None
    assert warning.townships == sorted(unit.pk for unit in places)
    assert sorted(warning.clue_ids) == sorted(ids) and warning.count == 6
    analytics.warnings_compute(world.county, WEEK)
    assert EarlyWarning.objects.filter(kind=WarningKind.SYSTEMIC).count() == 1


def test_hotspots_by_topic_township_and_week(world):
    cgz, dhz = world.townships["cgz"], world.townships["dhz"]
    _clues(world, cgz, world.departments["cgj"], WEEK, 3)
    _clues(world, dhz, world.departments["sthjj"], WEEK - datetime.timedelta(weeks=1), 2)
    _clues(world, dhz, dhz, WEEK, 1)  # a township matter

    spots = analytics.hotspots(
        world.county, WEEK - datetime.timedelta(weeks=3), WEEK + datetime.timedelta(days=7)
    )

    assert spots.total == 6
    assert dict(spots.by_topic) == {"城管局": 3, "生态环境分局": 2, analytics.local_topic(): 1}
    assert {name: n for _pk, name, n in spots.by_township} == {"城关镇": 3, "东湖镇": 3}
    assert [n for _monday, _label, n in spots.by_week] == [0, 0, 2, 4]
    assert spots.by_week[-1][1] == "2026-W47"
    assert spots.terms[0][0] in {"夜间施工", "噪音"}


def test_the_brief_is_drafted_refreshed_edited_and_sent(world):
    office, leader = world.user("office"), world.user("leader")
    _clues(world, world.townships["cgz"], world.departments["cgj"], WEEK, 4)
    analytics.warnings_compute(world.county, WEEK)

    brief = analytics.brief_draft(world.county, WEEK)

    assert brief.title == analytics.brief_title(WEEK)
    assert "47" in brief.title and "2026" in brief.title
    assert brief.figures["total"] == 4 and brief.figures["by_channel"]["public"] == 4
    assert brief.figures["warnings"][0]["count"] == 4
    # Re-drafted: the same brief, refreshed.
    _clues(world, world.townships["dhz"], world.departments["cgj"], WEEK, 1)
    again = analytics.brief_draft(world.county, WEEK)
    assert again.pk == brief.pk and again.figures["total"] == 5
    # Only the office edits and sends.
    with pytest.raises(NotPermitted):
        services.brief_edit(brief_id=brief.pk, actor=leader, title="x", text="y")
    with pytest.raises(NotPermitted):
        services.brief_send(brief_id=brief.pk, actor=world.user("fgw"))
    services.brief_edit(brief_id=brief.pk, actor=office, title="社情民意周报", text="本周情况。")
    kept = analytics.brief_draft(world.county, WEEK)  # the office's text is kept, the figures refreshed
    assert (kept.title, kept.text) == ("社情民意周报", "本周情况。")
    services.brief_send(brief_id=brief.pk, actor=office)
    with pytest.raises(InvalidState):
        services.brief_edit(brief_id=brief.pk, actor=office, title="a", text="b")
    _clues(world, world.townships["dhz"], world.departments["cgj"], WEEK, 1)
    sent = analytics.brief_draft(world.county, WEEK)
    assert sent.status == BriefStatus.SENT and sent.figures["total"] == 5
    assert Brief.objects.count() == 1


def test_the_task_runs_last_week_and_this_week(world):
    cgz, cgj = world.townships["cgz"], world.departments["cgj"]
    _clues(world, cgz, cgj, WEEK - datetime.timedelta(weeks=1), 3)
    _clues(world, cgz, cgj, WEEK, 5)  # against last week's 3: above 0.375 + 3 × 0.99

    result = tasks.clues_analytics.call(world.county.pk)

    assert result["warnings"] == 2
    assert EarlyWarning.objects.filter(week_start__in=[WEEK, WEEK - datetime.timedelta(weeks=1)]).count() == 2
    assert Brief.objects.get(pk=result["brief"]).week_start == WEEK - datetime.timedelta(weeks=1)
    assert tasks.analytics_daily(now=moment(2026, 11, 18, 5)) is None
    assert tasks.analytics_daily() == {world.county.pk: 2}
    assert EarlyWarning.objects.count() == 2


def _client(world, username):
    client = Client()
    client.force_login(world.user(username))
    return client


def test_the_analytics_pages_for_the_office_and_leaders_only(world):
    cgz, cgj = world.townships["cgz"], world.departments["cgj"]
    _clues(world, cgz, cgj, WEEK, 3)
    (warning,) = analytics.warnings_compute(world.county, WEEK)
    brief = analytics.brief_draft(world.county, WEEK)
    office, leader, unit = (_client(world, name) for name in ("office", "leader", "fgw"))

    page = office.get("/clues/analytics/")
    assert page.status_code == 200
    assert f'id="warning-{warning.pk}"' in page.content.decode()
    assert leader.get("/clues/analytics/?weeks=52").status_code == 200
    assert unit.get("/clues/analytics/").status_code == 403
    assert unit.get("/clues/briefs/").status_code == 403
    assert unit.get(f"/clues/briefs/{brief.pk}/").status_code == 403

    # Marking seen: the office; a leader may not.
    assert leader.post(f"/clues/analytics/warnings/{warning.pk}/seen/").status_code == 403
    assert office.post(f"/clues/analytics/warnings/{warning.pk}/seen/").status_code == 302
    warning.refresh_from_db()
    assert warning.seen_by == world.user("office")

    # A draft: the office's, not yet the leaders'.
    assert brief.title in office.get("/clues/briefs/").content.decode()
    assert brief.title not in leader.get("/clues/briefs/").content.decode()
    assert leader.get(f"/clues/briefs/{brief.pk}/").status_code == 404
    assert leader.post(f"/clues/briefs/{brief.pk}/send/").status_code == 404
    response = office.post(f"/clues/briefs/{brief.pk}/edit/", {"title": "周报", "text": ""})
    assert response.status_code == 400
    brief.refresh_from_db()
    assert brief.text != ""
    assert (
        office.post(f"/clues/briefs/{brief.pk}/edit/", {"title": "周报", "text": "正文"}).status_code == 302
    )
    assert office.post(f"/clues/briefs/{brief.pk}/send/").status_code == 302
    brief.refresh_from_db()
    assert (brief.title, brief.text, brief.status) == ("周报", "正文", BriefStatus.SENT)
    assert "周报" in leader.get("/clues/briefs/").content.decode()
    assert "正文" in leader.get(f"/clues/briefs/{brief.pk}/").content.decode()
    assert office.post(f"/clues/briefs/{brief.pk}/send/").status_code == 409
