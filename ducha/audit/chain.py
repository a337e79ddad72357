"""The audit log's hash chain (tamper evidence, 等保 安全审计): seal, verify, anchor.

Writers never wait for the chain: every domain write inserts its event unsealed (chain_seq and chain_hash NULL),
and the sealer chains them afterwards, batch after batch, in id order of what it finds unsealed, under a lock on the
one-row ChainHead. The chain order is the seal order: an event committed late (a smaller id committed after a later
one was sealed) simply gets a later position.

    chain_hash(n) = SM3(bytes(chain_hash(n-1)) || canonical(event n)),  chain_hash(0) = 64 zeros

canonical(event) is a UTF-8 JSON array (sorted keys, no spaces) of the position, the id, the event type, the subject,
the actor and their unit, created_at in UTC with microseconds, old, new and the comment: the same bytes on SQLite and
PostgreSQL (jsonb reorders keys and prints integral numbers without an exponent: sorted keys and integral floats
written as integers make both alike).

Each day's first scheduler round after midnight (Beijing time) anchors the head of the day that ended: a JSON file
in settings.DUCHA_AUDIT_ANCHOR_DIR (copy it off the machine: an anchor the attacker can rewrite proves nothing) and
an AUDIT_ANCHORED event, the new day's first, itself sealed into the chain. `ducha audit verify` recomputes every
link, checks the head and every anchor, and names the first broken link.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from ducha.audit.models import GENESIS_HASH, ArchivedRun, ChainHead, Event, EventType
from ducha.audit.services import event_record

logger = logging.getLogger("ducha.audit")

# What canonical() reads of an event, in this order (after the chain position).
CANONICAL_FIELDS = (
    "id",
    "event_type",
    "subject_type",
    "subject_id",
    "actor_id",
    "actor_unit_id",
    "created_at",
    "old",
    "new",
    "comment",
)
# Unsealed events older than this are reported by verify: the sealer is not running.
UNSEALED_GRACE = datetime.timedelta(hours=1)
# The database's guards (migration audit 0006), by vendor.
ANALYZE_AFTER = 100_000  # events sealed in one call, after which the event table's statistics are taken again

GUARDS = {
    "postgresql": ("audit_event_append_only", "audit_event_no_truncate"),
    "sqlite": ("audit_event_no_delete", "audit_event_append_only"),
}


# --- the canonical form and the hash ---------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """JSON values as both databases give them back: an integral float becomes an int (jsonb prints 1e20 as
    100000000000000000000, which reads back as an int; SQLite keeps the text as written)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def canonical(seq: int, row: dict[str, Any]) -> bytes:
    """The bytes an event's link hashes (after the previous hash): `row` holds CANONICAL_FIELDS."""
    created_at: datetime.datetime = row["created_at"]
    values = [
        seq,
        row["id"],
        row["event_type"],
        row["subject_type"],
        row["subject_id"],
        row["actor_id"],
        row["actor_unit_id"],
        created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        _plain(row["old"]),
        _plain(row["new"]),
        row["comment"],
    ]
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def link_hash(previous: str, seq: int, row: dict[str, Any]) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(bytes.fromhex(previous))
    digest.update(canonical(seq, row))
    return digest.finalize().hex()


# --- sealing ---------------------------------------------------------------------------------------------------


def _head_locked() -> ChainHead:
    """The head row, locked; made again from the last sealed event when it is missing (a flushed database has
    none: it starts at the genesis)."""
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    top = Event.objects.filter(chain_seq__isnull=False).order_by("-chain_seq").first()
    head = ChainHead(pk=1)
    if top is not None and top.chain_seq is not None and top.chain_hash is not None:
        head.seq, head.hash = top.chain_seq, top.chain_hash
    head.save(force_insert=True)
    return ChainHead.objects.select_for_update().get(pk=1)


