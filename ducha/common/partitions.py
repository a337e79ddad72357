"""PostgreSQL declarative partitioning of the large append-only logs (the audit events, the reminders).

Each partitioned table is described by a `Scheme` (ducha.audit.partitions, ducha.reminders.partitions: found by
`autodiscover`, like the admin's modules), which says how the table is cut (by local calendar year of a time, or by
spans of an id), what replaces the unique keys PostgreSQL cannot keep global on a partitioned table, and what each
partition carries besides the parent's indexes (triggers, local unique indexes, storage settings). The machinery:

- `convert` (a migration): a plain, filled table becomes a partitioned one in one transaction — the partitioned
  table made beside it with partitions covering the data and the time ahead plus a DEFAULT one, every row copied
  (INSERT … SELECT, before any index exists), the old table dropped, the new one renamed, then the identity
  continued from the old sequence, the constraints and indexes made again under their names, the triggers and
  ANALYZE. `revert` makes the plain table again from the historical model (the migration's reverse).
- `ensure` (`ducha partitions ensure`, the scheduler): the partitions ahead of time, idempotent; rows that an
  insert put in the DEFAULT partition for want of one are moved into the partition made for them.
- `detach` / `attach` (`ducha partitions detach|attach`): a closed partition out of the table into the schema
  `ducha_archive`, read-only, and back.

SQLite (the embedded default) keeps plain tables: nothing here runs there.
"""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

ARCHIVE_SCHEMA = "ducha_archive"
# How long a partition's DDL waits for the table's lock before giving up (it queues every later query behind it).
LOCK_TIMEOUT = "5s"

_REGISTRY: dict[str, Scheme] = {}


def register(scheme: Scheme) -> Scheme:
    _REGISTRY[scheme.table] = scheme
    return scheme


def registered() -> list[Scheme]:
    """Every scheme of the installed apps (their `partitions` modules), in registration order."""
    autodiscover_modules("partitions")
    return list(_REGISTRY.values())


def scheme_for(table: str) -> Scheme:
    schemes = {scheme.table: scheme for scheme in registered()}
    if table not in schemes:
        raise KeyError(table)
    return schemes[table]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- what a table is cut into ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    """One partition: rows with lower <= key < upper (SQL literals)."""

    name: str
    lower: str
    upper: str


@dataclass(frozen=True)
class Partition:
    name: str
    schema: str
    bound: str  # as PostgreSQL prints it: "FOR VALUES FROM (…) TO (…)" or "DEFAULT"
    rows: int  # the planner's estimate (-1: never analysed)

    @property
    def is_default(self) -> bool:
        return self.bound == "DEFAULT"

    @property
    def bounds(self) -> tuple[str, str] | None:
        match = re.fullmatch(r"FOR VALUES FROM \((.+)\) TO \((.+)\)", self.bound)
        return (match.group(1), match.group(2)) if match else None


