"""Throughput under concurrency (issue 18): the pages users wait on, side by side with the bare signed-in request,
through a real server.

`run()` starts gunicorn on the current database with production settings (DEBUG off, the manifest of collected
static files, the cache of DUCHA_CACHE_URL if set; only the plain-HTTP switches turned off so that a browser can
sign in on loopback), signs in through the sign-in page as the provincial office account of `ducha gendata`, and
loads each page with ApacheBench (`ab`, Debian's apache2-utils) at a fixed concurrency for a fixed time, page after
page, in several rounds. The floor is `GET /api/v1/me` (signed in, one small query): every page's rate is given as
a share of the floor's rate in the same round, so the figure holds on a faster or slower (or busier) machine; the
summary is the median of the rounds.
"""

from __future__ import annotations

import csv
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings as django_settings
from django.db import connection

from ducha.devtools.bench import bench_user
from ducha.devtools.gendata import PASSWORD
from ducha.items.models import Item
from ducha.items.selectors import items_for_user
from ducha.orgs.models import User

FLOOR = "/api/v1/me"
# What the server runs with: production settings, with only what plain HTTP on loopback needs turned off.
SERVER_ENVIRONMENT = {
    "DUCHA_DEBUG": "0",
    "DUCHA_SECURE_COOKIES": "0",
    "DUCHA_SSL_REDIRECT": "0",
    "DUCHA_HSTS_SECONDS": "0",
    # The office would otherwise be asked for a TOTP code; its cost is one flag in the session, not measured here.
    "DUCHA_OTP_REQUIRED_ROLES": "",
    "DUCHA_PASSWORD_MAX_AGE_DAYS": "0",
}
DEFAULT_SECRET_KEY = "bench-only-secret-key-of-enough-length"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass(frozen=True)
class Page:
    label: str
    path: str


@dataclass
class Sample:
    """One page's ab run."""

    page: Page
    rate: float  # requests per second
    p50: float
    p95: float
    p99: float
    requests: int
    failed: int
    app_cpu_ms: float | None = None  # CPU of the gunicorn processes per request
    db_cpu_ms: float | None = None  # CPU of their PostgreSQL backends per request


@dataclass
class Round:
    samples: list[Sample] = field(default_factory=list)
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after

    def floor(self) -> Sample:
        return next(sample for sample in self.samples if sample.page.path == FLOOR)


# --- the server -------------------------------------------------------------------------------------------------


def server_environment() -> dict[str, str]:
    environment = os.environ.copy()
    environment.update(SERVER_ENVIRONMENT)
    environment.setdefault("DUCHA_SECRET_KEY", DEFAULT_SECRET_KEY)
    return environment


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """gunicorn with `workers` sync workers on 127.0.0.1:`port`, started with production settings, stopped (with
    its workers) on exit. An empty configuration file keeps a gunicorn.conf.py of the working directory out."""

    def __init__(
        self, *, port: int, workers: int, log: Path, collectstatic: bool = False, source: Path | None = None
    ) -> None:
        self.port, self.workers, self.log, self.collectstatic = port, workers, log, collectstatic
        self.source = source  # another checkout's directory: its `ducha` package is served (a before/after)
        self.process: subprocess.Popen[bytes] | None = None
        self._config = tempfile.NamedTemporaryFile("w", suffix=".py", prefix="bench_http_gunicorn_")  # noqa: SIM115

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def application_name(self) -> str:
        """What the workers' database sessions are called (libpq's PGAPPNAME): their backends are found by it."""
        return f"ducha_bench_http_{self.port}"

    def __enter__(self) -> Server:
        environment = server_environment()
        environment["PGAPPNAME"] = self.application_name
        # The collected static files (and their manifest) of this checkout, also for another checkout's code.
        environment.setdefault("DUCHA_VAR_DIR", str(django_settings.VAR_DIR))
        if self.collectstatic or not (Path(django_settings.STATIC_ROOT) / "staticfiles.json").exists():
            # Production settings read the manifest of the collected files; collecting takes minutes here.
            subprocess.run(
                [sys.executable, "-m", "ducha", "collectstatic", "--noinput", "-v", "0"],
                env=environment,
                check=True,
            )
        command = [
            sys.executable, "-m", "gunicorn", "ducha.config.wsgi",
            "--config", self._config.name,
            "--workers", str(self.workers),
            "--bind", f"127.0.0.1:{self.port}",
            "--no-control-socket",
        ]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                env=environment,
                cwd=self.source,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until_up(self.base_url, process=self.process)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._config.close()


