"""The Prometheus metrics of a node (served at /metrics by ducha.ops.views).

Interface used by other processes' code:
- record_sweep(...): the scheduler reports each sweep round.
- worker_exited(pid): gunicorn's child_exit hook, so a dead worker's live gauges are dropped.

Multiprocess mode: when PROMETHEUS_MULTIPROC_DIR is set, prometheus_client keeps every metric in files there (one
per process), and a scrape merges them (MultiProcessCollector). gunicorn's workers and the scheduler of one node
share the directory, so any worker's /metrics shows the whole node, the sweeps included. The variable must be set
in the environment before prometheus_client is first imported (the value class is chosen then), and the directory
emptied when the server starts. Without it each process counts in its own memory (development, tests).

Importable before Django is set up (gunicorn's config calls worker_exited): the models are imported inside the
scrape-time collector only.

Labels stay few: a request's route is its URL pattern (`items/<int:item_id>/`), never the path with its ids.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from django.utils import timezone
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    values,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

logger = logging.getLogger(__name__)

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

# 5 ms … 10 s: the signed-in floor is a few ms, a heavy page a few hundred, a large export seconds.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# A sweep of a county takes well under a second; a province's first sweep of a day 5–15 s (docs/benchmarks.md).
SWEEP_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0)
# Methods outside this set are counted as "other" (a client may send any token as a method).
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Counts made at scrape time stop here: a backlog this large is an alarm whatever its size, and counting on would
# make the scrape as slow as the backlog is long.
COUNT_CAP = 10_000

# No `_created` series beside each counter and histogram: they double the series, and multiprocess mode has none.
disable_created_metrics()  # type: ignore[no-untyped-call]

HTTP_REQUESTS = Counter(
    "ducha_http_requests",
    "HTTP requests answered, by method, route (URL pattern) and status code.",
    ["method", "route", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "ducha_http_request_duration_seconds",
    "Time from the request reaching the application to its response (streamed bodies: until the first byte).",
    ["method", "route"],
    buckets=REQUEST_BUCKETS,
)
SWEEP_DURATION = Histogram(
    "ducha_sweep_duration_seconds", "Duration of the scheduler's sweep rounds.", buckets=SWEEP_BUCKETS
)
SWEEP_ROUNDS = Counter(
    "ducha_sweep_rounds", "Sweep rounds of the scheduler, by outcome (ok, failed).", ["outcome"]
)
SWEEP_LAST_SUCCESS = Gauge(
    "ducha_sweep_last_success_timestamp_seconds",
    "Unix time of the end of the last sweep round that succeeded.",
    multiprocess_mode="max",  # survives the scheduler's restart; the newest of the node's schedulers
)
SWEEP_REMINDERS = Counter("ducha_sweep_reminders", "Reminders written by the sweep (each sent once).")
SWEEP_MESSAGES = Counter("ducha_sweep_messages", "Inbox messages (digests) written by the sweep.")
SWEEP_DELIVERIES_QUEUED = Counter(
    "ducha_sweep_deliveries_queued", "Deliveries on external channels the sweep queued for the task workers."
)
SWEEP_DEAD_LETTERED = Counter(
    "ducha_sweep_dead_lettered",
    "Deliveries the sweep dead-lettered (their outcome unknown: never sent twice).",
)
for _outcome in ("ok", "failed"):  # both series exist from the start, so a rate() sees the first failure
    SWEEP_ROUNDS.labels(outcome=_outcome)


def multiprocess_directory() -> str | None:
    return os.environ.get(MULTIPROCESS_VARIABLE) or None


# Seconds a health check or a scrape waits for Redis before calling it down.
REDIS_TIMEOUT_SECONDS = 2.0
_redis_connections: dict[str, Any] = {}


def redis_connection(url: str) -> Any:
    """A Redis client of our own with short timeouts (django-rq's has none: a Redis that does not answer would hold a
    scrape or a readiness check for ever), one per URL and process."""
    connection = _redis_connections.get(url)
    if connection is None:
        import redis

        connection = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
        )
        _redis_connections[url] = connection
    return connection


def record_request(*, method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in KNOWN_METHODS else "other"
    HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
    HTTP_REQUEST_DURATION.labels(method=method, route=route).observe(seconds)


def record_sweep(
    *,
    seconds: float,
    ok: bool,
    reminders: int = 0,
    messages: int = 0,
    dispatched: int = 0,
    dead_lettered: int = 0,
) -> None:
    """One sweep round of `ducha scheduler`: how long it took, whether it failed, and what it wrote."""
    SWEEP_DURATION.observe(seconds)
    SWEEP_ROUNDS.labels(outcome="ok" if ok else "failed").inc()
    if ok:
        SWEEP_LAST_SUCCESS.set(timezone.now().timestamp())
    SWEEP_REMINDERS.inc(max(reminders, 0))
    SWEEP_MESSAGES.inc(max(messages, 0))
    SWEEP_DELIVERIES_QUEUED.inc(max(dispatched, 0))
    SWEEP_DEAD_LETTERED.inc(max(dead_lettered, 0))


def worker_exited(pid: int) -> None:
    """A gunicorn worker has exited (gunicorn's child_exit hook): its live gauges leave the node's figures. Its
    counters and histograms stay in the directory and keep being summed, as Prometheus expects of counters."""
    directory = multiprocess_directory()
    if directory:
        mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


# --- Figures read at scrape time ---------------------------------------------------------------------------------


class _Collector(Protocol):
    def collect(self) -> Iterable[Metric]: ...


def _task_queue_depth() -> GaugeMetricFamily:
    """Tasks waiting to run now, per queue of the configured backend (capped at COUNT_CAP)."""
    from django.conf import settings

    family = GaugeMetricFamily(
        "ducha_task_queue_depth",
        f"Background tasks waiting to run now, by backend and queue (counted up to {COUNT_CAP}).",
        labels=["backend", "queue"],
    )
    backend = settings.DUCHA_TASKS_BACKEND
    queues: list[str] = list(settings.TASKS["default"].get("QUEUES") or ["default"])
    if backend == "db":
        from django_tasks_db.models import DBTaskResult

        for queue in queues:
            # The partial index on READY tasks serves it; a capped count never walks a backlog whole.
            waiting = DBTaskResult.objects.ready().filter(queue_name=queue)[:COUNT_CAP].count()
            family.add_metric([backend, queue], waiting)
    elif backend == "rq":
        import django_rq

        for queue in queues:
            url = str(settings.RQ_QUEUES.get(queue, {}).get("URL", settings.DUCHA_REDIS_URL))
            family.add_metric(
                [backend, queue], django_rq.get_queue(queue, connection=redis_connection(url)).count
            )
    return family


def _deliveries_waiting() -> Iterator[GaugeMetricFamily]:
    """Deliveries due and not yet sent, and dead letters awaiting an administrator: ranges of the delivery table's
    (status, next_attempt_at) index, capped."""
    from ducha.reminders.models import Delivery, DeliveryStatus

    now = timezone.now()
    waiting = GaugeMetricFamily(
        "ducha_deliveries_due",
        f"Deliveries on external channels due now and not sent yet, by status (counted up to {COUNT_CAP}).",
        labels=["status"],
    )
    for status in (DeliveryStatus.PENDING, DeliveryStatus.RETRY):
        count = Delivery.objects.filter(status=status, next_attempt_at__lte=now)[:COUNT_CAP].count()
        waiting.add_metric([str(status)], count)
    yield waiting
    dead = Delivery.objects.filter(status=DeliveryStatus.DEAD)[:COUNT_CAP].count()
    yield GaugeMetricFamily(
        "ducha_deliveries_dead",
        f"Dead-lettered deliveries waiting for an administrator's retry (counted up to {COUNT_CAP}).",
        value=dead,
    )


def error_reason(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0]}" if text else type(error).__name__


class ScrapeCollector:
    """The figures read from the database and Redis when Prometheus asks. A part that fails is left out of the
    answer (and logged); the rest is still served."""

    def collect(self) -> Iterator[Metric]:
        # One line, no trace, when a part fails: Prometheus asks every few seconds.
        try:
            yield _task_queue_depth()
        except Exception as error:
            logger.warning("metrics: the task queue depth could not be read: %s", error_reason(error))
        try:
            yield from list(_deliveries_waiting())
        except Exception as error:
            logger.warning("metrics: the deliveries could not be counted: %s", error_reason(error))


class _Forward:
    """Another registry's metrics inside a per-scrape registry (nameless: no duplicate check needed)."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Metric]:
        return self.registry.collect()  # type: ignore[no-any-return]


SCRAPE_COLLECTOR = ScrapeCollector()


def scrape_registry(*, with_scrape_time: bool = True) -> CollectorRegistry:
    """What /metrics serves: the node's merged files in multiprocess mode, else this process's registry; plus the
    figures read at scrape time."""
    registry = CollectorRegistry(auto_describe=False)
    collectors: list[_Collector] = []
    directory = multiprocess_directory()
    if directory:
        if values.ValueClass is values.MutexValue:
            logger.error(
                "metrics: %s is set but prometheus_client was imported before it was: this process's figures are "
                "not in the shared directory",
                MULTIPROCESS_VARIABLE,
            )
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    else:
        collectors.append(_Forward(REGISTRY))
    if with_scrape_time:
        collectors.append(SCRAPE_COLLECTOR)
    for collector in collectors:
        registry.register(collector)
    return registry
