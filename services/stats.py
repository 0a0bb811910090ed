"""The aggregates behind the charts (统计分析): grouped in SQL, a few dozen rows each.

Figures that are KPIs come from ``services.metrics``; these functions break the same
definitions down by category, stage, month or unit. Values are codes (enum values); the
interface turns them into labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from db.areas import areas
from db.models import ActionItem, Activity, Category, Meeting, MeetingAttendance, Need, Project, Unit
from domain.enums import SIX_ITEMS, ActionStatus, NeedStatus, ProjectStage
from domain.six_items import assess
from domain.text import pinyin_key
from services import metrics
from services.live import live

# the data areas its reads depend on (db/areas.py): a cached read's key holds their versions
READS = areas("activities", "lists", "meetings", "org")

RANK_MEASURES: tuple[str, ...] = (
    "activities",
    "volunteer_hours",
    "beneficiaries",
    "six_items_done",
    "attendance_rate",
    "actions_done",
    "projects_led",
)
ACTION_STATES: tuple[str, ...] = ("done", "open", "overdue", "dropped")


@dataclass(frozen=True)
class ChartFilter:
    """What the charts are about: a period, optionally one community and one kind of unit."""

    start: date
    end: date
    today: date
    community_id: int | None = None
    unit_kind: str | None = None

    @property
    def as_of(self) -> date:
        """The day states (six items, overdue) are judged on: the period's end, never the future."""
        return min(self.end, self.today)

    def scope(self) -> dict[str, object]:
        return {"community_id": self.community_id, "unit_kind": self.unit_kind}


@dataclass(frozen=True)
class Figures:
    """The KPI row of the charts page for a filter, every number from the metric dictionary."""

    activities: int
    volunteer_hours: float
    beneficiaries: int
    open_needs: int
    projects_active: int
    six_items_completion: float | None
    attendance_rate: float | None
    action_closure_rate: float | None
    overdue_actions: int


def get_figures(session: Session, *, f: ChartFilter) -> Figures:
    return Figures(
        activities=metrics.activities(
            session, start=f.start, end=f.end, community_id=f.community_id, unit_kind=f.unit_kind
        ),
        volunteer_hours=metrics.volunteer_hours(
            session, start=f.start, end=f.end, community_id=f.community_id, unit_kind=f.unit_kind
        ),
        beneficiaries=metrics.beneficiaries(
            session, start=f.start, end=f.end, community_id=f.community_id, unit_kind=f.unit_kind
        ),
        open_needs=metrics.open_needs(session, community_id=f.community_id),
        projects_active=metrics.projects_active(session, community_id=f.community_id, unit_kind=f.unit_kind),
        six_items_completion=metrics.six_items_completion(
            session, year=f.as_of.year, as_of=f.as_of, community_id=f.community_id, unit_kind=f.unit_kind
        ),
        attendance_rate=metrics.attendance_rate(
            session, start=f.start, end=f.end, community_id=f.community_id, unit_kind=f.unit_kind
        ),
        action_closure_rate=metrics.action_closure_rate(
            session, start=f.start, end=f.end, community_id=f.community_id, unit_kind=f.unit_kind
        ),
        overdue_actions=metrics.overdue_actions(
            session, today=f.today, community_id=f.community_id, unit_kind=f.unit_kind
        ),
    )


def list_unit_kinds(session: Session) -> list[str]:
    """The kinds of unit in use (free text), in pinyin order."""
    kinds = session.scalars(select(Unit.kind).where(*live(Unit), Unit.kind != "").distinct()).all()
    return sorted(kinds, key=pinyin_key)


def needs_by_category_status(session: Session, *, f: ChartFilter) -> pd.DataFrame:
    """Needs per category and status (the current list, not only the period's)."""
    stmt = (
        select(Category.name, Category.sort_order, Need.status, func.count(Need.id))
        .join(Category, Category.id == Need.category_id)
        .where(*live(Need))
        .group_by(Category.name, Category.sort_order, Need.status)
        .order_by(Category.sort_order, Category.name)
    )
    if f.community_id is not None:
        stmt = stmt.where(Need.community_id == f.community_id)
    rows = [(name, order, NeedStatus(status).value, int(n)) for name, order, status, n in session.execute(stmt)]
    return pd.DataFrame(rows, columns=["category", "order", "status", "count"])


def needs_coverage_by_category(session: Session, *, f: ChartFilter) -> pd.DataFrame:
    """Per category: needs covered (claimed, a project, solved) and uncovered (待对接)."""
    covered = func.sum(case((Need.status.in_(metrics.COVERED_NEED_STATUSES), 1), else_=0))
    uncovered = func.sum(case((Need.status == NeedStatus.OPEN, 1), else_=0))
    stmt = (
        select(Category.name, covered, uncovered)
        .join(Category, Category.id == Need.category_id)
        .where(*live(Need))
        .group_by(Category.name, Category.sort_order)
        .order_by(Category.sort_order, Category.name)
    )
    if f.community_id is not None:
        stmt = stmt.where(Need.community_id == f.community_id)
    rows: list[tuple[str, str, int]] = []
    for name, cov, unc in session.execute(stmt):
        rows += [(name, "covered", int(cov or 0)), (name, "uncovered", int(unc or 0))]
    return pd.DataFrame(rows, columns=["category", "coverage", "count"])


