"""Fixtures for reminders: tasks run immediately, time travel in Beijing time, and real local servers — an HTTP
server on 127.0.0.1 (group robots, SMS gateway) and an SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import datetime
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine

from tests.clock import moment

__all__ = ["moment"]


@pytest.fixture(autouse=True)
def _reminder_settings(settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.DUCHA_NOTIFY_DEFAULT_CHANNELS = []
    settings.DUCHA_SMS_GATEWAY_URL = ""
    settings.DUCHA_WEBHOOK_URL = ""
    settings.DUCHA_REMINDER_OFFICE_HOURS = "09:00-17:00"
    settings.DUCHA_REMINDER_CATCHUP_WORKDAYS = 1
    settings.DUCHA_DELIVERY_MAX_ATTEMPTS = 3
    settings.DUCHA_DELIVERY_BACKOFF_SECONDS = 60
    settings.DUCHA_NOTIFY_TIMEOUT_SECONDS = 5
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def travel():
    """travel(2026, 10, 8, 9) moves the clock (tick=False) until the test ends or the next travel."""
    traveller: list = []

    def go(*parts: int) -> datetime.datetime:
        while traveller:
            traveller.pop().stop()
        when = moment(*parts)
        machine = time_machine.travel(when, tick=False)
        machine.start()
        traveller.append(machine)
        return when

    yield go
    while traveller:
        traveller.pop().stop()


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict


@dataclass
class LocalHttpServer:
    """A real HTTP server on 127.0.0.1 that records each POST and answers from a script of responses."""

    url: str
    requests: list[Recorded] = field(default_factory=list)
    # (status, body) answered in turn; the last one repeats.
    script: list[tuple[int, dict | str]] = field(
        default_factory=lambda: [(200, {"errcode": 0, "errmsg": "ok"})]
    )

    def answer(self) -> tuple[int, dict | str]:
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]


@pytest.fixture
def http_server() -> Iterator[LocalHttpServer]:
    state: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length)
            server: LocalHttpServer = state["server"]
            server.requests.append(Recorded(self.path, dict(self.headers), json.loads(raw or b"{}")))
            status, body = server.answer()
            payload = (body if isinstance(body, str) else json.dumps(body)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["server"] = LocalHttpServer(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state["server"]
    httpd.shutdown()
    httpd.server_close()


@dataclass
class LocalSmtpServer:
    host: str
    port: int
    messages: list = field(default_factory=list)


@pytest.fixture
def smtp_server(settings) -> Iterator[LocalSmtpServer]:
    """A real SMTP server on loopback (aiosmtpd); Django's SMTP backend sends to it."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    received = LocalSmtpServer(host="127.0.0.1", port=port)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.messages.append(envelope)
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = received.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield received
    controller.stop()
