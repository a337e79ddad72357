"""Who sees which inspection (selectors.scope_q), and inside one what a target sees; the 暗访 rule: an unannounced
visit is visible only to its team and approvers until it ends — absent from its targets' lists, pages, to-dos and
API, and they are never notified in advance."""

from __future__ import annotations

import pytest

from ducha.audit.models import Event
from ducha.common.errors import NotFound
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.inspections import selectors, services
from ducha.inspections.lifecycle import InspectionStatus as S
from ducha.inspections.models import InspectionTarget
from tests.inspections.helpers import inspection_in, make_inspection


def visible(world, username):
    return set(selectors.inspections_for_user(world.user(username)).values_list("pk", flat=True))


@pytest.fixture
def inspections(world):
    """One inspection per situation, all of the county, all of 城关镇 unless said otherwise."""
    return {
        "proposed": inspection_in(world, S.PROPOSED),
        "pending": inspection_in(world, S.PENDING_APPROVAL),
        "approved": inspection_in(world, S.APPROVED),
        "closed": inspection_in(world, S.CLOSED),
        "rejected": inspection_in(world, S.REJECTED),
        "of_dhz": inspection_in(world, S.APPROVED, targets=("dhz",)),
        "zjj_led": make_inspection(world, lead="zjj", targets=("dhz",), team=False),
        "secret_running": inspection_in(world, S.IN_FIELDWORK, kind="unannounced", actor="office2"),
        "secret_ended": inspection_in(world, S.CONCLUDING, kind="unannounced"),
    }


def ids(inspections, *names):
    return {inspections[name].pk for name in names}


def test_county_office_sees_its_government_except_running_unannounced_visits_it_is_not_on(world, inspections):
    everything = ids(inspections, *inspections)
    # office (周督查) leads every team here except... it is on the team of the running visit too (helpers' team)
    assert visible(world, "office") == everything
    # office2 created the running unannounced visit: the creator sees it
    assert visible(world, "office2") == everything


def test_another_office_member_does_not_see_a_running_unannounced_visit(world, inspections):
    from ducha.orgs.models import Role
    from ducha.orgs.services import user_create

    office3 = user_create(
        username="office3",
        password=None,
        unit=world.supervision_office,
        roles=[Role.OFFICE],
        full_name="郑三",
    )
    assert visible(world, "office") - visible_for(office3) == ids(inspections, "secret_running")


def visible_for(user):
    return set(selectors.inspections_for_user(user).values_list("pk", flat=True))


def test_leaders_approve_so_they_see_everything_of_their_government(world, inspections):
    everything = ids(inspections, *inspections)
    assert visible(world, "leader") == everything
    assert visible(world, "county_head") == everything


def test_city_office_sees_the_county_except_a_running_unannounced_visit(world, inspections):
    assert visible(world, "city_office") == ids(inspections, *inspections) - ids(
        inspections, "secret_running"
    )


def test_target_sees_from_approval_on_and_an_unannounced_visit_only_once_it_ended(world, inspections):
    expected = ids(inspections, "approved", "closed", "secret_ended")
    for username in ("cgz", "cgz_head", "cgz_liaison"):
        assert visible(world, username) == expected, username


def test_other_targets_and_uninvolved_units_see_only_their_own(world, inspections):
    assert visible(world, "dhz_liaison") == ids(inspections, "of_dhz")
    assert visible(world, "fgw_head") == set()
    assert visible(world, "jyj") == set()


def test_lead_department_sees_its_inspection_from_the_proposal_on(world, inspections):
    assert ids(inspections, "zjj_led") <= visible(world, "zjj_head")


def test_team_member_sees_the_inspections_he_is_on_even_a_running_unannounced_visit(world, inspections):
    # zjj (住建局 handler) is a member of every helper team
    assert ids(inspections, "secret_running", "proposed", "closed") <= visible(world, "zjj")


def test_out_of_scope_is_not_found(world, inspections):
    with pytest.raises(NotFound):
        selectors.get_inspection_for_user(world.user("cgz"), inspections["secret_running"].pk)
    with pytest.raises(NotFound):
        selectors.get_inspection_for_user(world.user("fgw_head"), inspections["approved"].pk)
    with pytest.raises(NotFound):
        selectors.get_inspection_for_user(world.user("office"), 2**63)


def test_reading_a_running_unannounced_visit_is_logged(world, inspections):
    secret = inspections["secret_running"]
    before = Event.objects.filter(
        subject_type="inspection", subject_id=secret.pk, event_type="inspection_viewed"
    ).count()
    selectors.get_inspection_for_user(world.user("leader"), secret.pk)
    selectors.get_inspection_for_user(world.user("office"), inspections["approved"].pk)
    assert (
        Event.objects.filter(
            subject_type="inspection", subject_id=secret.pk, event_type="inspection_viewed"
        ).count()
        == before + 1
    )


def test_a_target_sees_only_what_concerns_it(world):
    # given an inspection of two townships, concluded and issued for both
    inspection = inspection_in(world, S.RECTIFYING, targets=("cgz", "dhz"))
    cgz, dhz = world.townships["cgz"], world.townships["dhz"]
    # then each target sees its own finding, conclusion and rectification only, and no timeline
    for username, unit in (("cgz_head", cgz), ("dhz_liaison", dhz)):
        user = world.user(username)
        found = selectors.get_inspection_for_user(user, inspection.pk)
        assert not selectors.has_full_view(found, user)
        assert {f.target_id for f in selectors.findings_for_user(found, user)} == {unit.pk}
        assert {c.target_id for c in selectors.conclusions_for_user(found, user)} == {unit.pk}
        assert {r.target_id for r in selectors.rectifications_for_inspection(found, user)} == {unit.pk}
        assert list(selectors.inspection_timeline(found, user)) == []
    office = world.user("office")
    assert (
        len(selectors.findings_for_user(selectors.get_inspection_for_user(office, inspection.pk), office))
        == 2
    )