def project_funnel(session: Session, *, f: ChartFilter) -> pd.DataFrame:
    """Projects at each stage of the path and how many reached at least that stage."""
    by_stage = metrics.projects_by_stage(session, community_id=f.community_id, unit_kind=f.unit_kind)
    stages = list(ProjectStage)
    rows = []
    for i, stage in enumerate(stages):
        reached = sum(by_stage[s] for s in stages[i:])
        rows.append((stage.value, i, by_stage[stage], reached))
    return pd.DataFrame(rows, columns=["stage", "order", "count", "reached"])


def activities_by_month(session: Session, *, f: ChartFilter) -> pd.DataFrame:
    """Activities, volunteer hours and beneficiaries per month and kind in the period."""
    month = metrics.month_of(session, Activity.held_on)
    stmt = (
        select(
            month,
            Activity.kind,
            func.count(),
            func.coalesce(func.sum(Activity.volunteer_hours), 0.0),
            func.coalesce(func.sum(Activity.beneficiaries), 0),
        )
        .where(*metrics.activity_conditions(f.start, f.end, community_id=f.community_id, unit_kind=f.unit_kind))
        .group_by(month, Activity.kind)
        .order_by(month)
    )
    rows = [
        (metrics.month_key(m), str(getattr(k, "value", k)), int(n), float(h), int(b))
        for m, k, n, h, b in session.execute(stmt)
    ]
    return pd.DataFrame(rows, columns=["month", "kind", "activities", "volunteer_hours", "beneficiaries"])


def monthly_totals(by_month: pd.DataFrame) -> pd.DataFrame:
    """``activities_by_month`` summed over kinds: one row per month."""
    if by_month.empty:
        return pd.DataFrame(columns=["month", "activities", "volunteer_hours", "beneficiaries"])
    return (
        by_month.groupby("month", as_index=False)[["activities", "volunteer_hours", "beneficiaries"]]
        .sum()
        .sort_values("month")
    )


@dataclass(frozen=True)
class SixItemsUnit:
    unit: str
    done: int
    behind: bool
    missing: tuple[str, ...]


def six_items_units(session: Session, *, f: ChartFilter) -> list[SixItemsUnit]:
    """Every active unit in scope with its six items done this year (as of the period's end),
    least done first."""
    as_of = f.as_of
    counts = metrics.six_items_counts(
        session, year=as_of.year, as_of=as_of, community_id=f.community_id, unit_kind=f.unit_kind
    )
    names = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(list(counts)))).tuples().all())
    out = []
    for unit_id, c in counts.items():
        row = assess(c, year=as_of.year, as_of=as_of)
        out.append(SixItemsUnit(names.get(unit_id, ""), row.done, row.behind, tuple(k.value for k in row.missing)))
    return sorted(out, key=lambda u: (u.done, pinyin_key(u.unit)))


def six_items_grid(session: Session, *, f: ChartFilter, limit: int = 40) -> pd.DataFrame:
    """Unit × item counts for the ``limit`` units least done (a heat map's cells)."""
    as_of = f.as_of
    counts = metrics.six_items_counts(
        session, year=as_of.year, as_of=as_of, community_id=f.community_id, unit_kind=f.unit_kind
    )
    names = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(list(counts)))).tuples().all())
    ranked = sorted(
        counts.items(),
        key=lambda kv: (sum(1 for k in SIX_ITEMS if kv[1].get(k.value)), pinyin_key(names.get(kv[0], ""))),
    )[:limit]
    rows = [
        (names.get(uid, ""), item.value, int(c.get(item.value, 0)), int(c.get(item.value, 0)) > 0)
        for uid, c in ranked
        for item in SIX_ITEMS
    ]
    return pd.DataFrame(rows, columns=["unit", "item", "count", "done"])


def attendance_by_unit(session: Session, *, f: ChartFilter, limit: int = 30) -> pd.DataFrame:
    """Per unit: meetings it was invited to in the period, attended, and the rate (lowest first)."""
    attended = func.sum(case((MeetingAttendance.attended.is_(True), 1), else_=0))
    invited = func.count(MeetingAttendance.id)
    rate = 1.0 * attended / invited
    stmt = (
        select(Unit.name, invited, attended, rate)
        .join(Meeting, Meeting.id == MeetingAttendance.meeting_id)
        .join(Unit, Unit.id == MeetingAttendance.unit_id)
        .where(
            *live(Meeting),
            Meeting.held_on >= f.start,
            Meeting.held_on <= f.end,
            *metrics.unit_scope(MeetingAttendance.unit_id, community_id=f.community_id, unit_kind=f.unit_kind),
        )
        .group_by(Unit.name)
        .order_by(rate, Unit.name)
        .limit(limit)
    )
    rows = [(n, int(i), int(a or 0), float(r or 0)) for n, i, a, r in session.execute(stmt)]
    return pd.DataFrame(rows, columns=["unit", "invited", "attended", "rate"])


