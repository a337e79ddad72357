"""/metrics (issue 18): Prometheus's text format, only for the allowed addresses or the token (anyone else: 404);
requests counted by their URL pattern, never the raw path; the task queue's depth and the deliveries waiting read at
scrape time (capped); the scheduler's sweeps; several processes merged through PROMETHEUS_MULTIPROC_DIR."""

from __future__ import annotations

import datetime
import os
import subprocess
import textwrap
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from ducha.ops import metrics
from ducha.reminders.models import Delivery, DeliveryStatus, Message
from tests import clock

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]
TOKEN = "s3cret-metrics-token-0123456789"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client: Client | None = None, **extra) -> Samples:
    response = (client or Client()).get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=")
    return samples(response.content.decode())


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


# --- who may read it -------------------------------------------------------------------------------------------------


def test_metrics_are_served_to_the_local_address():
    found = scrape()  # the test client's REMOTE_ADDR is 127.0.0.1, inside the default 127.0.0.1/32,::1/128

    assert any(name.startswith("ducha_") for name, _ in found)


def test_metrics_are_404_for_any_other_address(world):
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.force_login(world.user("office"))  # signing in gives no access either

    response = client.get("/metrics")

    assert response.status_code == 404
    assert b"ducha_" not in response.content


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer "],
)
def test_metrics_are_404_without_the_right_token(settings, authorization):
    settings.DUCHA_METRICS_TOKEN = TOKEN
    headers = {"Authorization": authorization} if authorization is not None else {}

    response = Client(REMOTE_ADDR="203.0.113.9").get("/metrics", headers=headers)

    assert response.status_code == 404


def test_metrics_are_served_with_the_token_from_anywhere(settings):
    settings.DUCHA_METRICS_TOKEN = TOKEN

    found = scrape(Client(REMOTE_ADDR="203.0.113.9"), headers={"Authorization": f"Bearer {TOKEN}"})

    assert any(name.startswith("ducha_http_requests") for name, _ in found)


def test_no_token_is_accepted_while_none_is_set(settings):
    settings.DUCHA_METRICS_TOKEN = ""

    response = Client(REMOTE_ADDR="203.0.113.9").get("/metrics", headers={"Authorization": "Bearer "})

    assert response.status_code == 404


def test_metrics_allow_takes_networks(settings):
    settings.DUCHA_METRICS_ALLOW = "10.20.0.0/16, not-a-network, 192.0.2.1"

    assert Client(REMOTE_ADDR="10.20.3.4").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="192.0.2.1").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="::ffff:10.20.3.4").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="10.21.0.1").get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404