@dataclass
class Scheme:
    """How one table is partitioned. Subclasses say where the ranges fall."""

    table: str
    key: str
    # The parent's primary key (it must hold the key); None: none on the parent, `local_primary_key` per partition.
    primary_key: tuple[str, ...] | None = None
    local_primary_key: tuple[str, ...] | None = None
    # Unique keys that cannot hold the partition key, kept unique per partition (what replaces the global one is
    # the scheme's business: see ducha.audit.partitions).
    local_unique: tuple[tuple[str, ...], ...] = ()
    # Storage parameters of every partition (autovacuum).
    storage: dict[str, str] = field(default_factory=dict)

    @property
    def default_partition(self) -> str:
        return f"{self.table}_default"

    # Overridden by the concrete schemes.
    def initial_ranges(self, cursor: CursorWrapper, *, now: datetime.datetime) -> list[Range]:
        raise NotImplementedError

    def wanted_ranges(
        self, cursor: CursorWrapper, existing: Sequence[Partition], *, now: datetime.datetime
    ) -> list[Range]:
        raise NotImplementedError

    def is_closed(self, cursor: CursorWrapper, partition: Partition, *, now: datetime.datetime) -> str | None:
        """None when the partition may be archived; otherwise why not."""
        raise NotImplementedError

    def install(self, cursor: CursorWrapper) -> None:
        """The parent's own objects after a conversion (triggers)."""

    def on_partition(self, cursor: CursorWrapper, name: str) -> None:
        """What every partition carries besides the parent's indexes: idempotent, cheap when already there."""
        if self.local_primary_key and not _has_constraint(cursor, name, f"{name}_pkey"):
            key = ", ".join(quote(c) for c in self.local_primary_key)
            cursor.execute(
                f"ALTER TABLE {quote(name)} ADD CONSTRAINT {quote(name + '_pkey')} PRIMARY KEY ({key})"
            )
        for columns in self.local_unique:
            index = f"{name}_{'_'.join(columns)}_key"
            # Looked up first: CREATE INDEX IF NOT EXISTS would lock the table against writes before it looks.
            cursor.execute("SELECT to_regclass(%s)", [quote(index)])
            if cursor.fetchone()[0] is None:
                listed = ", ".join(quote(c) for c in columns)
                cursor.execute(f"CREATE UNIQUE INDEX {quote(index)} ON {quote(name)} ({listed})")

    def on_archive(self, cursor: CursorWrapper, qualified: str) -> None:
        """A detached partition made read-only (it lost the triggers it had from the parent)."""
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER ducha_archive_read_only BEFORE INSERT OR UPDATE OR DELETE ON {qualified} "
            "FOR EACH ROW EXECUTE FUNCTION ducha_archive_read_only()"
        )

    def on_unarchive(self, cursor: CursorWrapper, qualified: str) -> None:
        cursor.execute(f"DROP TRIGGER IF EXISTS ducha_archive_read_only ON {qualified}")


ARCHIVE_GUARD = """
CREATE OR REPLACE FUNCTION ducha_archive_read_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'archived partition %.% is read-only: % refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$
"""


