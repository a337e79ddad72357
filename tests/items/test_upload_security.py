"""Issue 17 (等保 2.0 level 3, 入侵防范): uploads are checked against their content, their size is refused before the
body is read, and each user has a quota. Every refusal leaves the item's attachments (and the storage) as they
were; type and quota refusals are UPLOAD_REFUSED security events."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, FakePayload, encode_multipart
from PIL import Image

from ducha.audit.models import Event, EventType
from ducha.common import uploads
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Attachment
from tests.helpers import item_in

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


def docx() -> bytes:
    import docx as python_docx

    buffer = io.BytesIO()
    document = python_docx.Document()
    document.add_paragraph("整改方案")
    document.save(buffer)
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 64
    + b"This program cannot be run"
)


@pytest.fixture
def item(world):
    return item_in(world, ItemStatus.IN_PROGRESS)


def _stored_files(settings) -> list[str]:
    root = str(settings.MEDIA_ROOT)
    return sorted(os.path.join(folder, name) for folder, _dirs, names in os.walk(root) for name in names)


def _post(api, username: str, item_id: int, name: str, content: bytes):
    return api(username).client.post(
        f"/api/v1/items/{item_id}/attachments",
        {"file": SimpleUploadedFile(name, content)},
        headers=api(username).headers,
    )


def _refusals() -> list[dict]:
    return list(Event.objects.filter(event_type=EventType.UPLOAD_REFUSED).values_list("new", flat=True))


# --- the content against the extension -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [("整改方案.pdf", lambda: png()), ("整改方案.docx", lambda: EXE), ("照片.jpg", lambda: PDF)],
    ids=["png-named-pdf", "exe-named-docx", "pdf-named-jpg"],
)
def test_a_file_whose_content_is_not_its_extension_is_refused_and_nothing_stored(
    world, api, item, settings, name, content
):
    # given the item's attachments and the storage as they are
    before_files = _stored_files(settings)
    # when fgw uploads a file disguised by its name
    response = _post(api, "fgw", item.pk, name, content())
    # then it is refused with its code, nothing is kept, and the refusal is a security event
    assert (response.status_code, response.json()["code"]) == (400, "upload_type_mismatch")
    assert Attachment.objects.filter(item=item).count() == 0
    assert _stored_files(settings) == before_files
    [refusal] = _refusals()
    assert (refusal["code"], refusal["name"]) == ("upload_type_mismatch", name)
    assert Event.objects.get(event_type=EventType.UPLOAD_REFUSED).subject_id == world.user("fgw").pk


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("整改方案.docx", docx),
        ("整改报告.pdf", lambda: PDF),
        ("现场.jpg", jpeg),
        ("截图.jpg", png),  # a PNG named .jpg is still a picture of an allowed kind
        ("台账.xls", lambda: OLE2 + b"\x00" * 500),
        ("说明.txt", lambda: "整改说明：已完成。".encode("gb18030")),
    ],
    ids=["docx", "pdf", "jpg", "png-named-jpg", "xls", "txt-gb18030"],
)
def test_real_files_are_accepted(world, api, item, name, content):
    response = _post(api, "fgw", item.pk, name, content())
    assert response.status_code == 201, response.content
    assert list(Attachment.objects.filter(item=item).values_list("original_name", flat=True)) == [name]
    assert _refusals() == []


def test_the_web_page_refuses_an_exe_renamed_docx_with_its_code(world, client, item, settings):
    before_files = _stored_files(settings)
    assert client.login(username="fgw", password=DEMO_PASSWORD)
    refused = client.post(f"/items/{item.pk}/attachments/", {"file": SimpleUploadedFile("方案.docx", EXE)})
    assert refused.status_code == 400
    assert 'data-error-code="upload_type_mismatch"' in refused.content.decode()
    assert Attachment.objects.filter(item=item).count() == 0
    assert _stored_files(settings) == before_files
    assert [refusal["code"] for refusal in _refusals()] == ["upload_type_mismatch"]


def test_the_content_rules():
    def matches(name: str, content: bytes, allowed=("jpg", "jpeg", "png")) -> bool:
        upload = SimpleUploadedFile(name, content)
        return uploads.content_matches(upload, uploads.file_extension(upload)[1], allowed)

    ofd = io.BytesIO()
    with zipfile.ZipFile(ofd, "w") as archive:
        archive.writestr("OFD.xml", "<ofd:OFD/>")
    assert matches("公文.ofd", ofd.getvalue())
    assert not matches("公文.docx", ofd.getvalue())  # a zip, but not an Office document
    assert matches("台账.et", OLE2 + b"\x00" * 100) and not matches("台账.et", PDF)
    assert matches("说明.txt", "说明".encode()) and not matches("说明.txt", b"text\x00with a NUL")
    assert not matches("说明.txt", b"\xff\xfe\xfd\xfc binary")
    # a GIF named .jpg where only JPEG and PNG are allowed
    assert not matches("图.jpg", b"GIF89a" + b"\x00" * 20)
    assert not matches("未知.xyz", b"anything")


# --- the size, before the body is read ---------------------------------------------------------------------------


class CountingPayload(FakePayload):
    """The request body, counting what the server read of it."""

    def __init__(self, content: bytes) -> None:
        super().__init__(content)
        self.bytes_read = 0

    def read(self, size: int = -1, /) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readline(self, size: int = -1, /) -> bytes:
        data = super().readline(size)
        self.bytes_read += len(data)
        return data


def _multipart(name: str, content: bytes) -> bytes:
    return encode_multipart(BOUNDARY, {"file": SimpleUploadedFile(name, content)})


def test_a_body_declared_over_the_limit_is_refused_before_a_byte_is_read(world, api, item, settings):
    body = _multipart("整改报告.pdf", PDF)
    payload = CountingPayload(body)
    # a request announcing a 1 GB body (had the server read it, the test payload would have failed loudly)
    response = api("fgw").client.generic(
        "POST",
        f"/api/v1/items/{item.pk}/attachments",
        headers=api("fgw").headers,
        **{"CONTENT_TYPE": MULTIPART_CONTENT, "wsgi.input": payload, "CONTENT_LENGTH": str(1024**3)},
    )
    assert (response.status_code, response.json()["code"]) == (413, "upload_too_large")
    assert payload.bytes_read == 0
    assert Attachment.objects.filter(item=item).count() == 0
    assert [refusal["code"] for refusal in _refusals()] == ["upload_too_large"]


def test_reading_stops_as_soon_as_one_file_passes_the_limit(world, api, item, settings):
    settings.DUCHA_UPLOAD_FILE_MAX_BYTES = 100_000
    body = _multipart("整改报告.pdf", PDF + b"0" * 5_000_000)
    payload = CountingPayload(body)
    response = api("fgw").client.generic(
        "POST",
        f"/api/v1/items/{item.pk}/attachments",
        headers=api("fgw").headers,
        **{"CONTENT_TYPE": MULTIPART_CONTENT, "wsgi.input": payload, "CONTENT_LENGTH": str(len(body))},
    )
    assert (response.status_code, response.json()["code"]) == (413, "upload_too_large")
    assert payload.bytes_read < 1_000_000  # the rest of the 5 MB was never read
    assert Attachment.objects.filter(item=item).count() == 0


def test_a_page_upload_over_the_limit_is_refused_unread_not_reported_as_a_missing_file(
    world, client, item, settings
):
    assert client.login(username="fgw", password=DEMO_PASSWORD)
    payload = CountingPayload(_multipart("整改报告.pdf", PDF))
    response = client.generic(
        "POST",
        f"/items/{item.pk}/attachments/",
        **{"CONTENT_TYPE": MULTIPART_CONTENT, "wsgi.input": payload, "CONTENT_LENGTH": str(1024**3)},
    )
    # Django's answer to an unreadable body (413 with the code once `bad_request` is the site's handler400)
    assert response.status_code in (400, 413)
    assert payload.bytes_read == 0
    assert Attachment.objects.filter(item=item).count() == 0


def test_the_handler_refuses_by_declared_length_and_by_bytes_received(settings):
    settings.DUCHA_UPLOAD_REQUEST_MAX_BYTES = 1000
    settings.DUCHA_UPLOAD_FILE_MAX_BYTES = 500
    handler = uploads.SizeLimitUploadHandler(None)
    assert handler.handle_raw_input(None, {}, 1000, b"x") is None
    with pytest.raises(uploads.UploadTooLarge):
        handler.handle_raw_input(None, {}, 1001, b"x")
    assert handler.receive_data_chunk(b"a" * 400, 0) == b"a" * 400
    with pytest.raises(uploads.UploadTooLarge) as refused:
        handler.receive_data_chunk(b"a" * 200, 400)
    assert (refused.value.code, refused.value.status) == ("upload_too_large", 413)


# --- the quota ---------------------------------------------------------------------------------------------------


def test_a_user_over_the_quota_is_refused_and_others_are_not(world, api, item, settings):
    # given fgw's quota leaves room for one more small file
    settings.DUCHA_UPLOAD_QUOTA_BYTES = 2 * len(PDF) + 10
    assert _post(api, "fgw", item.pk, "一.pdf", PDF).status_code == 201
    assert _post(api, "fgw", item.pk, "二.pdf", PDF).status_code == 201
    before = list(Attachment.objects.filter(item=item).values_list("pk", flat=True))
    before_files = _stored_files(settings)

    # when fgw uploads one more
    response = _post(api, "fgw", item.pk, "三.pdf", PDF)

    # then refused, nothing changed, and the refusal is logged
    assert (response.status_code, response.json()["code"]) == (400, "upload_quota_exceeded")
    assert list(Attachment.objects.filter(item=item).values_list("pk", flat=True)) == before
    assert _stored_files(settings) == before_files
    assert [refusal["code"] for refusal in _refusals()] == ["upload_quota_exceeded"]
    # the office's quota is its own
    assert _post(api, "office", item.pk, "批示.pdf", PDF).status_code == 201
