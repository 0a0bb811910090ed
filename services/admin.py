"""The secretariat's lists: co-building units and their pairings, communities, categories.

Only an admin changes these; every change leaves an audit row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Category, Community, Need, Pairing, Resource, Unit, utcnow
from domain.actor import Actor
from domain.enums import AuditAction
from domain.errors import NotFound, ValidationError
from domain.text import pinyin_key
from services import audit, scope, validate
from services.live import live

SUGGESTED_KINDS: tuple[str, ...] = ("机关", "事业单位", "国有企业", "非公企业", "社会组织", "物业", "学校", "医院")

F_UNIT_NAME = "admin.fields.unit_name"
F_KIND = "admin.fields.kind"
F_CONTACT = "admin.fields.contact"
F_PHONE = "admin.fields.phone"
F_PARTY_MEMBERS = "admin.fields.party_members"
F_JOINED_ON = "admin.fields.joined_on"
F_COMMUNITY_NAME = "admin.fields.community_name"
F_STREET = "admin.fields.street"
F_PAIRED_SINCE = "admin.fields.paired_since"
F_CATEGORY_NAME = "admin.fields.category_name"
F_SORT_ORDER = "admin.fields.sort_order"


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# --- units --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairingRow:
    community_id: int
    community_name: str
    paired_since: date | None


@dataclass(frozen=True)
class UnitDetail:
    id: int
    name: str
    kind: str
    contact: str
    phone: str
    party_members: int
    active: bool
    joined_on: date | None
    pairings: list[PairingRow] = field(default_factory=list)


def list_units_page(
    session: Session,
    actor: Actor,
    *,
    text: str = "",
    kind: str = "",
    active: bool | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[pd.DataFrame, int]:
    """One page of units in pinyin order, with their pairings; and how many match."""
    scope.require_administer(actor)
    stmt = select(Unit.id, Unit.name).where(*live(Unit))
    if text.strip():
        stmt = stmt.where(Unit.name.ilike(_like(text.strip()), escape="\\"))
    if kind:
        stmt = stmt.where(Unit.kind == kind)
    if active is not None:
        stmt = stmt.where(Unit.active.is_(active))
    ordered = sorted(session.execute(stmt).all(), key=lambda r: pinyin_key(r.name))
    page_ids = [r.id for r in ordered[offset : offset + limit]]
    columns = ["id", "name", "kind", "pairings", "party_members", "contact", "phone", "active"]
    if not page_ids:
        return pd.DataFrame(columns=columns), len(ordered)
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(page_ids)))}
    paired: dict[int, list[str]] = {}
    for row in session.execute(
        select(Pairing.unit_id, Community.name)
        .join(Community, Community.id == Pairing.community_id)
        .where(Pairing.unit_id.in_(page_ids))
    ):
        paired.setdefault(row.unit_id, []).append(row.name)
    rows = [
        {
            "id": u.id,
            "name": u.name,
            "kind": u.kind,
            "pairings": "、".join(sorted(paired.get(u.id, []), key=pinyin_key)),
            "party_members": u.party_members,
            "contact": u.contact,
            "phone": u.phone,
            "active": u.active,
        }
        for u in (units[i] for i in page_ids)
    ]
    return pd.DataFrame(rows, columns=columns), len(ordered)


def unit_kinds(session: Session) -> list[str]:
    """The suggested unit types, then any others already in use."""
    used = [k for k in session.scalars(select(Unit.kind).distinct()) if k]
    return list(SUGGESTED_KINDS) + sorted((k for k in used if k not in SUGGESTED_KINDS), key=pinyin_key)


def get_unit(session: Session, actor: Actor, *, unit_id: int) -> UnitDetail:
    scope.require_administer(actor)
    unit = session.get(Unit, unit_id)
    if unit is None or unit.deleted_at is not None:
        raise NotFound()
    scope.require_administer(actor, scope.unit_place(session, unit.id))
    pairings = [
        PairingRow(r.community_id, r.name, r.paired_since)
        for r in session.execute(
            select(Pairing.community_id, Pairing.paired_since, Community.name)
            .join(Community, Community.id == Pairing.community_id)
            .where(Pairing.unit_id == unit_id)
        )
    ]
    return UnitDetail(
        id=unit.id,
        name=unit.name,
        kind=unit.kind,
        contact=unit.contact,
        phone=unit.phone,
        party_members=unit.party_members,
        active=unit.active,
        joined_on=unit.joined_on,
        pairings=sorted(pairings, key=lambda p: pinyin_key(p.community_name)),
    )


def _unit_fields(
    session: Session,
    *,
    unit_id: int | None,
    name: str,
    kind: str,
    contact: str,
    phone: str,
    party_members: object,
    joined_on: object,
) -> dict[str, object]:
    clean_name = validate.text(F_UNIT_NAME, name, required=True, max_len=100)
    clash = session.scalar(select(Unit.id).where(Unit.name == clean_name))
    if clash is not None and clash != unit_id:
        raise ValidationError(F_UNIT_NAME, "error.duplicate", value=clean_name)
    return {
        "name": clean_name,
        "kind": validate.text(F_KIND, kind, max_len=30),
        "contact": validate.text(F_CONTACT, contact, max_len=50),
        "phone": validate.text(F_PHONE, phone, max_len=30),
        "party_members": validate.integer(F_PARTY_MEMBERS, party_members, min_value=0, max_value=100_000),
        "joined_on": validate.parse_date(F_JOINED_ON, joined_on),
    }


def create_unit(
    session: Session,
    actor: Actor,
    *,
    name: str,
    kind: str = "",
    contact: str = "",
    phone: str = "",
    party_members: object = 0,
    joined_on: object = None,
) -> int:
    """A new co-building unit (active)."""
    scope.require_administer(actor)
    values = _unit_fields(
        session,
        unit_id=None,
        name=name,
        kind=kind,
        contact=contact,
        phone=phone,
        party_members=party_members,
        joined_on=joined_on,
    )
    unit = Unit(**values, active=True)
    session.add(unit)
    audit.record_change(session, actor, unit, None, entity="unit")
    return unit.id


def update_unit(
    session: Session,
    actor: Actor,
    *,
    unit_id: int,
    name: str,
    kind: str,
    contact: str,
    phone: str,
    party_members: object,
    joined_on: object,
    active: bool,
) -> None:
    scope.require_administer(actor)
    unit = session.get(Unit, unit_id)
    if unit is None or unit.deleted_at is not None:
        raise NotFound()
    scope.require_administer(actor, scope.unit_place(session, unit.id))
    values = _unit_fields(
        session,
        unit_id=unit_id,
        name=name,
        kind=kind,
        contact=contact,
        phone=phone,
        party_members=party_members,
        joined_on=joined_on,
    )
    before = audit.snapshot(unit)
    for key, value in values.items():
        setattr(unit, key, value)
    unit.active = bool(active)
    audit.record_change(session, actor, unit, before, entity="unit")


def set_unit_active(session: Session, actor: Actor, *, unit_id: int, active: bool) -> None:
    """Deactivate a unit (it stays in the records and leaves the rotation) or bring it back."""
    scope.require_administer(actor)
    unit = session.get(Unit, unit_id)
    if unit is None or unit.deleted_at is not None:
        raise NotFound()
    scope.require_administer(actor, scope.unit_place(session, unit.id))
    if unit.active == active:
        return
    before = audit.snapshot(unit)
    unit.active = active
    audit.record_change(session, actor, unit, before, entity="unit")


def pair_unit(
    session: Session,
    actor: Actor,
    *,
    unit_id: int,
    community_id: int | None,
    paired_since: object = None,
) -> None:
    """Pair a unit with a community (结对), or change the date of an existing pairing."""
    scope.require_administer(actor)
    unit = session.get(Unit, unit_id)
    if unit is None or unit.deleted_at is not None:
        raise NotFound()
    scope.require_administer(actor, scope.unit_place(session, unit.id))
    community = session.get(Community, community_id) if community_id is not None else None
    if community is None or community.deleted_at is not None:
        raise ValidationError("fields.community", "error.required")
    scope.require_administer(actor, scope.community_place(session, community.id))  # a pairing is its community's
    since = validate.parse_date(F_PAIRED_SINCE, paired_since)
    pairing = session.scalar(select(Pairing).where(Pairing.unit_id == unit_id, Pairing.community_id == community.id))
    before = None
    if pairing is None:
        pairing = Pairing(unit_id=unit_id, community_id=community.id, paired_since=since)
        session.add(pairing)
    else:
        before = audit.snapshot(pairing)
        pairing.paired_since = since
    audit.record_change(session, actor, pairing, before, entity="pairing")


def unpair_unit(session: Session, actor: Actor, *, unit_id: int, community_id: int) -> None:
    """End a pairing; the audit row keeps what it was."""
    scope.require_administer(actor)
    pairing = session.scalar(select(Pairing).where(Pairing.unit_id == unit_id, Pairing.community_id == community_id))
    if pairing is None:
        raise NotFound()
    scope.require_administer(actor, scope.community_place(session, pairing.community_id))
    before = audit.snapshot(pairing)
    session.delete(pairing)
    session.flush()
    audit.record(session, actor, AuditAction.DELETE, "pairing", before.get("id"), before=before)


# --- communities ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommunityDetail:
    id: int
    name: str
    street: str
    contact: str
    phone: str


def list_communities_page(
    session: Session,
    actor: Actor,
    *,
    text: str = "",
    offset: int = 0,
    limit: int = 20,
) -> tuple[pd.DataFrame, int]:
    """One page of communities in pinyin order with their number of paired units."""
    scope.require_administer(actor)
    stmt = select(Community.id, Community.name).where(*live(Community))
    if text.strip():
        stmt = stmt.where(Community.name.ilike(_like(text.strip()), escape="\\"))
    ordered = sorted(session.execute(stmt).all(), key=lambda r: pinyin_key(r.name))
    page_ids = [r.id for r in ordered[offset : offset + limit]]
    columns = ["id", "name", "street", "units", "contact", "phone"]
    if not page_ids:
        return pd.DataFrame(columns=columns), len(ordered)
    counts = {
        r.community_id: r.n
        for r in session.execute(
            select(Pairing.community_id, func.count(Pairing.id).label("n"))
            .where(Pairing.community_id.in_(page_ids))
            .group_by(Pairing.community_id)
        )
    }
    found = {c.id: c for c in session.scalars(select(Community).where(Community.id.in_(page_ids)))}
    rows = [
        {
            "id": c.id,
            "name": c.name,
            "street": c.street,
            "units": counts.get(c.id, 0),
            "contact": c.contact,
            "phone": c.phone,
        }
        for c in (found[i] for i in page_ids)
    ]
    return pd.DataFrame(rows, columns=columns), len(ordered)


def get_community(session: Session, actor: Actor, *, community_id: int) -> CommunityDetail:
    scope.require_administer(actor)
    c = session.get(Community, community_id)
    if c is None or c.deleted_at is not None:
        raise NotFound()
    scope.require_administer(actor, scope.community_place(session, c.id))
    return CommunityDetail(c.id, c.name, c.street, c.contact, c.phone)


def _community_fields(
    session: Session,
    *,
    community_id: int | None,
    name: str,
    street: str,
    contact: str,
    phone: str,
) -> dict[str, str]:
    clean_name = validate.text(F_COMMUNITY_NAME, name, required=True, max_len=100)
    clash = session.scalar(select(Community.id).where(Community.name == clean_name))
    if clash is not None and clash != community_id:
        raise ValidationError(F_COMMUNITY_NAME, "error.duplicate", value=clean_name)
    return {
        "name": clean_name,
        "street": validate.text(F_STREET, street, max_len=100),
        "contact": validate.text(F_CONTACT, contact, max_len=50),
        "phone": validate.text(F_PHONE, phone, max_len=30),
    }


def create_community(
    session: Session,
    actor: Actor,
    *,
    name: str,
    street: str = "",
    contact: str = "",
    phone: str = "",
) -> int:
    scope.require_administer(actor)
    community = Community(
        **_community_fields(session, community_id=None, name=name, street=street, contact=contact, phone=phone)
    )
    session.add(community)
    audit.record_change(session, actor, community, None, entity="community")
    return community.id


def update_community(
    session: Session,
    actor: Actor,
    *,
    community_id: int,
    name: str,
    street: str,
    contact: str,
    phone: str,
) -> None:
    scope.require_administer(actor)
    community = session.get(Community, community_id)
    if community is None or community.deleted_at is not None:
        raise NotFound()
    scope.require_administer(actor, scope.community_place(session, community.id))
    values = _community_fields(
        session, community_id=community_id, name=name, street=street, contact=contact, phone=phone
    )
    before = audit.snapshot(community)
    for key, value in values.items():
        setattr(community, key, value)
    audit.record_change(session, actor, community, before, entity="community")


# --- categories -----------------------------------------------------------------------------------


def list_categories(session: Session, actor: Actor) -> pd.DataFrame:
    """The shared need/resource categories in their order, with how many needs and resources use each."""
    scope.require_administer(actor)
    needs = (
        select(Need.category_id, func.count(Need.id).label("n"))
        .where(*live(Need))
        .group_by(Need.category_id)
        .subquery()
    )
    resources = (
        select(Resource.category_id, func.count(Resource.id).label("n"))
        .where(*live(Resource))
        .group_by(Resource.category_id)
        .subquery()
    )
    stmt = (
        select(
            Category.id,
            Category.sort_order,
            Category.name,
            Category.description,
            func.coalesce(needs.c.n, 0).label("needs"),
            func.coalesce(resources.c.n, 0).label("resources"),
        )
        .outerjoin(needs, needs.c.category_id == Category.id)
        .outerjoin(resources, resources.c.category_id == Category.id)
        .where(*live(Category))
        .order_by(Category.sort_order, Category.id)
    )
    rows = [r._asdict() for r in session.execute(stmt)]
    return pd.DataFrame(rows, columns=["id", "sort_order", "name", "description", "needs", "resources"])


def _category(session: Session, category_id: int) -> Category:
    category = session.get(Category, category_id)
    if category is None or category.deleted_at is not None:
        raise NotFound()
    return category


def create_category(session: Session, actor: Actor, *, name: str, description: str = "") -> int:
    """A new category at the end of the list (a deleted one of the same name comes back)."""
    scope.require_administer(actor)
    clean = validate.text(F_CATEGORY_NAME, name, required=True, max_len=50)
    desc = validate.text("fields.description", description, max_len=500)
    last = session.scalar(select(func.max(Category.sort_order)).where(*live(Category))) or 0
    existing = session.scalar(select(Category).where(Category.name == clean))
    if existing is not None:
        if existing.deleted_at is None:
            raise ValidationError(F_CATEGORY_NAME, "error.duplicate", value=clean)
        before = audit.snapshot(existing)
        existing.deleted_at, existing.sort_order = None, last + 10
        existing.description = desc or existing.description
        audit.record_change(session, actor, existing, before, entity="category")
        return existing.id
    category = Category(name=clean, description=desc, sort_order=last + 10)
    session.add(category)
    audit.record_change(session, actor, category, None, entity="category")
    return category.id


def update_category(
    session: Session,
    actor: Actor,
    *,
    category_id: int,
    name: str,
    description: str,
    sort_order: object = None,
) -> None:
    """Rename a category, change its description or its place in the order."""
    scope.require_administer(actor)
    category = _category(session, category_id)
    clean = validate.text(F_CATEGORY_NAME, name, required=True, max_len=50)
    clash = session.scalar(select(Category.id).where(Category.name == clean))
    if clash is not None and clash != category_id:
        raise ValidationError(F_CATEGORY_NAME, "error.duplicate", value=clean)
    before = audit.snapshot(category)
    category.name = clean
    category.description = validate.text("fields.description", description, max_len=500)
    if sort_order is not None:
        category.sort_order = validate.integer(F_SORT_ORDER, sort_order, min_value=0, max_value=100_000) or 0
    audit.record_change(session, actor, category, before, entity="category")


def move_category(session: Session, actor: Actor, *, category_id: int, step: int) -> None:
    """Move a category up (step −1) or down (+1) the list; the order is renumbered 10, 20, 30 …"""
    scope.require_administer(actor)
    categories = list(
        session.scalars(select(Category).where(*live(Category)).order_by(Category.sort_order, Category.id))
    )
    index = next((i for i, c in enumerate(categories) if c.id == category_id), None)
    if index is None:
        raise NotFound()
    target = index + (1 if step > 0 else -1)
    if not 0 <= target < len(categories):
        return
    categories[index], categories[target] = categories[target], categories[index]
    for position, category in enumerate(categories, start=1):
        if category.sort_order != position * 10:
            before = audit.snapshot(category)
            category.sort_order = position * 10
            audit.record_change(session, actor, category, before, entity="category")


def delete_category(session: Session, actor: Actor, *, category_id: int) -> None:
    """Soft-delete: the category leaves the choices; needs and resources that use it keep it."""
    scope.require_administer(actor)
    category = _category(session, category_id)
    before = audit.snapshot(category)
    category.deleted_at = utcnow()
    session.flush()
    audit.record(
        session, actor, AuditAction.DELETE, "category", category.id, before=before, after=audit.snapshot(category)
    )
