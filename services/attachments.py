"""Attachments (附件): uploads decoded in full and rewritten (services/upload_files.py), kept in the
database with a thumbnail.

Shared by activities (photos), agreements (scans) and whistle matters. The calling service checks
that the actor may change the owner record; this module checks the file and writes it. Stored files
are offered for download only as attachments of their stored type (``download``), and
``check-attachments`` (manage.py) re-checks the ones stored before these checks existed."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from db.models import Agreement, Attachment
from domain.actor import Actor
from domain.enums import AttachmentOwner, AuditAction
from domain.errors import NotFound, ValidationError
from services import audit, scope
from services.upload_files import (
    IMAGE_TYPES,
    PDF_TYPE,
    THUMB_SIZE,
    Refused,
    clean_file,
    is_clean,
    safe_filename,
    sniff,
)

log = logging.getLogger(__name__)

__all__ = ["IMAGE_TYPES", "PDF_TYPE", "THUMB_SIZE", "sniff"]

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 9

_KIND_TYPES = {"image": IMAGE_TYPES, "pdf": (PDF_TYPE,)}
_KIND_NAMES = {"image": "JPG/PNG/GIF/WebP", "pdf": "PDF"}
# What each owner's upload field accepts (the re-check of stored files uses the same).
OWNER_KINDS: dict[AttachmentOwner, tuple[str, ...]] = {
    AttachmentOwner.ACTIVITY: ("image",),
    AttachmentOwner.AGREEMENT: ("pdf", "image"),
    AttachmentOwner.MEETING: ("image", "pdf"),
    AttachmentOwner.WHISTLE: ("image", "pdf"),
}
DOWNLOAD_FALLBACK_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed the checks, as it will be stored: its normalised name, its type, its
    rewritten bytes and (for an image) its thumbnail."""

    filename: str
    mime_type: str
    data: bytes
    thumbnail: bytes | None = None