class YearlyScheme(Scheme):
    """RANGE on a timestamptz by local calendar year (the product's years are Beijing's): `<table>_<year>`."""

    # An empty table (a new installation) starts this many years back, for history imported later.
    years_back_when_empty: int = 5
    # Partitions made ahead of the current year.
    years_ahead: int = 1
    # A partition is archived only this many full years after it closed.
    closed_after_years: int = 1
    # Never more than this many years back from the data (anything older stays in the default partition).
    years_back_max: int = 30

    def __init__(self, *args: Any, zone: datetime.tzinfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def year_start(self, year: int) -> str:
        moment = datetime.datetime(year, 1, 1, tzinfo=self.zone)
        return "'" + moment.isoformat(sep=" ") + "'"

    def range_of(self, year: int) -> Range:
        return Range(f"{self.table}_{year}", self.year_start(year), self.year_start(year + 1))

    def year_of(self, partition: Partition) -> int | None:
        match = re.fullmatch(re.escape(self.table) + r"_(\d{4})", partition.name)
        return int(match.group(1)) if match else None

    def _local_year(self, now: datetime.datetime) -> int:
        return now.astimezone(self.zone).year

    def initial_ranges(self, cursor: CursorWrapper, *, now: datetime.datetime) -> list[Range]:
        this_year = self._local_year(now)
        cursor.execute(f"SELECT min({quote(self.key)}) FROM {quote(self.table)}")
        (earliest,) = cursor.fetchone()
        if earliest is None:
            first = this_year - self.years_back_when_empty
        else:
            first = max(min(earliest.astimezone(self.zone).year, this_year), this_year - self.years_back_max)
        return [self.range_of(year) for year in range(first, this_year + self.years_ahead + 1)]

    def wanted_ranges(
        self, cursor: CursorWrapper, existing: Sequence[Partition], *, now: datetime.datetime
    ) -> list[Range]:
        this_year = self._local_year(now)
        years = [year for year in (self.year_of(p) for p in existing) if year is not None]
        first = min([*years, this_year])
        return [self.range_of(year) for year in range(first, this_year + self.years_ahead + 1)]

    def is_closed(self, cursor: CursorWrapper, partition: Partition, *, now: datetime.datetime) -> str | None:
        year = self.year_of(partition)
        if year is None:
            return "not a year's partition"
        if year > self._local_year(now) - 1 - self.closed_after_years:
            return f"the year {year} is not closed for {self.closed_after_years} full year(s) yet"
        return None


class SpanScheme(Scheme):
    """RANGE on an integer id by spans `[lower, lower + span)`: `<table>_<label>_<lower>`. The spans follow the
    rate the ids are handed out at (about a year's worth each); NULL keys go to the default partition."""

    label: str = "from"
    minimum_span: int = 100_000

    def __init__(self, *args: Any, domain_table: str, domain_time: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.domain_table = domain_table  # where the key's ids come from (items_item)
        self.domain_time = domain_time  # its creation time, for the rate

    def range_of(self, lower: int, span: int) -> Range:
        return Range(f"{self.table}_{self.label}_{lower}", str(lower), str(lower + span))

    def _domain_max(self, cursor: CursorWrapper) -> int:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {quote(self.domain_table)}")
        return int(cursor.fetchone()[0])

    def span_for(self, cursor: CursorWrapper, *, now: datetime.datetime) -> int:
        """About a year of ids at the last year's rate, rounded up to a multiple of 10,000 (at least minimum_span)."""
        cursor.execute(
            f"SELECT count(*) FROM {quote(self.domain_table)} WHERE {quote(self.domain_time)} >= %s",
            [now - datetime.timedelta(days=365)],
        )
        per_year = int(cursor.fetchone()[0])
        return max(self.minimum_span, -(-per_year // 10_000) * 10_000)

    def _ranges(self, *, grid: int, start: int, span: int, top: int) -> list[Range]:
        """The spans of the grid `grid + k·span` from `start` up to the one after the span that holds `top` (the
        highest id now): always one whole span ahead."""
        holding = grid + max(0, (top - grid) // span) * span
        return [self.range_of(lower, span) for lower in range(start, holding + span + 1, span)]

    def initial_ranges(self, cursor: CursorWrapper, *, now: datetime.datetime) -> list[Range]:
        span = self.span_for(cursor, now=now)
        cursor.execute(f"SELECT coalesce(max({quote(self.key)}), 0) FROM {quote(self.table)}")
        top = max(int(cursor.fetchone()[0]), self._domain_max(cursor))
        return self._ranges(grid=0, start=0, span=span, top=top)

    def wanted_ranges(
        self, cursor: CursorWrapper, existing: Sequence[Partition], *, now: datetime.datetime
    ) -> list[Range]:
        spans = sorted(
            (int(b[0].strip("'")), int(b[1].strip("'")))
            for b in (p.bounds for p in existing)
            if b is not None
        )
        top = self._domain_max(cursor)
        if not spans:
            return self._ranges(grid=0, start=0, span=self.span_for(cursor, now=now), top=top)
        last_lower, last_upper = spans[-1]
        if top < last_lower:  # the highest id lies in an earlier span: the last one is the span ahead
            return []
        return self._ranges(grid=last_lower, start=last_upper, span=last_upper - last_lower, top=top)

    def is_closed(self, cursor: CursorWrapper, partition: Partition, *, now: datetime.datetime) -> str | None:
        raise NotImplementedError


# --- the catalog -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    name: str
    type: str
    not_null: bool
    identity: str  # "" | "a" | "d"
    default: str | None


def is_postgresql(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor == "postgresql"


def is_partitioned(cursor: CursorWrapper, table: str) -> bool:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [quote(table)])
    row = cursor.fetchone()
    return bool(row and row[0] == "p")


def partitions(cursor: CursorWrapper, table: str) -> list[Partition]:
    cursor.execute(
        "SELECT c.relname, n.nspname, pg_get_expr(c.relpartbound, c.oid), c.reltuples::bigint "
        "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
        [quote(table)],
    )
    return [Partition(name, schema, bound, int(rows)) for name, schema, bound, rows in cursor.fetchall()]


def partition_of_row(cursor: CursorWrapper, table: str, column: str, value: Any) -> list[str]:
    """The partitions that hold the rows where column = value (tests, checks)."""
    cursor.execute(
        f"SELECT DISTINCT tableoid::regclass::text FROM {quote(table)} WHERE {quote(column)} = %s", [value]
    )
    return [name for (name,) in cursor.fetchall()]


def _columns(cursor: CursorWrapper, table: str) -> list[_Column]:
    cursor.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity, "
        "pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        [quote(table)],
    )
    return [_Column(*row) for row in cursor.fetchall()]


def _has_constraint(cursor: CursorWrapper, table: str, name: str) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass(%s) AND conname = %s", [quote(table), name]
    )
    return cursor.fetchone() is not None


def has_trigger(cursor: CursorWrapper, table: str, name: str) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND tgname = %s", [quote(table), name]
    )
    return cursor.fetchone() is not None


def _incoming_foreign_keys(cursor: CursorWrapper, table: str) -> list[str]:
    cursor.execute(
        "SELECT conrelid::regclass::text || '.' || conname FROM pg_constraint "
        "WHERE confrelid = %s::regclass AND contype = 'f' AND conrelid <> confrelid",
        [quote(table)],
    )
    return [name for (name,) in cursor.fetchall()]


def _sequence_of(cursor: CursorWrapper, table: str, column: str) -> tuple[str | None, int, bool]:
    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [quote(table), column])
    (sequence,) = cursor.fetchone()
    if sequence is None:
        return None, 1, False
    cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
    last_value, is_called = cursor.fetchone()
    return sequence, int(last_value), bool(is_called)


@dataclass(frozen=True)
class _Index:
    name: str
    unique: bool
    definition: str
    columns: tuple[str, ...]
    predicate: str | None


def _indexes(cursor: CursorWrapper, table: str) -> list[_Index]:
    """The table's indexes that no constraint owns (a constraint's index comes back with it)."""
    cursor.execute(
        "SELECT c.relname, i.indisunique, pg_get_indexdef(i.indexrelid), "
        "array(SELECT pg_get_indexdef(i.indexrelid, k + 1, true) FROM generate_subscripts(i.indkey, 1) AS k "
        "      WHERE k < i.indnkeyatts ORDER BY k), "
        "pg_get_expr(i.indpred, i.indrelid, true) "
        "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid) "
        "ORDER BY c.relname",
        [quote(table)],
    )
    return [
        _Index(name, unique, definition, tuple(columns), predicate)
        for name, unique, definition, columns, predicate in cursor.fetchall()
    ]


def _constraints(cursor: CursorWrapper, table: str) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(name, type, definition, columns) of the table's constraints (NOT NULL aside)."""
    cursor.execute(
        "SELECT c.conname, c.contype, pg_get_constraintdef(c.oid), "
        "array(SELECT a.attname FROM unnest(c.conkey) AS k JOIN pg_attribute a "
        "      ON a.attrelid = c.conrelid AND a.attnum = k) "
        "FROM pg_constraint c WHERE c.conrelid = %s::regclass AND c.contype IN ('p', 'u', 'c', 'f', 'x') "
        "ORDER BY c.contype, c.conname",
        [quote(table)],
    )
    return [(name, kind, definition, tuple(columns)) for name, kind, definition, columns in cursor.fetchall()]


# --- conversion (the migrations) -------------------------------------------------------------------------------


@dataclass
class Conversion:
    table: str
    rows: int = 0
    partitions: list[str] = field(default_factory=list)
    seconds: float = 0.0
    copy_seconds: float = 0.0
    done: bool = False  # False: the table was partitioned already

    def __str__(self) -> str:
        if not self.done:
            return f"{self.table}: partitioned already"
        rate = self.rows / self.seconds if self.seconds else 0.0
        return (
            f"{self.table}: {self.rows:,} rows into {len(self.partitions)} partitions in {self.seconds:.1f} s "
            f"(copy {self.copy_seconds:.1f} s; {rate:,.0f} rows/s overall)"
        )


def _create_range(cursor: CursorWrapper, parent: str, scheme: Scheme, part: Range) -> None:
    cursor.execute(
        f"CREATE TABLE {quote(part.name)} PARTITION OF {quote(parent)} "
        f"FOR VALUES FROM ({part.lower}) TO ({part.upper})"
    )
    _set_storage(cursor, scheme, part.name)


def _set_storage(cursor: CursorWrapper, scheme: Scheme, name: str) -> None:
    if scheme.storage:
        settings = ", ".join(f"{key} = {value}" for key, value in scheme.storage.items())
        cursor.execute(f"ALTER TABLE {quote(name)} SET ({settings})")


def convert(
    connection: BaseDatabaseWrapper,
    scheme: Scheme,
    *,
    now: datetime.datetime,
    maintenance_work_mem: str = "256MB",
) -> Conversion:
    """Make the plain, filled table `scheme.table` partitioned, in the caller's transaction (a migration's).
    Refuses when a foreign key points into the table. Idempotent: a partitioned table is left as it is."""
    report = Conversion(scheme.table)
    if not is_postgresql(connection):
        return report
    started = time.monotonic()
    table, staging = scheme.table, f"{scheme.table}__partitioned"
    with connection.cursor() as cursor:
        if is_partitioned(cursor, table):
            return report
        incoming = _incoming_foreign_keys(cursor, table)
        if incoming:
            raise RuntimeError(
                f"{table} cannot be partitioned while foreign keys point into it ({', '.join(incoming)}): "
                "PostgreSQL accepts them only on a unique key that includes the partition key"
            )
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{maintenance_work_mem}'")
        cursor.execute(f"LOCK TABLE {quote(table)} IN ACCESS EXCLUSIVE MODE")
        columns = _columns(cursor, table)
        constraints = _constraints(cursor, table)
        indexes = _indexes(cursor, table)
        key_nullable = not next(c for c in columns if c.name == scheme.key).not_null
        sequences = {
            c.name: _sequence_of(cursor, table, c.name)
            for c in columns
            if c.identity or (c.default or "").startswith("nextval(")
        }
        ranges = scheme.initial_ranges(cursor, now=now)

        definitions = []
        for column in columns:
            text = f"{quote(column.name)} {column.type}"
            if column.not_null:
                text += " NOT NULL"
            if column.default and not column.identity and not column.default.startswith("nextval("):
                text += f" DEFAULT {column.default}"
            definitions.append(text)
        cursor.execute(
            f"CREATE TABLE {quote(staging)} ({', '.join(definitions)}) PARTITION BY RANGE ({quote(scheme.key)})"
        )
        for part in ranges:
            _create_range(cursor, staging, scheme, part)
        cursor.execute(
            f"CREATE TABLE {quote(scheme.default_partition)} PARTITION OF {quote(staging)} DEFAULT"
        )
        _set_storage(cursor, scheme, scheme.default_partition)

        names = ", ".join(quote(c.name) for c in columns)
        copy_started = time.monotonic()
        cursor.execute(f"INSERT INTO {quote(staging)} ({names}) SELECT {names} FROM {quote(table)}")
        report.rows = cursor.rowcount
        report.copy_seconds = time.monotonic() - copy_started

        for name, (sequence, _last, _called) in sequences.items():
            column = next(c for c in columns if c.name == name)
            if sequence and not column.identity:  # a serial's sequence outlives its old table
                cursor.execute(f"ALTER SEQUENCE {sequence} OWNED BY NONE")
        cursor.execute(f"DROP TABLE {quote(table)}")
        cursor.execute(f"ALTER TABLE {quote(staging)} RENAME TO {quote(table)}")
        for name, (sequence, last_value, is_called) in sequences.items():
            column = next(c for c in columns if c.name == name)
            if column.identity:
                kind = "ALWAYS" if column.identity == "a" else "BY DEFAULT"
                bare = sequence.split(".")[-1] if sequence else f"{table}_{name}_seq"
                cursor.execute(
                    f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(name)} "
                    f"ADD GENERATED {kind} AS IDENTITY (SEQUENCE NAME {bare})"
                )
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [quote(table), name])
                (sequence,) = cursor.fetchone()
            else:
                cursor.execute(
                    f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(name)} SET DEFAULT {column.default}"
                )
                cursor.execute(f"ALTER SEQUENCE {sequence} OWNED BY {quote(table)}.{quote(name)}")
            cursor.execute("SELECT setval(%s, %s, %s)", [sequence, last_value, is_called])

        for name, kind, definition, constraint_columns in constraints:
            if kind == "p":
                if scheme.primary_key:
                    listed = ", ".join(quote(c) for c in scheme.primary_key)
                    cursor.execute(
                        f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} PRIMARY KEY ({listed})"
                    )
            elif kind == "u" and scheme.key not in constraint_columns:
                if constraint_columns not in scheme.local_unique:
                    _extended_unique(cursor, table, name, constraint_columns, None, scheme.key, key_nullable)
            else:
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
        for index in indexes:
            if index.unique and scheme.key not in index.columns:
                if index.columns not in scheme.local_unique:
                    _extended_unique(
                        cursor, table, index.name, index.columns, index.predicate, scheme.key, key_nullable
                    )
            else:
                cursor.execute(index.definition)
        scheme.install(cursor)
        report.partitions = [p.name for p in partitions(cursor, table)]
        for name in report.partitions:
            scheme.on_partition(cursor, name)
        cursor.execute(ARCHIVE_GUARD)
        cursor.execute(f"ANALYZE {quote(table)}")
    report.done = True
    report.seconds = time.monotonic() - started
    return report


