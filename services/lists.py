"""三清单一协议: what the needs, resources, projects and agreements services share — who may
change what (product.md), the page of rows a table shows, and checks on ids."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Category, Community, Unit
from domain.actor import Actor
from domain.errors import NotFound, PermissionDenied, ValidationError
from services import scope, validate
from services.live import live

MAX_PAGE = 200


@dataclass(frozen=True)
class Page:
    """One page of a server-side filtered table and how many rows match in all."""

    rows: pd.DataFrame
    total: int


def page_of(
    session: Session, stmt: Any, columns: list[str], *, order_by: Iterable[Any], offset: int, limit: int
) -> Page:
    """Count the rows ``stmt`` matches and fetch one page of them."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    limit = max(1, min(int(limit), MAX_PAGE))
    rows = session.execute(stmt.order_by(*order_by).offset(max(0, int(offset))).limit(limit)).all()
    return Page(pd.DataFrame([tuple(r) for r in rows], columns=columns), int(total))


def sort_columns(sort: str, descending: bool, allowed: Mapping[str, Any], default: str, tie: Any) -> list[Any]:
    """ORDER BY for a table's sort choice (unknown choices fall back to ``default``), ties by id."""
    col = allowed.get(sort, allowed[default])
    return [col.desc() if descending else col.asc(), tie.desc() if descending else tie.asc()]


# ---- who may do what ---------------------------------------------------------------------------


def require_writer(actor: Actor) -> None:
    """A leader browses and changes nothing."""
    if not actor.can_write:
        raise PermissionDenied()


def require_community_keeper(session: Session, actor: Actor, community_id: int | None) -> None:
    """Admin, or the community worker of that community (scope rule: ``Actor.may_keep``)."""
    scope.require_keep(actor, scope.community_place(session, community_id))


def require_unit_keeper(session: Session, actor: Actor, unit_id: int | None) -> None:
    """Admin, or the liaison of that unit (scope rule: ``Actor.may_keep``)."""
    scope.require_keep(actor, scope.unit_place(session, unit_id))


def acting_unit(session: Session, actor: Actor, unit_id: int | None) -> int:
    """The unit a claim is made for: the liaison's own; the admin names one (it must exist and be in
    the admin's scope)."""
    if actor.home_unit_id is not None:
        if unit_id is not None and unit_id != actor.home_unit_id:
            raise PermissionDenied()
        return actor.home_unit_id
    if actor.is_admin:
        if unit_id is None:
            raise ValidationError("lists.fields.unit", "error.required")
        uid = check_unit(session, unit_id)
        scope.require_keep(actor, scope.unit_place(session, uid))
        return uid
    raise PermissionDenied()


# ---- ids that must exist -----------------------------------------------------------------------


def check_community(session: Session, community_id: object, field: str = "lists.fields.community") -> int:
    cid = _as_id(community_id, field)
    if session.scalar(select(Community.id).where(Community.id == cid, *live(Community))) is None:
        raise ValidationError(field, "error.unknown_choice", value=str(community_id))
    return cid


def check_unit(session: Session, unit_id: object, field: str = "lists.fields.unit") -> int:
    uid = _as_id(unit_id, field)
    if session.scalar(select(Unit.id).where(Unit.id == uid, *live(Unit))) is None:
        raise ValidationError(field, "error.unknown_choice", value=str(unit_id))
    return uid


def check_units(session: Session, unit_ids: Iterable[object], field: str) -> list[int]:
    return sorted({check_unit(session, u, field) for u in unit_ids})


def check_category(session: Session, category_id: object, field: str = "lists.fields.category") -> int:
    cid = _as_id(category_id, field)
    if session.scalar(select(Category.id).where(Category.id == cid, *live(Category))) is None:
        raise ValidationError(field, "error.unknown_choice", value=str(category_id))
    return cid


def _as_id(value: object, field: str) -> int:
    if value is None or value == "":
        raise ValidationError(field, "error.required")
    try:
        n = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(field, "error.unknown_choice", value=str(value)) from None
    if not 1 <= n <= validate.MAX_ID:
        raise ValidationError(field, "error.unknown_choice", value=str(value))
    return n


def get_live(session: Session, model: Any, record_id: int) -> Any:
    """The record, unless missing or soft-deleted."""
    obj = session.get(model, record_id)
    if obj is None or getattr(obj, "deleted_at", None) is not None:
        raise NotFound()
    return obj