def test_behind_a_proxy_the_address_the_proxy_saw_counts_not_what_the_client_wrote(settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1  # DUCHA_PROXY_COUNT=1: one balancer in front
    settings.DUCHA_METRICS_ALLOW = "192.0.2.0/24"
    balancer = "10.0.0.2"

    forged = Client(REMOTE_ADDR=balancer, HTTP_X_FORWARDED_FOR="192.0.2.5, 203.0.113.9")
    collector = Client(REMOTE_ADDR=balancer, HTTP_X_FORWARDED_FOR="192.0.2.5")

    assert forged.get("/metrics").status_code == 404
    assert collector.get("/metrics").status_code == 200


# --- requests ------------------------------------------------------------------------------------------------------


def test_a_request_is_counted_under_its_route_not_its_path():
    before = scrape()

    response = Client().get("/items/987654/")  # not signed in: sent to sign in, after the URL was resolved

    after = scrape()
    status = str(response.status_code)
    route = "items/<int:item_id>/"
    assert value(after, "ducha_http_requests_total", method="GET", route=route, status=status) == (
        value(before, "ducha_http_requests_total", method="GET", route=route, status=status) + 1
    )
    assert value(after, "ducha_http_request_duration_seconds_count", method="GET", route=route) == (
        value(before, "ducha_http_request_duration_seconds_count", method="GET", route=route) + 1
    )
    assert not [labels for _, labels in after if any("987654" in label for _, label in labels)]


def test_a_path_no_route_matches_is_counted_as_unmatched():
    before = scrape()

    assert Client().get("/no-such-page/424242/").status_code == 404

    after = scrape()
    labels = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert (
        value(after, "ducha_http_requests_total", **labels)
        == value(before, "ducha_http_requests_total", **labels) + 1
    )
    assert not [labels for _, labels in after if any("424242" in label for _, label in labels)]


def test_a_response_given_before_resolving_still_counts_under_its_route(settings):
    settings.SECURE_SSL_REDIRECT = True
    before = scrape()

    assert Client().get("/login/").status_code == 301  # SecurityMiddleware: to HTTPS, before any view

    after = scrape()
    labels = {"method": "GET", "route": "login/", "status": "301"}
    assert (
        value(after, "ducha_http_requests_total", **labels)
        == value(before, "ducha_http_requests_total", **labels) + 1
    )


def test_odd_methods_are_counted_as_other():
    before = scrape()

    Client().generic("BREW", "/login/")

    after = scrape()
    labels = {"method": "other", "route": "login/", "status": "405"}
    assert (
        value(after, "ducha_http_requests_total", **labels)
        == value(before, "ducha_http_requests_total", **labels) + 1
    )
    assert not [labels for _, labels in after if ("method", "BREW") in labels]


# --- read at scrape time -------------------------------------------------------------------------------------------


@pytest.fixture
def database_queue(settings):
    settings.DUCHA_TASKS_BACKEND = "db"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_queue_depth_counts_a_task_waiting_in_the_database_queue(database_queue, monkeypatch):
    from ducha.reminders.tasks import deliver

    before = value(scrape(), "ducha_task_queue_depth", backend="db", queue="default")

    deliver.enqueue(0)  # no worker runs in the tests: it waits

    assert value(scrape(), "ducha_task_queue_depth", backend="db", queue="default") == before + 1
    # A task to run later is not waiting yet.
    deliver.using(run_after=timezone.now() + datetime.timedelta(hours=1)).enqueue(0)
    assert value(scrape(), "ducha_task_queue_depth", backend="db", queue="default") == before + 1
    # The count stops at the cap.
    deliver.enqueue(0)
    monkeypatch.setattr(metrics, "COUNT_CAP", before + 1)
    assert value(scrape(), "ducha_task_queue_depth", backend="db", queue="default") == before + 1


def test_queue_depth_is_left_out_when_redis_is_down_and_the_rest_is_served(settings):
    settings.DUCHA_TASKS_BACKEND = "rq"
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0", "DEFAULT_TIMEOUT": 300}}

    found = scrape()

    assert not [name for name, _ in found if name == "ducha_task_queue_depth"]
    assert ("ducha_deliveries_dead", frozenset()) in found


def test_deliveries_due_and_dead_are_counted(world):
    now = timezone.now()
    before = scrape()

    def add(status: DeliveryStatus, due: datetime.datetime) -> None:
        message = Message.objects.create(recipient=world.user("fgw"), subject="催办", created_at=now)
        Delivery.objects.create(
            message=message, channel="email", status=status, next_attempt_at=due, created_at=now
        )

    add(DeliveryStatus.PENDING, now - datetime.timedelta(minutes=5))
    add(DeliveryStatus.PENDING, now + datetime.timedelta(hours=2))  # not due yet
    add(DeliveryStatus.RETRY, now - datetime.timedelta(minutes=1))
    add(DeliveryStatus.DEAD, now - datetime.timedelta(days=3))
    add(DeliveryStatus.SENT, now - datetime.timedelta(minutes=1))

    after = scrape()
    assert (
        value(after, "ducha_deliveries_due", status="pending")
        == value(before, "ducha_deliveries_due", status="pending") + 1
    )
    assert (
        value(after, "ducha_deliveries_due", status="retry")
        == value(before, "ducha_deliveries_due", status="retry") + 1
    )
    assert value(after, "ducha_deliveries_dead") == value(before, "ducha_deliveries_dead") + 1


# --- the scheduler's sweeps ----------------------------------------------------------------------------------------


def test_record_sweep_is_reflected():
    before = scrape()
    when = clock.moment(2026, 11, 18, 10, 5)

    with time_machine.travel(when, tick=False):
        metrics.record_sweep(seconds=1.5, ok=True, reminders=7, messages=3, dispatched=2, dead_lettered=1)
    metrics.record_sweep(seconds=0.2, ok=False)

    after = scrape()

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("ducha_sweep_rounds_total", outcome="ok") == 1
    assert grew("ducha_sweep_rounds_total", outcome="failed") == 1
    assert grew("ducha_sweep_duration_seconds_count") == 2
    assert grew("ducha_sweep_duration_seconds_sum") == pytest.approx(1.7)
    assert grew("ducha_sweep_duration_seconds_bucket", le="1.0") == 1
    assert grew("ducha_sweep_reminders_total") == 7
    assert grew("ducha_sweep_messages_total") == 3
    assert grew("ducha_sweep_deliveries_queued_total") == 2
    assert grew("ducha_sweep_dead_lettered_total") == 1
    # The failed round leaves the last success where the good one put it.
    assert value(after, "ducha_sweep_last_success_timestamp_seconds") == when.timestamp()


# --- several processes -----------------------------------------------------------------------------------------------

NODE = textwrap.dedent(
    """
    import os, sys
    import django
    django.setup()
    from django.test import Client
    from ducha.ops import metrics

    def child(role):
        if role == "scheduler":
            metrics.record_sweep(seconds=2.0, ok=True, reminders=5)
        else:
            metrics.record_request(method="GET", route="items/<int:item_id>/", status=200, seconds=0.03)

    # Processes of one node, forked as gunicorn forks its workers: each writes its own files.
    for role in ("scheduler", "scheduler", "web", "web", "web"):
        pid = os.fork()
        if pid == 0:
            child(role)
            os._exit(0)
        os.waitpid(pid, 0)
    sys.stdout.write(Client().get("/metrics").content.decode())
    """
)


def test_multiprocess_mode_merges_the_node_s_processes(tmp_path):
    shared = tmp_path / "prometheus"
    shared.mkdir()
    script = tmp_path / "node.py"
    script.write_text(NODE)
    environment = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(shared),
        "DJANGO_SETTINGS_MODULE": "ducha.config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "DUCHA_VAR_DIR": str(tmp_path / "var"),
    }

    done = subprocess.run(
        clock.python_command(str(script)),
        env=environment,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = samples(done.stdout)

    assert len({path.name.rsplit("_", 1)[-1] for path in shared.glob("counter_*.db")}) >= 5  # one per process
    assert value(found, "ducha_sweep_rounds_total", outcome="ok") == 2
    assert value(found, "ducha_sweep_reminders_total") == 10
    assert value(found, "ducha_sweep_duration_seconds_count") == 2
    labels = {"method": "GET", "route": "items/<int:item_id>/", "status": "200"}
    assert value(found, "ducha_http_requests_total", **labels) == 3
    assert value(found, "ducha_sweep_last_success_timestamp_seconds") > 0
    # In multiprocess mode the error about the import order is not logged (the variable was set first).
    assert "imported before" not in done.stderr


def test_worker_exited_drops_a_dead_worker_s_live_gauges(tmp_path, monkeypatch):
    live = tmp_path / "gauge_livesum_4242.db"
    kept = tmp_path / "counter_4242.db"
    for path in (live, kept):
        path.write_bytes(b"")

    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    metrics.worker_exited(4242)  # not in multiprocess mode: nothing to do
    assert live.exists()

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    metrics.worker_exited(4242)
    assert not live.exists()
    assert kept.exists()  # its counters keep being summed