def _extended_unique(
    cursor: CursorWrapper,
    table: str,
    name: str,
    columns: tuple[str, ...],
    predicate: str | None,
    key: str,
    key_nullable: bool,
) -> None:
    """A unique key without the partition key, made again with it: the same rows are unique as long as every row
    that the key could tell apart carries the same key value (the scheme's business; NULLS NOT DISTINCT when the
    key is NULL on those rows)."""
    listed = ", ".join([*columns, quote(key)])
    nulls = " NULLS NOT DISTINCT" if key_nullable else ""
    where = f" WHERE {predicate}" if predicate else ""
    cursor.execute(f"CREATE UNIQUE INDEX {quote(name)} ON {quote(table)} ({listed}){nulls}{where}")


def revert(connection: BaseDatabaseWrapper, scheme: Scheme, *, model: Any, schema_editor: Any) -> Conversion:
    """The partitioned table made plain again as the historical `model` describes it (Django's own DDL), rows
    copied, the identity continued; the scheme's triggers are the caller's to put back. Idempotent."""
    report = Conversion(scheme.table)
    if not is_postgresql(connection):
        return report
    started = time.monotonic()
    table, old = scheme.table, f"{scheme.table}__partitioned"
    with connection.cursor() as cursor:
        if not is_partitioned(cursor, table):
            return report
        cursor.execute(f"LOCK TABLE {quote(table)} IN ACCESS EXCLUSIVE MODE")
        columns = [c.name for c in _columns(cursor, table)]
        sequence, last_value, is_called = _sequence_of(cursor, table, "id")
        cursor.execute(f"ALTER TABLE {quote(table)} RENAME TO {quote(old)}")
        # Free the names Django's DDL will use: the parent's indexes (the primary key's with it) and the sequence.
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass",
            [quote(old)],
        )
        for (index,) in cursor.fetchall():
            cursor.execute(f"ALTER INDEX {quote(index)} RENAME TO {quote(_freed(index))}")
        if sequence:
            cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {quote(_freed(sequence.split('.')[-1]))}")
        schema_editor.create_model(model)
        # Django defers the foreign keys' constraints to the end of the migration's schema editor.
        for statement in list(schema_editor.deferred_sql):
            schema_editor.execute(statement)
        schema_editor.deferred_sql.clear()
        names = ", ".join(quote(c) for c in columns)
        cursor.execute(f"INSERT INTO {quote(table)} ({names}) SELECT {names} FROM {quote(old)}")
        report.rows = cursor.rowcount
        cursor.execute(f"DROP TABLE {quote(old)}")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [quote(table)])
        (new_sequence,) = cursor.fetchone()
        if new_sequence:
            cursor.execute("SELECT setval(%s, %s, %s)", [new_sequence, last_value, is_called])
        cursor.execute(f"ANALYZE {quote(table)}")
    report.done = True
    report.seconds = time.monotonic() - started
    return report


