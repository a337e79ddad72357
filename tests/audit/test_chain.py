"""The audit log is tamper-evident (等保 安全审计, 数据完整性): the sealer chains every event with SM3, `ducha audit
verify` recomputes the chain and names the first broken link — a changed row, a deleted row, a row inserted with a
forged hash, a tampered anchor — and exits with status 1."""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from cryptography.hazmat.primitives import hashes
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.audit import chain
from ducha.audit.chain import (
    CANONICAL_FIELDS,
    canonical,
    chain_anchor,
    chain_seal,
    chain_verify,
    guards_lifted,
    guards_missing,
)
from ducha.audit.models import GENESIS_HASH, ChainHead, Event, EventType
from ducha.audit.services import event_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def anchors(tmp_path, settings):
    settings.DUCHA_AUDIT_ANCHOR_DIR = tmp_path / "anchors"
    return settings.DUCHA_AUDIT_ANCHOR_DIR


def recorded(count: int = 5) -> list[Event]:
    return [
        event_record(
            event_type=EventType.ITEM_UPDATED,
            subject_type="item",
            subject_id=900000 + index,
            actor=None,
            old={"title": f"before {index}"},
            new={"title": f"after {index}", "share": 0.5, "units": [3, 1]},
            comment=f"edit {index}",
        )
        for index in range(count)
    ]


def sealed(events: list[Event]) -> list[Event]:
    chain_seal()
    return list(Event.objects.filter(pk__in=[event.pk for event in events]).order_by("chain_seq"))


def verify_command() -> tuple[int, str]:
    """`ducha audit verify`: its exit status and what it wrote to stderr."""
    err = StringIO()
    try:
        call_command("audit", "verify", stdout=StringIO(), stderr=err)
    except CommandError as error:
        return error.returncode, f"{err.getvalue()}\n{error}"
    return 0, err.getvalue()


def test_sealing_chains_every_event_and_verify_finds_it_intact():
    events = recorded()
    assert chain_seal(limit=2) >= len(events)  # the demo county's events too, two at a time
    assert not Event.objects.filter(chain_seq__isnull=True).exists()
    assert not Event.objects.filter(chain_hash__isnull=True).exists()
    head = ChainHead.objects.get(pk=1)
    last = Event.objects.order_by("-chain_seq").first()
    assert last is not None
    assert (head.seq, head.hash) == (last.chain_seq, last.chain_hash)
    assert Event.objects.count() == head.seq  # one position per event, no gap

    result = chain_verify()
    assert result.ok, result.broken
    assert result.checked == head.seq
    assert result.unsealed == 0
    assert verify_command()[0] == 0
    assert chain_seal() == 0  # nothing left to seal


def test_each_link_is_the_sm3_of_the_previous_hash_and_the_event():
    events = sealed(recorded(2))
    first, second = events
    row = Event.objects.filter(pk=second.pk).values(*CANONICAL_FIELDS)[0]
    digest = hashes.Hash(hashes.SM3())
    digest.update(bytes.fromhex(first.chain_hash or ""))
    digest.update(canonical(second.chain_seq or 0, row))
    assert second.chain_seq == (first.chain_seq or 0) + 1
    assert second.chain_hash == digest.finalize().hex()


def test_the_canonical_form_is_the_same_bytes_on_every_database():
    # jsonb reorders keys and prints 1e20 without its exponent; SQLite keeps the text: both must hash alike.
    event = event_record(
        event_type=EventType.ITEM_UPDATED,
        subject_type="item",
        subject_id=7,
        actor=None,
        new={
            "z": "督查 ü",
            "a": 1.0,
            "b": [1e20, 0.1, 1.5e-7, 12345678901234567890, True, None],
            "m": {"y": 1, "x": 2},
        },
        comment='引号"与\\反斜杠',
    )
    Event.objects.filter(pk=event.pk).update(
        created_at=datetime.datetime(2026, 11, 18, 2, 3, 4, 5, tzinfo=datetime.UTC)
    )
    row = Event.objects.filter(pk=event.pk).values(*CANONICAL_FIELDS)[0]
    expected = (
        f'[3,{event.pk},"item_updated","item",7,null,null,"2026-11-18T02:03:04.000005+00:00",{{}},'
        '{"a":1,"b":[100000000000000000000,0.1,1.5e-07,12345678901234567890,true,null],"m":{"x":2,"y":1},'
        '"z":"督查 ü"},"引号\\"与\\\\反斜杠"]'
    )
    assert canonical(3, row).decode() == expected


def test_a_changed_row_is_named_as_the_first_broken_link():
    events = sealed(recorded())
    victim = events[2]
    # To forge, the database's guard must be lifted first (only within this test's transaction).
    with guards_lifted():
        Event.objects.filter(pk=victim.pk).update(comment="nothing happened")
    assert guards_missing() == []  # back in place

    result = chain_verify()
    assert not result.ok
    assert result.first_broken is not None
    assert (result.first_broken.seq, result.first_broken.event_id, result.first_broken.reason) == (
        victim.chain_seq,
        victim.pk,
        "changed",
    )
    assert result.broken_count == 1  # the links after it still hold: only the changed row is named
    status, output = verify_command()
    assert status == 1
    assert str(victim.chain_seq) in output and str(victim.pk) in output


def test_a_deleted_row_leaves_a_gap_that_verify_finds():
    events = sealed(recorded())
    victim = events[1]
    with guards_lifted():
        Event.objects.filter(pk=victim.pk)._raw_delete(Event.objects.db)

    result = chain_verify()
    assert result.first_broken is not None
    assert (result.first_broken.seq, result.first_broken.reason) == (victim.chain_seq, "missing")
    assert verify_command()[0] == 1


