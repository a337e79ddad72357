"""`ducha pdf_engine`: run the PDF engines — unoserver keeping one headless LibreOffice loaded — on each address of
DUCHA_PDF_ENGINE on this machine (127.0.0.1:2003 and :2005 by default: one per core) until stopped. `make run` starts it beside the web server when LibreOffice is
installed; production runs it as a service on each app node (docs/documents.md).

Without LibreOffice (or the system Python's `uno`) it says so in one Chinese line and exits 0: the .docx still
works, and the pages say why there is no PDF.
"""

from __future__ import annotations

import os
import signal
import subprocess
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
        processes = []
        # One LibreOffice per address on this machine (each its own profile); engines elsewhere run there.
        for index, (host, port) in enumerate(addresses):
            if host not in LOCAL_HOSTS:
                continue
            if pdf.engine_answers((host, port)):
                self.stdout.write(f"pdf engine: {host}:{port} is already running, left as it is")
                continue
            profile = base / f"profile-{index}"
            profile.parent.mkdir(parents=True, exist_ok=True)
            command, environment = pdf.engine_command(port=port, profile=profile)
            processes.append(subprocess.Popen(command, env={**os.environ, **environment}))
            self.stdout.write(f"pdf engine: {host}:{port}")

        def stop(signum: int, frame: object) -> None:
            for process in processes:
                process.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for process in processes:
            process.wait()
        if not processes:
            self.stdout.write("pdf engine: nothing to start")
