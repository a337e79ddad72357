"""gunicorn's configuration for the web process: `gunicorn -c python:ducha.ops.gunicorn_conf` (Procfile, the systemd
unit in deploy/systemd/). Every value comes from the environment, with a default fit for one app node:

  DUCHA_WEB_BIND              127.0.0.1:8000 (comma-separated for several; unix:/run/ducha/web.sock for a socket)
  DUCHA_WEB_WORKERS           2 × cores + 1, at most 12 (each worker holds its own database connections)
  DUCHA_WEB_THREADS           1: sync workers, the fastest for Django's CPU-bound pages behind a balancer that
                              buffers slow clients; above 1, gthread workers (keep-alive, slow clients tolerated)
  DUCHA_WEB_TIMEOUT           120 s: a worker silent this long is killed and replaced (a PDF conversion may wait
                              DUCHA_PDF_TIMEOUT_SECONDS + DUCHA_PDF_WAIT_SECONDS = 75 s by default)
  DUCHA_WEB_GRACEFUL_TIMEOUT  30 s for requests in flight at a restart or a stop
  DUCHA_WEB_KEEPALIVE         5 s (gthread workers only)
  DUCHA_WEB_MAX_REQUESTS      5000 requests per worker, then a fresh worker (memory stays flat over weeks), with
  DUCHA_WEB_MAX_REQUESTS_JITTER  500 of jitter so that the workers do not all restart at once
  DUCHA_WEB_ACCESS_LOG        1: one line per request through logging (0: none, e.g. for a benchmark)
  DUCHA_WEB_FORWARDED_ALLOW_IPS  the proxies whose X-Forwarded-* gunicorn trusts (gunicorn's default: 127.0.0.1,::1)
  DUCHA_WEB_CONTROL_SOCKET    a path for gunicorn's control socket (`gunicornc`); unset: no control socket
  PROMETHEUS_MULTIPROC_DIR    the metrics' shared directory (ducha.ops.metrics); at start-up the files of processes
                              that are gone are removed, so counters start afresh with the server

No preload_app: each worker imports the application itself after the fork. Preloading would save a second or two
of start-up per worker and some memory, but anything the application opened while loading in the master — a
database connection, a Redis client, jieba's dictionary, the router's models, the PDF engines' addresses — would
be shared by every worker after the fork (one PostgreSQL connection used by several processes corrupts its
protocol), and `kill -HUP` would not load new code. Workers renewed by max_requests load the application again
anyway.

Logging: gunicorn's loggers (`gunicorn.error`, `gunicorn.access`) have no handler of their own and pass their
records to the root logger, configured from Django's LOGGING (ducha.config.settings): in the master by this file,
in each worker again by Django itself, so the access log has the same format and destination as the
application's own lines.

Each worker loads the URL configuration before its first request (post_worker_init), and an exited worker's live
metrics are dropped (child_exit → ducha.ops.metrics.worker_exited).
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gunicorn.arbiter import Arbiter
    from gunicorn.workers.base import Worker


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value in {"1", "true", "yes", "on"}


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (containers, taskset)
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _logging() -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ducha.config.settings")
    from django.conf import settings

    config: dict[str, Any] = {
        key: (dict(value) if isinstance(value, dict) else value) for key, value in settings.LOGGING.items()
    }
    loggers = dict(config.get("loggers", {}))
    level = "INFO" if _env_bool("DUCHA_WEB_ACCESS_LOG", True) else "WARNING"
    loggers["gunicorn.error"] = {"level": "INFO", "handlers": [], "propagate": True}
    loggers["gunicorn.access"] = {"level": level, "handlers": [], "propagate": True}
    config["loggers"] = loggers
    config["disable_existing_loggers"] = False
    return config


wsgi_app = "ducha.config.wsgi:application"
proc_name = "ducha-web"
bind = [
    part.strip() for part in os.environ.get("DUCHA_WEB_BIND", "127.0.0.1:8000").split(",") if part.strip()
]
workers = _env_int("DUCHA_WEB_WORKERS", min(2 * _cores() + 1, 12))
threads = _env_int("DUCHA_WEB_THREADS", 1)
timeout = _env_int("DUCHA_WEB_TIMEOUT", 120)
graceful_timeout = _env_int("DUCHA_WEB_GRACEFUL_TIMEOUT", 30)
keepalive = _env_int("DUCHA_WEB_KEEPALIVE", 5)
max_requests = _env_int("DUCHA_WEB_MAX_REQUESTS", 5000)
max_requests_jitter = _env_int("DUCHA_WEB_MAX_REQUESTS_JITTER", max_requests // 10)
preload_app = False
# The workers' heartbeat files: in memory, not on a disk that may stall under load (gunicorn's advice).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
if os.environ.get("DUCHA_WEB_FORWARDED_ALLOW_IPS"):
    forwarded_allow_ips = os.environ["DUCHA_WEB_FORWARDED_ALLOW_IPS"]
control_socket_disable = not os.environ.get("DUCHA_WEB_CONTROL_SOCKET")
if os.environ.get("DUCHA_WEB_CONTROL_SOCKET"):
    control_socket = os.environ["DUCHA_WEB_CONTROL_SOCKET"]
# Combined log format and the time taken (ms).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
logconfig_dict = _logging()

# prometheus_client's multiprocess files are named <kind>_<pid>.db.
_METRICS_FILE = re.compile(r"_(\d+)\.db$")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def on_starting(server: Arbiter) -> None:
    """Empty the metrics directory of what earlier runs left, keeping the files of the processes still running
    beside this server (the task workers and the scheduler share the directory)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    removed = 0
    for entry in path.iterdir():
        match = _METRICS_FILE.search(entry.name)
        if entry.is_file() and (match is None or not _process_alive(int(match.group(1)))):
            entry.unlink(missing_ok=True)
            removed += 1
    server.log.info("metrics directory %s: %d files of earlier processes removed", path, removed)


def post_worker_init(worker: Worker) -> None:
    """Load the URL configuration (every view module and the API's schemas: 1.5–3 s on two cores) before the worker
    takes its first request, so that neither the first user after a start nor the one after each max_requests
    renewal waits for it."""
    try:
        from django.urls import reverse

        reverse("login")
    except Exception:  # the first request will say what is wrong
        logging.getLogger("gunicorn.error").exception("warm-up of the URL configuration failed")


def child_exit(server: Arbiter, worker: Worker) -> None:
    """A worker has exited (in the master): its live gauges leave the metrics."""
    try:
        from ducha.ops.metrics import worker_exited

        worker_exited(worker.pid)
    except Exception:  # the master must outlive a metrics failure
        logging.getLogger("gunicorn.error").exception("metrics: worker_exited(%s) failed", worker.pid)