def _write_links(links: list[tuple[int, int, str]]) -> None:
    """Set (id, chain_seq, chain_hash) on many events in one statement (PostgreSQL) or one prepared statement run
    many times (SQLite)."""
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            values = ", ".join(["(%s::bigint, %s::bigint, %s)"] * len(links))
            cursor.execute(
                f"UPDATE {table} AS e SET chain_seq = v.seq, chain_hash = v.hash "
                f"FROM (VALUES {values}) AS v(id, seq, hash) WHERE e.id = v.id",
                [value for link in links for value in link],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET chain_seq = %s, chain_hash = %s WHERE id = %s",
                [(seq, digest, event_id) for event_id, seq, digest in links],
            )


def chain_seal(*, limit: int = 5000) -> int:
    """Chain every unsealed event, `limit` at a time, each batch in its own transaction under the head's lock (two
    sealers queue). Returns how many events were sealed."""
    sealed = 0
    while True:
        with transaction.atomic():
            head = _head_locked()
            rows = list(
                Event.objects.filter(chain_seq__isnull=True).order_by("id").values(*CANONICAL_FIELDS)[:limit]
            )
            if not rows:
                break
            seq, previous = head.seq, head.hash
            links: list[tuple[int, int, str]] = []
            for row in rows:
                seq += 1
                previous = link_hash(previous, seq, row)
                links.append((row["id"], seq, previous))
            _write_links(links)
            head.seq, head.hash, head.sealed_at = seq, previous, timezone.now()
            head.save(update_fields=["seq", "hash", "sealed_at"])
        sealed += len(rows)
        if len(rows) < limit:
            break
    if sealed >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # Sealing gives every row its chain position: the planner's statistics, taken before (by the partitions'
        # conversion, or before a long catch-up), still say the positions are all NULL, so verify's keyset batch
        # ("chain_seq >= n ORDER BY chain_seq LIMIT 5000") is planned as a sort of every later row of every
        # partition (3 s a batch at ten million events, not 3 ms). Autovacuum would see it in time; verify may run
        # first.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Event._meta.db_table)}")
    return sealed


# --- verifying -------------------------------------------------------------------------------------------------


@dataclass
class BrokenLink:
    seq: int
    event_id: int | None  # None: no event holds that position (deleted)
    # "changed": the event no longer hashes to its link; "missing": no event holds the position (deleted);
    # "beyond-head": an event past the head (forged); "head": the head disagrees with the last link; "anchor": an
    # anchor (file or AUDIT_ANCHORED event) disagrees with the chain at its position; "sealed-without-position".
    reason: str
    detail: str = ""


@dataclass
class VerifyResult:
    checked: int = 0  # links recomputed
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    broken: list[BrokenLink] = field(default_factory=list)  # in chain order, at most a few hundred kept
    broken_count: int = 0
    unsealed: int = 0
    unsealed_stale: int = 0  # unsealed for longer than UNSEALED_GRACE
    anchors_checked: int = 0
    archived: int = 0  # positions held by archived partitions (ArchivedRun), gone over from their last link
    anchors_archived: int = 0  # anchors inside an archived run (checked when they fall on its last link)
    guards_missing: list[str] = field(default_factory=list)

    @property
    def first_broken(self) -> BrokenLink | None:
        return self.broken[0] if self.broken else None

    @property
    def ok(self) -> bool:
        return not self.broken_count and not self.guards_missing

    def _add(self, link: BrokenLink) -> None:
        self.broken_count += 1
        if len(self.broken) < 200:
            self.broken.append(link)


def guards_missing(conn: BaseDatabaseWrapper | None = None) -> list[str]:
    """The database triggers that should guard the event table and are missing or disabled."""
    conn = conn or connection
    expected = GUARDS.get(conn.vendor, ())
    if not expected:
        return []
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgenabled <> 'D'",
                [Event._meta.db_table],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [Event._meta.db_table],
            )
        present = {name for (name,) in cursor.fetchall()}
        missing = [name for name in expected if name not in present]
        if conn.vendor == "postgresql":
            # Partitioned (audit 0007): every partition carries the row trigger cloned from the table and a
            # TRUNCATE guard of its own (statement triggers are not cloned); one disabled there opens that year.
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "LEFT JOIN pg_trigger t ON t.tgrelid = c.oid AND NOT t.tgisinternal AND t.tgenabled <> 'D' "
                "WHERE i.inhparent = %s::regclass",
                [Event._meta.db_table],
            )
            on_partitions: dict[str, set[str]] = {}
            for partition, trigger in cursor.fetchall():
                on_partitions.setdefault(partition, set()).add(trigger)
            for partition, triggers in sorted(on_partitions.items()):
                missing += [f"{partition}.{name}" for name in expected if name not in triggers]
    return missing


