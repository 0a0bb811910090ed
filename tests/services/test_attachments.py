"""Uploads are checked by their content (images, PDF), ≤ 10 MB, and stored with a thumbnail."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Attachment, AuditEntry
from domain.actor import Actor
from domain.errors import ValidationError
from services import attachments
from tests.attack_files import pdf


def image_bytes(fmt: str, size: tuple[int, int] = (640, 480), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (30, 120, 200) if mode == "RGB" else (30, 120, 200, 128)).save(out, fmt)
    return out.getvalue()


PDF = pdf()  # a real one-page PDF (a fake one is refused: tests/services/test_upload_attacks.py)


@pytest.mark.parametrize(
    ("fmt", "mime"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("GIF", "image/gif"), ("WEBP", "image/webp")]
)
def test_images_are_accepted_by_content(fmt: str, mime: str) -> None:
    checked = attachments.check_upload("activities.fields.photos", "photo.bin", image_bytes(fmt))
    assert checked.mime_type == mime


def test_renamed_text_file_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        attachments.check_upload("activities.fields.photos", "holiday.jpg", "这不是图片，只是文字。".encode())
    assert err.value.field == "activities.fields.photos"
    assert err.value.code == "error.file_type"
    assert err.value.params["name"] == "holiday.jpg"


def test_truncated_image_with_a_valid_header_is_refused() -> None:
    data = image_bytes("PNG")[:40]
    with pytest.raises(ValidationError):
        attachments.check_upload("activities.fields.photos", "cut.png", data)


def test_pdf_only_where_pdf_is_allowed() -> None:
    with pytest.raises(ValidationError):
        attachments.check_upload("activities.fields.photos", "scan.pdf", PDF)
    assert (
        attachments.check_upload("activities.fields.attachment", "scan.pdf", PDF, kinds=("image", "pdf")).mime_type
        == "application/pdf"
    )


def test_file_over_ten_megabytes_is_refused() -> None:
    data = image_bytes("PNG") + b"\0" * (attachments.MAX_BYTES + 1)
    with pytest.raises(ValidationError) as err:
        attachments.check_upload("activities.fields.photos", "big.png", data)
    assert err.value.code == "error.file_too_large"


def test_too_many_files_are_refused() -> None:
    files = [(f"{i}.png", image_bytes("PNG", (8, 8))) for i in range(attachments.MAX_FILES + 1)]
    with pytest.raises(ValidationError) as err:
        attachments.check_uploads("activities.fields.photos", files)
    assert err.value.code == "error.too_many_files"


def test_path_in_filename_is_dropped() -> None:
    checked = attachments.check_upload("f", "C:\\Users\\x\\..\\photo.png", image_bytes("PNG"))
    assert checked.filename == "photo.png"


def test_stored_attachment_keeps_bytes_hash_thumbnail_and_an_audit_row(session: Session, admin: Actor) -> None:
    data = image_bytes("PNG", (1200, 900), mode="RGBA")
    att_id = attachments.store_attachment(session, admin, "agreement", 1, "scan.png", data)
    info, stored = attachments.get_attachment_data(session, att_id)
    assert stored == data and info.mime_type == "image/png" and info.size == len(data)
    row = session.get(Attachment, att_id)
    assert row is not None and len(row.sha256) == 64
    [listed] = attachments.list_attachments(session, owner_type="agreement", owner_id=1)
    assert listed.thumbnail is not None
    with Image.open(io.BytesIO(listed.thumbnail)) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) <= 320
    assert (
        session.scalar(select(AuditEntry).where(AuditEntry.entity == "attachment", AuditEntry.entity_id == att_id))
        is not None
    )


def test_pdf_is_stored_without_thumbnail(session: Session, admin: Actor) -> None:
    att_id = attachments.store_attachment(session, admin, "agreement", 2, "协议.pdf", PDF)
    [listed] = attachments.list_attachments(session, owner_type="agreement", owner_id=2)
    assert listed.id == att_id and listed.thumbnail is None
