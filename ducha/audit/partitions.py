"""The audit log partitioned on PostgreSQL: by Beijing calendar year of `created_at` (migration audit 0007).

Why by year of the time: the archive is by closed year; the auditor's date filters and the evaluation's cut-offs
prune to their years; the hot reads that carry no time (an item's timeline, the sealer's unsealed events, the
verifier's walk in chain order) probe one index per partition, so the partitions are few — a year of a nation's
events (2·10⁷ at 10⁷ items over five years) is one partition of a few GB, a month would make sixty to a hundred
and twenty of them for every such read.

What the partitioning changes, and what replaces it:

- The primary key is (id, created_at): PostgreSQL requires the partition key in every unique key of a
  partitioned table. `id` stays unique by its identity sequence; nothing refers to an event by a foreign key
  (the migration refuses to run if something does).
- `chain_seq` is unique per partition (a local unique index on each), not across them. What keeps two events
  from one position: only the sealer writes positions, under the lock of the one-row ChainHead, and the guard
  trigger now refuses a position at or below the head (the head only moves forward); `ducha audit verify`
  reports a position held twice (the walk finds a link out of order).
- A row moves to another partition when an unsealed event's `created_at` changes (the demo builder's retiming):
  PostgreSQL runs that UPDATE as a DELETE in the old partition and an INSERT in the new one, firing the BEFORE
  DELETE trigger. The guard lets the DELETE of an UNSEALED row through, and a second trigger
  (`audit_event_moved_whole`, AFTER DELETE, at the end of the statement) refuses it unless the same event (id and
  every unchanging column) is back in the table: a plain DELETE of an unsealed event is refused as before.
- TRUNCATE: statement triggers are not cloned to partitions, so each partition has its own
  `audit_event_no_truncate`, which stands down only while the parent's is disabled (`guards_lifted`, which
  disables the parent's triggers and so their clones on every partition).
"""

from __future__ import annotations

import datetime
import importlib
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.backends.utils import CursorWrapper

from ducha.audit.models import ArchivedRun
from ducha.common.partitions import Partition, YearlyScheme, has_trigger, quote, register

# The columns that never change: migration audit 0006's, whose guard this one extends (one list, so the two
# guards cannot disagree).
KEPT: list[str] = importlib.import_module("ducha.audit.migrations.0006_chain_and_guards").KEPT

