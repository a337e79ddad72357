"""Error responses of the REST API: 400/401/403/404/409 with exact codes, a message, and nothing changed after a
refusal. Also the requests that must never end in a 500."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from ducha.items.models import Item
from ducha.orgs.services import token_issue
from tests.api.support import FOUR_CHECKS, body, error, snapshot, unit_id
from tests.helpers import item_in, make_item


def _create_payload(world, **changes) -> dict:
    payload = {
        "title": "整治农村人居环境",
        "source_type": "policy_document",
        "lead_unit": unit_id(world, "fgw"),
        "co_units": [unit_id(world, "jyj")],
    }
    payload.update(changes)
    return {key: value for key, value in payload.items() if value is not ...}


def _quiet(client):
    """Let a server error come back as a response (the test then shows the 500) instead of raising."""
    client.client.raise_request_exception = False
    return client


# --- 401 ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "not_authenticated"),
        ("Bearer not-a-real-token", "token_invalid"),
        ("Bearer ", "token_invalid"),
        ("Basic b2ZmaWNlOkR1Y2hhQDIwMjY=", "not_authenticated"),
        ("Token abc", "not_authenticated"),
    ],
    ids=["missing", "unknown-token", "empty-token", "basic-scheme", "other-scheme"],
)
def test_401_without_a_valid_token(client, world, authorization, code):
    headers = {"Authorization": authorization} if authorization else {}
    error(client.get("/api/v1/items/", headers=headers), 401, code)
    error(client.get("/api/v1/me", headers=headers), 401, code)
    created = client.post(
        "/api/v1/items/", _create_payload(world), content_type="application/json", headers=headers
    )
    error(created, 401, code)
    assert not Item.objects.exists()


def test_401_for_a_deactivated_user_or_token(world, api):
    fgw = api("fgw")
    body(fgw.get("/me"))
    user = world.user("fgw")
    user.is_active = False
    user.save(update_fields=["is_active"])
    error(fgw.get("/me"), 401, "token_invalid")

    token, _ = token_issue(user=world.user("jyj"))
    world.user("jyj").api_tokens.update(is_active=False)
    response = fgw.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    error(response, 401, "token_revoked")


# --- 400 ------------------------------------------------------------------------------------------------------

# Dates relative to the project's today (Asia/Shanghai), resolved when the test runs.
RELATIVE_DAYS = {"<yesterday>": -1, "<today>": 0, "<next-month>": 30}


def _day(marker: str) -> str:
    return str(timezone.localdate() + datetime.timedelta(days=RELATIVE_DAYS[marker]))


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"source_type": "rumour"}, "invalid_input", "source_type"),
        ({"urgency": "whenever"}, "invalid_input", "urgency"),
        ({"confidentiality": "top"}, "invalid_input", "confidentiality"),
        ({"due_date": "<yesterday>"}, "deadline_in_past", "due_date"),
        ({"due_date": "<today>"}, "deadline_in_past", "due_date"),
        ({"due_date": "<next-month>", "deadline_workdays": 10}, "deadline_conflict", "due_date"),
        ({"deadline_workdays": 0}, "deadline_workdays_out_of_range", "deadline_workdays"),
        ({"deadline_workdays": 366}, "deadline_workdays_out_of_range", "deadline_workdays"),
        ({"lead_unit": "city_office"}, "unit_not_found", "lead_unit"),
        ({"lead_unit": 987654}, "unit_not_found", "lead_unit"),
        ({"co_units": ["city_office"]}, "unit_not_found", "co_units"),
        ({"co_units": ["fgw"]}, "co_unit_is_lead", "co_units"),
        ({"co_units": ["jyj", {"unit": "jyj", "share": 20}]}, "unit_duplicated", "co_units"),
        ({"co_units": [{"unit": "jyj", "share": 150}]}, "invalid_input", "co_units.0"),
        ({"title": "   "}, "title_required", "title"),
        ({"title": ...}, "invalid_input", "title"),
        ({"title": "x" * 201}, "text_too_long", "title"),
        ({"lead_unit": "abc"}, "invalid_input", "lead_unit"),
        ({"deadline_workdays": "ten"}, "invalid_input", "deadline_workdays"),
        ({"due_date": "2026-02-30"}, "invalid_input", "due_date"),
        ({"co_units": "jyj"}, "invalid_input", "co_units"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_400_on_create_with_exact_code(world, api, changes, code, field):
    def resolve(value):
        if value == "city_office":
            return world.city_office.pk
        if value in ("fgw", "jyj"):
            return unit_id(world, value)
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: resolve(v) if k == "unit" else v for k, v in value.items()}
        return value

    changes = {
        key: resolve(value) if key in ("lead_unit", "co_units") else value for key, value in changes.items()
    }
    if changes.get("due_date") in RELATIVE_DAYS:
        changes["due_date"] = _day(changes["due_date"])
    data = error(api("office").post("/items/", _create_payload(world, **changes)), 400, code)
    assert any(key == field or key.startswith(f"{field}.") for key in data.get("fields", {})), data
    assert not Item.objects.exists()


def test_400_on_wrong_body_shape(world, api):
    office = api("office")
    client = office.client
    as_list = client.post("/api/v1/items/", "[1, 2]", content_type="application/json", headers=office.headers)
    error(as_list, 400, "invalid_input")
    error(office.post("/items/", {"title": ["a"], "source_type": 1, "lead_unit": {}}), 400, "invalid_input")
    item_id = item_in(world, "in_progress").pk
    before = snapshot(api, item_id)
    error(
        api("fgw").post(f"/items/{item_id}/progress", {"text": "好", "is_final": "maybe"}),
        400,
        "invalid_input",
    )
    error(api("fgw").post(f"/items/{item_id}/progress", {"text": "   "}), 400, "text_required")
    assert snapshot(api, item_id) == before


def test_400_on_invalid_json_has_the_error_shape(world, api):
    office = api("office")
    response = office.client.post(
        "/api/v1/items/", "{title: 'x',", content_type="application/json", headers=office.headers
    )
    error(response, 400, "invalid_input")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/items/", {"cursor": "garbage"}),
        ("/items/", {"cursor": "2026-13-45T00:00:00_1"}),
        ("/items/", {"cursor": "2026-01-01T00:00:00+08:00_x"}),
        ("/items/", {"limit": "many"}),
        ("/items/", {"unit": "fgw"}),
        ("/units/", {"cursor": "next"}),
        ("/items/abc", {}),
    ],
    ids=["cursor-garbage", "cursor-bad-date", "cursor-bad-id", "limit", "unit", "units-cursor", "item-id"],
)
def test_400_on_bad_query_or_path(world, api, path, params):
    data = error(api("office").get(path, **params), 400, "invalid_input")
    assert data["fields"], data


def test_400_on_action_input_with_nothing_changed(world, api, today):
    office, leader = api("office"), api("leader")
    pending = item_in(world, "pending_approval").pk
    before = snapshot(api, pending)
    error(leader.post(f"/items/{pending}/reject", {"reason": "  "}), 400, "reason_required")
    error(leader.post(f"/items/{pending}/reject", {"reason": 42}), 400, "invalid_input")
    assert snapshot(api, pending) == before

    registered = item_in(world, "registered").pk
    before = snapshot(api, registered)
    error(office.post(f"/items/{registered}/assign", {"due_date": str(today)}), 400, "deadline_in_past")
    error(office.post(f"/items/{registered}/assign", {"due_date": "2020-01-01"}), 400, "deadline_in_past")
    error(
        office.post(
            f"/items/{registered}/assign", {"due_date": _day("<next-month>"), "deadline_workdays": 5}
        ),
        400,
        "deadline_conflict",
    )
    assert snapshot(api, registered) == before

    draft = make_item(world).pk
    before = snapshot(api, draft)
    error(office.patch(f"/items/{draft}", {"lead_unit": world.city_office.pk}), 400, "unit_not_found")
    error(office.patch(f"/items/{draft}", {"source_type": "rumour"}), 400, "invalid_input")
    error(office.patch(f"/items/{draft}", {"title": ""}), 400, "title_required")
    assert snapshot(api, draft) == before


def test_400_on_review_input_with_nothing_changed(world, api):
    office = api("office")
    item_id = item_in(world, "under_review").pk
    before = snapshot(api, item_id)
    partial = {**FOUR_CHECKS, "lawful_compliant": False}
    error(
        office.post(f"/items/{item_id}/review", {"decision": "accept", "opinion": "同意", **partial}),
        400,
        "review_checks_incomplete",
    )
    error(
        office.post(f"/items/{item_id}/review", {"decision": "accept", "opinion": "", **FOUR_CHECKS}),
        400,
        "opinion_required",
    )
    error(
        office.post(f"/items/{item_id}/review", {"decision": "maybe", "opinion": "嗯"}), 400, "invalid_input"
    )
    error(office.post(f"/items/{item_id}/review", {"opinion": "缺少决定"}), 400, "invalid_input")
    assert snapshot(api, item_id) == before


# --- 403 ------------------------------------------------------------------------------------------------------

FORBIDDEN = [
    ("pending_approval", "office", "approve", {}, "role_required"),
    ("registered", "leader", "assign", {}, "role_required"),
    ("in_progress", "jyj", "report", {"text": "报告"}, "not_lead_unit"),
    ("in_progress", "jyj_head", "report/approve", {}, "not_lead_unit"),
    ("in_progress", "jyj", "extensions", {"reason": "r", "proposed_due_date": "2099-01-01"}, "not_lead_unit"),
    ("in_progress", "fgw", "extensions/decide", {"grant": True}, "role_required"),
    (
        "under_review",
        "fgw",
        "review",
        {"decision": "accept", "opinion": "好", **FOUR_CHECKS},
        "role_required",
    ),
    ("accepted", "office", "close", {}, "role_required"),
    ("closed", "leader", "archive", {}, "role_required"),
    ("registered", "city_office", "assign", {}, "not_your_unit"),
    ("in_progress", "city_office", "cancel", {"reason": "市里要求"}, "not_your_unit"),
]


@pytest.mark.parametrize(
    ("status", "username", "action", "payload", "code"),
    FORBIDDEN,
    ids=[f"{user}-{action}" for _status, user, action, _payload, _code in FORBIDDEN],
)
def test_403_in_scope_but_not_your_role(world, api, status, username, action, payload, code):
    item_id = item_in(world, status).pk
    body(api(username).get(f"/items/{item_id}"))  # in scope: the item is visible to the caller
    before = snapshot(api, item_id)
    error(api(username).post(f"/items/{item_id}/{action}", payload), 403, code)
    assert snapshot(api, item_id) == before


def test_403_on_patch_by_a_leader_and_404_for_another_government(world, api):
    draft = make_item(world).pk
    before = snapshot(api, draft)
    # A draft is the drafting office's own: the office above does not even see it.
    error(api("city_office").patch(f"/items/{draft}", {"title": "市里改的"}), 404, "not_found")
    error(api("leader").patch(f"/items/{draft}", {"title": "领导改的"}), 403, "role_required")
    assert snapshot(api, draft) == before


def test_403_create_by_a_unit_user(world, api):
    error(api("fgw").post("/items/", _create_payload(world)), 403, "role_required")
    assert not Item.objects.exists()


# --- 404 ------------------------------------------------------------------------------------------------------


def test_404_out_of_scope_is_the_same_as_nonexistent(world, api):
    zjj = api("zjj")
    item_id = item_in(world, "in_progress").pk
    missing = Item.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    for suffix in ("", "/timeline", "/actions", "/children"):
        hidden = error(zjj.get(f"/items/{item_id}{suffix}"), 404, "not_found")
        absent = error(zjj.get(f"/items/{missing}{suffix}"), 404, "not_found")
        assert hidden == absent
    before = snapshot(api, item_id)
    for action, payload in [("sign", {}), ("progress", {"text": "x"}), ("report", {"text": "x"})]:
        hidden = zjj.post(f"/items/{item_id}/{action}", payload)
        absent = zjj.post(f"/items/{missing}/{action}", payload)
        assert error(hidden, 404, "not_found") == error(absent, 404, "not_found")
        assert hidden.content == absent.content
    draft = make_item(world).pk  # a draft is the office's: out of the lead unit's scope
    hidden_patch = error(api("fgw").patch(f"/items/{draft}", {"title": "x"}), 404, "not_found")
    assert hidden_patch == error(api("fgw").patch(f"/items/{missing}", {"title": "x"}), 404, "not_found")
    assert snapshot(api, item_id) == before


# --- 409 ------------------------------------------------------------------------------------------------------

CONFLICTS = [
    ("draft", "leader", "approve", {}, "action_not_allowed_in_status"),
    ("pending_approval", "office", "submit", {}, "action_not_allowed_in_status"),
    ("in_progress", "fgw", "sign", {}, "already_signed"),
    ("in_progress", "jyj", "progress", {"text": "进展"}, "not_signed"),
    ("in_progress", "jyj", "delegate", {"unit": "cgz"}, "not_signed"),
    ("assigned", "fgw", "report", {"text": "报告"}, "action_not_allowed_in_status"),
    ("in_progress", "office", "archive", {}, "action_not_allowed_in_status"),
    ("under_review", "leader", "close", {}, "action_not_allowed_in_status"),
    ("archived", "office", "assign", {}, "action_not_allowed_in_status"),
    ("closed", "fgw", "progress", {"text": "补报"}, "action_not_allowed_in_status"),
    ("in_progress", "fgw_head", "report/approve", {}, "no_pending_report"),
]


@pytest.mark.parametrize(
    ("status", "username", "action", "payload", "code"),
    CONFLICTS,
    ids=[f"{status}-{user}-{action}" for status, user, action, _payload, _code in CONFLICTS],
)
def test_409_not_allowed_now(world, api, status, username, action, payload, code):
    item_id = item_in(world, status).pk
    if payload.get("unit") == "cgz":
        payload = {**payload, "unit": world.townships["cgz"].pk}
    before = snapshot(api, item_id)
    error(api(username).post(f"/items/{item_id}/{action}", payload), 409, code)
    assert snapshot(api, item_id) == before


def test_409_patch_after_draft(world, api):
    item_id = item_in(world, "registered").pk
    before = snapshot(api, item_id)
    error(api("office").patch(f"/items/{item_id}", {"title": "改标题"}), 409, "action_not_allowed_in_status")
    assert snapshot(api, item_id) == before


# --- never a 500 ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["content", "requirements", "source_reference"])
def test_patch_null_text_field_is_a_400(world, api, field):
    office = _quiet(api("office"))
    draft = make_item(world).pk
    before = snapshot(api, draft)
    error(office.patch(f"/items/{draft}", {field: None}), 400, "invalid_input")
    assert snapshot(api, draft) == before


@pytest.mark.parametrize("case", ["create-lead-unit", "list-unit-filter", "units-parent-filter"])
def test_out_of_range_ids_are_not_a_500(world, api, case):
    office = _quiet(api("office"))
    huge = 10**25
    if case == "create-lead-unit":
        data = body(office.post("/items/", _create_payload(world, lead_unit=huge)), 400)
        assert data["code"] in ("invalid_input", "unit_not_found") and "lead_unit" in data["fields"], data
        assert not Item.objects.exists()
    elif case == "list-unit-filter":
        response = office.get("/items/", unit=huge)
        assert response.status_code in (200, 400), response.status_code
    else:
        response = office.get("/units/", parent=huge)
        assert response.status_code in (200, 400), response.status_code


def test_unknown_light_filter_is_a_400(world, api):
    make_item(world)
    error(api("office").get("/items/", light="purple"), 400, "invalid_input")


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_cursor_out_of_the_datetime_range_is_a_400(world, api, stamp):
    office = _quiet(api("office"))
    data = error(office.get("/items/", cursor=f"{stamp}_1"), 400, "invalid_input")
    assert "cursor" in data["fields"]


def test_field_keys_of_a_union_are_plain_paths(world, api):
    payload = _create_payload(world, co_units=[{"unit": unit_id(world, "jyj"), "share_note": "x" * 301}])
    data = error(api("office").post("/items/", payload), 400, "invalid_input")
    assert "co_units.0.share_note" in data["fields"], data["fields"]
    assert all(re.fullmatch(r"[A-Za-z_]+(\.(\d+|[A-Za-z_]+))*", key) for key in data["fields"]), data[
        "fields"
    ]


@pytest.mark.parametrize("status", ["bogus", "in_progress, draft"])
def test_unknown_status_filter_is_a_400(world, api, status):
    make_item(world)
    item_in(world, "in_progress")
    response = api("office").get("/items/", status=status)
    if status == "bogus" or response.status_code != 200:
        error(response, 400, "invalid_input")
    else:  # accepting the space is fine too, as long as nothing is silently dropped
        assert {i["status"] for i in response.json()["items"]} == {"in_progress", "draft"}


def test_session_post_without_csrf_token_is_a_403_with_its_own_code(world):
    from django.test import Client

    draft = make_item(world).pk
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.user("office"))
    assert body(browser.get(f"/api/v1/items/{draft}"))["status"] == "draft"  # session auth reads fine
    response = browser.post(f"/api/v1/items/{draft}/submit", "{}", content_type="application/json")
    data = body(response, 403)
    assert data["code"] != "invalid_input", data
    assert isinstance(data["message"], str) and data["message"]
    assert Item.objects.get(pk=draft).status == "draft"
