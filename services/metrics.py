"""The metric dictionary: every figure the overview, charts, deck and report show, defined once.

Each function aggregates in SQL and takes the period it is about, so that every screen and
document asks the same question the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from db.models import (
    ActionItem,
    Activity,
    Agreement,
    Community,
    Meeting,
    Need,
    Project,
    Unit,
)
from domain.enums import SIX_ITEMS, ActionStatus, NeedStatus, ProjectStage
from domain.six_items import assess

EXPIRY_WINDOW_DAYS = 60


@dataclass(frozen=True)
class Metric:
    """A figure's name (locale key) and how it is defined, for the dictionary on screen."""

    key: str
    definition_key: str


METRICS: tuple[Metric, ...] = (
    Metric("metrics.units", "metrics.units_def"),
    Metric("metrics.communities", "metrics.communities_def"),
    Metric("metrics.open_needs", "metrics.open_needs_def"),
    Metric("metrics.projects_active", "metrics.projects_active_def"),
    Metric("metrics.activities", "metrics.activities_def"),
    Metric("metrics.volunteer_hours", "metrics.volunteer_hours_def"),
    Metric("metrics.six_items_completion", "metrics.six_items_completion_def"),
    Metric("metrics.overdue_actions", "metrics.overdue_actions_def"),
    Metric("metrics.expiring_agreements", "metrics.expiring_agreements_def"),
)


def active_units(session: Session) -> int:
    """Co-building units that are active and not deleted."""
    return session.scalar(
        select(func.count(Unit.id)).where(Unit.deleted_at.is_(None), Unit.active.is_(True))
    ) or 0


def communities(session: Session) -> int:
    return session.scalar(select(func.count(Community.id)).where(Community.deleted_at.is_(None))) or 0


def open_needs(session: Session, *, community_id: int | None = None) -> int:
    """Needs still waiting for a unit (待对接)."""
    stmt = select(func.count(Need.id)).where(Need.deleted_at.is_(None), Need.status == NeedStatus.OPEN)
    if community_id is not None:
        stmt = stmt.where(Need.community_id == community_id)
    return session.scalar(stmt) or 0


def projects_by_stage(session: Session, *, community_id: int | None = None) -> dict[ProjectStage, int]:
    """Projects at each stage of the path, every stage present (zero where none)."""
    stmt = select(Project.stage, func.count(Project.id)).where(Project.deleted_at.is_(None))
    if community_id is not None:
        stmt = stmt.where(Project.community_id == community_id)
    counts = dict(session.execute(stmt.group_by(Project.stage)).tuples().all())
    return {stage: int(counts.get(stage, 0)) for stage in ProjectStage}


def projects_active(session: Session, *, community_id: int | None = None) -> int:
    """Projects decided or being carried out (确定项目 and 实施中)."""
    by_stage = projects_by_stage(session, community_id=community_id)
    return by_stage[ProjectStage.DECIDED] + by_stage[ProjectStage.IN_PROGRESS]


def _activity_period(start: date, end: date) -> list[object]:
    return [Activity.deleted_at.is_(None), Activity.held_on >= start, Activity.held_on <= end]


def activities(session: Session, *, start: date, end: date) -> int:
    """Activities held between ``start`` and ``end`` inclusive."""
    return session.scalar(select(func.count(Activity.id)).where(*_activity_period(start, end))) or 0


def volunteer_hours(session: Session, *, start: date, end: date) -> float:
    return float(
        session.scalar(
            select(func.coalesce(func.sum(Activity.volunteer_hours), 0.0)).where(*_activity_period(start, end))
        ) or 0.0
    )


def six_items_counts(session: Session, *, year: int, as_of: date) -> dict[int, dict[str, int]]:
    """Per active unit, how many activities of each of the six kinds it held this year so far."""
    start = date(year, 1, 1)
    end = min(date(year, 12, 31), as_of)
    rows = session.execute(
        select(Activity.unit_id, Activity.kind, func.count(Activity.id))
        .where(*_activity_period(start, end), Activity.kind.in_(SIX_ITEMS))
        .group_by(Activity.unit_id, Activity.kind)
    ).all()
    units = session.scalars(
        select(Unit.id).where(Unit.deleted_at.is_(None), Unit.active.is_(True))
    ).all()
    out: dict[int, dict[str, int]] = {uid: {} for uid in units}
    for unit_id, kind, n in rows:
        if unit_id in out:
            out[unit_id][str(kind.value if hasattr(kind, "value") else kind)] = int(n)
    return out


def six_items_completion(session: Session, *, year: int, as_of: date) -> float | None:
    """The share of (active unit × six items) cells done at least once this year."""
    counts = six_items_counts(session, year=year, as_of=as_of)
    if not counts:
        return None
    rows = [assess(c, year=year, as_of=as_of) for c in counts.values()]
    return sum(r.done for r in rows) / (len(rows) * len(SIX_ITEMS))


def six_items_behind(session: Session, *, year: int, as_of: date) -> int:
    """Active units behind pace on the six items."""
    counts = six_items_counts(session, year=year, as_of=as_of)
    return sum(1 for c in counts.values() if assess(c, year=year, as_of=as_of).behind)


def overdue_actions(session: Session, *, today: date) -> int:
    """Open action items whose due date has passed."""
    return session.scalar(
        select(func.count(ActionItem.id)).where(
            ActionItem.status == ActionStatus.OPEN, ActionItem.due_on < today
        )
    ) or 0


def expiring_agreements(session: Session, *, today: date) -> int:
    """Agreements ending within 60 days."""
    return session.scalar(
        select(func.count(Agreement.id)).where(
            Agreement.deleted_at.is_(None),
            Agreement.valid_to >= today,
            Agreement.valid_to <= today + timedelta(days=EXPIRY_WINDOW_DAYS),
        )
    ) or 0


def lapsed_agreements(session: Session, *, today: date) -> int:
    return session.scalar(
        select(func.count(Agreement.id)).where(Agreement.deleted_at.is_(None), Agreement.valid_to < today)
    ) or 0


def next_meeting(session: Session, *, today: date) -> Meeting | None:
    """The next joint meeting on or after today."""
    return session.scalar(
        select(Meeting)
        .where(Meeting.deleted_at.is_(None), Meeting.held_on >= today)
        .order_by(Meeting.held_on)
        .limit(1)
    )


def action_closure_rate(session: Session, *, start: date, end: date) -> float | None:
    """Share of action items due in the period that are done (dropped ones left out)."""
    base = and_(ActionItem.due_on >= start, ActionItem.due_on <= end, ActionItem.status != ActionStatus.DROPPED)
    total = session.scalar(select(func.count(ActionItem.id)).where(base)) or 0
    if not total:
        return None
    done = session.scalar(
        select(func.count(ActionItem.id)).where(base, ActionItem.status == ActionStatus.DONE)
    ) or 0
    return done / total