@contextmanager
def guards_lifted(conn: BaseDatabaseWrapper | None = None) -> Iterator[None]:
    """Within one transaction, the event table unguarded: for `ducha flush` on a test database and for tests that
    forge a row. PostgreSQL disables the triggers; SQLite drops them and creates them again from their own text."""
    conn = conn or connection
    table = conn.ops.quote_name(Event._meta.db_table)
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            names = [name for name in GUARDS["postgresql"] if name not in guards_missing(conn)]
            # ALTER TABLE refuses while deferred foreign-key checks on the table are pending: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name in names:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {conn.ops.quote_name(name)}")
            yield
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name in names:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {conn.ops.quote_name(name)}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys: INITIALLY DEFERRED
        elif conn.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [Event._meta.db_table],
            )
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f"DROP TRIGGER {conn.ops.quote_name(name)}")
            yield
            for _name, sql in triggers:
                cursor.execute(sql)
        else:
            yield


def _anchor_files() -> list[Path]:
    folder = Path(settings.DUCHA_AUDIT_ANCHOR_DIR)
    return sorted(folder.glob("????-??-??.json")) if folder.is_dir() else []


def chain_verify(*, batch: int = 5000, now: datetime.datetime | None = None) -> VerifyResult:
    """Recompute every link in chain order (keyset batches: memory stays flat at ten million events); check the
    head, the anchors (files and AUDIT_ANCHORED events) and the database's guards. Read-only; a sealer may run
    meanwhile."""
    result = VerifyResult()
    head_before = ChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
    anchors: list[tuple[str, int, str]] = []  # (where, seq, hash)
    for path in _anchor_files():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            anchors.append((path.name, int(data["seq"]), str(data["hash"])))
        except (OSError, ValueError, KeyError, TypeError):
            result._add(BrokenLink(seq=0, event_id=None, reason="anchor", detail=f"{path.name}: unreadable"))
    for event_new in Event.objects.filter(event_type=EventType.AUDIT_ANCHORED).values_list("new", flat=True):
        if isinstance(event_new, dict) and "seq" in event_new and "hash" in event_new:
            anchors.append(
                (f"event of {event_new.get('date', '?')}", int(event_new["seq"]), str(event_new["hash"]))
            )
    hashes_at: dict[int, str] = {}  # the anchored positions' hashes, collected on the walk
    anchored = {seq for _where, seq, _digest in anchors}

    # Archived runs (ArchivedRun): at the first position of one, the walk goes on from its last link.
    runs = {
        first: (last, digest)
        for first, last, digest in ArchivedRun.objects.values_list("first_seq", "last_seq", "last_hash")
    }

    def over_archive(previous: str, expected: int) -> tuple[str, int]:
        while expected in runs:
            last, digest = runs[expected]
            result.archived += last - expected + 1
            if last in anchored:
                hashes_at[last] = digest
            previous, expected = digest, last + 1
        return previous, expected

    previous, expected = over_archive(GENESIS_HASH, 1)
    while True:
        rows = list(
            Event.objects.filter(chain_seq__gte=expected)
            .order_by("chain_seq")
            .values("chain_seq", "chain_hash", *CANONICAL_FIELDS)[:batch]
        )
        for row in rows:
            seq, stored = row["chain_seq"], row["chain_hash"] or ""
            if seq != expected:
                previous, expected = over_archive(previous, expected)
            if seq != expected:
                # Positions expected..seq-1 hold no event: deleted (the next link cannot match: not counted again).
                detail = f"{seq - expected} position(s) empty before event {row['id']}"
                result._add(BrokenLink(seq=expected, event_id=None, reason="missing", detail=detail))
            elif link_hash(previous, seq, row) != stored:
                result._add(BrokenLink(seq=seq, event_id=row["id"], reason="changed"))
            if seq in anchored:
                hashes_at[seq] = stored
            result.checked += 1
            previous, expected = stored, seq + 1
        if len(rows) < batch:
            break
    previous, expected = over_archive(previous, expected)
    last = expected - 1
    head = ChainHead.objects.filter(pk=1).first()
    result.head_seq, result.head_hash = last, previous if last else GENESIS_HASH
    if last < head_before:
        result._add(BrokenLink(seq=last + 1, event_id=None, reason="missing", detail="the chain's end"))
    elif head is not None and last > head.seq:
        result._add(BrokenLink(seq=head.seq + 1, event_id=None, reason="beyond-head"))
    elif head is not None and last == head.seq and last and head.hash != previous:
        result._add(BrokenLink(seq=last, event_id=None, reason="head"))
    half_sealed = Event.objects.filter(chain_seq__isnull=True, chain_hash__isnull=False).values_list(
        "pk", flat=True
    )
    for event_id in half_sealed[:200]:
        result._add(BrokenLink(seq=0, event_id=event_id, reason="sealed-without-position"))
    for where, seq, digest in anchors:
        if seq not in hashes_at and any(first <= seq <= last for first, (last, _h) in runs.items()):
            result.anchors_archived += 1  # its event is in the archive: checked when the year is attached
            continue
        result.anchors_checked += 1
        if hashes_at.get(seq) != digest:
            result._add(BrokenLink(seq=seq, event_id=None, reason="anchor", detail=where))
    result.broken.sort(key=lambda link: link.seq)
    moment = now or timezone.now()
    unsealed = Event.objects.filter(chain_seq__isnull=True)
    result.unsealed = unsealed.count()
    result.unsealed_stale = (
        unsealed.filter(created_at__lt=moment - UNSEALED_GRACE).count() if result.unsealed else 0
    )
    result.guards_missing = guards_missing()
    return result


