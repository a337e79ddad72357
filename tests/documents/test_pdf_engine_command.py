"""`ducha pdf_engine` never fails `make run`: without LibreOffice or with PDF switched off it says so and exits;
an engine already answering on an address is left as it is (a second `make run` on the same machine)."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from ducha.documents import pdf


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
