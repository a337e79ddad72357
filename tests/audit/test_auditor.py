"""The auditor (等保 安全审计员) reads the audit log and changes nothing: the page `/audit/` with its filters and
keyset pages, the CSV export (itself logged), the selector refusing everyone else, and every write refused."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ducha.audit.models import Event, EventType
from ducha.audit.selectors import AuditFilters, events_for_auditor, events_for_auditor_export
from ducha.audit.services import event_record, security_event_record
from ducha.common import error_codes as codes
from ducha.common.errors import NotPermitted
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item
from ducha.orgs.models import Role
from tests.helpers import advance, make_item


def shown_ids(response) -> list[int]:
    content = response.content.decode()
    return [int(part.split('"', 1)[0]) for part in content.split('data-event-id="')[1:]]


def test_the_demo_auditor_holds_the_auditor_role_and_no_unit(world):
    auditor = world.user("auditor")
    assert auditor.roles == {Role.AUDITOR}
    assert auditor.unit is None


def test_the_auditors_home_page_works_and_leads_to_the_audit_log(signed_in):
    response = signed_in("auditor").get("/")

    assert response.status_code == 200
    assert f'href="{reverse("audit-log")}"' in response.content.decode()


def test_the_auditor_reads_the_log_filtered_with_a_bounded_number_of_queries(
    world, signed_in, django_assert_max_num_queries
):
    # given sign-ins of two people and an item's own events
    fgw, jyj = world.user("fgw"), world.user("jyj")
    fgw_sign_ins = [security_event_record(event_type=EventType.SIGNED_IN, user=fgw) for _ in range(3)]
    security_event_record(event_type=EventType.SIGNED_IN, user=jyj)
    item = make_item(world)
    client = signed_in("auditor")

    # when the auditor asks for fgw's sign-ins
    with django_assert_max_num_queries(8):
        response = client.get("/audit/", {"event_type": EventType.SIGNED_IN, "actor": "fgw"})

    # then exactly those, newest first
    assert response.status_code == 200
    assert shown_ids(response) == [event.pk for event in reversed(fgw_sign_ins)]

    # the item's timeline by subject; security events only leaves the item's events out
    by_subject = client.get("/audit/", {"subject_type": "item", "subject_id": str(item.pk)})
    item_events = list(
        Event.objects.filter(subject_type="item", subject_id=item.pk)
        .order_by("-id")
        .values_list("id", flat=True)
    )
    assert item_events
    assert shown_ids(by_subject) == item_events
    security = client.get("/audit/", {"subject_type": "item", "subject_id": str(item.pk), "security": "1"})
    assert shown_ids(security) == []
    fgw_security = shown_ids(client.get("/audit/", {"actor": "fgw", "security": "1"}))
    assert set(fgw_security) == {event.pk for event in fgw_sign_ins}

    # a day range: today's events in, yesterday's range empty
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    assert shown_ids(client.get("/audit/", {"actor": "fgw", "date_from": str(today), "date_to": str(today)}))
    assert shown_ids(client.get("/audit/", {"actor": "fgw", "date_to": str(yesterday)})) == []

    # a date that is no date is refused as invalid input, not a server error
    bad = client.get("/audit/", {"date_from": "2026-13-45"})
    assert bad.status_code == 400
    assert f'data-error-code="{codes.INVALID_INPUT}"' in bad.content.decode()


def test_the_page_size_does_not_change_the_number_of_queries(world, signed_in, django_assert_max_num_queries):
    office = world.user("office")
    for _ in range(60):  # more than a page, every one with an actor and a unit to show
        security_event_record(event_type=EventType.SIGNED_IN, user=office)
    client = signed_in("auditor")

    with django_assert_max_num_queries(8):
        response = client.get("/audit/")

    assert response.status_code == 200
    assert len(shown_ids(response)) == 50
    assert 'id="audit-older"' in response.content.decode()


def test_pages_are_keyset_by_id_without_offset_or_count(world):
    auditor = world.user("auditor")
    office = world.user("office")
    made = [security_event_record(event_type=EventType.SIGNED_IN, user=office) for _ in range(5)]
    filters = AuditFilters(event_type=EventType.SIGNED_IN, actor="office")

    with CaptureQueriesContext(connection) as queries:
        first = events_for_auditor(viewer=auditor, filters=filters, limit=2)
        second = events_for_auditor(viewer=auditor, filters=filters, before_id=first.next_before_id, limit=2)
        third = events_for_auditor(viewer=auditor, filters=filters, before_id=second.next_before_id, limit=2)

    newest_first = [event.pk for event in reversed(made)]
    assert [event.pk for event in first.events] == newest_first[:2]
    assert [event.pk for event in second.events] == newest_first[2:4]
    assert [event.pk for event in third.events] == newest_first[4:]
    assert third.next_before_id is None
    sql = " ".join(query["sql"].upper() for query in queries.captured_queries)
    assert "OFFSET" not in sql
    assert "COUNT(" not in sql
    assert [event.pk for event in events_for_auditor_export(viewer=auditor, filters=filters, chunk=2)] == (
        newest_first
    )


@pytest.mark.parametrize("username", ["office", "leader", "fgw", "fgw_head", "cgz_liaison"])
def test_only_an_auditor_or_an_administrator_reads_the_log(world, username):
    with pytest.raises(NotPermitted) as refused:
        events_for_auditor(viewer=world.user(username), filters=AuditFilters())
    assert refused.value.code == codes.ROLE_REQUIRED
    with pytest.raises(NotPermitted):
        events_for_auditor_export(viewer=world.user(username), filters=AuditFilters())

    assert events_for_auditor(viewer=world.user("admin"), filters=AuditFilters()).events is not None
    assert events_for_auditor(viewer=world.user("auditor"), filters=AuditFilters()).events is not None


def test_a_unit_user_is_refused_the_audit_log_and_the_refusal_is_logged(world, signed_in):
    fgw = world.user("fgw")
    security_event_record(event_type=EventType.SIGNED_IN, user=world.user("office"))

    page = signed_in("fgw").get("/audit/")
    export = signed_in("fgw").get("/audit/export.csv")

    assert page.status_code == 403
    assert export.status_code == 403
    assert "data-event-id" not in page.content.decode()
    refusals = Event.objects.filter(
        event_type=EventType.PERMISSION_REFUSED, subject_type="user", subject_id=fgw.pk
    ).order_by("id")
    assert [(event.new["path"], event.new["code"]) for event in refusals] == [
        ("/audit/", codes.ROLE_REQUIRED),
        ("/audit/export.csv", codes.ROLE_REQUIRED),
    ]


def test_reading_the_log_is_not_logged_but_the_csv_export_is(world, signed_in):
    auditor = world.user("auditor")
    security_event_record(event_type=EventType.SIGNED_IN, user=world.user("fgw"))
    client = signed_in("auditor")
    before = Event.objects.count()

    assert client.get("/audit/").status_code == 200
    assert client.get("/audit/", {"security": "1"}).status_code == 200
    assert Event.objects.count() == before

    response = client.get("/audit/export.csv", {"actor": "fgw"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("id,time,event_type")
    assert len(lines) == 2 and ",signed_in," in lines[1] and ",fgw," in lines[1]
    [exported] = Event.objects.filter(
        event_type=EventType.EXPORTED, subject_type="user", subject_id=auditor.pk
    )
    assert exported.new["path"] == "/audit/export.csv"
    assert exported.new["filename"].startswith("audit-log-") and exported.new["filename"].endswith(".csv")


def test_the_csv_export_writes_formulas_as_text(world, signed_in):
    event_record(
        event_type=EventType.ITEM_UPDATED,
        subject_type="item",
        subject_id=1,
        actor=world.user("office"),
        comment='=HYPERLINK("http://evil")',
    )
    response = signed_in("auditor").get("/audit/export.csv", {"subject_type": "item", "subject_id": "1"})

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_the_auditors_writes_are_refused_and_change_nothing(world, signed_in, api):
    auditor = world.user("auditor")
    draft = make_item(world)
    running = advance(world, make_item(world), ItemStatus.ASSIGNED)
    token_client = api("auditor")
    client = signed_in("auditor")
    items_before = Item.objects.count()
    events_before = Event.objects.exclude(event_type=EventType.PERMISSION_REFUSED).count()

    # creating an item (web): the office's page
    created = client.post("/items/new/", {"title": "审计员新建"})
    # a batch action from the lists: every ticked item refused
    batch = client.post("/items/batch/submit/", {"items": [draft.pk]})
    signed = client.post("/items/batch/sign/", {"items": [running.pk]})
    # acting on an item: not in the auditor's scope at all
    acted = client.post(f"/items/{running.pk}/act/sign/", {})
    # the API, with a token
    via_api = token_client.post(
        "/items/",
        {"title": "审计员新建", "source_type": "meeting_decision", "lead_unit": world.departments["fgw"].pk},
    )
    submitted = token_client.post(f"/items/{draft.pk}/submit")

    assert created.status_code == 403
    assert batch.status_code == 302 and signed.status_code == 302
    assert acted.status_code == 404
    assert via_api.status_code == 403
    assert via_api.json()["code"] == codes.ROLE_REQUIRED
    assert submitted.status_code == 404
    assert Item.objects.count() == items_before
    draft.refresh_from_db()
    running.refresh_from_db()
    assert draft.status == ItemStatus.DRAFT
    assert running.status == ItemStatus.ASSIGNED
    # nothing but the refusals was written
    assert Event.objects.exclude(event_type=EventType.PERMISSION_REFUSED).count() == events_before
    refused_paths = set(
        Event.objects.filter(
            event_type=EventType.PERMISSION_REFUSED, subject_type="user", subject_id=auditor.pk
        ).values_list("new__path", flat=True)
    )
    assert refused_paths == {"/items/new/", "/api/v1/items/"}


@pytest.mark.parametrize("name", ["home", "ledger", "dashboard", "inspections:list", "inbox"])
def test_the_pages_in_the_auditors_menu_do_not_fail(signed_in, name):
    # The auditor belongs to no unit: the shared pages show them nothing, and never a server error.
    response = signed_in("auditor").get(reverse(name))

    assert response.status_code in (200, 403)
