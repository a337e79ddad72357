"""A NUL character anywhere in a request — JSON body, query string, form — is bad input (400, naming the field),
never a server error: PostgreSQL's text cannot hold it (found by probing on PostgreSQL)."""

from __future__ import annotations

import pytest

from ducha.items.models import Item

pytestmark = pytest.mark.django_db


def test_a_nul_in_a_json_body_is_refused_naming_the_field_and_nothing_is_written(world, api):
    before = Item.objects.count()
    response = api("office").post(
        "/items/",
        {
            "title": "a\x00b",
            "source_type": "meeting_decision",
            "content": "x",
            "lead_unit": world.departments["fgw"].pk,
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input" and "title" in body["fields"] and "NUL" in body["fields"]["title"]
    assert Item.objects.count() == before


def test_a_nul_nested_in_a_list_or_in_a_query_string_is_refused(world, api):
    office = api("office")
    nested = office.post(
        "/items/",
        {
            "title": "推进老旧小区改造",
            "source_type": "meeting_decision",
            "content": "x",
            "lead_unit": world.departments["fgw"].pk,
            "milestones": [{"title": "\x00", "due_date": "2026-12-30"}],
        },
    )
    assert nested.status_code == 400 and "milestones.0.title" in nested.json()["fields"]
    query = office.get("/items/", q="改造\x00")
    assert query.status_code == 400 and "q" in query.json()["fields"]