def wait_until_up(
    base_url: str, *, process: subprocess.Popen[bytes] | None = None, seconds: float = 60
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode} (see its log)")
        try:
            with urllib.request.urlopen(base_url + "/login/", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{base_url} did not answer within {seconds:.0f} s")


# --- signing in -------------------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def sign_in(base_url: str, username: str, password: str) -> str:
    """Sign in through the sign-in page as a browser does; the cookies a browser sends afterwards (the session and
    the CSRF cookie) as a Cookie header's value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    with opener.open(base_url + "/login/", timeout=30) as response:
        match = CSRF_FIELD.search(response.read().decode())
    if match is None:
        raise RuntimeError("the sign-in page has no CSRF field")
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": match.group(1)}
    ).encode()
    request = urllib.request.Request(
        base_url + "/login/", data=body, headers={"Referer": base_url + "/login/"}
    )
    try:
        opener.open(request, timeout=30).close()
        raise RuntimeError(f"signing in as {username} failed (the sign-in page was shown again)")
    except urllib.error.HTTPError as answer:
        if answer.code != 302:
            raise RuntimeError(f"signing in as {username}: HTTP {answer.code}") from None
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"signing in as {username} gave no session cookie")
    return "; ".join(f"{name}={value}" for name, value in sorted(cookies.items()))


def check_page(base_url: str, path: str, session: str) -> int:
    """GET `path` once with the session's cookies; its size in bytes (anything but 200 stops the bench)."""
    request = urllib.request.Request(base_url + path, headers={"Cookie": session})
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        with opener.open(request, timeout=120) as response:
            return len(response.read())
    except urllib.error.HTTPError as answer:
        raise RuntimeError(f"{path}: HTTP {answer.code} {answer.headers.get('Location', '')}") from None


# --- the pages ----------------------------------------------------------------------------------------------------


def sample_items(user: User, count: int) -> list[Item]:
    """`count` items the user sees, spread evenly over the id range (the same ones on every run of one database):
    old archived items with long timelines as well as recent running ones."""
    bounds = Item.objects.order_by("id").values_list("id", flat=True)
    first, last = bounds.first(), bounds.last()
    if first is None or last is None:
        raise RuntimeError("No items: run `ducha gendata --items N` first.")
    chosen: list[Item] = []
    for step in range(count):
        at = first + (last - first) * (2 * step + 1) // (2 * count)
        item = items_for_user(user).filter(id__gte=at).order_by("id").only("id", "status").first()
        if item is not None and item not in chosen:
            chosen.append(item)
    return chosen


def pages(user: User, *, items: int) -> list[Page]:
    chosen = [
        Page(f"item page #{item.pk} ({item.status})", f"/items/{item.pk}/")
        for item in sample_items(user, items)
    ]
    return [
        Page("`/api/v1/me` (the floor)", FLOOR),
        Page("ledger, first page", "/ledger/"),
        *chosen,
        Page("dashboard (summary table)", "/dashboard/"),
    ]


# --- CPU per request --------------------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_ticks(pid: int) -> int | None:
    """utime + stime of a process, in clock ticks (None once it has exited)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return [int(child) for child in children.read().split()]
    except OSError:
        return []


class CpuMeter:
    """The CPU the server spends, sampled every `interval` seconds while a load runs: gunicorn's master and workers
    (its children) and, on PostgreSQL on this host, the backends of the workers' connections (found by their
    application name). A process that appears during the window counts whole (a worker or a connection started
    for the load); one that exits counts up to its last sample. What the shared host's other processes spend does
    not count, which is what makes the figure steadier than a rate on a busy machine."""

    def __init__(self, server_pid: int, application_name: str, interval: float = 0.2) -> None:
        self.server_pid, self.application_name, self.interval = server_pid, application_name, interval
        self.database = connection.vendor == "postgresql"
        self._first: dict[tuple[str, int], int] = {}
        self._last: dict[tuple[str, int], int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _database_pids(self) -> list[int]:
        if not self.database:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [self.application_name]
            )
            return [row[0] for row in cursor.fetchall()]

    def _sample(self, *, starting: bool) -> None:
        processes = [("app", self.server_pid)] + [("app", pid) for pid in _children(self.server_pid)]
        processes += [("db", pid) for pid in self._database_pids()]
        for key in processes:
            ticks = _cpu_ticks(key[1])
            if ticks is None:
                continue
            if key not in self._first:
                self._first[key] = ticks if starting else 0
            self._last[key] = ticks

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                self._sample(starting=False)
        finally:
            connection.close()  # this thread's own connection

    def __enter__(self) -> CpuMeter:
        self._sample(starting=True)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join()
        self._sample(starting=False)

    def milliseconds(self, kind: str) -> float:
        ticks = sum(self._last[key] - self._first[key] for key in self._last if key[0] == kind)
        return ticks * 1000 / CLOCK_TICKS


# --- ab -------------------------------------------------------------------------------------------------------------

RATE = re.compile(r"^Requests per second:\s+([\d.]+)", re.MULTILINE)
COMPLETE = re.compile(r"^Complete requests:\s+(\d+)", re.MULTILINE)
FAILED = re.compile(r"^Failed requests:\s+(\d+)", re.MULTILINE)
NON_2XX = re.compile(r"^Non-2xx responses:\s+(\d+)", re.MULTILINE)


def ab(base_url: str, page: Page, session: str, *, concurrency: int, seconds: float) -> Sample:
    """`ab -c concurrency -t seconds` on one page with the session's cookies (as a browser sends them: the session
    and the CSRF cookie); the latency percentiles from ab's percentile table (-e), in ms."""
    with tempfile.NamedTemporaryFile("r", suffix=".csv") as percentiles:
        command = ["ab", "-q", "-c", str(concurrency), "-t", str(seconds), "-n", "10000000"]
        command += ["-H", f"Cookie: {session}", "-e", percentiles.name, base_url + page.path]
        output = subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=False,
        )
        if output.returncode != 0:
            raise RuntimeError(f"ab {page.path}: {output.stderr.strip() or output.stdout.strip()}")
        table = {round(float(row[0])): float(row[1]) for row in list(csv.reader(percentiles))[1:] if row}
    text = output.stdout
    rate, complete = RATE.search(text), COMPLETE.search(text)
    if rate is None or complete is None:
        raise RuntimeError(f"ab {page.path}: unexpected output\n{text}")
    failed = int(FAILED.search(text).group(1)) if FAILED.search(text) else 0  # type: ignore[union-attr]
    non_2xx = int(NON_2XX.search(text).group(1)) if NON_2XX.search(text) else 0  # type: ignore[union-attr]
    return Sample(
        page=page,
        rate=float(rate.group(1)),
        p50=table.get(50, 0.0),
        p95=table.get(95, 0.0),
        p99=table.get(99, 0.0),
        requests=int(complete.group(1)),
        failed=failed + non_2xx,
    )


