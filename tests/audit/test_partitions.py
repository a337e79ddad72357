"""The audit log and the reminders partitioned on PostgreSQL (migrations audit 0007, reminders 0005;
ducha.common.partitions): the tables are partitioned, rows land where they belong, the DEFAULT partition takes
what no partition does, every guard of the audit log holds on each partition too, the chain still catches a
changed row, a gap and a position held twice, `ducha partitions ensure` is idempotent, a closed year goes to the
archive and comes back, and the reminders' unique keys hold across partitions. SQLite keeps plain tables."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ducha.audit.chain import chain_seal, chain_verify, guards_lifted, guards_missing
from ducha.audit.models import ArchivedRun, Event, EventType
from ducha.audit.partitions import EVENTS
from ducha.audit.services import event_record
from ducha.common import partitions as partitioning
from ducha.reminders.partitions import REMINDERS
from tests.clock import BEIJING, moment

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions are PostgreSQL's; SQLite keeps plain tables"
)


def recorded(comment: str = "as it happened", subject_id: int = 515151) -> Event:
    return event_record(
        event_type=EventType.ITEM_UPDATED,
        subject_type="item",
        subject_id=subject_id,
        actor=None,
        old={"title": "before"},
        new={"title": "after"},
        comment=comment,
    )


def recorded_at(when: datetime.datetime, comment: str = "dated") -> Event:
    with time_machine.travel(when, tick=False):
        return recorded(comment)


def home(event: Event) -> list[str]:
    with connection.cursor() as cursor:
        return partitioning.partition_of_row(cursor, "audit_event", "id", event.pk)


def sql(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def refused(statement: str, params: list | None = None) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        sql(statement, params)


def this_year() -> int:
    return timezone.localtime().year


def partition_names(table: str) -> list[str]:
    with connection.cursor() as cursor:
        return [p.name for p in partitioning.partitions(cursor, table)]


def test_sqlite_keeps_plain_tables_and_the_command_says_so():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's behaviour")
    out = StringIO()
    call_command("partitions", "ensure", stdout=out)
    assert "sqlite" in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute("SELECT type FROM sqlite_master WHERE name IN ('audit_event', 'reminders_reminder')")
        assert sorted(kind for (kind,) in cursor.fetchall()) == ["table", "table"]
    assert partitioning.ensure(connection, EVENTS, now=timezone.now()).partitioned is False


@postgresql_only
def test_both_tables_are_partitioned_after_migrate_with_a_default_partition():
    with connection.cursor() as cursor:
        assert partitioning.is_partitioned(cursor, "audit_event")
        assert partitioning.is_partitioned(cursor, "reminders_reminder")
    years = partition_names("audit_event")
    assert {f"audit_event_{this_year()}", f"audit_event_{this_year() + 1}", "audit_event_default"} <= set(
        years
    )
    spans = partition_names("reminders_reminder")
    assert {"reminders_reminder_items_0", "reminders_reminder_default"} <= set(spans)
    assert guards_missing() == []


@postgresql_only
def test_the_identity_continues_and_every_partition_carries_its_own_guards():
    first, second = recorded("one"), recorded("two")
    assert second.pk == first.pk + 1
    with connection.cursor() as cursor:
        for name in partition_names("audit_event"):
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgenabled <> 'D' "
                "ORDER BY tgname",
                [name],
            )
            assert [row[0] for row in cursor.fetchall()] == [
                "audit_event_append_only",
                "audit_event_moved_whole",
                "audit_event_no_truncate",
            ], name
            cursor.execute(
                "SELECT indisunique FROM pg_index WHERE indexrelid = %s::regclass", [f"{name}_chain_seq_key"]
            )
            assert cursor.fetchone() == (True,)


@postgresql_only
def test_a_row_lands_in_its_years_partition_and_old_or_far_future_ones_in_the_default():
    now_event = recorded("now")
    last_year = recorded_at(moment(this_year() - 1, 3, 1, 9), "last year")
    # New Year's Day 00:30 Beijing is still the old year in UTC: the years are Beijing's.
    new_year = recorded_at(moment(this_year(), 1, 1, 0, 30), "just after midnight in Beijing")
    old = recorded_at(datetime.datetime(1999, 5, 4, 12, tzinfo=BEIJING), "clock far behind")
    future = recorded_at(datetime.datetime(2100, 1, 1, 12, tzinfo=BEIJING), "clock far ahead")

    assert home(now_event) == [f"audit_event_{this_year()}"]
    assert home(last_year) == [f"audit_event_{this_year() - 1}"]
    assert home(new_year) == [f"audit_event_{this_year()}"]
    assert home(old) == ["audit_event_default"]
    assert home(future) == ["audit_event_default"]
    # All of them chain and verify like any other.
    chain_seal()
    assert chain_verify().ok


@postgresql_only
def test_the_guards_refuse_update_delete_and_truncate_on_a_partition_itself():
    sealed = recorded("sealed")
    chain_seal()
    unsealed = recorded("unsealed")
    partition = f"audit_event_{this_year()}"
    before = list(Event.objects.filter(pk__in=[unsealed.pk, sealed.pk]).order_by("pk").values())

    for event in (unsealed, sealed):
        refused(f'UPDATE "{partition}" SET comment = %s WHERE id = %s', ["rewritten", event.pk])
        refused(f'DELETE FROM "{partition}" WHERE id = %s', [event.pk])
        refused("DELETE FROM audit_event WHERE id = %s", [event.pk])
    refused(f'TRUNCATE "{partition}"')
    refused('TRUNCATE "audit_event_default"')
    refused("TRUNCATE audit_event")

    assert list(Event.objects.filter(pk__in=[unsealed.pk, sealed.pk]).order_by("pk").values()) == before


@postgresql_only
def test_an_unsealed_event_moves_to_another_years_partition_but_cannot_be_deleted_on_the_way():
    # given an unsealed event of this year (the demo builder's retiming moves such events into the past)
    event = recorded("retimed")
    earlier = moment(this_year() - 1, 6, 1, 9)

    # when its time is moved into last year
    Event.objects.filter(pk=event.pk).update(created_at=earlier)

    # then it lives in last year's partition, whole, once
    assert home(event) == [f"audit_event_{this_year() - 1}"]
    moved = Event.objects.get(pk=event.pk)
    assert (moved.created_at, moved.comment, moved.new) == (earlier, "retimed", {"title": "after"})
    # and deleting it is still refused, through the parent and through its partition
    refused("DELETE FROM audit_event WHERE id = %s", [event.pk])
    refused(f'DELETE FROM "audit_event_{this_year() - 1}" WHERE id = %s', [event.pk])
    # a move that changes anything else is refused too
    refused("UPDATE audit_event SET created_at = %s, comment = 'x' WHERE id = %s", [timezone.now(), event.pk])
    # once sealed, its time no longer moves
    chain_seal()
    refused("UPDATE audit_event SET created_at = %s WHERE id = %s", [timezone.now(), event.pk])
    assert Event.objects.filter(pk=event.pk).count() == 1


@postgresql_only
def test_a_chain_position_behind_the_head_is_refused():
    chain_seal()
    event = recorded("unsealed")
    refused("UPDATE audit_event SET chain_seq = 1, chain_hash = %s WHERE id = %s", ["0" * 64, event.pk])
    assert Event.objects.get(pk=event.pk).chain_seq is None


@postgresql_only
def test_verify_still_finds_a_changed_row_a_gap_and_a_position_held_twice_across_partitions():
    this = recorded("this year")
    last = recorded_at(moment(this_year() - 1, 6, 1, 9), "last year")
    chain_seal()
    assert chain_verify().ok
    this.refresh_from_db()
    last.refresh_from_db()
    assert home(this) != home(last)

    # a position held twice, in two partitions (each partition's unique index cannot see the other)
    with guards_lifted():
        sql("UPDATE audit_event SET chain_seq = %s WHERE id = %s", [this.chain_seq, last.pk])
    result = chain_verify()
    assert not result.ok
    assert result.broken_count >= 1
    with guards_lifted():
        sql("UPDATE audit_event SET chain_seq = %s WHERE id = %s", [last.chain_seq, last.pk])
    assert chain_verify().ok

    # a changed row, named by its position
    with guards_lifted():
        sql("UPDATE audit_event SET comment = 'rewritten' WHERE id = %s", [last.pk])
    result = chain_verify()
    assert result.first_broken is not None
    assert (result.first_broken.seq, result.first_broken.reason) == (last.chain_seq, "changed")
    with guards_lifted():
        sql("UPDATE audit_event SET comment = 'last year' WHERE id = %s", [last.pk])

    # a gap
    with guards_lifted():
        sql("DELETE FROM audit_event WHERE id = %s", [last.pk])
    result = chain_verify()
    assert result.first_broken is not None
    assert (result.first_broken.seq, result.first_broken.reason) == (last.chain_seq, "missing")


@postgresql_only
def test_ensure_is_idempotent_and_makes_a_missing_partition_again():
    now = timezone.now()
    first = partitioning.ensure(connection, EVENTS, now=now)
    assert first.created == []
    assert partitioning.ensure(connection, REMINDERS, now=now).created == []

    sql(f'DROP TABLE "audit_event_{this_year() + 1}"')
    again = partitioning.ensure(connection, EVENTS, now=now)
    assert again.created == [f"audit_event_{this_year() + 1}"]
    assert partitioning.ensure(connection, EVENTS, now=now).created == []
    assert guards_missing() == []

    # a year later, the next year's partition comes
    a_year_on = now + datetime.timedelta(days=366)
    ahead = partitioning.ensure(connection, EVENTS, now=a_year_on)
    assert f"audit_event_{timezone.localtime(a_year_on).year + 1}" in ahead.created

    out = StringIO()
    call_command("partitions", "ensure", stdout=out)
    call_command("partitions", "list", stdout=out)
    assert f"audit_event_{this_year()}" in out.getvalue()


@postgresql_only
def test_ensure_moves_the_rows_that_waited_in_the_default_partition():
    next_year = this_year() + 1
    sql(f'DROP TABLE "audit_event_{next_year}"')
    waiting = recorded_at(moment(next_year, 2, 1, 9), "a year ahead")
    stays = recorded_at(datetime.datetime(1999, 5, 4, 12, tzinfo=BEIJING), "clock far behind")
    assert home(waiting) == home(stays) == ["audit_event_default"]

    result = partitioning.ensure(connection, EVENTS, now=timezone.now())

    assert result.created == [f"audit_event_{next_year}"]
    assert (result.moved_from_default, result.default_rows) == (1, 1)
    assert home(waiting) == [f"audit_event_{next_year}"]
    assert home(stays) == ["audit_event_default"]
    # the default partition got its cloned guards back when it was attached again
    refused('DELETE FROM "audit_event_default" WHERE id = %s', [stays.pk])
    refused("UPDATE audit_event SET comment = 'x' WHERE id = %s", [waiting.pk])
    assert guards_missing() == []
    chain_seal()
    assert chain_verify().ok


@postgresql_only
def test_a_closed_year_is_archived_read_only_and_attached_again():
    year = this_year() - 3
    name = f"audit_event_{year}"
    old = recorded_at(moment(year, 7, 1, 9), "three years ago")
    assert home(old) == [name]

    # the current year is not closed, and an old one holding an unsealed event is refused (it could never be
    # sealed in the archive): both refused without --force, nothing moved
    for refused_name in (f"audit_event_{this_year()}", name):
        with pytest.raises(ValueError):
            partitioning.detach(connection, EVENTS, refused_name, now=timezone.now())
    assert home(old) == [name]

    chain_seal()
    newer = recorded("after the archived year")
    chain_seal()
    before = chain_verify()
    assert before.ok and before.archived == 0
    where = partitioning.detach(connection, EVENTS, name, now=timezone.now())
    # the chain goes over the archived year's positions from the last link it kept (ArchivedRun)
    after = chain_verify()
    assert after.ok, after.broken
    assert (after.archived, after.checked, after.head_seq) == (1, before.checked - 1, before.head_seq)
    run = ArchivedRun.objects.get(partition=name)
    old_seq = Event.objects.raw(f'SELECT id, chain_seq FROM ducha_archive."{name}"')[0].chain_seq
    assert (run.first_seq, run.last_seq) == (old_seq, old_seq)
    # a forged hash for the archived run breaks the link that follows it
    ArchivedRun.objects.filter(pk=run.pk).update(last_hash="0" * 64)
    forged = chain_verify()
    assert not forged.ok and forged.first_broken.seq == old_seq + 1
    ArchivedRun.objects.filter(pk=run.pk).update(last_hash=run.last_hash)
    assert Event.objects.filter(pk=newer.pk).exists()

    assert where == f"ducha_archive.{name}"
    assert not Event.objects.filter(pk=old.pk).exists()
    assert name not in partition_names("audit_event")
    with connection.cursor() as cursor:
        assert partitioning.archived(cursor, EVENTS) == [name]
    refused(f'UPDATE ducha_archive."{name}" SET comment = %s', ["x"])
    refused(f'DELETE FROM ducha_archive."{name}"')
    refused(f'TRUNCATE ducha_archive."{name}"')
    refused(
        f'INSERT INTO ducha_archive."{name}" SELECT * FROM ducha_archive."{name}" LIMIT 1',
    )
    # ensure does not make the archived year again
    assert name not in partitioning.ensure(connection, EVENTS, now=timezone.now()).created

    partitioning.attach(connection, EVENTS, name)

    assert home(old) == [name]
    assert Event.objects.get(pk=old.pk).comment == "three years ago"
    refused(f'DELETE FROM "{name}"')
    assert guards_missing() == []
    attached = chain_verify()
    assert attached.ok and attached.archived == 0 and attached.checked == before.checked
    assert not ArchivedRun.objects.filter(partition=name).exists()


@postgresql_only
def test_the_command_refuses_an_unknown_table_and_a_partition_still_open():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("partitions", "detach", "items_item", "items_item_2020", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("partitions", "detach", "audit_event", f"audit_event_{this_year()}", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command(
            "partitions", "detach", "reminders_reminder", "reminders_reminder_items_0", stdout=StringIO()
        )
    assert f"audit_event_{this_year()}" in partition_names("audit_event")


@postgresql_only
def test_a_guard_disabled_on_one_partition_is_reported():
    name = f"audit_event_{this_year()}"
    assert guards_missing() == []
    with transaction.atomic():
        sql(f'ALTER TABLE "{name}" DISABLE TRIGGER audit_event_no_truncate')
        assert guards_missing() == [f"{name}.audit_event_no_truncate"]
        assert not chain_verify().ok
        transaction.set_rollback(True)
    assert guards_missing() == []