GUARD = """
CREATE OR REPLACE FUNCTION audit_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.chain_seq IS NULL AND OLD.chain_hash IS NULL AND {kept} THEN
            -- A position is unique per partition only: the sealer's must lie beyond the head.
            IF NEW.chain_seq IS NOT NULL
               AND NEW.chain_seq <= coalesce((SELECT seq FROM audit_chainhead WHERE id = 1), 0) THEN
                RAISE EXCEPTION 'audit events are append-only: chain position % is behind the head', NEW.chain_seq
                    USING ERRCODE = 'restrict_violation';
            END IF;
            RETURN NEW;
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        -- An unsealed event moving to another partition (its time changed): audit_event_moved_whole checks at
        -- the end of the statement that it is back.
        IF OLD.chain_seq IS NULL AND OLD.chain_hash IS NULL THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$
""".replace("{kept}", " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in KEPT))

MOVED_WHOLE = """
CREATE OR REPLACE FUNCTION audit_event_moved_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = TG_RELID AND tgname = 'audit_event_append_only'
               AND tgenabled = 'D') THEN
        RETURN NULL;  -- the guards are lifted (ducha.audit.chain.guards_lifted)
    END IF;
    IF NOT EXISTS (SELECT 1 FROM audit_event e WHERE e.id = OLD.id AND {kept}) THEN
        RAISE EXCEPTION 'audit events are append-only: DELETE refused' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END;
$$
""".replace("{kept}", " AND ".join(f"e.{c} IS NOT DISTINCT FROM OLD.{c}" for c in KEPT if c != "id"))

PARTITION_TRUNCATE = """
CREATE OR REPLACE FUNCTION audit_event_partition_truncate_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_trigger t ON t.tgrelid = i.inhparent
               WHERE i.inhrelid = TG_RELID AND t.tgname = 'audit_event_no_truncate' AND t.tgenabled = 'D') THEN
        RETURN NULL;  -- the parent's guard is lifted (a test database's flush)
    END IF;
    RAISE EXCEPTION 'audit events are append-only: TRUNCATE refused' USING ERRCODE = 'restrict_violation';
END;
$$
"""

# Names of the triggers on the parent (and, cloned, on every partition) and on each partition.
APPEND_ONLY = "audit_event_append_only"
NO_TRUNCATE = "audit_event_no_truncate"
MOVED = "audit_event_moved_whole"


class EventScheme(YearlyScheme):
    def is_closed(self, cursor: CursorWrapper, partition: Partition, *, now: datetime.datetime) -> str | None:
        reason = super().is_closed(cursor, partition, now=now)
        if reason:
            return reason
        # An archived year is read-only: an event left unsealed in it could never be sealed, and the chain would
        # have a hole at the position it should have had.
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(partition.name)} WHERE chain_seq IS NULL)")
        if cursor.fetchone()[0]:
            return "it holds events not sealed yet (`ducha audit seal` seals them)"
        return None

    def on_archive(self, cursor: CursorWrapper, qualified: str) -> None:
        """Read-only, and its chain positions recorded as runs of consecutive positions with the last link's hash
        (ArchivedRun), so that `ducha audit verify` goes on over the gap from the link before it. A year's events
        hold one long run, broken only where the seal of New Year's Eve's last events and of the next year's first
        ones interleaved."""
        super().on_archive(cursor, qualified)
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {qualified} WHERE chain_seq IS NULL)")
        if cursor.fetchone()[0]:
            raise ValueError(f"{qualified} holds events not sealed yet: seal them before archiving")
        name = qualified.split(".", 1)[1].strip('"')
        cursor.execute(
            f"INSERT INTO {quote(ArchivedRun._meta.db_table)} "
            "(partition, first_seq, last_seq, last_hash, archived_at) "
            "SELECT %s, run.first_seq, run.last_seq, e.chain_hash, now() FROM ("
            "  SELECT min(chain_seq) AS first_seq, max(chain_seq) AS last_seq FROM ("
            f"    SELECT chain_seq, chain_seq - row_number() OVER (ORDER BY chain_seq) AS island FROM {qualified}"
            "  ) numbered GROUP BY island"
            f") run JOIN {qualified} e ON e.chain_seq = run.last_seq",
            [name],
        )

    def on_unarchive(self, cursor: CursorWrapper, qualified: str) -> None:
        super().on_unarchive(cursor, qualified)
        name = qualified.split(".", 1)[1].strip('"')
        cursor.execute(f"DELETE FROM {quote(ArchivedRun._meta.db_table)} WHERE partition = %s", [name])

    def install(self, cursor: CursorWrapper) -> None:
        table = quote(self.table)
        for sql in (GUARD, MOVED_WHOLE, PARTITION_TRUNCATE):
            cursor.execute(sql)
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER {APPEND_ONLY} BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_guard()"
        )
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER {MOVED} AFTER DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_moved_guard()"
        )
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER {NO_TRUNCATE} BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_guard()"
        )

    def on_partition(self, cursor: CursorWrapper, name: str) -> None:
        super().on_partition(cursor, name)
        if not has_trigger(cursor, name, NO_TRUNCATE):
            cursor.execute(
                f"CREATE TRIGGER {NO_TRUNCATE} BEFORE TRUNCATE ON {quote(name)} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_partition_truncate_guard()"
            )


EVENTS = register(
    EventScheme(
        "audit_event",
        "created_at",
        primary_key=("id", "created_at"),
        local_unique=(("chain_seq",),),
        # Every event is written once and updated once by the sealer (not a HOT update: chain_seq is indexed), so
        # the current year's partition collects a dead row per event: vacuum it every 1% instead of every 20%;
        # the insert threshold keeps the visibility map fresh for index-only scans.
        storage={
            "autovacuum_vacuum_scale_factor": "0.01",
            "autovacuum_vacuum_insert_scale_factor": "0.05",
            "autovacuum_analyze_scale_factor": "0.02",
        },
        zone=ZoneInfo(settings.TIME_ZONE),
    )
)