# --- the run ----------------------------------------------------------------------------------------------------


@dataclass
class Settings:
    workers: int = 3
    concurrency: int = 6
    seconds: float = 10
    rounds: int = 3
    items: int = 3
    warmup_seconds: float = 2
    port: int = 0
    base_url: str = ""  # measure a server already running there instead of starting one
    user_prefix: str = "bench_office_"
    collectstatic: bool = False  # collect even when the manifest exists
    source: Path | None = None  # serve the `ducha` package of this directory (another checkout) instead
    log: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / "bench_http_gunicorn.log")


Meter = Callable[[], "CpuMeter | None"]


def _loaded(
    base_url: str, page: Page, session: str, settings: Settings, meter: Meter, seconds: float | None = None
) -> Sample:
    cpu = meter()
    if cpu is None:
        return ab(
            base_url, page, session, concurrency=settings.concurrency, seconds=seconds or settings.seconds
        )
    with cpu:
        sample = ab(
            base_url, page, session, concurrency=settings.concurrency, seconds=seconds or settings.seconds
        )
    if sample.requests:
        sample.app_cpu_ms = cpu.milliseconds("app") / sample.requests
        sample.db_cpu_ms = cpu.milliseconds("db") / sample.requests if cpu.database else None
    return sample


def measure(
    base_url: str, settings: Settings, write: Callable[[str], None], meter: Meter = lambda: None
) -> tuple[list[Page], list[Round]]:
    user = bench_user(settings.user_prefix)
    session = sign_in(base_url, user.username, PASSWORD)
    shown = pages(user, items=settings.items)
    write(f"signed in as {user.username}; pages:")
    for page in shown:
        size = check_page(base_url, page.path, session)
        write(f"  {page.path:<24} {size:>8} bytes  {page.label}")
    for page in shown:  # warm-up: every worker loads its templates, caches and connections
        ab(base_url, page, session, concurrency=settings.concurrency, seconds=settings.warmup_seconds)
    rounds = []
    for number in range(1, settings.rounds + 1):
        before = os.getloadavg()[0]
        taken = Round()
        for page in shown:
            taken.samples.append(_loaded(base_url, page, session, settings, meter))
        taken.load = (before, os.getloadavg()[0])
        rounds.append(taken)
        write(f"\nround {number} (load average {taken.load[0]:.2f} → {taken.load[1]:.2f})")
        write(round_table(taken))
    return shown, rounds


