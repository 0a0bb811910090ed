"""Reference data every page needs: communities, units (in pinyin order), categories."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.areas import areas
from db.models import Category, Community, Member, Pairing, Unit
from domain.text import pinyin_key
from services.live import live

# the data areas its reads depend on (db/areas.py): a cached read's key holds their versions
READS = areas("org")


@dataclass(frozen=True)
class Option:
    id: int
    name: str


def list_communities(session: Session) -> list[Option]:
    rows = session.execute(select(Community.id, Community.name).where(*live(Community))).all()
    return sorted((Option(r.id, r.name) for r in rows), key=lambda o: pinyin_key(o.name))


def list_units(session: Session, *, active_only: bool = False) -> list[Option]:
    stmt = select(Unit.id, Unit.name).where(*live(Unit))
    if active_only:
        stmt = stmt.where(Unit.active.is_(True))
    return sorted((Option(r.id, r.name) for r in session.execute(stmt)), key=lambda o: pinyin_key(o.name))


def list_categories(session: Session) -> list[Option]:
    rows = session.execute(
        select(Category.id, Category.name).where(*live(Category)).order_by(Category.sort_order, Category.id)
    ).all()
    return [Option(r.id, r.name) for r in rows]


def paired_community_ids(session: Session, unit_id: int) -> list[int]:
    return list(session.scalars(select(Pairing.community_id).where(Pairing.unit_id == unit_id)))


def reported_community_ids(session: Session, unit_id: int) -> list[int]:
    """The communities the unit's in-service Party members reported to (双报到)."""
    return list(
        session.scalars(
            select(Member.community_id)
            .where(Member.unit_id == unit_id, *live(Member), Member.community_id.is_not(None))
            .distinct()
        )
    )


def name_of_unit(session: Session, unit_id: int | None) -> str:
    if unit_id is None:
        return ""
    unit = session.get(Unit, unit_id)
    return unit.name if unit else ""


def name_of_community(session: Session, community_id: int | None) -> str:
    if community_id is None:
        return ""
    community = session.get(Community, community_id)
    return community.name if community else ""
