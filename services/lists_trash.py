"""最近删除: soft-deleted needs (and 微心愿), resources, projects and agreements, and undoing their deletion.

A delete in the lists only sets ``deleted_at`` (services.live keeps such rows out of every list and
figure); for RECENT_DAYS the row can be brought back — by whoever may delete it, as they may delete it.
Restoring is audit logged as the row's update (``deleted_at`` set → cleared)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Agreement, Community, Need, Project, Resource, Unit, utcnow
from domain.actor import Actor
from domain.errors import NotFound, PermissionDenied, ValidationError
from services import scope
from services.audit import record_change, snapshot
from services.lists import require_community_keeper, require_unit_keeper, require_writer

RECENT_DAYS = 7  # how long a deleted row is offered back under 最近删除
RECENT_LIMIT = 20


def _need_keeper(session: Session, actor: Actor, need: Need) -> None:
    require_writer(actor)
    require_community_keeper(session, actor, need.community_id)


def _resource_keeper(session: Session, actor: Actor, resource: Resource) -> None:
    require_writer(actor)
    require_unit_keeper(session, actor, resource.unit_id)


def _agreement_keeper(session: Session, actor: Actor, agreement: Agreement) -> None:
    require_writer(actor)
    require_community_keeper(session, actor, agreement.community_id)


def _title(session: Session, obj: Any) -> str:
    """How a row is named: its title; an agreement (which has none) by its community and unit."""
    if isinstance(obj, Agreement):
        community, unit = session.get(Community, obj.community_id), session.get(Unit, obj.unit_id)
        return f"{community.name if community else ''} · {unit.name if unit else ''}"
    return str(obj.title)


def _project_keeper(session: Session, actor: Actor, project: Project) -> None:
    require_writer(actor)
    scope.require_administer(actor)
    scope.require_administer(actor, scope.community_place(session, project.community_id))


# kind → (model, the entity its audit rows name, who may delete and restore it)
KINDS: dict[str, tuple[type[Any], str, Callable[[Session, Actor, Any], None]]] = {
    "need": (Need, "need", _need_keeper),
    "resource": (Resource, "resource", _resource_keeper),
    "project": (Project, "project", _project_keeper),
    "agreement": (Agreement, "agreement", _agreement_keeper),
}


@dataclass(frozen=True)
class Deleted:
    """A row deleted lately, as 最近删除 lists it."""

    kind: str
    id: int
    title: str
    deleted_at: datetime
    micro_wish: bool = False


def restore(session: Session, actor: Actor, *, kind: str, row_id: int) -> str:
    """Undo the deletion of one row (permissions as for deleting it); returns its title."""
    model, entity, keeper = KINDS[kind]
    obj = session.get(model, row_id)
    if obj is None:
        raise NotFound()
    keeper(session, actor, obj)
    if obj.deleted_at is None:
        raise ValidationError("lists.fields.title", "lists.errors.not_deleted")
    before = snapshot(obj)
    obj.deleted_at = None
    record_change(session, actor, obj, before, entity=entity)
    return _title(session, obj)


def recently_deleted(session: Session, actor: Actor, *, kind: str, now: datetime | None = None) -> list[Deleted]:
    """The rows of ``kind`` deleted in the last RECENT_DAYS that ``actor`` may bring back, newest first."""
    model, _, keeper = KINDS[kind]
    since = (now or utcnow()) - timedelta(days=RECENT_DAYS)
    rows = session.scalars(
        select(model)
        .where(model.deleted_at.is_not(None), model.deleted_at >= since)
        .order_by(model.deleted_at.desc(), model.id.desc())
        .limit(RECENT_LIMIT * 5)
    ).all()
    out: list[Deleted] = []
    for obj in rows:
        try:
            keeper(session, actor, obj)
        except (PermissionDenied, NotFound):
            continue
        wish = bool(getattr(obj, "is_micro_wish", False))
        out.append(Deleted(kind, obj.id, _title(session, obj), obj.deleted_at, wish))
        if len(out) == RECENT_LIMIT:
            break
    return out