def run(settings: Settings, write: Callable[[str], None]) -> list[Round]:
    if shutil.which("ab") is None:
        raise RuntimeError("ab is not installed: apt-get install apache2-utils")
    cache = os.environ.get("DUCHA_CACHE_URL", "") or "LocMem (one per process)"
    if settings.base_url:
        write(f"server: {settings.base_url} (already running); cache: as that server was started")
        shown, rounds = measure(settings.base_url.rstrip("/"), settings, write)
    else:
        port = settings.port or free_port()
        code = f"; code: {settings.source}" if settings.source else ""
        write(
            f"server: gunicorn, {settings.workers} sync workers on 127.0.0.1:{port}; cache: {cache}; "
            f"log: {settings.log}{code}"
        )
        with Server(
            port=port,
            workers=settings.workers,
            log=settings.log,
            collectstatic=settings.collectstatic,
            source=settings.source,
        ) as server:
            assert server.process is not None
            server_pid, application_name = server.process.pid, server.application_name
            shown, rounds = measure(
                server.base_url, settings, write, meter=lambda: CpuMeter(server_pid, application_name)
            )
    write(
        f"\nsummary: median of {len(rounds)} rounds, ab -c {settings.concurrency}, {settings.seconds:g} s per "
        "page per round"
    )
    write(summary_table(shown, rounds))
    return rounds


def _cpu(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def round_table(taken: Round) -> str:
    floor = taken.floor().rate
    lines = [
        "| page | req/s | share of the floor | p50 ms | p95 ms | p99 ms | CPU ms/request app + db | requests "
        "| failed |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for sample in taken.samples:
        lines.append(
            f"| {sample.page.label} | {sample.rate:.1f} | {sample.rate / floor:.2f} | {sample.p50:.0f} | "
            f"{sample.p95:.0f} | {sample.p99:.0f} | {_cpu(sample.app_cpu_ms)} + {_cpu(sample.db_cpu_ms)} | "
            f"{sample.requests} | {sample.failed} |"
        )
    return "\n".join(lines)


def _median(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return statistics.median(known) if known else None


def summary_table(shown: list[Page], rounds: list[Round]) -> str:
    """Per page: the medians over the rounds; the share of the floor is taken within each round (both pages met
    the same machine) and its median given with the rounds' values."""
    lines = [
        "| page | req/s | share of the floor (per round) | share, median | p50 ms | p95 ms | p99 ms | CPU ms/request "
        "app + db | failed |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for page in shown:
        samples = [next(s for s in taken.samples if s.page == page) for taken in rounds]
        shares = [s.rate / taken.floor().rate for s, taken in zip(samples, rounds, strict=True)]
        app = _median([s.app_cpu_ms for s in samples])
        database = _median([s.db_cpu_ms for s in samples])
        lines.append(
            f"| {page.label} | {statistics.median(s.rate for s in samples):.1f} | "
            f"{', '.join(f'{share:.2f}' for share in shares)} | {statistics.median(shares):.2f} | "
            f"{statistics.median(s.p50 for s in samples):.0f} | {statistics.median(s.p95 for s in samples):.0f} | "
            f"{statistics.median(s.p99 for s in samples):.0f} | {_cpu(app)} + {_cpu(database)} | "
            f"{sum(s.failed for s in samples)} |"
        )
    return "\n".join(lines)