def _freed(name: str) -> str:
    return (name[:50] + "__partitioned")[:63]


# --- partitions ahead of time ----------------------------------------------------------------------------------


@dataclass
class Ensured:
    table: str
    created: list[str] = field(default_factory=list)
    moved_from_default: int = 0
    default_rows: int = 0  # rows left in the default partition (none of the made partitions takes them)
    partitioned: bool = True


def ensure(connection: BaseDatabaseWrapper, scheme: Scheme, *, now: datetime.datetime) -> Ensured:
    """Make the partitions the scheme wants now (the years or spans ahead) and the default one when missing; give
    every partition its extras. Idempotent; waits at most LOCK_TIMEOUT for the table's lock. Rows an insert put
    in the default partition for want of a partition are moved into the one made for them."""
    result = Ensured(scheme.table)
    if not is_postgresql(connection):
        result.partitioned = False
        return result
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if not is_partitioned(cursor, scheme.table):
            result.partitioned = False
            return result
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        _no_pending_checks(cursor)
        existing = partitions(cursor, scheme.table)
        names = {p.name for p in existing}
        if scheme.default_partition not in names:
            cursor.execute(
                f"CREATE TABLE {quote(scheme.default_partition)} PARTITION OF {quote(scheme.table)} DEFAULT"
            )
            _set_storage(cursor, scheme, scheme.default_partition)
            scheme.on_partition(cursor, scheme.default_partition)
            result.created.append(scheme.default_partition)
        kept_aside = set(archived(cursor, scheme))
        for part in scheme.wanted_ranges(cursor, existing, now=now):
            if part.name in names or part.name in kept_aside:
                continue
            result.moved_from_default += _create_with_default_rows(cursor, scheme, part)
            result.created.append(part.name)
        for partition in existing:
            if partition.schema == "public":
                scheme.on_partition(cursor, partition.name)
        cursor.execute(f"SELECT count(*) FROM {quote(scheme.default_partition)}")
        result.default_rows = int(cursor.fetchone()[0])
    return result