# --- anchoring -------------------------------------------------------------------------------------------------


@dataclass
class Anchor:
    date: datetime.date
    seq: int
    hash: str
    count: int  # events chained since the previous anchor
    path: Path
    created: bool  # False: that day was anchored already (its file written again if it was missing)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def chain_anchor(*, day: datetime.date | None = None) -> Anchor:
    """Anchor the head at the close of `day` (default yesterday, Beijing time): seal everything, then record an
    AUDIT_ANCHORED event carrying (date, seq, hash, count) — the first event of the new day, itself sealed at once —
    and write the same to DUCHA_AUDIT_ANCHOR_DIR/<day>.json atomically. Idempotent per day: a day anchored already
    changes nothing (its file is written again from its event when it went missing)."""
    day = day or timezone.localdate() - datetime.timedelta(days=1)
    path = Path(settings.DUCHA_AUDIT_ANCHOR_DIR) / f"{day.isoformat()}.json"
    chain_seal()
    with transaction.atomic():
        head = _head_locked()  # no sealer moves the head meanwhile; two anchoring processes queue here
        done = (
            Event.objects.filter(event_type=EventType.AUDIT_ANCHORED, new__date=day.isoformat())
            .order_by("id")
            .values_list("new", flat=True)
            .first()
        )
        if done is not None:
            data, created = dict(done), False
        else:
            earlier = (
                Event.objects.filter(event_type=EventType.AUDIT_ANCHORED)
                .order_by("-id")
                .values_list("new", flat=True)
                .first()
            )
            since = int(earlier.get("seq", 0)) if isinstance(earlier, dict) else 0
            data = {"date": day.isoformat(), "seq": head.seq, "hash": head.hash, "count": head.seq - since}
            event_record(
                event_type=EventType.AUDIT_ANCHORED,
                subject_type="audit",
                subject_id=head.seq,
                actor=None,
                new=data,
            )
            created = True
    if created or not path.exists():
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n"
        _write_atomically(path, text)
    if created:
        chain_seal()
        logger.info("audit chain anchored: %s at #%d %s", day, data["seq"], data["hash"])
    return Anchor(
        date=day,
        seq=int(data["seq"]),
        hash=str(data["hash"]),
        count=int(data["count"]),
        path=path,
        created=created,
    )
