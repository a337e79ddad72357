"""The audit log is append-only in the database itself (等保 安全审计): a queryset's update() or delete() and plain
SQL are refused by triggers on SQLite and PostgreSQL alike, sealed or not, and nothing changes. The one write
allowed besides the sealer's: an unsealed event's time (the demo builder's retiming)."""

from __future__ import annotations

import datetime
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from ducha.audit.chain import chain_seal, guards_missing
from ducha.audit.models import Event, EventType
from ducha.audit.services import event_record

pytestmark = pytest.mark.django_db


def recorded(comment: str = "as it happened") -> Event:
    return event_record(
        event_type=EventType.ITEM_UPDATED,
        subject_type="item",
        subject_id=424242,
        actor=None,
        old={"title": "before"},
        new={"title": "after"},
        comment=comment,
    )


def as_stored(event: Event) -> tuple:
    return tuple(
        Event.objects.filter(pk=event.pk).values_list(
            "event_type", "subject_id", "created_at", "old", "new", "comment", "chain_seq", "chain_hash"
        )[0]
    )


def refused(write) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        write()


def test_the_database_guards_are_installed():
    assert guards_missing() == []


@pytest.mark.parametrize("sealed", [False, True], ids=["unsealed", "sealed"])
def test_a_queryset_update_is_refused_and_the_row_is_unchanged(sealed):
    event = recorded()
    if sealed:
        chain_seal()
    before = as_stored(event)

    refused(lambda: Event.objects.filter(pk=event.pk).update(comment="x"))
    refused(lambda: Event.objects.filter(pk=event.pk).update(new={"title": "rewritten"}))
    refused(lambda: Event.objects.filter(pk=event.pk).update(event_type=EventType.ITEM_CREATED))

    assert as_stored(event) == before


def test_a_queryset_delete_is_refused_and_the_row_stays():
    event = recorded()
    count = Event.objects.count()

    refused(lambda: Event.objects.filter(pk=event.pk).delete())
    refused(lambda: Event.objects.all()._raw_delete(Event.objects.db))

    assert Event.objects.count() == count
    assert Event.objects.filter(pk=event.pk).exists()


def test_plain_sql_update_and_delete_are_refused():
    event = recorded()
    chain_seal()
    before = as_stored(event)
    table = connection.ops.quote_name(Event._meta.db_table)

    def sql(statement: str, params: list) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)

    refused(lambda: sql(f"UPDATE {table} SET comment = %s WHERE id = %s", ["x", event.pk]))
    refused(lambda: sql(f"UPDATE {table} SET chain_hash = %s WHERE id = %s", ["0" * 64, event.pk]))
    refused(lambda: sql(f"UPDATE {table} SET chain_seq = NULL, chain_hash = NULL WHERE id = %s", [event.pk]))
    refused(lambda: sql(f"DELETE FROM {table} WHERE id = %s", [event.pk]))
    refused(lambda: sql(f"DELETE FROM {table}", []))

    assert as_stored(event) == before


def test_only_an_unsealed_event_may_be_moved_in_time():
    # The demo builder retimes its freshly made events once, before any seal (ducha.devtools.demo.items.history).
    event = recorded()
    earlier = event.created_at - datetime.timedelta(days=30)

    Event.objects.filter(pk=event.pk).update(created_at=earlier)
    assert Event.objects.get(pk=event.pk).created_at == earlier

    chain_seal()
    before = as_stored(event)
    refused(lambda: Event.objects.filter(pk=event.pk).update(created_at=event.created_at))
    assert as_stored(event) == before


def test_the_python_guards_stay():
    event = recorded()
    event.comment = "x"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    recorded()
    count = Event.objects.count()
    table = connection.ops.quote_name(Event._meta.db_table)

    def truncate() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table} CASCADE")

    refused(truncate)
    assert Event.objects.count() == count


def test_flush_refuses_to_erase_the_audit_log_of_a_real_database():
    recorded()
    count = Event.objects.count()
    with (
        mock.patch("ducha.audit.management.commands.flush.is_test_database", return_value=False),
        pytest.raises(CommandError),
    ):
        call_command("flush", interactive=False, verbosity=0, stdout=StringIO())
    assert Event.objects.count() == count
    assert guards_missing() == []
