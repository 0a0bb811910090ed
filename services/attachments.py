"""Attachments (附件): uploads checked by their content, kept in the database with a thumbnail.

Shared by activities (photos), agreements (scans) and whistle matters. The calling service checks
that the actor may change the owner record; this module checks the file and writes it."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from db.models import Attachment
from domain.actor import Actor
from domain.enums import AttachmentOwner, AuditAction
from domain.errors import NotFound, ValidationError
from services import audit, scope

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 9
THUMB_SIZE = (320, 320)

IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
PDF_TYPE = "application/pdf"
_KIND_TYPES = {"image": IMAGE_TYPES, "pdf": (PDF_TYPE,)}
_KIND_NAMES = {"image": "JPG/PNG/GIF/WebP", "pdf": "PDF"}
_PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}


def sniff(data: bytes) -> str | None:
    """The MIME type the file's first bytes announce (images and PDF only), else ``None``."""
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if data[:1024].lstrip(b"\r\n\t ").startswith(b"%PDF-"):
        return PDF_TYPE
    return None


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed the checks."""

    filename: str
    mime_type: str
    data: bytes


def check_upload(field: str, filename: str, data: bytes, kinds: Sequence[str] = ("image",)) -> CheckedUpload:
    """Accept ``data`` only if its content is one of ``kinds`` ("image", "pdf") and ≤ 10 MB;
    raise ``ValidationError(field, …)`` otherwise. The file name's extension is not trusted."""
    name = (filename or "").strip().replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"
    allowed = tuple(m for k in kinds for m in _KIND_TYPES[k])
    kinds_text = "、".join(_KIND_NAMES[k] for k in kinds)
    if len(data) > MAX_BYTES:
        raise ValidationError(field, "error.file_too_large", max_mb=MAX_BYTES // (1024 * 1024))
    mime = sniff(data)
    if mime is None or mime not in allowed:
        raise ValidationError(field, "error.file_type", kinds=kinds_text, name=name)
    if mime in IMAGE_TYPES and not _image_is_sound(data, mime):
        raise ValidationError(field, "error.file_type", kinds=kinds_text, name=name)
    return CheckedUpload(name, mime, data)


def _image_is_sound(data: bytes, mime: str) -> bool:
    """Pillow recognises the same format and can read the header (no decompression bomb)."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != _PIL_FORMATS[mime]:
                return False
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    return True


def make_thumbnail(data: bytes, mime: str, size: tuple[int, int] = THUMB_SIZE) -> bytes | None:
    """A small JPEG of an image (turned upright by its EXIF), or ``None`` for a PDF."""
    if mime not in IMAGE_TYPES:
        return None
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.seek(0)
            pic = ImageOps.exif_transpose(img) or img
            pic.thumbnail(size)
            if pic.mode not in ("RGB", "L"):
                rgba = pic.convert("RGBA")
                pic = Image.new("RGB", rgba.size, (255, 255, 255))
                pic.paste(rgba, mask=rgba.split()[3])
            out = io.BytesIO()
            pic.convert("RGB").save(out, "JPEG", quality=80)
            return out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError):
        log.warning("thumbnail failed for a %s", mime, exc_info=True)
        return None


def store_attachment(
    session: Session,
    actor: Actor,
    owner_type: AttachmentOwner | str,
    owner_id: int | None,
    filename: str,
    data: bytes,
    *,
    field: str = "activities.fields.attachment",
    kinds: Sequence[str] = ("image", "pdf"),
) -> int:
    """Check and store one file for a record; returns the attachment's id (audited). Only who may
    write the owner record adds its files."""
    scope.require_keeps_owner(session, actor, owner_type, owner_id)
    checked = check_upload(field, filename, data, kinds)
    att = Attachment(
        owner_type=AttachmentOwner(owner_type),
        owner_id=owner_id,
        filename=checked.filename,
        mime_type=checked.mime_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        thumbnail=make_thumbnail(data, checked.mime_type),
    )
    session.add(att)
    audit.record_change(session, actor, att, None, entity="attachment")
    return att.id


def check_uploads(
    field: str, files: Iterable[tuple[str, bytes]], kinds: Sequence[str] = ("image",), *, max_files: int = MAX_FILES
) -> list[CheckedUpload]:
    """Check several files at once, so that one bad file rejects the lot before anything is written."""
    files = list(files)
    if len(files) > max_files:
        raise ValidationError(field, "error.too_many_files", max=max_files)
    return [check_upload(field, name, data, kinds) for name, data in files]


@dataclass(frozen=True)
class AttachmentInfo:
    """An attachment without its full bytes (the thumbnail is small)."""

    id: int
    filename: str
    mime_type: str
    size: int
    thumbnail: bytes | None


def list_attachments(
    session: Session, *, owner_type: AttachmentOwner | str, owner_id: int, with_thumbnails: bool = True
) -> list[AttachmentInfo]:
    """The files attached to one record, oldest first."""
    stmt = (
        select(Attachment)
        .where(Attachment.owner_type == AttachmentOwner(owner_type), Attachment.owner_id == owner_id)
        .order_by(Attachment.id)
    )
    if with_thumbnails:
        stmt = stmt.options(undefer(Attachment.thumbnail))
    return [
        AttachmentInfo(a.id, a.filename, a.mime_type, a.size, a.thumbnail if with_thumbnails else None)
        for a in session.scalars(stmt)
    ]


def attachment_counts(
    session: Session, *, owner_type: AttachmentOwner | str, owner_ids: Sequence[int]
) -> dict[int, int]:
    """How many files each of ``owner_ids`` has (one grouped query)."""
    from sqlalchemy import func

    if not owner_ids:
        return {}
    rows = session.execute(
        select(Attachment.owner_id, func.count(Attachment.id))
        .where(Attachment.owner_type == AttachmentOwner(owner_type), Attachment.owner_id.in_(owner_ids))
        .group_by(Attachment.owner_id)
    ).all()
    return {int(oid): int(n) for oid, n in rows if oid is not None}


def get_attachment_data(session: Session, attachment_id: int) -> tuple[AttachmentInfo, bytes]:
    """One attachment and its full bytes."""
    att = session.scalar(select(Attachment).options(undefer(Attachment.data)).where(Attachment.id == attachment_id))
    if att is None:
        raise NotFound()
    return AttachmentInfo(att.id, att.filename, att.mime_type, att.size, None), att.data


def delete_attachment(session: Session, actor: Actor, attachment_id: int) -> None:
    """Remove one file (only who may write its owner record); audited with its metadata."""
    att = session.get(Attachment, attachment_id)
    if att is None:
        raise NotFound()
    scope.require_keeps_owner(session, actor, att.owner_type, att.owner_id)
    before = audit.snapshot(att)
    session.delete(att)
    session.flush()
    audit.record(session, actor, AuditAction.DELETE, "attachment", attachment_id, before=before)