def _no_pending_checks(cursor: CursorWrapper) -> None:
    """ALTER TABLE refuses while deferred foreign-key checks on the table are pending in this transaction (rows just
    written by the same transaction): run them now. Django's foreign keys are INITIALLY DEFERRED: restored after."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def ensure_all(*, now: datetime.datetime | None = None, using: str = "default") -> list[Ensured]:
    """`ensure` for every registered table (the scheduler's daily step, `ducha partitions ensure`)."""
    moment = now or timezone.now()
    return [ensure(connections[using], scheme, now=moment) for scheme in registered()]


def _create_with_default_rows(cursor: CursorWrapper, scheme: Scheme, part: Range) -> int:
    """A new range partition. PostgreSQL refuses one while the default partition holds rows of its range: the
    default is detached (it loses the triggers cloned from the parent), the partition made, those rows moved into
    it through the parent, and the default attached again (its indexes and triggers come back)."""
    table, default, key = scheme.table, scheme.default_partition, quote(scheme.key)
    condition = f"{key} >= {part.lower} AND {key} < {part.upper}"
    cursor.execute(f"SELECT count(*) FROM {quote(default)} WHERE {condition}")
    waiting = int(cursor.fetchone()[0])
    if not waiting:
        _create_range(cursor, table, scheme, part)
        scheme.on_partition(cursor, part.name)
        return 0
    _no_pending_checks(cursor)
    cursor.execute(f"ALTER TABLE {quote(table)} DETACH PARTITION {quote(default)}")
    _create_range(cursor, table, scheme, part)
    scheme.on_partition(cursor, part.name)
    names = ", ".join(quote(c.name) for c in _columns(cursor, table))
    cursor.execute(
        f"INSERT INTO {quote(table)} ({names}) SELECT {names} FROM {quote(default)} WHERE {condition}"
    )
    cursor.execute(f"DELETE FROM {quote(default)} WHERE {condition}")
    _no_pending_checks(cursor)
    cursor.execute(f"ALTER TABLE {quote(table)} ATTACH PARTITION {quote(default)} DEFAULT")
    return waiting


# --- the archive of closed partitions --------------------------------------------------------------------------


def detach(
    connection: BaseDatabaseWrapper, scheme: Scheme, name: str, *, now: datetime.datetime, force: bool = False
) -> str:
    """Detach a closed partition into the schema ducha_archive, read-only (a trigger refuses every change; the
    TRUNCATE guard it had stays), its bounds in its comment and in a CHECK constraint so that attaching it again
    needs no scan. Returns its qualified name.

    A plain DETACH (a short ACCESS EXCLUSIVE lock on the parent, metadata only, waiting at most LOCK_TIMEOUT):
    PostgreSQL refuses DETACH … CONCURRENTLY while a default partition exists."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        found = {p.name: p for p in partitions(cursor, scheme.table)}
        partition = found.get(name)
        if partition is None or partition.is_default or partition.bounds is None:
            raise ValueError(f"{name} is not a range partition of {scheme.table}")
        reason = None if force else scheme.is_closed(cursor, partition, now=now)
        if reason:
            raise ValueError(f"{name} is not closed: {reason}")
        lower, upper = partition.bounds
        _no_pending_checks(cursor)
        check = f"{name}_bounds"[:63]
        key = quote(scheme.key)
        if not _has_constraint(cursor, name, check):
            cursor.execute(
                f"ALTER TABLE {quote(name)} ADD CONSTRAINT {quote(check)} "
                f"CHECK ({key} IS NOT NULL AND {key} >= {lower} AND {key} < {upper}) NOT VALID"
            )
            cursor.execute(f"ALTER TABLE {quote(name)} VALIDATE CONSTRAINT {quote(check)}")
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute(f"ALTER TABLE {quote(scheme.table)} DETACH PARTITION {quote(name)}")
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {ARCHIVE_SCHEMA}")
        cursor.execute(f"ALTER TABLE {quote(name)} SET SCHEMA {ARCHIVE_SCHEMA}")
        qualified = f"{ARCHIVE_SCHEMA}.{quote(name)}"
        cursor.execute(f"COMMENT ON TABLE {qualified} IS %s", [f"{scheme.table} {partition.bound}"])
        cursor.execute(ARCHIVE_GUARD)
        scheme.on_archive(cursor, qualified)
    return f"{ARCHIVE_SCHEMA}.{name}"


def archived(cursor: CursorWrapper, scheme: Scheme) -> list[str]:
    """The archived partitions of the scheme's table (by the comment detach wrote)."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind = 'r' AND obj_description(c.oid, 'pg_class') LIKE %s "
        "ORDER BY c.relname",
        [ARCHIVE_SCHEMA, scheme.table + " FOR VALUES %"],
    )
    return [name for (name,) in cursor.fetchall()]


def attach(connection: BaseDatabaseWrapper, scheme: Scheme, name: str) -> None:
    """An archived partition back into its table at its recorded bounds (its CHECK constraint spares the scan)."""
    qualified = f"{ARCHIVE_SCHEMA}.{quote(name)}"
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT obj_description(to_regclass(%s), 'pg_class')", [qualified])
        row = cursor.fetchone()
        comment = (row[0] or "") if row else ""
        prefix = scheme.table + " "
        if not comment.startswith(prefix + "FOR VALUES "):
            raise ValueError(f"{ARCHIVE_SCHEMA}.{name} is not an archived partition of {scheme.table}")
        bound = comment[len(prefix) :]
        _no_pending_checks(cursor)
        scheme.on_unarchive(cursor, qualified)
        cursor.execute(f"COMMENT ON TABLE {qualified} IS NULL")
        cursor.execute(f"ALTER TABLE {qualified} SET SCHEMA public")
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute(f"ALTER TABLE {quote(scheme.table)} ATTACH PARTITION {quote(name)} {bound}")
        scheme.on_partition(cursor, name)