def test_a_target_sees_no_finding_before_its_conclusion_is_issued(world):
    inspection = inspection_in(world, S.CONCLUDING)
    user = world.user("cgz_head")
    found = selectors.get_inspection_for_user(user, inspection.pk)
    assert list(selectors.findings_for_user(found, user)) == []
    assert list(selectors.conclusions_for_user(found, user)) == []


# --- 暗访: never notified in advance, absent until it ends ----------------------------------------------------------


def test_targets_of_an_announced_inspection_are_notified_at_approval(world):
    inspection = inspection_in(world, S.APPROVED)
    assert InspectionTarget.objects.get(inspection=inspection).notified_at is not None


def test_targets_of_an_unannounced_visit_are_notified_only_when_it_ends(world):
    # given an unannounced visit, approved and in fieldwork
    inspection = inspection_in(world, S.IN_FIELDWORK, kind="unannounced")
    target = InspectionTarget.objects.get(inspection=inspection)
    # then nobody told the target, no event says so
    assert target.notified_at is None
    assert not Event.objects.filter(
        subject_id=inspection.pk, event_type="inspection_targets_notified"
    ).exists()
    # and nothing waits for the target
    for username in ("cgz", "cgz_head", "cgz_liaison"):
        assert selectors.todos_for_user(world.user(username)).count == 0
        assert inspection.pk not in visible(world, username)
    # when fieldwork ends
    services.inspection_finish(inspection_id=inspection.pk, actor=world.user("office"))
    # then the target is told, and sees it
    target.refresh_from_db()
    assert target.notified_at is not None
    assert inspection.pk in visible(world, "cgz_head")


def test_an_unannounced_visit_is_absent_from_the_targets_api_until_it_ends(world, api):
    inspection = inspection_in(world, S.IN_FIELDWORK, kind="unannounced")
    for username in ("cgz", "cgz_head", "cgz_liaison"):
        client = api(username)
        listed = client.get("/inspections/").json()["inspections"]
        assert inspection.pk not in [row["id"] for row in listed]
        for path in ("", "/findings", "/conclusions", "/rectifications", "/report", "/timeline", "/actions"):
            response = client.get(f"/inspections/{inspection.pk}{path}")
            assert response.status_code == 404, (username, path)
            assert response.json()["code"] == "not_found"
        assert client.get(f"/inspections/?target={world.townships['cgz'].pk}").json()["inspections"] == []
        todos = client.get("/inspections/todos").json()
        assert all(value == [] for value in todos.values()), todos
        assert client.get("/inspections/rectifications/").json() == []
        # a write is a 404 too: the API never reveals that it exists
        assert client.post(f"/inspections/{inspection.pk}/finish").status_code == 404
    # the team and the approvers see it
    assert api("zjj").get(f"/inspections/{inspection.pk}").status_code == 200
    assert api("leader").get(f"/inspections/{inspection.pk}").status_code == 200
    assert api("city_office").get(f"/inspections/{inspection.pk}").status_code == 404
    # once it ended, the target sees it
    api("office").post(f"/inspections/{inspection.pk}/finish")
    assert api("cgz_head").get(f"/inspections/{inspection.pk}").status_code == 200


def test_an_unannounced_visit_is_absent_from_the_targets_pages_until_it_ends(world, client):
    inspection = inspection_in(world, S.IN_FIELDWORK, kind="unannounced", topic="暗访农贸市场食品安全")
    for username in ("cgz", "cgz_head", "cgz_liaison"):
        client.logout()
        assert client.login(username=username, password=DEMO_PASSWORD)
        listing = client.get("/inspections/").content.decode()
        assert "暗访农贸市场食品安全" not in listing
        assert client.get(f"/inspections/{inspection.pk}/").status_code == 404
        assert client.get(f"/inspections/{inspection.pk}/report/").status_code == 404
        assert "暗访农贸市场食品安全" not in client.get("/inspections/rectifications/").content.decode()
        assert "暗访农贸市场食品安全" not in client.get("/inspections/plan/").content.decode()
        response = client.post(f"/inspections/{inspection.pk}/act/finish/")
        assert response.status_code == 404
    client.logout()
    assert client.login(username="office", password=DEMO_PASSWORD)
    assert "暗访农贸市场食品安全" in client.get("/inspections/").content.decode()
    client.post(f"/inspections/{inspection.pk}/act/finish/")
    client.logout()
    assert client.login(username="cgz_head", password=DEMO_PASSWORD)
    assert "暗访农贸市场食品安全" in client.get("/inspections/").content.decode()
    assert client.get(f"/inspections/{inspection.pk}/").status_code == 200


def test_an_unannounced_visit_cancelled_before_it_ended_stays_hidden_from_targets(world):
    inspection = inspection_in(world, S.APPROVED, kind="unannounced")
    services.inspection_cancel(inspection_id=inspection.pk, actor=world.user("leader"), reason="改期")
    assert inspection.pk not in visible(world, "cgz_head")
