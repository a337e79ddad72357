"""Small helpers for the end-to-end API tests: read a response strictly, check an error body, snapshot an item."""

from __future__ import annotations

import datetime
import re
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

# The four checks of 审核 (002 art. 5), all passed.
FOUR_CHECKS = {
    "task_completed": True,
    "problem_solved": True,
    "conclusion_appropriate": True,
    "lawful_compliant": True,
}
NUMBER_RE = re.compile(r"^督〔(\d{4})〕([1-9]\d*)号$")


def body(response, status: int = 200) -> Any:
    """The JSON body of `response`, after checking its HTTP status (the body is shown when it differs)."""
    assert response.status_code == status, (response.status_code, response.content[:3000])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()


def error(response, status: int, code: str) -> dict:
    """Check an error response: the status, the exact stable code and a non-empty message."""
    data = body(response, status)
    assert set(data) <= {"code", "message", "fields"}, data
    assert data["code"] == code, data
    assert isinstance(data["message"], str) and data["message"].strip(), data
    return data


def snapshot(api, item_id: int) -> tuple:
    """What a refused request must leave unchanged, as the office sees it over the API."""
    office = api("office")
    item = body(office.get(f"/items/{item_id}"))
    timeline = body(office.get(f"/items/{item_id}/timeline"))
    return (
        item["status"],
        item["updated_at"],
        item["due_date"],
        item["cancel_requested"],
        [(a["unit"]["id"], a["status"], a["signed_at"]) for a in item["assignments"]],
        len(timeline),
    )


def event_types(api, item_id: int, username: str = "office") -> list[str]:
    return [event["event_type"] for event in body(api(username).get(f"/items/{item_id}/timeline"))]


def assignment(item: dict, unit_id: int) -> dict:
    return next(a for a in item["assignments"] if a["unit"]["id"] == unit_id)


def local_noon(day: datetime.date) -> datetime.datetime:
    """Noon of `day` in the project's time zone (for time travel)."""
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))


def unit_id(world, code: str) -> int:
    return (world.departments.get(code) or world.townships[code]).pk
