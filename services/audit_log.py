"""Browsing the audit log (操作记录): filter, page, look inside one entry, export.

``services.audit`` writes the rows; this module only reads them (and notes an export)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from db.models import AuditEntry, User
from domain.actor import Actor
from domain.calendar import ZONE
from domain.enums import AuditAction
from domain.errors import NotFound, ValidationError
from services import audit, scope

LOCAL_TZ = ZONE  # the alliance's calendar day
EXPORT_LIMIT = 100_000
COLUMNS = ["id", "at", "username", "action", "entity", "entity_id", "summary"]


@dataclass(frozen=True)
class AuditQuery:
    """The filters of the audit log; every one optional."""

    date_from: date | None = None
    date_to: date | None = None
    username: str = ""
    action: AuditAction | None = None
    entity: str = ""
    text: str = ""


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditDetail:
    id: int
    at: datetime
    username: str
    action: AuditAction
    entity: str
    entity_id: int | None
    before_json: str
    after_json: str
    changes: list[Change]


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ)


def _conditions(query: AuditQuery) -> list[ColumnElement[bool]]:
    if query.date_from and query.date_to and query.date_to < query.date_from:
        raise ValidationError("common.to_date", "admin.error.period_order")
    out: list[ColumnElement[bool]] = []
    if query.date_from:
        out.append(AuditEntry.at >= _local_midnight_utc(query.date_from))
    if query.date_to:
        out.append(AuditEntry.at < _local_midnight_utc(query.date_to + timedelta(days=1)))
    if query.username:
        out.append(AuditEntry.username == query.username)
    if query.action:
        out.append(AuditEntry.action == query.action)
    if query.entity:
        out.append(AuditEntry.entity == query.entity)
    text = query.text.strip()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        out.append(
            or_(
                AuditEntry.before.ilike(pattern, escape="\\"),
                AuditEntry.after.ilike(pattern, escape="\\"),
                AuditEntry.username.ilike(pattern, escape="\\"),
                AuditEntry.entity.ilike(pattern, escape="\\"),
            )
        )
    return out


def _loads(raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return {"text": raw}
    return value if isinstance(value, dict) else {"value": value}


def changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Change]:
    """The fields that differ between two snapshots (all of one side when the other is missing)."""
    before, after = before or {}, after or {}
    out = []
    for key in list(dict.fromkeys([*before, *after])):
        if key in ("id", "updated_at", "created_at", "version"):
            continue
        old, new = before.get(key), after.get(key)
        if old != new:
            out.append(Change(key, "" if old is None else str(old), "" if new is None else str(new)))
    return out


def _summary(before: str | None, after: str | None, limit: int = 120) -> str:
    parts = [
        f"{c.field}: {c.before} → {c.after}" if c.before else f"{c.field}: {c.after}"
        for c in changes(_loads(before), _loads(after))
    ]
    text = "；".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rows(session: Session, query: AuditQuery, *, offset: int, limit: int) -> pd.DataFrame:
    stmt = (
        select(
            AuditEntry.id,
            AuditEntry.at,
            AuditEntry.username,
            AuditEntry.action,
            AuditEntry.entity,
            AuditEntry.entity_id,
            AuditEntry.before,
            AuditEntry.after,
        )
        .where(*_conditions(query))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )
    data = [
        {
            "id": r.id,
            "at": r.at,
            "username": r.username,
            "action": r.action,
            "entity": r.entity,
            "entity_id": r.entity_id,
            "summary": _summary(r.before, r.after),
        }
        for r in session.execute(stmt)
    ]
    return pd.DataFrame(data, columns=COLUMNS)


def search_audit(
    session: Session,
    actor: Actor,
    *,
    query: AuditQuery,
    offset: int = 0,
    limit: int = 20,
) -> tuple[pd.DataFrame, int]:
    """One page of the filtered log, newest first, and how many entries match."""
    scope.require_administer(actor)
    total = session.scalar(select(func.count(AuditEntry.id)).where(*_conditions(query))) or 0
    return _rows(session, query, offset=offset, limit=limit), total


def count_by_action(session: Session, actor: Actor, *, query: AuditQuery) -> pd.DataFrame:
    """How many filtered entries of each action (for the chart above the log)."""
    scope.require_administer(actor)
    rows = session.execute(
        select(AuditEntry.action, func.count(AuditEntry.id).label("count"))
        .where(*_conditions(query))
        .group_by(AuditEntry.action)
    ).all()
    return pd.DataFrame([{"action": r.action, "count": r.count} for r in rows], columns=["action", "count"])


def audit_entities(session: Session, actor: Actor) -> list[str]:
    """The kinds of record the log mentions."""
    scope.require_administer(actor)
    return sorted(e for e in session.scalars(select(AuditEntry.entity).distinct()) if e)


def audit_usernames(session: Session, actor: Actor) -> list[str]:
    """Every account's username (the log also holds ``manage.py`` and ``system``)."""
    scope.require_administer(actor)
    return list(session.scalars(select(User.username).order_by(User.username)))


def get_entry(session: Session, actor: Actor, *, entry_id: int) -> AuditDetail:
    """One entry with its before/after as indented JSON text and the fields that changed."""
    scope.require_administer(actor)
    entry = session.get(AuditEntry, entry_id)
    if entry is None:
        raise NotFound()
    before, after = _loads(entry.before), _loads(entry.after)

    def pretty(value: dict[str, Any] | None) -> str:
        return "" if value is None else json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)

    return AuditDetail(
        id=entry.id,
        at=entry.at,
        username=entry.username,
        action=entry.action,
        entity=entry.entity,
        entity_id=entry.entity_id,
        before_json=pretty(before),
        after_json=pretty(after),
        changes=changes(before, after),
    )


def export_audit(
    session: Session,
    actor: Actor,
    *,
    query: AuditQuery,
    max_rows: int = EXPORT_LIMIT,
) -> tuple[pd.DataFrame, int]:
    """The filtered log for a file (at most ``max_rows``, newest first) and how many matched;
    the export itself is noted in the log."""
    scope.require_administer(actor)
    total = session.scalar(select(func.count(AuditEntry.id)).where(*_conditions(query))) or 0
    df = _rows(session, query, offset=0, limit=max_rows)
    audit.record(
        session,
        actor,
        AuditAction.EXPORT,
        "audit_entry",
        None,
        after={
            "rows": len(df),
            "date_from": query.date_from,
            "date_to": query.date_to,
            "username": query.username,
            "action": query.action.value if query.action else "",
            "entity": query.entity,
            "text": query.text,
        },
    )
    return df, total
