"""The PDF engine for the tests that read PDFs: one unoserver (one LibreOffice) per xdist worker, on its own port,
started on first use and stopped with the session — the way `ducha pdf_engine` runs it.

Outside those tests DUCHA_PDF_ENGINE is empty (tests/conftest.py), so no test reaches a developer's own engine.
Where LibreOffice is missing the PDF tests are skipped with the reason; CI installs it and sets DUCHA_REQUIRE_PDF, so
there they run or fail.

The engine keeps the wall clock: under CI's libfaketime run its LD_PRELOAD is not passed on (LibreOffice's own
timers do not survive a moved clock; the PDF has no date of its own but the one in the document).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path

import pytest

from ducha.documents import pdf
from tests.clock import environment_without_faketime

STARTUP_SECONDS = 90


def _free_ports() -> tuple[int, int]:
    """Two ports the system has just handed out (never ones a fixed scheme may give two sessions at once): the
    engine's and its LibreOffice's."""
    with socket.socket() as first, socket.socket() as second:
        first.bind(("127.0.0.1", 0))
        second.bind(("127.0.0.1", 0))
        return int(first.getsockname()[1]), int(second.getsockname()[1])


def _environment(extra: dict[str, str]) -> dict[str, str]:
    return {**environment_without_faketime(), **extra}


@pytest.fixture(scope="session")
def pdf_engine_address(tmp_path_factory) -> Iterator[str]:
    if not pdf.libreoffice_installed() or not pdf.system_python_has_uno():
        if os.environ.get("DUCHA_REQUIRE_PDF"):  # CI: installed by .ci/run, so missing is a failure
            pytest.fail("DUCHA_REQUIRE_PDF is set but LibreOffice or python3-uno is missing")
        pytest.skip(
            "LibreOffice (libreoffice-writer-nogui, python3-uno) is not installed: PDF tests skipped "
            "(make test / .ci/run install it as root)"
        )
    port, uno_port = _free_ports()
    profile = tmp_path_factory.mktemp("pdf-engine") / "profile"
    command, extra = pdf.engine_command(port=port, profile=profile, uno_port=uno_port)
    log = (profile.parent / "engine.log").open("wb")
    process = subprocess.Popen(command, env=_environment(extra), stdout=log, stderr=subprocess.STDOUT)
    address = f"127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while True:
            try:
                xmlrpc.client.ServerProxy(f"http://{address}").info()
                if process.poll() is None:  # our engine answered, not another one on the same port
                    break
            except (OSError, xmlrpc.client.Error):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the PDF engine did not start: {Path(log.name).read_text(errors='replace')[-2000:]}"
                )
            time.sleep(0.3)
        yield address
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def pdf_engine(pdf_engine_address, settings) -> str:
    """The test's DUCHA_PDF_ENGINE points at the worker's engine."""
    settings.DUCHA_PDF_ENGINE = pdf_engine_address
    return pdf_engine_address
