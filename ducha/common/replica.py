"""Reads from a PostgreSQL streaming replica, for the pages that read much and may be a moment behind (the ledger
and the dashboard), with read-your-writes kept for whoever has just written.

- `DUCHA_REPLICA_URL` names the replica; unset (the embedded default, and most counties), every read goes to the
  primary and nothing here does anything.
- Only code inside `replica_reads()` (or a view wrapped in `replica_reads_view`) may read from the replica: a
  service that reads in order to write never does, and nothing inside a transaction does.
- Read-your-writes: a request that writes (any method but GET/HEAD/OPTIONS that succeeds) pins its sender to the
  primary for `DUCHA_REPLICA_STICKY_SECONDS` by a cookie (`ReplicaPinMiddleware`); a write made in the middle of a
  request pins the rest of that request. Whoever has just signed for an item sees it signed in the ledger.
- A replica that is down or behind by more than `DUCHA_REPLICA_MAX_LAG_SECONDS` is left out: every process checks
  it at most every `DUCHA_REPLICA_CHECK_SECONDS` and reads from the primary meanwhile, so killing the replica costs
  at most the requests in flight on it.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

logger = logging.getLogger("ducha.replica")

REPLICA = "replica"
PIN_COOKIE = "ducha_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_replica_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "ducha_replica_allowed", default=False
)
_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("ducha_replica_pinned", default=False)

F = TypeVar("F", bound=Callable[..., Any])


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside may come from the replica (when one is configured, usable, and the user is not pinned)."""
    token = _replica_allowed.set(True)
    try:
        yield
    finally:
        _replica_allowed.reset(token)


def replica_reads_view(view: F) -> F:
    """A view whose reads, template rendering included, may come from the replica."""

    def run(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        render = getattr(response, "render", None)
        if callable(render) and not getattr(response, "is_rendered", True):
            response = render()
        return response

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method not in SAFE_METHODS:
            return view(request, *args, **kwargs)
        try:
            with replica_reads():
                return run(request, *args, **kwargs)
        except (OperationalError, InterfaceError):
            if not replica_configured():
                raise
            # The replica went away under this request (or the primary did: then the second try fails as well).
            # Leave the replica out at once, for every request of this process, and answer from the primary:
            # a GET is safe to run again.
            logger.warning("replica read failed; reading from the primary", exc_info=True)
            replica_down()
            return run(request, *args, **kwargs)

    wrapped.replica_reads = True  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def pin_to_primary() -> None:
    """The rest of this request reads from the primary (it has written, or must see the newest state)."""
    _pinned.set(True)


class _Health:
    """Whether the replica may be read, checked at most every DUCHA_REPLICA_CHECK_SECONDS per process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked_at = float("-inf")
        self.usable = False

    def reset(self) -> None:
        with self.lock:
            self.checked_at = float("-inf")
            self.usable = False

    def mark_down(self) -> None:
        with self.lock:
            self.usable, self.checked_at = False, time.monotonic()

    def __call__(self) -> bool:
        now = time.monotonic()
        if now - self.checked_at < settings.DUCHA_REPLICA_CHECK_SECONDS:
            return self.usable
        with self.lock:
            if now - self.checked_at < settings.DUCHA_REPLICA_CHECK_SECONDS:
                return self.usable
            lag = replica_lag_seconds()
            usable = lag is not None and lag <= settings.DUCHA_REPLICA_MAX_LAG_SECONDS
            if usable != self.usable:
                logger.warning(
                    "replica %s (lag: %s s)",
                    "in use" if usable else "left out",
                    "?" if lag is None else f"{lag:.1f}",
                )
            self.usable, self.checked_at = usable, now
            return usable


replica_healthy = _Health()


def replica_down() -> None:
    """The replica failed a read: left out until the next check, its broken connection dropped."""
    mark = getattr(replica_healthy, "mark_down", None)
    if callable(mark):
        mark()
    if REPLICA not in settings.DATABASES:
        return
    with suppress(DatabaseError):
        connections[REPLICA].close()


def replica_lag_seconds() -> float | None:
    """How far the replica is behind (0 when it has replayed all it received), or None when it cannot be read."""
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                return 0.0  # a test mirror of the primary
            cursor.execute(
                "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
                " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
            )
            row = cursor.fetchone()
        return float(row[0]) if row else None
    except DatabaseError:
        connection.close()
        return None


class ReplicaRouter:
    """Reads inside `replica_reads()` go to the replica when it is usable and the request is not pinned; every
    write, every read outside, and every read inside a transaction go to the primary. Only the primary is
    migrated."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if not _replica_allowed.get() or _pinned.get() or not replica_configured():
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        return REPLICA if replica_healthy() else None

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        _pinned.set(True)  # read-your-writes for the rest of the request
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        return db != REPLICA


class ReplicaPinMiddleware:
    """Read-your-writes across requests: a successful write pins its sender to the primary for a while (a cookie
    holding the time until which); a pinned sender reads from the primary. Harmless to forge: it only ever sends
    reads to the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _pinned.set(self._pinned_by_cookie(request))
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(token)
        sticky = settings.DUCHA_REPLICA_STICKY_SECONDS
        if (
            replica_configured()
            and request.method not in SAFE_METHODS
            and response.status_code < 400
            and sticky > 0
        ):
            response.set_cookie(
                PIN_COOKIE,
                str(int(timezone.now().timestamp() + sticky)),
                max_age=sticky,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

    @staticmethod
    def _pinned_by_cookie(request: HttpRequest) -> bool:
        value = request.COOKIES.get(PIN_COOKIE, "")
        try:
            return int(value) > timezone.now().timestamp()
        except ValueError:
            return False
