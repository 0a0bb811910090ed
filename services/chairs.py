"""This month's and next month's rotating chair (轮值主席), shown on every page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.areas import areas
from db.models import RotationSlot, Unit

# the data areas its reads depend on (db/areas.py): a cached read's key holds their versions
READS = areas("meetings", "org")


@dataclass(frozen=True)
class ChairMonth:
    year: int
    month: int
    unit_id: int | None
    unit_name: str
    theme: str


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def chair_of(session: Session, year: int, month: int, community_id: int | None = None) -> ChairMonth:
    """The chair of one month: the community's own slot if it has one, else the alliance's."""
    stmt = (
        select(RotationSlot.chair_unit_id, Unit.name, RotationSlot.theme, RotationSlot.community_id)
        .join(Unit, Unit.id == RotationSlot.chair_unit_id)
        .where(RotationSlot.year == year, RotationSlot.month == month)
    )
    rows = session.execute(stmt).all()
    chosen = next((r for r in rows if community_id is not None and r.community_id == community_id), None)
    chosen = chosen or next((r for r in rows if r.community_id is None), None)
    if chosen is None:
        return ChairMonth(year, month, None, "", "")
    return ChairMonth(year, month, chosen.chair_unit_id, chosen.name, chosen.theme)


def current_and_next(session: Session, today: date, community_id: int | None = None) -> tuple[ChairMonth, ChairMonth]:
    ny, nm = next_month(today.year, today.month)
    return chair_of(session, today.year, today.month, community_id), chair_of(session, ny, nm, community_id)
