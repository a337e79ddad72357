"""/healthz, /readyz and /metrics: read by the balancer and the metrics collector, never by people.

ducha.ops.middleware.MetricsMiddleware (first in MIDDLEWARE) answers these three paths itself, before the rest of
the chain: no session is read or written, no sign-in, second factor or password rule applies, django-axes and the
security audit never see them, the redirect to HTTPS does not apply (they are in SECURE_REDIRECT_EXEMPT too) and the
Host header is never validated (nothing here builds a URL from it), so a balancer probing a node by its address over
plain HTTP gets its answer. Without the middleware they are ordinary views: still no session for a caller without
a cookie and no redirect to HTTPS, but the Host header is checked.

- /healthz: liveness — the process answers. It touches nothing else.
- /readyz: readiness — the database answers a trivial query, no migration is pending (checked once per process and
  remembered when fine), the cache stores and returns a key, and with DUCHA_TASKS_BACKEND=rq Redis answers a ping;
  200 `{"status": "ready", "checks": {...}}` or 503 with `"failed": [...]` naming what failed. Never a 500 and never a
  stack trace (the reason goes to the log); each check gives up after about two seconds.
- /metrics: the Prometheus text format, only for the addresses of DUCHA_METRICS_ALLOW or a caller giving
  `Authorization: Bearer <DUCHA_METRICS_TOKEN>`; anyone else gets 404, as if it did not exist.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import uuid
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ducha.ops import metrics as node_metrics
from ducha.orgs.security import client_ip

logger = logging.getLogger(__name__)

READ_METHODS = ("GET", "HEAD")
CHECK_TIMEOUT_MILLISECONDS = 2000
READY_CACHE_KEY = "ops:readyz:{pid}"

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _plain(body: str, *, status: int = 200, content_type: str = "text/plain; charset=utf-8") -> HttpResponse:
    response = HttpResponse(body, status=status, content_type=content_type)
    _no_store(response)
    return response


def _no_store(response: HttpResponse) -> None:
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"


def _not_allowed() -> HttpResponse:
    response = HttpResponseNotAllowed(READ_METHODS)
    _no_store(response)
    return response


# --- /healthz --------------------------------------------------------------------------------------------------


def healthz(request: HttpRequest) -> HttpResponse:
    if request.method not in READ_METHODS:
        return _not_allowed()
    return _plain("ok")


# --- /readyz ---------------------------------------------------------------------------------------------------


class _Remembered:
    """What stays true for the life of the process once seen: the code's migrations are all applied."""

    migrations_applied = False


def check_database() -> None:
    """A trivial query; on PostgreSQL bounded by a statement timeout for this transaction only (the connection
    itself is bounded by `connect_timeout` in DATABASE_URL)."""
    connection = connections[DEFAULT_DB_ALIAS]
    with transaction.atomic(using=DEFAULT_DB_ALIAS), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET LOCAL statement_timeout = {CHECK_TIMEOUT_MILLISECONDS}")
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 did not answer 1")


def check_migrations() -> None:
    """Every migration the code ships is applied (the plan to the leaf nodes is empty). Reading the migration files
    takes a while, so a process asks once and remembers a good answer; a node still behind keeps asking."""
    if _Remembered.migrations_applied:
        return
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise RuntimeError(f"{len(pending)} migration(s) not applied: run `ducha migrate`")
    _Remembered.migrations_applied = True


def check_cache() -> None:
    """The cache stores a short-lived key and gives it back (a shared Redis cache: every node reads the same)."""
    key = READY_CACHE_KEY.format(pid=os.getpid())
    token = uuid.uuid4().hex
    cache.set(key, token, timeout=10)
    if cache.get(key) != token:
        raise RuntimeError("the cache did not return the value just stored")


def check_redis() -> None:
    """The task queue's Redis answers a ping (with the task backend `rq` only)."""
    url = str(settings.RQ_QUEUES.get("default", {}).get("URL", settings.DUCHA_REDIS_URL))
    if not node_metrics.redis_connection(url).ping():
        raise RuntimeError("Redis did not answer the ping")


def readiness_checks() -> dict[str, Callable[[], None]]:
    checks: dict[str, Callable[[], None]] = {
        "database": check_database,
        "migrations": check_migrations,
        "cache": check_cache,
    }
    if settings.DUCHA_TASKS_BACKEND == "rq":
        checks["redis"] = check_redis
    return checks


def readiness() -> tuple[bool, dict[str, str], list[str]]:
    """Run the checks: whether all passed, each check's result (ok, failed, skipped) and the failed ones."""
    results: dict[str, str] = {}
    failed: list[str] = []
    for name, check in readiness_checks().items():
        if name == "migrations" and results.get("database") != "ok":
            results[name] = "skipped"  # they are read from the database
            continue
        try:
            check()
        except Exception as error:
            results[name] = "failed"
            failed.append(name)
            # One line, no trace: a node that is down is probed every few seconds. (A broken connection is closed
            # at the end of the request by Django, as after any request.)
            logger.warning("readiness: the %s check failed: %s", name, node_metrics.error_reason(error))
        else:
            results[name] = "ok"
    return not failed, results, failed


def readyz(request: HttpRequest) -> HttpResponse:
    if request.method not in READ_METHODS:
        return _not_allowed()
    try:
        ready, results, failed = readiness()
    except Exception as error:  # whatever happens, the balancer gets a 503 and no trace
        logger.warning("readiness: the checks could not run: %s", node_metrics.error_reason(error))
        ready, results, failed = False, {}, ["readiness"]
    body: dict[str, Any] = {"status": "ready" if ready else "unavailable", "checks": results}
    if not ready:
        body["failed"] = failed
    response = JsonResponse(body, status=200 if ready else 503)
    _no_store(response)
    if not ready:
        # The reason is logged above, once; Django would add an error line for every probe of a node still down.
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response


# --- /metrics --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def allowed_networks(setting: str) -> tuple[IPNetwork, ...]:
    """DUCHA_METRICS_ALLOW parsed (comma-separated CIDRs or single addresses); an entry that is not one is logged and
    ignored, so that a typo widens nothing."""
    networks: list[IPNetwork] = []
    for entry in setting.split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            logger.error("DUCHA_METRICS_ALLOW: %r is not an address or a network; ignored", entry)
    return tuple(networks)


def _address_allowed(address: str | None, networks: tuple[IPNetwork, ...]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # a server listening on [::] sees IPv4 callers as ::ffff:a.b.c.d
    return any(ip.version == network.version and ip in network for network in networks)


def _token_given(request: HttpRequest) -> bool:
    token = str(getattr(settings, "DUCHA_METRICS_TOKEN", "") or "")
    if not token:
        return False
    header = str(request.META.get("HTTP_AUTHORIZATION", ""))
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def metrics_allowed(request: HttpRequest) -> bool:
    """From an allowed address (ducha.orgs.security.client_ip: behind DUCHA_PROXY_COUNT proxies, the address the
    nearest proxy saw), or with the token."""
    if _token_given(request):
        return True
    networks = allowed_networks(str(getattr(settings, "DUCHA_METRICS_ALLOW", "")))
    return _address_allowed(client_ip(request), networks)


def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return _plain("Not Found", status=404)
    if request.method not in READ_METHODS:
        return _not_allowed()
    body = generate_latest(node_metrics.scrape_registry())
    response = HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
    _no_store(response)
    return response
