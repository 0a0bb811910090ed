"""The audit log: every write leaves a row (who, when, what, before/after)."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from db.models import AuditEntry, Base, utcnow
from domain.actor import Actor
from domain.enums import AuditAction

_SKIP = {"created_at", "updated_at", "password_hash", "data", "thumbnail"}


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def snapshot(obj: Base) -> dict[str, Any]:
    """The record's column values as plain JSON-able data (secrets and blobs left out)."""
    state = inspect(obj)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in _SKIP or attr.key in state.unloaded:
            continue
        out[attr.key] = _plain(getattr(obj, attr.key))
    return out


def record(
    session: Session,
    actor: Actor | None,
    action: AuditAction,
    entity: str,
    entity_id: int | None = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    username: str | None = None,
) -> AuditEntry:
    """Add one audit row to the current unit of work."""
    entry = AuditEntry(
        at=utcnow(),
        user_id=actor.user_id if actor else None,
        username=username or (actor.username if actor else ""),
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=json.dumps(before, ensure_ascii=False, default=str) if before is not None else None,
        after=json.dumps(after, ensure_ascii=False, default=str) if after is not None else None,
    )
    session.add(entry)
    return entry


def record_change(session: Session, actor: Actor, obj: Base, before: dict[str, Any] | None, *, entity: str) -> None:
    """Flush ``obj`` and record its creation (no ``before``) or its update."""
    session.flush()
    after = snapshot(obj)
    action = AuditAction.CREATE if before is None else AuditAction.UPDATE
    record(session, actor, action, entity, getattr(obj, "id", None), before=before, after=after)
