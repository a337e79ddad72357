"""`ducha pdf_engine` never fails `make run`: without LibreOffice or with PDF switched off it says so and exits;
an engine already answering on an address is left as it is (a second `make run` on the same machine)."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from ducha.documents import pdf
from ducha.documents.layout import render_docx
from tests.documents.test_layout import _content


def _run() -> str:
    out = StringIO()
    call_command("pdf_engine", stdout=out)
    return out.getvalue()


def test_switched_off_it_says_so(settings):
    settings.DUCHA_PDF_ENGINE = ""
    assert "DUCHA_PDF_ENGINE" in _run()


def test_without_libreoffice_it_says_what_to_install(settings, monkeypatch):
    settings.DUCHA_PDF_ENGINE = "127.0.0.1:9"
    monkeypatch.setattr(pdf, "libreoffice_installed", lambda: False)
    assert "libreoffice-writer-nogui" in _run()


def test_an_engine_already_running_is_left_as_it_is(settings, pdf_engine_address):
    settings.DUCHA_PDF_ENGINE = pdf_engine_address
    output = _run()
    assert f"{pdf_engine_address} is already running" in output and "nothing to start" in output


def test_an_engine_is_started_again_after_its_conversions_and_stops_with_the_command(tmp_path):
    """Recycled after DUCHA_PDF_RECYCLE_AFTER conversions (a long-lived LibreOffice slows down) and after a
    conversion that timed out: the supervisor starts it again; stopping the command stops the engines."""
    import os
    import signal
    import subprocess
    import time

    from django.conf import settings as django_settings

    from tests.clock import ducha_command
    from tests.pdf_engine import _environment, _free_ports

    if not pdf.libreoffice_installed() or not pdf.system_python_has_uno():
        import pytest

        pytest.skip("LibreOffice is not installed")
    port, _uno = _free_ports()
    address = f"127.0.0.1:{port}"
    environment = _environment(
        {"DUCHA_PDF_ENGINE": address, "DUCHA_PDF_RECYCLE_AFTER": "2", "DUCHA_VAR_DIR": str(tmp_path)}
    )
    command = subprocess.Popen(
        ducha_command("pdf_engine"), env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    saved = django_settings.DUCHA_PDF_ENGINE
    django_settings.DUCHA_PDF_ENGINE = address
    try:
        docx = render_docx(_content())

        def convert_when_ready() -> bytes:
            deadline = time.monotonic() + 90
            while True:
                try:
                    return pdf.docx_to_pdf(docx)
                except pdf.PdfUnavailable:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)

        assert convert_when_ready().startswith(b"%PDF-")  # the engine is up
        # The second conversion ends the engine's run; the third waits for the one started again.
        django_settings.DUCHA_PDF_WAIT_SECONDS = 60
        for _ in range(2):
            assert pdf.docx_to_pdf(docx).startswith(b"%PDF-")
    finally:
        django_settings.DUCHA_PDF_ENGINE = saved
        django_settings.DUCHA_PDF_WAIT_SECONDS = 0
        command.send_signal(signal.SIGTERM)
        output = command.communicate(timeout=60)[0].decode(errors="replace")
    assert command.returncode == 0
    assert f"{address} exited, started again" in output
    assert not pdf.engine_answers(("127.0.0.1", port))  # stopped with the command
    assert os.path.isdir(tmp_path / "pdf-engine" / "profile-0")
