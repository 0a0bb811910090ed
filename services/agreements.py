"""共建协议: the agreements between a community and a unit, their term, and the signed scan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Agreement, Community, Unit, utcnow
from domain.actor import Actor
from domain.enums import AttachmentOwner, AuditAction
from domain.errors import ValidationError
from services import attachments, scope, validate
from services.audit import record, record_change, snapshot
from services.lists import (
    Page,
    check_community,
    check_unit,
    get_live,
    require_community_keeper,
    require_writer,
)
from services.live import live

EXPIRY_WINDOW_DAYS = 60
COLUMNS = [
    "id",
    "community",
    "unit",
    "signed_on",
    "valid_from",
    "valid_to",
    "summary",
    "expiring",
    "lapsed",
    "attachment_id",
    "community_id",
    "unit_id",
]


@dataclass(frozen=True)
class AgreementInput:
    community_id: int | None
    unit_id: int | None
    signed_on: date | str | None = None
    valid_from: date | str | None = None
    valid_to: date | str | None = None
    summary: str = ""


def list_agreements(
    session: Session,
    *,
    today: date,
    community_id: int | None = None,
    unit_id: int | None = None,
    flag: str | None = None,
    offset: int = 0,
    limit: int = 20,
) -> Page:
    """Agreements, soonest end first; ``flag`` = "expiring" (ends within 60 days) or "lapsed"."""
    base = select(Agreement).where(*live(Agreement))
    if community_id is not None:
        base = base.where(Agreement.community_id == community_id)
    if unit_id is not None:
        base = base.where(Agreement.unit_id == unit_id)
    if flag == "expiring":
        base = base.where(Agreement.valid_to >= today, Agreement.valid_to <= today + timedelta(days=EXPIRY_WINDOW_DAYS))
    elif flag == "lapsed":
        base = base.where(Agreement.valid_to < today)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    stmt = (
        select(Agreement, Community.name, Unit.name)
        .join(Community, Community.id == Agreement.community_id)
        .join(Unit, Unit.id == Agreement.unit_id)
        .where(Agreement.id.in_(select(base.subquery().c.id)))
        .order_by(Agreement.valid_to.is_(None), Agreement.valid_to, Agreement.id)
        .offset(max(0, offset))
        .limit(max(1, min(limit, 200)))
    )
    rows = [
        (
            a.id,
            cname,
            uname,
            a.signed_on,
            a.valid_from,
            a.valid_to,
            a.summary,
            a.is_expiring(today),
            a.is_lapsed(today),
            a.attachment_id,
            a.community_id,
            a.unit_id,
        )
        for a, cname, uname in session.execute(stmt).all()
    ]
    return Page(pd.DataFrame(rows, columns=COLUMNS), int(total))


def get_agreement(session: Session, *, agreement_id: int) -> AgreementInput:
    a = get_live(session, Agreement, agreement_id)
    return AgreementInput(a.community_id, a.unit_id, a.signed_on, a.valid_from, a.valid_to, a.summary)


def _clean(session: Session, actor: Actor, data: AgreementInput) -> dict[str, object]:
    valid_from = validate.parse_date("lists.fields.valid_from", data.valid_from)
    valid_to = validate.parse_date("lists.fields.valid_to", data.valid_to, required=True)
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError("lists.fields.valid_to", "lists.errors.end_before_start")
    community_id = check_community(session, data.community_id)
    unit_id = check_unit(session, data.unit_id)
    scope.require_read(actor, scope.unit_place(session, unit_id))  # the unit on the other side
    return {
        "community_id": community_id,
        "unit_id": unit_id,
        "signed_on": validate.parse_date("lists.fields.signed_on", data.signed_on),
        "valid_from": valid_from,
        "valid_to": valid_to,
        "summary": validate.text("lists.fields.summary", data.summary, required=True, max_len=4000),
    }


def create_agreement(session: Session, actor: Actor, *, data: AgreementInput) -> int:
    """Record an agreement (the admin, or the community's worker)."""
    require_writer(actor)
    require_community_keeper(session, actor, data.community_id)
    agreement = Agreement(**_clean(session, actor, data))
    session.add(agreement)
    record_change(session, actor, agreement, None, entity="agreement")
    return agreement.id


def update_agreement(session: Session, actor: Actor, *, agreement_id: int, data: AgreementInput) -> None:
    require_writer(actor)
    agreement = get_live(session, Agreement, agreement_id)
    require_community_keeper(session, actor, agreement.community_id)
    require_community_keeper(session, actor, data.community_id)
    values = _clean(session, actor, data)
    before = snapshot(agreement)
    for key, value in values.items():
        setattr(agreement, key, value)
    record_change(session, actor, agreement, before, entity="agreement")


def delete_agreement(session: Session, actor: Actor, *, agreement_id: int) -> None:
    require_writer(actor)
    agreement = get_live(session, Agreement, agreement_id)
    require_community_keeper(session, actor, agreement.community_id)
    before = snapshot(agreement)
    agreement.deleted_at = utcnow()
    session.flush()
    record(session, actor, AuditAction.DELETE, "agreement", agreement.id, before=before, after=snapshot(agreement))


def attach_scan(session: Session, actor: Actor, *, agreement_id: int, filename: str, data: bytes) -> int:
    """Attach the signed scan (PDF or image, checked by content, ≤ 10 MB), replacing the link to any
    earlier one."""
    require_writer(actor)
    agreement = get_live(session, Agreement, agreement_id)
    require_community_keeper(session, actor, agreement.community_id)
    att_id = attachments.store_attachment(
        session,
        actor,
        AttachmentOwner.AGREEMENT,
        agreement.id,
        filename,
        data,
        field="lists.fields.scan",
        kinds=("pdf", "image"),
    )
    before = snapshot(agreement)
    agreement.attachment_id = att_id
    record_change(session, actor, agreement, before, entity="agreement")
    return att_id


def scan_of(session: Session, *, agreement_id: int) -> tuple[str, str, bytes] | None:
    """The scan's file name, type and bytes, if there is one: the name and type it is offered
    under for download (``attachments.download_of``)."""
    agreement = get_live(session, Agreement, agreement_id)
    if agreement.attachment_id is None:
        return None
    info, data = attachments.get_attachment_data(session, agreement.attachment_id)
    name, mime = attachments.download_of(info)
    return name, mime, data
