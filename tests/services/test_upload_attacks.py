"""Issue 13, finding 3: uploads are decoded in full and rewritten, not trusted by their first bytes.

Each attack file goes through the real write (``store_attachment`` / ``attach_scan``) and the stored
bytes are read back from the database and opened with Pillow or pypdf."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Agreement, Attachment
from domain.actor import Actor
from domain.errors import ValidationError
from services import agreements, attachments
from services.upload_files import MAX_PIXELS, is_clean
from tests import attack_files as af

SCAN = "lists.fields.scan"


def _agreement(session: Session) -> int:
    return int(session.scalar(select(Agreement.id).where(Agreement.deleted_at.is_(None)).order_by(Agreement.id)) or 0)


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count(Attachment.id))) or 0)


def _store(session: Session, admin: Actor, name: str, data: bytes) -> tuple[attachments.AttachmentInfo, bytes]:
    att_id = agreements.attach_scan(session, admin, agreement_id=_agreement(session), filename=name, data=data)
    return attachments.get_attachment_data(session, att_id)


def _refused(session: Session, admin: Actor, name: str, data: bytes) -> ValidationError:
    before = _count(session)
    with pytest.raises(ValidationError) as err:
        agreements.attach_scan(session, admin, agreement_id=_agreement(session), filename=name, data=data)
    assert err.value.field == SCAN  # the message names the field
    assert _count(session) == before  # nothing written
    return err.value


# --- fake PDFs: %PDF- and then something else --------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [af.HTML, af.EXE, af.zip_bytes()],
    ids=["html", "exe", "zip"],
)
def test_pdf_header_followed_by_something_else_is_refused(session: Session, admin: Actor, body: bytes) -> None:
    err = _refused(session, admin, "协议.pdf", b"%PDF-1.7\n" + body)
    assert err.code == "error.file_type"
    assert err.params["name"] == "协议.pdf"


@pytest.mark.parametrize("tail", [af.HTML, af.zip_bytes()], ids=["html", "zip"])
def test_a_real_pdf_keeps_nothing_after_its_last_eof(session: Session, admin: Actor, tail: bytes) -> None:
    info, stored = _store(session, admin, "协议.pdf", af.pdf(pages=2) + tail)
    assert info.mime_type == "application/pdf"
    assert stored.rstrip().endswith(b"%%EOF")
    assert b"<html" not in stored and b"PK\x03\x04" not in stored
    assert not zipfile.is_zipfile(io.BytesIO(stored))
    assert len(PdfReader(io.BytesIO(stored), strict=True).pages) == 2


@pytest.mark.parametrize(
    "build",
    [af.pdf_with_javascript, af.pdf_with_open_action_js, af.pdf_with_launch, af.pdf_with_embedded_file],
    ids=["javascript", "open-action-js", "launch", "embedded-file"],
)
def test_pdf_with_active_content_is_refused(session: Session, admin: Actor, build: object) -> None:
    data = build()  # type: ignore[operator]
    assert PdfReader(io.BytesIO(data), strict=True).pages  # a well-formed PDF, refused for what it carries
    err = _refused(session, admin, "协议.pdf", data)
    assert err.code == "error.pdf_active"


def test_pdf_with_an_ordinary_web_link_is_kept(session: Session, admin: Actor) -> None:
    _info, stored = _store(session, admin, "协议.pdf", af.pdf_with_a_web_link())
    [annotation] = PdfReader(io.BytesIO(stored)).pages[0]["/Annots"]
    assert annotation.get_object()["/A"]["/URI"] == "https://example.org/"


def test_encrypted_pdf_is_refused(session: Session, admin: Actor) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(af.pdf())))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    assert _refused(session, admin, "协议.pdf", out.getvalue()).code == "error.pdf_encrypted"


# --- images: polyglots, metadata, bombs ---------------------------------------------------------------


@pytest.mark.parametrize("tail", [af.HTML, af.zip_bytes()], ids=["html", "zip"])
def test_png_with_something_appended_is_stored_without_it(session: Session, admin: Actor, tail: bytes) -> None:
    original = af.png()
    info, stored = _store(session, admin, "照片.png", original + tail)
    assert info.mime_type == "image/png"
    assert stored.endswith(b"IEND\xaeB`\x82")  # the PNG's last chunk is the last thing in the file
    assert b"<html" not in stored and not zipfile.is_zipfile(io.BytesIO(stored))
    with Image.open(io.BytesIO(stored)) as img, Image.open(io.BytesIO(original)) as want:
        assert img.size == want.size and img.convert("RGB").tobytes() == want.convert("RGB").tobytes()
    assert is_clean(stored, "image/png")


def test_jpeg_is_turned_upright_and_loses_gps_exif_and_comment(session: Session, admin: Actor) -> None:
    data = af.jpeg_with_gps_and_orientation()
    with Image.open(io.BytesIO(data)) as img:  # the attack file really carries them
        assert img.getexif()[0x0112] == 6 and img.getexif().get_ifd(0x8825)
    info, stored = _store(session, admin, "IMG_0001.JPG", data)
    assert info.mime_type == "image/jpeg" and info.filename == "IMG_0001.jpg"
    with Image.open(io.BytesIO(stored)) as img:
        assert img.format == "JPEG"
        assert dict(img.getexif()) == {} and not img.getexif().get_ifd(0x8825)
        assert "exif" not in img.info and "comment" not in img.info and "icc_profile" not in img.info
        assert img.size == (40, 80)  # turned upright: the left half (red) is now on top
        red, blue = img.convert("RGB").getpixel((20, 10)), img.convert("RGB").getpixel((20, 70))
    assert red[0] > 200 and red[2] < 60 and blue[2] > 200 and blue[0] < 60
    for marker in (b"Exif", b"Phone X", b"<script>"):
        assert marker not in stored
    assert is_clean(stored, "image/jpeg") and not is_clean(data, "image/jpeg")


def test_decompression_bomb_png_is_refused_before_decoding(session: Session, admin: Actor) -> None:
    bomb = af.png_bomb()
    assert len(bomb) < attachments.MAX_BYTES
    started = time.perf_counter()
    err = _refused(session, admin, "bomb.png", bomb)
    assert time.perf_counter() - started < 2.0
    assert err.code == "error.image_too_large" and err.params["max_mp"] == MAX_PIXELS // 1_000_000


def test_image_named_with_markup_is_stored_under_a_plain_name(session: Session, admin: Actor) -> None:
    info, _ = _store(session, admin, af.MARKUP_NAME, af.png())
    assert info.filename == "file.png"
    assert not set("<>\"'=()") & set(info.filename)


@pytest.mark.parametrize(
    ("name", "data", "stored"),
    [
        ("活动现场 照片.jpeg", "jpeg", "活动现场 照片.jpeg"),
        ("..\\..\\windows\\现场.png", "png", "现场.png"),
        ("扫描件.pdf.exe", "pdf", "扫描件.pdf.pdf"),
        ("报告\u202egnp.exe", "png", "报告gnp.png"),  # a right-to-left override would show "exe.png"
        ("照片\x00.png\r\n", "png", "照片.png"),
        ("report.html", "png", "report.png"),
        ("scan", "pdf", "scan.pdf"),
    ],
)
def test_stored_names_are_normalised_to_the_stored_type(
    session: Session, admin: Actor, name: str, data: str, stored: str
) -> None:
    content = {"png": af.png(), "pdf": af.pdf(), "jpeg": af.jpeg_with_gps_and_orientation()}[data]
    info, _ = _store(session, admin, name, content)
    assert info.filename == stored


def test_download_is_offered_under_the_stored_type_and_a_safe_name(session: Session, admin: Actor) -> None:
    aid = _agreement(session)
    agreements.attach_scan(session, admin, agreement_id=aid, filename="<b>协议</b>.PDF", data=af.pdf())
    name, mime, data = agreements.scan_of(session, agreement_id=aid) or ("", "", b"")
    assert (name, mime) == ("协议.pdf", "application/pdf") and data.startswith(b"%PDF-")
    # A row stored before these checks, with a type a browser would render, is offered as bytes only.
    row = Attachment(
        owner_type="agreement", owner_id=aid, filename="x.html", mime_type="text/html", size=1, sha256="0" * 64
    )
    row.data = af.HTML
    session.add(row)
    session.flush()
    session.get(Agreement, aid).attachment_id = row.id  # type: ignore[union-attr]
    session.flush()
    name, mime, _ = agreements.scan_of(session, agreement_id=aid) or ("", "", b"")
    assert mime == "application/octet-stream" and not name.endswith(".html")


def test_one_bad_photo_rejects_the_lot() -> None:
    good = attachments.check_uploads("activities.fields.photos", [("a.png", af.png() + af.HTML)])
    assert good[0].data == attachments.check_upload("f", "a.png", af.png()).data
    with pytest.raises(ValidationError) as err:
        attachments.check_uploads("activities.fields.photos", [("a.png", af.png()), ("b.png", af.png_bomb())])
    assert err.value.field == "activities.fields.photos" and err.value.code == "error.image_too_large"
