"""`ducha pdf_engine`: run the PDF engine — unoserver keeping one headless LibreOffice loaded — on
DUCHA_PDF_ENGINE (127.0.0.1:2003) until stopped. `make run` starts it beside the web server when LibreOffice is
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


class Command(BaseCommand):
    help = "Run the PDF engine (LibreOffice through unoserver) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--profile", default=None, help="LibreOffice profile folder (default <var>/pdf-engine)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        address = pdf.engine_address()
        if address is None:
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
        profile = Path(options["profile"] or Path(settings.VAR_DIR) / "pdf-engine" / "profile").resolve()
        profile.parent.mkdir(parents=True, exist_ok=True)
        command, environment = pdf.engine_command(port=address[1], profile=profile)
        process = subprocess.Popen(command, env={**os.environ, **environment})

        def stop(signum: int, frame: object) -> None:
            process.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"pdf engine: {address[0]}:{address[1]}")
        process.wait()
