"""资源清单: what each unit can offer, and how much of it projects already use."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from db.areas import areas
from db.models import Category, Project, Resource, Unit, project_resource, utcnow
from domain.actor import Actor
from domain.enums import AuditAction, ResourceStatus
from domain.project_path import FINISHED
from services import validate
from services.audit import record, record_change, snapshot
from services.lists import (
    Page,
    check_category,
    check_unit,
    get_live,
    page_of,
    require_unit_keeper,
    require_writer,
    sort_columns,
)
from services.live import live

# the data areas its reads depend on (db/areas.py): a cached read's key holds their versions
READS = areas("lists", "org")

COLUMNS = [
    "id",
    "unit",
    "category",
    "title",
    "description",
    "capacity",
    "in_use",
    "used_ever",
    "available_when",
    "status",
    "unit_id",
    "category_id",
]


@dataclass(frozen=True)
class ResourceInput:
    unit_id: int | None
    category_id: int | None
    title: str
    description: str = ""
    capacity: int | str | None = None
    available_when: str = ""
    status: ResourceStatus | str = ResourceStatus.AVAILABLE


def usage_subquery():  # type: ignore[no-untyped-def]
    """Per resource: projects in hand (not finished) using it, and projects that ever used it."""
    return (
        select(
            project_resource.c.resource_id.label("resource_id"),
            func.count(Project.id).filter(Project.stage.not_in(FINISHED)).label("in_use"),
            func.count(Project.id).label("used_ever"),
        )
        .join(Project, Project.id == project_resource.c.project_id)
        .where(*live(Project))
        .group_by(project_resource.c.resource_id)
        .subquery()
    )


def list_resources(
    session: Session,
    *,
    unit_id: int | None = None,
    category_id: int | None = None,
    status: ResourceStatus | None = None,
    text: str = "",
    idle_only: bool = False,
    sort: str = "unit",
    descending: bool = False,
    offset: int = 0,
    limit: int = 20,
) -> Page:
    """Resources matching the filters, one page; ``idle_only`` = never used by any project, of an
    active unit."""
    usage = usage_subquery()
    in_use = func.coalesce(usage.c.in_use, 0)
    used_ever = func.coalesce(usage.c.used_ever, 0)
    stmt = (
        select(
            Resource.id,
            Unit.name,
            Category.name,
            Resource.title,
            Resource.description,
            Resource.capacity,
            in_use,
            used_ever,
            Resource.available_when,
            Resource.status,
            Resource.unit_id,
            Resource.category_id,
        )
        .join(Unit, Unit.id == Resource.unit_id)
        .join(Category, Category.id == Resource.category_id)
        .outerjoin(usage, usage.c.resource_id == Resource.id)
        .where(*live(Resource))
    )
    if unit_id is not None:
        stmt = stmt.where(Resource.unit_id == unit_id)
    if category_id is not None:
        stmt = stmt.where(Resource.category_id == category_id)
    if status is not None:
        stmt = stmt.where(Resource.status == status)
    if text.strip():
        needle = text.strip()
        stmt = stmt.where(
            or_(
                Resource.title.contains(needle, autoescape=True), Resource.description.contains(needle, autoescape=True)
            )
        )
    if idle_only:  # an inactive unit's resources are not on offer, so not idle
        stmt = stmt.where(used_ever == 0, Unit.active.is_(True), *live(Unit))
    sorts = {
        "unit": Unit.name,
        "title": Resource.title,
        "category": Category.sort_order,
        "capacity": Resource.capacity,
        "status": Resource.status,
        "in_use": in_use,
    }
    order = sort_columns(sort, descending, sorts, "unit", Resource.id)
    return page_of(session, stmt, COLUMNS, order_by=order, offset=offset, limit=limit)


def get_resource(session: Session, *, resource_id: int) -> ResourceInput:
    r = get_live(session, Resource, resource_id)
    return ResourceInput(r.unit_id, r.category_id, r.title, r.description, r.capacity, r.available_when, r.status)


def _clean(session: Session, data: ResourceInput) -> dict[str, object]:
    return {
        "unit_id": check_unit(session, data.unit_id),
        "category_id": check_category(session, data.category_id),
        "title": validate.text("lists.fields.resource_title", data.title, required=True, max_len=200),
        "description": validate.text("lists.fields.description", data.description, max_len=2000),
        "capacity": validate.integer(
            "lists.fields.capacity", data.capacity, min_value=0, max_value=1_000_000, default=None
        ),
        "available_when": validate.text("lists.fields.available_when", data.available_when, max_len=100),
        "status": validate.choice("lists.fields.status", data.status, ResourceStatus, default=ResourceStatus.AVAILABLE),
    }


def create_resource(session: Session, actor: Actor, *, data: ResourceInput) -> int:
    """Add a resource to a unit's list (its liaison, or the admin)."""
    require_writer(actor)
    require_unit_keeper(session, actor, data.unit_id)
    resource = Resource(**_clean(session, data))
    session.add(resource)
    record_change(session, actor, resource, None, entity="resource")
    return resource.id


def update_resource(session: Session, actor: Actor, *, resource_id: int, data: ResourceInput) -> None:
    require_writer(actor)
    resource = get_live(session, Resource, resource_id)
    require_unit_keeper(session, actor, resource.unit_id)
    require_unit_keeper(session, actor, data.unit_id)
    values = _clean(session, data)
    before = snapshot(resource)
    for key, value in values.items():
        setattr(resource, key, value)
    record_change(session, actor, resource, before, entity="resource")


def delete_resource(session: Session, actor: Actor, *, resource_id: int) -> None:
    require_writer(actor)
    resource = get_live(session, Resource, resource_id)
    require_unit_keeper(session, actor, resource.unit_id)
    before = snapshot(resource)
    resource.deleted_at = utcnow()
    session.flush()
    record(session, actor, AuditAction.DELETE, "resource", resource.id, before=before, after=snapshot(resource))
