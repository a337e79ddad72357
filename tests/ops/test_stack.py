"""The production stack, started for real as `make prod` starts it (Procfile), against a PostgreSQL database of its
own and Redis database 5: gunicorn with ducha.ops.gunicorn_conf (two workers), an RQ task worker, two schedulers.

One run (30–50 s; 70–85 s when it migrates a database and keeps it as the template later runs copy) checks: health
and readiness through gunicorn; a sign-in with a real session and CSRF token, and the home page; the hashed static
files served by WhiteNoise with far-future caching and compressed; a task queued on Redis run by this stack's worker
(at once, and deferred: the worker's RQ scheduler moves it to the queue when due); exactly one scheduler holding the
lock, the other in standby taking over within seconds of a SIGKILL, and sweeping (the sweep counter in /metrics).

Skipped when PostgreSQL (127.0.0.1:5432, or the server of a postgres DATABASE_URL) or Redis (127.0.0.1:6379) does not
answer. Every process is killed, the database dropped and Redis database 5 emptied, whatever happens.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
import pytest
from django.utils import timezone

from tests import clock

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/5"
USERNAME = "stack_handler"
PASSWORD = "Stack-test-2026!"
FULL_NAME = "栈测试员"

# migrate, then one unit handler (production requires a second factor of the office, leader and admin roles only).
SETUP = textwrap.dedent(
    f"""
    import os
    from django.core.management import call_command
    from django.db import connection, connections
    if os.environ["STACK_TEMPLATE"]:
        # A fresh database: migrated, then kept as the template later runs of the same migrations start from.
        import psycopg
        from psycopg import sql
        call_command("migrate", interactive=False, verbosity=0)
        params = {{**connection.get_connection_params(), "dbname": "postgres"}}
        params.pop("cursor_factory", None)
        params.pop("context", None)
        source = connection.settings_dict["NAME"]
        connections.close_all()  # a template's source must have no session
        with psycopg.connect(**params, autocommit=True) as admin:
            try:
                admin.execute(
                    sql.SQL("CREATE DATABASE {{}} TEMPLATE {{}}").format(
                        sql.Identifier(os.environ["STACK_TEMPLATE"]), sql.Identifier(source)
                    )
                )
            except psycopg.errors.DuplicateDatabase:  # made meanwhile by another run
                pass
    from ducha.orgs.models import Role, UnitKind, UnitLevel
    from ducha.orgs.services import unit_create, user_create
    county = unit_create(name="栈测试县人民政府", level=UnitLevel.COUNTY, kind=UnitKind.GOVERNMENT)
    department = unit_create(
        name="栈测试县发展和改革局", level=UnitLevel.COUNTY, kind=UnitKind.DEPARTMENT, parent=county
    )
    user_create(
        username="{USERNAME}", password="{PASSWORD}", unit=department, roles=[Role.HANDLER],
        full_name="{FULL_NAME}",
    )
    print("ready", flush=True)
    """
)

# A real task of the project through the RQ backend: the sweep, at once and deferred by two seconds.
ENQUEUE = textwrap.dedent(
    """
    import datetime, json, time
    from django.utils import timezone
    from django_tasks import TaskResultStatus
    from ducha.reminders.tasks import sweep
    results = [sweep.enqueue(), sweep.using(run_after=timezone.now() + datetime.timedelta(seconds=2)).enqueue()]
    deadline = time.monotonic() + 60
    for result in results:
        while result.status not in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
            result.refresh()
    print(json.dumps([
        {"backend": result.backend, "status": str(result.status), "value": result.return_value
         if result.status == TaskResultStatus.SUCCESSFUL else None, "workers": result.worker_ids}
        for result in results
    ]), flush=True)
    """
)


def _postgres_server() -> dict:
    url = os.environ.get("DATABASE_URL", "")
    config = dj_database_url.parse(url) if url.startswith("postgres") else {}
    return {
        "host": config.get("HOST") or "127.0.0.1",
        "port": int(config.get("PORT") or 5432),
        "user": config.get("USER") or "postgres",
        "password": config.get("PASSWORD") or "",
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Stack:
    directory: Path
    environment: dict[str, str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, argv: list[str], **extra: str) -> subprocess.Popen:
        log = (self.directory / f"{name}.log").open("w")
        process = subprocess.Popen(
            argv,
            cwd=REPO,
            env={**self.environment, **extra},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the master and its workers are killed together
        )
        log.close()
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.directory / f"{name}.log").read_text(errors="replace")

    def logs(self) -> str:
        return "\n".join(f"--- {name}\n{self.log(name)[-3000:]}" for name in self.processes)

    def wait(self, name: str, timeout: float) -> int:
        try:
            return self.processes[name].wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{name} did not finish in {timeout} s\n{self.logs()}") from None

    def kill(self, name: str) -> None:
        process = self.processes[name]
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # gone meanwhile
                os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def kill_all(self) -> None:
        for name in self.processes:
            self.kill(name)

    def until(self, check: Callable[[], object], timeout: float, what: str) -> float:
        started = time.monotonic()
        while True:
            value = check()
            if value:
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise AssertionError(f"{what}: not within {timeout} s\n{self.logs()}")
            time.sleep(0.1)


class Browser:
    """urllib with a cookie jar, never following redirects by itself."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), self._NoRedirect()
        )

    def request(self, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            return response.status, dict(response.headers), response.read()


@pytest.fixture
def services() -> Iterator[dict]:
    """The PostgreSQL server (a fresh database on it) and Redis database 5, or a skip."""
    psycopg = pytest.importorskip("psycopg")
    redis = pytest.importorskip("redis")
    from psycopg import sql

    server = _postgres_server()
    try:
        admin = psycopg.connect(
            **{k: v for k, v in server.items() if v}, dbname="postgres", autocommit=True, connect_timeout=3
        )
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable: {error}")
    store = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        store.flushdb()
    except redis.RedisError as error:
        admin.close()
        pytest.skip(f"Redis is not reachable: {error}")
    name = f"ducha_stack_test_{os.getpid()}"
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    # Migrating a fresh database takes 20–40 s; a copy of one migrated earlier by the same migrations, at an instant
    # of the same year (the partitioning migrations make partitions around "now"), takes a second.
    migrations, year = _migrations_fingerprint(), timezone.localdate().year
    template = f"{TEMPLATE_PREFIX}{migrations}_{year}"
    existing = [
        row[0]
        for row in admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [TEMPLATE_PREFIX + "%"]
        ).fetchall()
    ]
    for stale in existing:
        if not stale.startswith(f"{TEMPLATE_PREFIX}{migrations}_"):  # other migrations: never used again
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(stale)))
    if template in existing:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        )
        template = ""  # nothing to migrate, no template to make
    else:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    credentials = server["user"] + (
        ":" + urllib.parse.quote(server["password"]) if server["password"] else ""
    )
    try:
        yield {
            "database_url": f"postgres://{credentials}@{server['host']}:{server['port']}/{name}",
            "template": template,
        }
    finally:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()
        store.flushdb()
        store.close()