def check_upload(field: str, filename: str, data: bytes, kinds: Sequence[str] = ("image",)) -> CheckedUpload:
    """Accept ``data`` only if it is ≤ 10 MB and decodes in full as one of ``kinds`` ("image",
    "pdf"), and return it rewritten; raise ``ValidationError(field, …)`` otherwise. The file name's
    extension is not trusted: the stored name gets the extension of the type found."""
    allowed = tuple(m for k in kinds for m in _KIND_TYPES[k])
    kinds_text = "、".join(_KIND_NAMES[k] for k in kinds)
    shown = safe_filename(filename, sniff(data) or "")
    if len(data) > MAX_BYTES:
        raise ValidationError(field, "error.file_too_large", max_mb=MAX_BYTES // (1024 * 1024))
    try:
        clean = clean_file(data, allowed)
    except Refused as err:
        raise ValidationError(field, err.code, kinds=kinds_text, name=shown, **err.params) from None
    return CheckedUpload(safe_filename(filename, clean.mime_type), clean.mime_type, clean.data, clean.thumbnail)


def store_attachment(
    session: Session,
    actor: Actor,
    owner_type: AttachmentOwner | str,
    owner_id: int | None,
    filename: str,
    data: bytes | CheckedUpload,
    *,
    field: str = "activities.fields.attachment",
    kinds: Sequence[str] = ("image", "pdf"),
) -> int:
    """Check and store one file for a record (its rewritten bytes, never the uploaded ones);
    returns the attachment's id (audited). Only who may write the owner record adds its files.
    ``data`` may be a file :func:`check_upload` already passed (so it is not rewritten twice)."""
    scope.require_keeps_owner(session, actor, owner_type, owner_id)
    checked = data if isinstance(data, CheckedUpload) else check_upload(field, filename, data, kinds)
    att = Attachment(
        owner_type=AttachmentOwner(owner_type),
        owner_id=owner_id,
        filename=checked.filename,
        mime_type=checked.mime_type,
        size=len(checked.data),
        sha256=hashlib.sha256(checked.data).hexdigest(),
        data=checked.data,
        thumbnail=checked.thumbnail,
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


def download_of(info: AttachmentInfo) -> tuple[str, str]:
    """The name and type a stored file is offered under (``st.download_button`` serves it as an
    attachment, ``Content-Disposition: attachment``): its normalised name with the extension of its
    type, and its type when it is one the app stores — otherwise a plain byte stream, never a type a
    browser would render."""
    known = info.mime_type in (*IMAGE_TYPES, PDF_TYPE)
    mime = info.mime_type if known else DOWNLOAD_FALLBACK_TYPE
    return safe_filename(info.filename, mime), mime


# --- re-checking stored files (manage.py check-attachments) ------------------------------------------


@dataclass(frozen=True)
class StoredCheck:
    """What today's upload checks say of one stored file: ``ok`` (already as an upload would be
    stored), ``rewrite`` (accepted, but its stored bytes, type or name are not what an upload would
    store: trailing bytes, metadata, GPS …) or ``refuse`` (an upload would be refused)."""

    id: int
    owner_type: str
    owner_id: int | None
    filename: str
    mime_type: str
    size: int
    verdict: str
    reasons: tuple[str, ...]  # locale keys: the refusal's error code, or attachments.check.* for a rewrite
    params: dict[str, Any]


def stored_attachment_ids(session: Session) -> list[int]:
    """Every stored attachment's id, oldest first (the re-check loads one file at a time)."""
    return list(session.scalars(select(Attachment.id).order_by(Attachment.id)))


def _recheck(att: Attachment) -> tuple[StoredCheck, CheckedUpload | None]:
    kinds = OWNER_KINDS.get(att.owner_type, ("image", "pdf"))
    data = att.data or b""
    base = StoredCheck(
        id=att.id,
        owner_type=AttachmentOwner(att.owner_type).value,
        owner_id=att.owner_id,
        filename=att.filename,
        mime_type=att.mime_type,
        size=len(data),
        verdict="ok",
        reasons=(),
        params={},
    )
    try:
        checked = check_upload("attachments.check.field", att.filename, data, kinds)
    except ValidationError as err:
        return replace(base, verdict="refuse", reasons=(err.code,), params=dict(err.params)), None
    reasons = []
    if checked.mime_type != att.mime_type:
        reasons.append("attachments.check.type")
    if hashlib.sha256(data).hexdigest() != att.sha256 or len(data) != att.size:
        reasons.append("attachments.check.hash")
    if not is_clean(data, checked.mime_type):
        reasons.append("attachments.check.content")
    if checked.filename != att.filename:
        reasons.append("attachments.check.name")
    verdict = "rewrite" if reasons else "ok"
    return replace(base, verdict=verdict, reasons=tuple(reasons), params={"type": checked.mime_type}), checked


def check_stored_attachment(session: Session, attachment_id: int) -> StoredCheck:
    """Re-check one stored file against today's upload checks (reads only)."""
    att = session.scalar(select(Attachment).options(undefer(Attachment.data)).where(Attachment.id == attachment_id))
    if att is None:
        raise NotFound()
    return _recheck(att)[0]


def quarantine_attachment(session: Session, actor: Actor, *, attachment_id: int) -> tuple[StoredCheck, bytes]:
    """Act on the re-check of one stored file (the secretariat, from manage.py): a file an upload
    would refuse is removed — an agreement that showed it as its scan no longer does — and a file
    accepted only once rewritten is replaced by its rewrite (name, type, bytes, hash, thumbnail); a
    clean file is left alone. Audited; returns the verdict and the bytes as they were stored, for the
    caller to keep in the quarantine folder."""
    scope.require_administer(actor)
    att = session.scalar(select(Attachment).options(undefer(Attachment.data)).where(Attachment.id == attachment_id))
    if att is None:
        raise NotFound()
    original = att.data or b""
    verdict, checked = _recheck(att)
    if verdict.verdict == "refuse":
        before = audit.snapshot(att)
        for agreement in session.scalars(select(Agreement).where(Agreement.attachment_id == att.id)):
            agreement_before = audit.snapshot(agreement)
            agreement.attachment_id = None
            audit.record_change(session, actor, agreement, agreement_before, entity="agreement")
        session.delete(att)
        session.flush()
        audit.record(
            session,
            actor,
            AuditAction.DELETE,
            "attachment",
            attachment_id,
            before={**before, "quarantined": list(verdict.reasons)},
        )
    elif verdict.verdict == "rewrite" and checked is not None:
        before = audit.snapshot(att)
        att.filename = checked.filename
        att.mime_type = checked.mime_type
        att.data = checked.data
        att.size = len(checked.data)
        att.sha256 = hashlib.sha256(checked.data).hexdigest()
        att.thumbnail = checked.thumbnail
        audit.record_change(session, actor, att, {**before, "rewritten": list(verdict.reasons)}, entity="attachment")
    return verdict, original
