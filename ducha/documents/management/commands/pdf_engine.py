"""`ducha pdf_engine`: run the PDF engines — unoserver keeping one headless LibreOffice loaded — on each address of
DUCHA_PDF_ENGINE on this machine (127.0.0.1:2003 and :2005 by default: one per core) until stopped, starting an
engine again when it exits: after DUCHA_PDF_RECYCLE_AFTER conversions (a LibreOffice kept for thousands of
conversions becomes two to three times slower: measured in docs/benchmarks.md) or after a conversion that timed out. `make run` starts it beside the web server when LibreOffice is
installed; production runs it as a service on each app node (docs/documents.md).

Without LibreOffice (or the system Python's `uno`) it says so in one Chinese line and exits 0: the .docx still
works, and the pages say why there is no PDF.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from ducha.documents import pdf

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class Command(BaseCommand):
    help = "Run the PDF engine (LibreOffice through unoserver) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--profile", default=None, help="LibreOffice profile folder (default <var>/pdf-engine)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        addresses = pdf.engine_addresses()
        if not addresses:
            self.stdout.write(_("PDF is switched off on this server (DUCHA_PDF_ENGINE is empty)."))
            return
        if not pdf.libreoffice_installed() or not pdf.system_python_has_uno():
            self.stdout.write(
                _(
                    "PDF engine not started: LibreOffice is not installed "
                    "(Debian: apt-get install libreoffice-writer-nogui python3-uno fonts-noto-cjk)."
                )
            )
            return
        base = Path(options["profile"] or Path(settings.VAR_DIR) / "pdf-engine").resolve()
        engines: list[_Engine] = []
        # One LibreOffice per address on this machine (each its own profile); engines elsewhere run there.
        for index, (host, port) in enumerate(addresses):
            if host not in LOCAL_HOSTS:
                continue
            if pdf.engine_answers((host, port)):
                self.stdout.write(f"pdf engine: {host}:{port} is already running, left as it is")
                continue
            # Staggered, so that the engines never recycle at the same moment.
            recycle = settings.DUCHA_PDF_RECYCLE_AFTER * (len(addresses) + index) // len(addresses)
            command, environment = pdf.engine_command(
                port=port, profile=base / f"profile-{index}", stop_after=recycle or None
            )
            engines.append(_Engine(f"{host}:{port}", command, {**os.environ, **environment}))
        if not engines:
            self.stdout.write("pdf engine: nothing to start")
            return
        stopping = threading.Event()

        def stop(signum: int, frame: object) -> None:
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for engine in engines:
            engine.start()
            self.stdout.write(f"pdf engine: {engine.address}")
        # A supervisor: an engine exits after its conversions (recycled: a long-lived LibreOffice slows down) or
        # a conversion that timed out, and is started again; the others take the conversions meanwhile.
        while not stopping.wait(0.5):
            for engine in engines:
                if engine.process is not None and engine.process.poll() is not None:
                    self.stdout.write(f"pdf engine: {engine.address} exited, started again")
                    engine.start()
        for engine in engines:
            engine.stop()


class _Engine:
    def __init__(self, address: str, command: list[str], environment: dict[str, str]) -> None:
        self.address, self.command, self.environment = address, command, environment
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, env=self.environment)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