def test_the_chain_end_deleted_is_found_by_the_head():
    events = sealed(recorded())
    victim = events[-1]
    with guards_lifted():
        Event.objects.filter(pk=victim.pk)._raw_delete(Event.objects.db)

    result = chain_verify()
    assert result.first_broken is not None
    assert (result.first_broken.seq, result.first_broken.reason) == (victim.chain_seq, "missing")


def test_a_row_inserted_with_a_forged_hash_is_found():
    sealed(recorded())
    head = ChainHead.objects.get(pk=1)
    # Inserting is allowed (that is how events are written): a forger who adds a "sealed" row cannot make its hash.
    forged = Event.objects.bulk_create(
        [
            Event(
                event_type=EventType.ITEM_APPROVED,
                subject_type="item",
                subject_id=1,
                chain_seq=head.seq + 1,
                chain_hash="ab" * 32,
            )
        ]
    )[0]

    result = chain_verify()
    assert result.first_broken is not None
    assert (result.first_broken.seq, result.first_broken.event_id) == (head.seq + 1, forged.pk)
    assert verify_command()[0] == 1


def test_the_anchor_is_written_once_a_day_and_carried_into_the_chain(anchors):
    recorded()
    day = datetime.date(2026, 11, 17)

    anchor = chain_anchor(day=day)

    assert anchor.created
    path = anchors / "2026-11-17.json"
    assert anchor.path == path
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["date"] == "2026-11-17"
    anchored = Event.objects.get(chain_seq=data["seq"])
    assert anchored.chain_hash == data["hash"]
    # The AUDIT_ANCHORED event carries the same and is itself sealed, right after the anchored position.
    event = Event.objects.get(event_type=EventType.AUDIT_ANCHORED, new__date="2026-11-17")
    assert event.new == data
    assert event.chain_seq == data["seq"] + 1
    assert ChainHead.objects.get(pk=1).seq == event.chain_seq

    again = chain_anchor(day=day)  # idempotent: no second event, the same file
    assert not again.created
    assert Event.objects.filter(event_type=EventType.AUDIT_ANCHORED).count() == 1
    assert json.loads(path.read_text(encoding="utf-8")) == data

    path.unlink()  # a lost file is written again from the day's event
    chain_anchor(day=day)
    assert json.loads(path.read_text(encoding="utf-8")) == data

    result = chain_verify()
    assert result.ok, result.broken
    assert result.anchors_checked == 2  # the file and the event


def test_a_tampered_anchor_is_found(anchors):
    recorded()
    anchor = chain_anchor(day=datetime.date(2026, 11, 17))
    data = json.loads(anchor.path.read_text(encoding="utf-8"))
    data["hash"] = GENESIS_HASH
    anchor.path.write_text(json.dumps(data), encoding="utf-8")

    result = chain_verify()
    assert result.first_broken is not None
    assert (result.first_broken.seq, result.first_broken.reason) == (anchor.seq, "anchor")
    assert verify_command()[0] == 1


def test_a_chain_rewritten_from_a_changed_row_on_is_found_by_its_anchor(anchors):
    # The forger recomputes every hash after the change: the links hold, the anchor outside the database does not.
    events = recorded()
    anchor = chain_anchor(day=datetime.date(2026, 11, 17))
    victim = Event.objects.get(pk=events[0].pk)
    with guards_lifted():
        Event.objects.filter(chain_seq__gte=victim.chain_seq).update(chain_seq=None, chain_hash=None)
        Event.objects.filter(pk=victim.pk).update(comment="nothing happened")
        head = ChainHead.objects.get(pk=1)
        previous = Event.objects.get(chain_seq=(victim.chain_seq or 0) - 1)
        head.seq, head.hash = previous.chain_seq, previous.chain_hash
        head.save()
        Event.objects.filter(event_type=EventType.AUDIT_ANCHORED)._raw_delete(Event.objects.db)
        chain_seal()

    result = chain_verify()
    assert [(link.seq, link.reason) for link in result.broken] == [(anchor.seq, "anchor")]
    assert verify_command()[0] == 1


def test_verify_fails_when_the_database_guards_are_gone():
    sealed(recorded(1))
    with guards_lifted():
        assert guards_missing()
        result = chain_verify()
        assert not result.ok
        assert verify_command()[0] == 1
    assert chain_verify().ok


def test_the_seal_and_anchor_commands():
    recorded(3)
    out = StringIO()
    call_command("audit", "seal", stdout=out)
    assert not Event.objects.filter(chain_seq__isnull=True).exists()
    call_command("audit", "anchor", "--date", "2026-11-17", stdout=out)
    assert Event.objects.filter(event_type=EventType.AUDIT_ANCHORED, new__date="2026-11-17").count() == 1


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql",
    reason="statistics are PostgreSQL's planner's",
)
def test_a_large_seal_takes_the_event_tables_statistics_again(monkeypatch):

    chain.chain_seal()
    recorded(3)
    monkeypatch.setattr(chain, "ANALYZE_AFTER", 4)
    with CaptureQueriesContext(connection) as few:
        assert chain.chain_seal() == 3
    recorded(4)
    with CaptureQueriesContext(connection) as many:
        assert chain.chain_seal() == 4
    analyzed = [query["sql"] for query in many.captured_queries if query["sql"].startswith("ANALYZE")]
    assert analyzed == ['ANALYZE "audit_event"']
    assert not [query for query in few.captured_queries if query["sql"].startswith("ANALYZE")]
    assert chain.chain_verify().ok
