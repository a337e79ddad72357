"""Request ids and JSON logs (issue 18): `X-Request-ID` taken when plain and short, made otherwise, echoed on the
response and put on every log record of the request; DUCHA_LOG_FORMAT=json gives one JSON object a line, gunicorn's
access lines included — with their request's fields and never its cookies or the process's environment."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import Client
from gunicorn.glogging import SafeAtoms

from ducha.ops import views
from ducha.ops.logging import JsonFormatter, RequestIdFilter, request_id_var
from tests import clock

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]
NEW_ID = re.compile(r"[0-9a-f]{32}")


@contextlib.contextmanager
def json_console(logger: logging.Logger) -> Iterator[io.StringIO]:
    """The console handler as DUCHA_LOG_FORMAT=json configures it, on this logger, into a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    with json_console(logging.getLogger()) as stream:
        yield stream


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


# --- the request id ------------------------------------------------------------------------------------------------


def test_a_plain_request_id_is_echoed():
    response = Client().get("/healthz", headers={"X-Request-ID": "lb-7f3a.0042_x"})

    assert response["X-Request-ID"] == "lb-7f3a.0042_x"


def test_a_request_id_is_made_when_none_is_given():
    first = Client().get("/login/")["X-Request-ID"]
    second = Client().get("/login/")["X-Request-ID"]

    assert NEW_ID.fullmatch(first) and NEW_ID.fullmatch(second)
    assert first != second


@pytest.mark.parametrize(
    "given",
    ["", "a" * 65, "has space", "<script>", "id\r\nX-Injected: 1", "中文", "a/b", "a;b"],
)
def test_an_invalid_request_id_is_replaced(given):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=given)

    assert NEW_ID.fullmatch(response["X-Request-ID"])
    assert "X-Injected" not in response


def test_sixty_four_characters_are_accepted():
    given = "A9._-" * 12 + "abcd"
    assert len(given) == 64

    assert Client().get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given


def test_records_emitted_during_a_request_carry_its_id_and_none_after(json_lines, monkeypatch):
    def database_down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(views, "check_database", database_down)

    response = Client().get("/readyz", headers={"X-Request-ID": "probe-1"})
    logging.getLogger("ducha.test").warning("after the request")

    assert response.status_code == 503
    records = lines(json_lines)
    [during] = [line for line in records if line["logger"] == "ducha.ops.views"]
    assert during["request_id"] == "probe-1"
    assert during["level"] == "WARNING"
    assert during["message"] == "readiness: the database check failed: OperationalError: connection refused"
    [after] = [line for line in records if line["logger"] == "ducha.test"]
    assert after["request_id"] is None
    assert request_id_var.get() is None


def test_django_s_own_line_about_a_404_carries_the_request_id(json_lines):
    response = Client().get("/no-such-page/", headers={"X-Request-ID": "nf-1"})

    assert response.status_code == 404
    [line] = [line for line in lines(json_lines) if line["logger"] == "django.request"]
    assert line["message"] == "Not Found: /no-such-page/"
    assert line["request_id"] == "nf-1"
    assert request_id_var.get() is None  # cleared once the response was closed


# --- the JSON format -----------------------------------------------------------------------------------------------


def test_a_json_line_has_the_fixed_fields_then_the_extra_ones(json_lines):
    token = request_id_var.set("req-9")
    try:
        logging.getLogger("ducha.reminders").warning(
            "催办 %s 已发送", "督〔2026〕1号", extra={"item_id": 42, "channel": "sms"}
        )
    finally:
        request_id_var.reset(token)

    [line] = lines(json_lines)
    assert list(line)[:5] == ["timestamp", "level", "logger", "message", "request_id"]
    assert line["level"] == "WARNING"
    assert line["logger"] == "ducha.reminders"
    assert line["message"] == "催办 督〔2026〕1号 已发送"
    assert line["request_id"] == "req-9"
    assert line["item_id"] == 42 and line["channel"] == "sms"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["timestamp"])
    assert "催办" in json_lines.getvalue()  # Chinese as it is, not \\u escapes


def test_an_exception_is_one_json_line(json_lines):
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("ducha.test").exception("failed")

    [line] = lines(json_lines)
    assert line["message"] == "failed"
    assert "ValueError: boom" in line["exc_info"]
    assert len(json_lines.getvalue().strip().splitlines()) == 1


def test_gunicorn_access_lines_carry_the_request_s_fields_and_nothing_secret(monkeypatch):
    access = logging.getLogger("gunicorn.access")
    monkeypatch.setattr(access, "propagate", False)  # as gunicorn sets it
    atoms = SafeAtoms(
        {
            "h": "10.0.0.2",
            "m": "GET",
            "U": "/items/5/",
            "q": "token=abc",
            "s": "200",
            "B": 5120,
            "M": 37,
            "a": "curl/8",
            "H": "HTTP/1.1",
            "r": "GET /items/5/?token=abc HTTP/1.1",
            "{cookie}i": "sessionid=secret-session",
            "{authorization}i": "Bearer secret-token",
            "{x-request-id}o": "lb-42",
            "{ducha_secret_key}e": "secret-key",
        }
    )

    with json_console(access) as stream:
        access.info('%(h)s "%(r)s" %(s)s', atoms)

    [line] = lines(stream)
    assert line["logger"] == "gunicorn.access"
    assert line["message"] == '10.0.0.2 "GET /items/5/?token=abc HTTP/1.1" 200'
    assert line["request_id"] == "lb-42"
    assert (line["method"], line["path"], line["status"], line["bytes"], line["duration_ms"]) == (
        "GET",
        "/items/5/",
        200,
        5120,
        37,
    )
    assert line["remote_addr"] == "10.0.0.2" and line["user_agent"] == "curl/8"
    assert "secret" not in stream.getvalue()


# --- the setting ----------------------------------------------------------------------------------------------------

PROBE = """
import json, logging, sys
import django
django.setup()
logging.getLogger("ducha.probe").warning("准备就绪", extra={"port": 8000})
access = logging.getLogger("gunicorn.access")
sys.stdout.write(json.dumps({"access_handlers": len(access.handlers), "access_propagates": access.propagate}))
"""


def _run_probe(tmp_path, log_format: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ducha.config.settings",
        "DUCHA_LOG_FORMAT": log_format,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "DUCHA_VAR_DIR": str(tmp_path / "var"),
    }
    return subprocess.run(
        clock.python_command(str(script)),
        env=environment,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ducha_log_format_json_configures_the_console_and_gunicorn_s_loggers(tmp_path):
    done = _run_probe(tmp_path, "json")

    assert done.returncode == 0, done.stderr
    [line] = [json.loads(text) for text in done.stderr.splitlines() if "准备就绪" in text]
    assert line["logger"] == "ducha.probe" and line["port"] == 8000 and line["request_id"] is None
    assert json.loads(done.stdout) == {"access_handlers": 1, "access_propagates": False}


def test_ducha_log_format_text_keeps_plain_lines(tmp_path):
    done = _run_probe(tmp_path, "text")

    assert done.returncode == 0, done.stderr
    assert "准备就绪" in done.stderr.splitlines()
    assert json.loads(done.stdout) == {"access_handlers": 0, "access_propagates": True}


def test_an_unknown_log_format_is_refused(tmp_path):
    done = _run_probe(tmp_path, "xml")

    assert done.returncode != 0
    assert "DUCHA_LOG_FORMAT must be text or json" in done.stderr