def action_items_by_month(session: Session, *, f: ChartFilter) -> pd.DataFrame:
    """Action items due in the period per month of their due date and state
    (done / open / overdue / dropped, overdue judged today)."""
    state = case(
        (ActionItem.status == ActionStatus.DONE, "done"),
        (ActionItem.status == ActionStatus.DROPPED, "dropped"),
        (ActionItem.due_on < f.today, "overdue"),
        else_="open",
    )
    month = metrics.month_of(session, ActionItem.due_on)
    stmt = (
        select(month, state, func.count(ActionItem.id))
        .where(
            *live(ActionItem),
            ActionItem.due_on >= f.start,
            ActionItem.due_on <= f.end,
            *metrics.unit_scope(ActionItem.owner_unit_id, community_id=f.community_id, unit_kind=f.unit_kind),
        )
        .group_by(month, state)
        .order_by(month)
    )
    rows = [(metrics.month_key(m), s, int(n)) for m, s, n in session.execute(stmt)]
    return pd.DataFrame(rows, columns=["month", "state", "count"])


def agreements_by_state(session: Session, *, f: ChartFilter) -> pd.DataFrame:
    """Agreements valid, expiring and lapsed today (the metric dictionary's definition)."""
    counts = metrics.agreements_by_state(session, today=f.today, community_id=f.community_id, unit_kind=f.unit_kind)
    return pd.DataFrame([(s, counts[s]) for s in metrics.AGREEMENT_STATES], columns=["state", "count"])


def rank_units(session: Session, *, f: ChartFilter, measure: str, limit: int = 15) -> pd.DataFrame:
    """The ``limit`` units with the highest ``measure`` (one of ``RANK_MEASURES``) in the period."""
    if measure not in RANK_MEASURES:
        raise ValueError(measure)
    if measure == "six_items_done":
        units = sorted(six_items_units(session, f=f), key=lambda u: (-u.done, pinyin_key(u.unit)))
        return pd.DataFrame([(u.unit, float(u.done)) for u in units[:limit]], columns=["unit", "value"])
    if measure == "attendance_rate":
        df = attendance_by_unit(session, f=f, limit=100_000)
        df = df.sort_values(["rate", "invited"], ascending=False).head(limit)
        return pd.DataFrame({"unit": df["unit"], "value": df["rate"]}).reset_index(drop=True)
    if measure in ("activities", "volunteer_hours", "beneficiaries"):
        if measure == "activities":
            value: ColumnElement[Any] = func.count()
        elif measure == "volunteer_hours":
            value = func.coalesce(func.sum(Activity.volunteer_hours), 0.0)
        else:
            value = func.coalesce(func.sum(Activity.beneficiaries), 0)
        unit_id = metrics.activity_unit()  # summed per unit first, then the sums named
        per_unit = (
            select(unit_id, value.label("v"))
            .where(*metrics.activity_conditions(f.start, f.end, community_id=f.community_id, unit_kind=f.unit_kind))
            .group_by(unit_id)
            .subquery()
        )
        top = (
            select(Unit.name, per_unit.c.v)
            .join(per_unit, per_unit.c.unit_id == Unit.id)
            .order_by(per_unit.c.v.desc(), Unit.name)
            .limit(limit)
        )
        return pd.DataFrame([(n, float(v or 0)) for n, v in session.execute(top)], columns=["unit", "value"])
    if measure == "actions_done":
        value = func.count(ActionItem.id)
        stmt = (
            select(Unit.name, value)
            .join(Unit, Unit.id == ActionItem.owner_unit_id)
            .where(
                *live(ActionItem),
                ActionItem.status == ActionStatus.DONE,
                ActionItem.due_on >= f.start,
                ActionItem.due_on <= f.end,
                *metrics.unit_scope(ActionItem.owner_unit_id, community_id=f.community_id, unit_kind=f.unit_kind),
            )
            .group_by(Unit.name)
        )
    else:  # projects_led
        value = func.count(Project.id)
        stmt = (
            select(Unit.name, value)
            .join(Unit, Unit.id == Project.lead_unit_id)
            .where(*live(Project), *metrics.unit_scope(Project.lead_unit_id, unit_kind=f.unit_kind))
            .group_by(Unit.name)
        )
        if f.community_id is not None:
            stmt = stmt.where(Project.community_id == f.community_id)
    stmt = stmt.order_by(value.desc(), Unit.name).limit(limit)
    return pd.DataFrame([(n, float(v or 0)) for n, v in session.execute(stmt)], columns=["unit", "value"])
