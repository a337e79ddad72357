"""The PDF of a document: LibreOffice converting the very .docx the office downloads (so the two never differ),
started once and reused — the unoserver process that `ducha pdf_engine` runs (it keeps one LibreOffice loaded and
takes conversions over XML-RPC on DUCHA_PDF_ENGINE, 127.0.0.1:2003 by default). The fonts a 公文 names are mapped to
installed ones by documents/fonts/fonts.conf, which the engine's LibreOffice reads (FONTCONFIG_FILE).

Where LibreOffice is not installed or the engine is not running, `pdf_unavailable()` says why in one Chinese line
and the pages show that instead of a PDF link; the .docx is always there.
"""

from __future__ import annotations

import http.client
import itertools
import shutil
import subprocess
import time
import xmlrpc.client
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.utils.translation import gettext as _

from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState

FONTS_CONF = Path(__file__).with_name("fonts") / "fonts.conf"
UNOSERVER_API = "3"


class PdfUnavailable(InvalidState):
    def __init__(self, reason: str) -> None:
        super().__init__(codes.DOCUMENT_PDF_UNAVAILABLE, reason)


class _Transport(xmlrpc.client.Transport):
    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        connection = super().make_connection(host)
        connection.timeout = self._timeout
        return connection


def engine_addresses() -> list[tuple[str, int]]:
    """The engines DUCHA_PDF_ENGINE names (host:port, comma-separated): conversions are spread over them."""
    addresses = []
    for text in str(settings.DUCHA_PDF_ENGINE or "").split(","):
        if text.strip():
            host, _sep, port = text.strip().rpartition(":")
            addresses.append((host or "127.0.0.1", int(port)))
    return addresses


def engine_address() -> tuple[str, int] | None:
    addresses = engine_addresses()
    return addresses[0] if addresses else None


_turns = itertools.count()


def _proxy(timeout: float, address: tuple[str, int]) -> xmlrpc.client.ServerProxy:
    host, port = address
    return xmlrpc.client.ServerProxy(f"http://{host}:{port}", allow_none=True, transport=_Transport(timeout))


def _in_turn() -> list[tuple[str, int]]:
    """The engines, starting with the next one's turn (the others to fall back on)."""
    addresses = engine_addresses()
    start = next(_turns) % len(addresses)
    return addresses[start:] + addresses[:start]


def engine_answers(address: tuple[str, int]) -> bool:
    """An engine answers at the address (one started earlier, by another `make run` or a service)."""
    try:
        _proxy(3, address).info()
    except (TimeoutError, OSError, xmlrpc.client.Error):
        return False
    return True


def libreoffice_installed() -> bool:
    return shutil.which("soffice") is not None or Path("/usr/bin/soffice").exists()


def pdf_unavailable() -> str | None:
    """None when a PDF can be made now; otherwise why not, in one Chinese line."""
    if engine_address() is None:
        return str(_("PDF is switched off on this server (DUCHA_PDF_ENGINE is empty)."))
    if not libreoffice_installed():
        return str(
            _(
                "PDF is unavailable: LibreOffice is not installed on this server (apt-get install libreoffice-writer-nogui)."
            )
        )
    info = None
    for address in engine_addresses():  # one engine answering is enough
        try:
            info = cast(dict[str, Any], _proxy(3, address).info())
            break
        except (TimeoutError, OSError, xmlrpc.client.Error):
            continue
    if info is None:
        return str(_("PDF is unavailable: the PDF engine is not running (start it with `ducha pdf_engine`)."))
    if str(info.get("api")) != UNOSERVER_API:
        return str(_("PDF is unavailable: the PDF engine is a different version."))
    return None


def docx_to_pdf(data: bytes, *, archival: bool = False) -> bytes:
    """The PDF of the .docx `data` (PDF/A-2b where `archival`: the archives' format, fonts embedded).

    An engine being started again (recycled after its conversions, or after a timeout) is away for a few seconds:
    when no engine answers, the conversion waits up to DUCHA_PDF_WAIT_SECONDS for one to come back before it is
    refused. Where LibreOffice is not installed or PDF is switched off, it is refused at once."""
    if not engine_addresses() or not libreoffice_installed():
        raise PdfUnavailable(pdf_unavailable() or "")
    options = ["SelectPdfVersion=2"] if archival else []
    deadline = time.monotonic() + settings.DUCHA_PDF_WAIT_SECONDS
    while True:
        failure: Exception | None = None
        for address in _in_turn():  # the next engine in turn; another if it does not answer
            try:
                result = cast(
                    xmlrpc.client.Binary,
                    _proxy(settings.DUCHA_PDF_TIMEOUT_SECONDS, address).convert(
                        None, xmlrpc.client.Binary(data), None, "pdf", None, options, True, None, None
                    ),
                )
                return bytes(result.data)
            except (TimeoutError, OSError, xmlrpc.client.Error) as error:
                # Not there, or answering while its LibreOffice is being replaced: another, or again soon.
                failure = error
        if time.monotonic() >= deadline:
            reason = pdf_unavailable()
            raise PdfUnavailable(reason or str(_("The PDF engine failed: %(error)s") % {"error": failure}))
        time.sleep(0.5)


def engine_command(
    *,
    port: int,
    profile: Path,
    python: str | None = None,
    uno_port: int | None = None,
    stop_after: int | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of the PDF engine: the system's Python (which has LibreOffice's `uno`)
    running unoserver, installed in this project's environment and reached through a folder that holds only it."""
    import unoserver  # the package the engine runs; the web processes only speak XML-RPC to it

    package = Path(unoserver.__file__).resolve().parent
    site = package.parent
    path = profile.parent / "pythonpath"
    path.mkdir(parents=True, exist_ok=True)
    for source in [package, *site.glob("unoserver-*.dist-info")]:
        link = path / source.name
        if not link.exists():
            link.symlink_to(source)
    command = [
        python or settings.DUCHA_PDF_PYTHON,
        "-m",
        "unoserver.server",
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--uno-port",
        str(uno_port or port - 1),
        "--user-installation",
        str(profile),
        "--conversion-timeout",
        str(settings.DUCHA_PDF_TIMEOUT_SECONDS),
        *(["--stop-after", str(stop_after)] if stop_after else []),
    ]
    environment = {"PYTHONPATH": str(path), "FONTCONFIG_FILE": str(FONTS_CONF), "HOME": str(profile.parent)}
    return command, environment


def system_python_has_uno(python: str | None = None) -> bool:
    try:
        return (
            subprocess.run(
                [python or settings.DUCHA_PDF_PYTHON, "-c", "import uno"], capture_output=True, timeout=30
            ).returncode
            == 0
        )
    except (OSError, subprocess.SubprocessError):
        return False


__all__ = [
    "PdfUnavailable",
    "docx_to_pdf",
    "engine_address",
    "engine_addresses",
    "engine_answers",
    "engine_command",
    "libreoffice_installed",
    "pdf_unavailable",
    "system_python_has_uno",
]
