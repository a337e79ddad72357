"""Reads of supervision items. Scope is enforced here and only here: anything outside a user's scope is
"not found" to them.

Scope:
- office staff and leaders: every item of their government and of the governments below it — except secret
  items and drafts, which only the owning government's office and leaders see — and, once assigned, the items an
  upper level assigned to their government or to their own unit (the office acts for both);
- unit users (head, liaison, handler): items assigned to their unit or to a unit under it, and child items their
  unit delegated — once assigned (drafts and pending items are the office's); a secret item only when their own
  unit is assigned to it or delegated it.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Case, CharField, Exists, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from ducha.audit.models import Event
from ducha.common import error_codes as codes
from ducha.common.errors import NotFound, ValidationFailed
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import (
    Assignment,
    Attachment,
    Confidentiality,
    Dispute,
    ExtensionRequest,
    Item,
    Light,
    Report,
)
from ducha.items.services import item_view_record, secret_reads_record
from ducha.orgs.models import Role, Unit, UnitKind, UnitLevel, User

UNIT_ROLES = (Role.UNIT_HEAD, Role.LIAISON, Role.HANDLER)
MAX_ID = 2**63 - 1  # ids are 64-bit; a larger one cannot exist


def scope_q(user: User, *, literal_governments: bool = True, one_item: bool = False) -> Q:
    """The Q object selecting the items `user` may see.

    Everything it reads of `user` is in `scope_signature` (keep the two in step): the prepared reads
    (`ItemProbe`, the ledger's pages) compile it once per signature, with `literal_governments=False` — a lower
    government's ids then come as a subquery too, like a province's, so that the SQL depends on nothing but the
    signature (not on the governments that exist when it is compiled). `one_item`: the query reads one item by
    its id, so the government is checked on that row (government_in_scope)."""
    nothing = Q(pk__in=[])
    if not user.is_authenticated or not user.is_active or user.unit is None:
        return nothing
    unit = user.unit
    visible = nothing
    if user.has_role(Role.OFFICE, Role.LEADER) and unit.government is not None:
        government = unit.government
        own = Q(government_id=government.pk)
        # Drafts are the drafting office's own: upper levels do not list a lower government's drafts.
        visible |= (
            government_in_scope(user, literal=literal_governments, one_item=one_item)
            & (~Q(confidentiality=Confidentiality.SECRET) | own)
            & (~Q(status=ItemStatus.DRAFT) | own)
        )
        # What an upper level assigned to the government (or to the office itself), once assigned: the office
        # signs for it and passes it on (see lifecycle.acts_for). An id set from the assignments' unit index.
        visible |= Q(status__in=ItemStatus.visible_to_units()) & Q(
            pk__in=Assignment.objects.filter(unit_id__in={government.pk, unit.pk}).values("item_id")
        )
    if user.has_role(*UNIT_ROLES):
        # The unit rules: an item (once assigned) assigned to the unit or a unit under it, or delegated by such a
        # unit; a secret one only when the unit itself is assigned to it or delegated it. `unit_candidates` is
        # exactly the first condition, so within it a non-secret item needs nothing more
        # (tests/items/test_scope_candidates.py checks this against the rules written out in full).
        own_unit = Exists(Assignment.objects.filter(item=OuterRef("pk"), unit_id=unit.pk))
        secret = Q(confidentiality=Confidentiality.SECRET)
        visible |= (
            Q(status__in=ItemStatus.visible_to_units())
            & Q(pk__in=unit_candidates(unit))
            & (~secret | own_unit | Q(delegating_unit_id=unit.pk))
        )
    return visible


NO_SCOPE = ("nothing",)  # the signature of a user who sees no item


def scope_signature(user: User) -> tuple[Any, ...]:
    """Everything `scope_q` reads of `user`, as a key: two users with the same signature see the same items (with
    `literal_governments=False`, the same SQL). Keep it in step with scope_q
    (tests/workbench/test_prepared_queries.py compiles scope_q for every demo user and checks it)."""
    if not user.is_authenticated or not user.is_active or user.unit is None:
        return NO_SCOPE
    unit = user.unit
    government = unit.government
    return (
        user.has_role(Role.OFFICE, Role.LEADER),
        user.has_role(*UNIT_ROLES),
        unit.pk,
        unit.path,
        *(
            (government.pk, government.path, government.level)
            if government is not None
            else (None, None, None)
        ),
    )


class ItemProbe:
    """A prepared read of one item by id within a user's scope: the columns and expressions of `select` of the
    item if `user` may see it (scope_q), else None — one query, and no ORM work per call.

    Building scope_q and compiling a query around it costs a few milliseconds of Python, several times what the
    database spends answering it; an item page that is otherwise served from the cache would spend most of its
    time there. The SQL is compiled once per process, database and scope signature (`scope_signature`: what
    scope_q reads of a user) with a placeholder for the item's id, then only executed. The scope is still
    decided by scope_q alone, on every call."""

    _PLACEHOLDER = -(2**62) - 7  # an id no row has; replaced by the item's id in the compiled parameters
    _MAX_COMPILED = 2048
    _NOTHING = ("", (), -1)

    def __init__(self, fields: Sequence[str], **select: Any) -> None:
        self.fields = tuple(fields)
        self.select = select
        self._compiled: dict[tuple[Any, ...], tuple[str, tuple[Any, ...], int]] = {}

    def _compile(self, user: User, alias: str) -> tuple[str, tuple[Any, ...], int]:
        queryset = (
            Item.objects.using(alias)
            .filter(scope_q(user, literal_governments=False, one_item=True), pk=self._PLACEHOLDER)
            .annotate(**self.select)
            .values_list(*self.fields, *self.select)
            .order_by()
        )
        sql, params = queryset.query.sql_with_params()
        positions = [n for n, value in enumerate(params) if type(value) is int and value == self._PLACEHOLDER]
        if len(positions) != 1:
            raise RuntimeError(f"the item id appears {len(positions)} times in the probe's parameters")
        return sql, tuple(params), positions[0]

    def __call__(self, user: User, item_id: int) -> dict[str, Any] | None:
        signature = scope_signature(user)
        if not 1 <= item_id <= MAX_ID or signature == NO_SCOPE:
            return None
        alias = router.db_for_read(Item)
        key = (alias, *signature)
        compiled = self._compiled.get(key)
        if compiled is None:
            try:
                compiled = self._compile(user, alias)
            except EmptyResultSet:  # a scope of nothing (no role that sees items)
                compiled = self._NOTHING
            if len(self._compiled) >= self._MAX_COMPILED:
                self._compiled.clear()
            self._compiled[key] = compiled
        if compiled is self._NOTHING:
            return None
        sql, params, position = compiled
        bound = list(params)
        bound[position] = item_id
        row = _prepared_fetchone(alias, sql, bound)
        return dict(zip((*self.fields, *self.select), row, strict=True)) if row is not None else None


_NEVER_BY_ITSELF = 2**31 - 1


@functools.cache
def _preparing_cursor() -> type[Any]:
    """A psycopg cursor with server-side binding that prepares every statement it runs (psycopg keeps the
    connection's prepared statements, the most recent ones, and reuses them by the statement's text)."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class Executed:
        """What Django's query log reads of the statement run (`cursor._query.query`, which psycopg leaves empty
        after a prepared run): the statement with its parameters, composed only when read."""

        def __init__(self, cursor: Any, query: Any, params: Any) -> None:
            self._cursor, self._statement, self._params = cursor, query, params

        @property
        def query(self) -> bytes:
            from django.db.backends.postgresql.psycopg_any import mogrify

            return str(mogrify(self._statement, self._params, self._cursor.connection)).encode()

    class PreparingCursor(ServerBindingCursor):  # type: ignore[misc, valid-type]
        def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
            result = super().execute(query, params, prepare=True, **options)  # type: ignore[misc]
            self._query = Executed(self, query, params)
            return result

    return PreparingCursor


@contextmanager
def prepared_cursor(alias: str) -> Iterator[Any]:
    """A cursor of database `alias` whose statements run prepared on PostgreSQL (server-side binding, prepared on
    their first run on a connection), so that the database plans a statement once per connection instead of on
    every call — for a probe, or a page query compiled once (ItemProbe, the ledger's pages), planning costs as
    much as running it. It is Django's cursor wrapper all the same: the queries are logged and counted like any
    other. Elsewhere an ordinary cursor."""
    database = connections[alias]
    with database.cursor() as cursor:
        if database.vendor == "postgresql":
            raw = database.connection
            if raw.prepare_threshold is None:
                # Django turns psycopg's prepared statements off (None); only the preparing cursor asks for them
                # (Django's own cursors bind on the client and never prepare), so any other number does.
                raw.prepare_threshold = _NEVER_BY_ITSELF
            cursor.cursor.close()
            cursor.cursor = _preparing_cursor()(raw)
        yield cursor


def _prepared_fetchone(alias: str, sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    with prepared_cursor(alias) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return tuple(row) if row is not None else None


def unit_candidates(unit: Unit) -> QuerySet[Any]:
    """Ids of the items assigned to `unit` or a unit inside it, and of those such a unit delegated: the unit
    rules' first condition (see scope_q) as one set, so the database starts from the unit's few hundred
    assignments instead of testing the rules on every item of the table."""
    assigned = Assignment.objects.filter(unit__path__startswith=unit.path).values("item_id")
    delegated = Item.objects.filter(delegating_unit__path__startswith=unit.path).values("id")
    return assigned.union(delegated)


def governments_under(user: User) -> list[int]:
    """Ids of the user's government and every government below it, fetched once per user object.

    An explicit id list (instead of a join on the unit path) lets the planner use the items' government indexes;
    even a province has only a few thousand governments."""
    cached = getattr(user, "_governments_under", None)
    if cached is None:
        assert user.unit is not None and user.unit.government is not None
        cached = list(
            Unit.objects.filter(
                path__startswith=user.unit.government.path, kind=UnitKind.GOVERNMENT
            ).values_list("id", flat=True)
        )
        user._governments_under = cached  # type: ignore[attr-defined]
    return cached


def government_in_scope(user: User, *, literal: bool = True, one_item: bool = False) -> Q:
    """Items of the user's government and those below. A county's dozen ids go as a literal list (the planner
    then uses the items' government indexes); a province's thousands as a subquery on the unit ids (a long literal
    list costs more to send and parse than it saves). A province's government goes straight to the subquery,
    without fetching its list first: the two forms select the same items. `one_item`: the item's own government
    is looked up and tested (a correlated EXISTS on the unit's primary key) — for a query that reads a single item,
    where hashing the province's 1,300 governments first would cost more than the rest of the query."""
    assert user.unit is not None and user.unit.government is not None
    government = user.unit.government
    if one_item:
        return Q(
            Exists(
                Unit.objects.filter(
                    pk=OuterRef("government_id"), path__startswith=government.path, kind=UnitKind.GOVERNMENT
                )
            )
        )
    if literal and (government.level != UnitLevel.PROVINCE or hasattr(user, "_governments_under")):
        ids = governments_under(user)
        if len(ids) <= 200:
            return Q(government_id__in=ids)
    return Q(
        government_id__in=Unit.objects.filter(
            path__startswith=government.path, kind=UnitKind.GOVERNMENT
        ).values("id")
    )


def load_unit(user: User) -> None:
    """Fetch the user's unit together with its government in one query, where scope_q and the pages would load
    them one after the other."""
    if user.unit_id is not None and not User.unit.is_cached(user):
        user.unit = Unit.objects.select_related("government").get(pk=user.unit_id)


def light_expression(today: datetime.date) -> Case:
    """The status light in SQL; the Python twin is Item.light_on()."""
    return Case(
        When(~Q(status__in=ItemStatus.running()) | Q(due_date__isnull=True), then=Value(Light.NONE)),
        When(due_date__lt=today, then=Value(Light.RED)),
        When(warn_date__lte=today, then=Value(Light.YELLOW)),
        default=Value(Light.GREEN),
        output_field=CharField(),
    )


def light_filter(light: str, today: datetime.date) -> Q:
    running = Q(status__in=ItemStatus.running(), due_date__isnull=False)
    if light == Light.RED:
        return running & Q(due_date__lt=today)
    if light == Light.YELLOW:
        return running & Q(due_date__gte=today, warn_date__lte=today)
    if light == Light.GREEN:
        return running & Q(due_date__gte=today) & (Q(warn_date__gt=today) | Q(warn_date__isnull=True))
    return ~running


def items_for_user(user: User, *, literal_governments: bool = True) -> QuerySet[Item]:
    return Item.objects.filter(scope_q(user, literal_governments=literal_governments))


def _with_related(queryset: QuerySet[Item]) -> QuerySet[Item]:
    return queryset.select_related("government", "delegating_unit", "parent", "approver").prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit").order_by("-role", "id")),
        "milestones",
    )


@dataclass(frozen=True)
class Page:
    items: list[Item]
    next_cursor: str | None


def item_list_for_user(
    user: User,
    *,
    status: Sequence[str] = (),
    light: str | None = None,
    unit_id: int | None = None,
    keyword: str = "",
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """A page of the user's items, newest first, paged by keyset on the id — never OFFSET. The id never changes,
    so an item edited while someone pages through the list is neither skipped nor shown twice."""
    unknown = set(status) - set(ItemStatus.values)
    if unknown:
        raise ValidationFailed(codes.INVALID_INPUT, fields={"status": codes.message_for(codes.INVALID_INPUT)})
    queryset = items_for_user(user)
    if status:
        queryset = queryset.filter(status__in=list(status))
    if light is not None:
        queryset = queryset.filter(light_filter(light, timezone.localdate()))
    if unit_id is not None:
        queryset = queryset.filter(Exists(Assignment.objects.filter(item=OuterRef("pk"), unit_id=unit_id)))
    if keyword:
        queryset = queryset.filter(Q(title__icontains=keyword) | Q(number__icontains=keyword))
    if cursor:
        queryset = queryset.filter(id__lt=decode_cursor(cursor))
    rows = list(_with_related(queryset.order_by("-id"))[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return Page(items=rows[:limit], next_cursor=next_cursor)


def encode_cursor(item: Item) -> str:
    return str(item.pk)


def decode_cursor(cursor: str) -> int:
    try:
        pk = int(cursor)
    except ValueError:
        pk = 0
    if not 1 <= pk <= MAX_ID:
        raise ValidationFailed(codes.INVALID_INPUT, fields={"cursor": codes.message_for(codes.INVALID_INPUT)})
    return pk


def record_secret_reads(items: Sequence[Item], user: User) -> None:
    """Log a read of every secret item shown to `user` (a list page shows them too)."""
    secret_reads_record(
        item_ids=[item.pk for item in items if item.confidentiality == Confidentiality.SECRET], actor=user
    )


def get_item_for_user(user: User, item_id: int, *, record_view: bool = True) -> Item:
    """The item if `user` may see it, else NotFound; a read of a secret item is logged."""
    if not 1 <= item_id <= MAX_ID:
        raise NotFound()
    item = _with_related(items_for_user(user)).filter(pk=item_id).first()
    if item is None:
        raise NotFound()
    if record_view:
        item_view_record(item=item, actor=user)
    return item


def item_timeline(item: Item) -> list[Event]:
    """Every audit event of the item, oldest first (ducha.reminders.selectors.item_timeline adds the reminders)."""
    return list(
        Event.objects.filter(subject_type="item", subject_id=item.pk)
        .select_related("actor", "actor_unit")
        .order_by("created_at", "id")
    )


def item_children(item: Item, user: User) -> QuerySet[Item]:
    """The delegated child items of `item` that `user` may see."""
    return _with_related(items_for_user(user).filter(parent=item)).order_by("id")


def summary_counts(user: User) -> dict[str, Any]:
    """Counts by status for the user's home page (bounded by scope; one grouped query)."""
    from django.db.models import Count

    rows = items_for_user(user).values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


def item_reports(item: Item) -> QuerySet[Report]:
    """Progress and completion reports of every unit on the item, oldest first (the lead consolidates them)."""
    return (
        Report.objects.filter(item=item)
        .select_related("assignment__unit", "author", "head_decided_by")
        .order_by("created_at", "id")
    )


def item_extensions(item: Item) -> QuerySet[ExtensionRequest]:
    return ExtensionRequest.objects.filter(item=item).select_related("unit", "requested_by").order_by("id")


def item_attachments(item: Item) -> QuerySet[Attachment]:
    return Attachment.objects.filter(item=item).select_related("uploaded_by").order_by("id")


def item_disputes(item: Item) -> QuerySet[Dispute]:
    """The item's disagreements between lead and co-units, oldest first."""
    return (
        Dispute.objects.filter(item=item)
        .select_related("raised_by", "coordinated_by", "ruled_by")
        .order_by("id")
    )