TEMPLATE_PREFIX = "ducha_stack_template_"


def _migrations_fingerprint() -> str:
    """Every migration of every installed app, by name and content."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    digest = hashlib.sha256()
    for key in sorted(loader.disk_migrations):
        module = sys.modules[type(loader.disk_migrations[key]).__module__]
        digest.update(repr(key).encode())
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:12]


def _sweep_rounds_ok(browser: Browser) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    status, _, body = browser.request("/metrics")
    assert status == 200
    for family in text_string_to_metric_families(body.decode()):
        if family.name == "ducha_sweep_rounds":
            return sum(
                sample.value
                for sample in family.samples
                if sample.name == "ducha_sweep_rounds_total" and sample.labels.get("outcome") == "ok"
            )
    return 0.0


def test_the_production_stack_serves_queues_and_keeps_one_scheduler(services, tmp_path):
    started = time.monotonic()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    metrics_directory = tmp_path / "prometheus"
    metrics_directory.mkdir()
    # The processes keep the test's instant through tests/run_at.py (clock.python_command), not through libfaketime
    # (CI's faked-clock run): under it a thread's timed wait never returns, and the scheduler waits so between rounds.
    environment = {
        name: value
        for name, value in clock.environment_without_faketime().items()
        if name not in {"DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR"} and not name.startswith("DUCHA_")
    }
    # What deploy/prod.sh sets, pointed at this test's database, Redis database, folder and port.
    environment.update(
        DJANGO_SETTINGS_MODULE="ducha.config.settings",
        PYTHONUNBUFFERED="1",
        DATABASE_URL=services["database_url"],
        DUCHA_SECRET_KEY="stack-test-" + os.urandom(16).hex(),
        DUCHA_DEBUG="0",
        DUCHA_TASKS_BACKEND="rq",
        DUCHA_REDIS_URL=REDIS_URL,
        DUCHA_CACHE_URL=REDIS_URL,
        DUCHA_CACHE_PREFIX="stack-test",
        DUCHA_VAR_DIR=str(tmp_path / "var"),
        DUCHA_ALLOWED_HOSTS="127.0.0.1,localhost",
        DUCHA_SITE_URL=base,
        DUCHA_SSL_REDIRECT="0",
        DUCHA_HSTS_SECONDS="0",
        DUCHA_SECURE_COOKIES="0",
        DUCHA_PDF_ENGINE="",
        DUCHA_WEB_BIND=f"127.0.0.1:{port}",
        DUCHA_WEB_WORKERS="2",
        DUCHA_NODE_MODULES=str(tmp_path / "no-node-modules"),
    )
    stack = Stack(tmp_path, environment)
    browser = Browser(base)
    try:
        # The database migrated (and one account) while the static files are collected — all but the large trees no
        # page of this test uses (the admin's, the API documentation's, ECharts: DUCHA_NODE_MODULES above), since
        # every file is compressed twice.
        stack.start("setup", clock.ducha_command("shell", "-c", SETUP), STACK_TEMPLATE=services["template"])
        stack.start(
            "collectstatic",
            clock.ducha_command("collectstatic", "--noinput", "-v0", "-i", "admin", "-i", "ninja"),
        )
        assert stack.wait("collectstatic", 120) == 0, stack.logs()
        assert stack.wait("setup", 120) == 0, stack.logs()
        assert "ready" in stack.log("setup")
        prepared = time.monotonic() - started

        running = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_directory)}
        stack.start(
            "web", clock.python_command("-m", "gunicorn", "-c", "python:ducha.ops.gunicorn_conf"), **running
        )
        # As the Procfile has it: the task worker keeps out of the metrics directory.
        stack.start(
            "worker",
            clock.ducha_command(
                "rqworker", "default", "--job-class", "django_tasks_rq.Job", "--with-scheduler"
            ),
        )
        stack.start("scheduler-1", clock.ducha_command("scheduler"), **running)
        stack.start("scheduler-2", clock.ducha_command("scheduler"), **running)
        stack.start("enqueue", clock.ducha_command("shell", "-c", ENQUEUE))

        # --- the web server: liveness, readiness
        stack.until(lambda: _answers(browser, "/healthz"), 60, "gunicorn answering /healthz")
        status, headers, body = browser.request("/healthz")
        assert status == 200 and headers["Server"] == "gunicorn"
        status, headers, body = browser.request("/readyz")
        assert status == 200, body
        assert headers["Content-Type"].startswith("application/json")
        assert json.loads(body)

        # --- a real sign-in: the CSRF token from the page and its cookie, then the session cookie
        status, _, page = browser.request("/login/")
        assert status == 200
        [token] = re.findall(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        status, headers, _ = browser.request(
            "/login/",
            {"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token.decode(), "next": ""},
        )
        assert status == 302, headers
        assert {cookie.name for cookie in browser.cookies} >= {"csrftoken", "sessionid"}
        # Several pages in a row: the two workers share the session (in the database), whichever answers.
        for _ in range(4):
            status, headers, home = browser.request("/")
            assert status == 200, home[:2000]
            assert FULL_NAME.encode() in home
        assert "no-store" in headers["Cache-Control"]  # a signed-in page is never cached

        # --- static files: hashed name, cached for ever, compressed (gzip and Brotli variants)
        [stylesheet] = set(re.findall(rb'href="(/static/ducha/ducha\.[0-9a-f]{12}\.css)"', home))
        for encoding in ("gzip", "br"):
            status, headers, _ = browser.request(stylesheet.decode(), headers={"Accept-Encoding": encoding})
            assert status == 200
            assert headers["Cache-Control"] == "max-age=315360000, public, immutable"
            assert headers["Content-Encoding"] == encoding
        # a name that is not the current hash: not served
        status, _, _ = browser.request("/static/ducha/ducha.000000000000.css")
        assert status == 404

        # --- the task worker: the sweep queued on Redis, at once and deferred, run by the worker
        assert stack.wait("enqueue", 90) == 0, stack.logs()
        results = json.loads(stack.log("enqueue").strip().splitlines()[-1])
        assert [result["status"] for result in results] == ["SUCCESSFUL", "SUCCESSFUL"], stack.logs()
        # by this stack's worker (a worker of another stack on Redis database 5 would take them: it is this test's)
        [worker_name] = re.findall(r"Worker (\w+): started with PID", stack.log("worker"))
        for result in results:
            assert result["backend"] == "default"
            assert set(result["value"]) == {"run", "reminders", "messages"}
            assert result["workers"] == [worker_name]

        # --- the schedulers: one active, one in standby
        schedulers = ("scheduler-1", "scheduler-2")

        def said(name: str, what: str) -> bool:
            return f"scheduler: {what}" in stack.log(name)

        stack.until(
            lambda: all(said(name, "active") or said(name, "standby") for name in schedulers),
            60,
            "both schedulers started",
        )
        [active] = [name for name in schedulers if said(name, "active")]
        [standby] = [name for name in schedulers if name != active]
        assert said(standby, "standby") and not said(standby, "active")
        assert stack.log(standby).count("scheduler: standby") == 1  # said once, not at every attempt
        stack.until(
            lambda: _sweep_rounds_ok(browser) >= 1, 60, "the active scheduler's first sweep in /metrics"
        )
        rounds_before = _sweep_rounds_ok(browser)

        # --- the active one killed outright: the other takes over within seconds, and sweeps
        os.kill(stack.processes[active].pid, signal.SIGKILL)
        takeover = stack.until(lambda: said(standby, "active"), 15, "the standby scheduler taking over")
        assert takeover < 10
        stack.until(
            lambda: _sweep_rounds_ok(browser) > rounds_before, 60, "a sweep by the new active scheduler"
        )
        assert stack.processes[standby].poll() is None
        assert stack.processes["web"].poll() is None and stack.processes["worker"].poll() is None
    finally:
        stack.kill_all()
    print(
        f"\nstack test: prepared in {prepared:.1f} s, whole run {time.monotonic() - started:.1f} s, "
        f"takeover {takeover:.1f} s"
    )


def _answers(browser: Browser, path: str) -> bool:
    try:
        status, _, _ = browser.request(path)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False
    return status == 200
