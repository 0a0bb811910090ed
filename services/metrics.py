"""The metric dictionary: every figure the overview, charts, deck and report show, defined once.

Each function aggregates in SQL and takes the period it is about, so that every screen and
document asks the same question the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from db.areas import areas, read_memo
from db.models import (
    ActionItem,
    Activity,
    Agreement,
    Community,
    Meeting,
    MeetingAttendance,
    Need,
    Pairing,
    Project,
    Unit,
)
from domain.calendar import previous_quarter as previous_quarter
from domain.calendar import quarter_bounds as quarter_bounds
from domain.calendar import quarter_of as quarter_of
from domain.enums import SIX_ITEMS, ActionStatus, ActivityKind, NeedStatus, ProjectStage
from domain.periods import QuarterComparison as QuarterComparison  # the calendar of every period figure
from domain.periods import compare_quarter as compare_quarter
from domain.six_items import assess, counting_since, micro_wish_count
from services.live import live

# the data areas its reads depend on (db/areas.py): a cached read's key holds their versions
READS = areas("activities", "lists", "meetings", "org")


EXPIRY_WINDOW_DAYS = 60
COVERED_NEED_STATUSES: tuple[NeedStatus, ...] = (NeedStatus.CLAIMED, NeedStatus.PROJECT, NeedStatus.SOLVED)


def next_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def unit_scope(
    unit_col: InstrumentedAttribute[int] | InstrumentedAttribute[int | None],
    *,
    community_id: int | None = None,
    unit_kind: str | None = None,
) -> list[ColumnElement[bool]]:
    """Conditions keeping the units of one kind and/or the units paired with one community."""
    conds: list[ColumnElement[bool]] = []
    if unit_kind:
        conds.append(unit_col.in_(select(Unit.id).where(Unit.kind == unit_kind)))
    if community_id is not None:
        conds.append(unit_col.in_(select(Pairing.unit_id).where(Pairing.community_id == community_id)))
    return conds


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
    return session.scalar(select(func.count(Unit.id)).where(*live(Unit), Unit.active.is_(True))) or 0


def communities(session: Session) -> int:
    return session.scalar(select(func.count(Community.id)).where(*live(Community))) or 0


def open_needs(session: Session, *, community_id: int | None = None) -> int:
    """Needs still waiting for a unit (待对接)."""
    stmt = select(func.count(Need.id)).where(*live(Need), Need.status == NeedStatus.OPEN)
    if community_id is not None:
        stmt = stmt.where(Need.community_id == community_id)
    return session.scalar(stmt) or 0


def projects_by_stage(
    session: Session, *, community_id: int | None = None, unit_kind: str | None = None
) -> dict[ProjectStage, int]:
    """Projects at each stage of the path, every stage present (zero where none); ``unit_kind``
    keeps the projects whose lead unit is of that kind."""
    stmt = select(Project.stage, func.count(Project.id)).where(*live(Project))
    if community_id is not None:
        stmt = stmt.where(Project.community_id == community_id)
    stmt = stmt.where(*unit_scope(Project.lead_unit_id, unit_kind=unit_kind))
    counts = dict(session.execute(stmt.group_by(Project.stage)).tuples().all())
    return {stage: int(counts.get(stage, 0)) for stage in ProjectStage}


def projects_active(session: Session, *, community_id: int | None = None, unit_kind: str | None = None) -> int:
    """Projects decided or being carried out (确定项目 and 实施中)."""
    by_stage = projects_by_stage(session, community_id=community_id, unit_kind=unit_kind)
    return by_stage[ProjectStage.DECIDED] + by_stage[ProjectStage.IN_PROGRESS]


def month_of(session: Session, col: Any) -> Any:
    """The month of a DATE column to group by, cheaply (``month_key`` names it ``YYYY-MM``): SQLite
    keeps dates as ISO text, so its first seven characters (a third faster than two strftime calls);
    PostgreSQL truncates the date (``to_char`` costs half as much again over a year of activities)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(col, 1, 7)
    return func.date_trunc("month", col)


def month_key(value: Any) -> str:
    """``YYYY-MM`` of what ``month_of`` grouped by."""
    if isinstance(value, date):  # datetimes too
        return f"{value.year:04d}-{value.month:02d}"
    return str(value)[:7]


def activity_unit() -> ColumnElement[int]:
    """An activity's unit, to group a period's activities by. ``unit_id + 0`` rather than the bare
    column: grouped by the column, SQLite walks the (unit_id, held_on) index and fetches every row from
    the table; grouped by the expression it reads the covering period index (held_on, …, hours)
    instead — 350 → 85 ms for a county's year. PostgreSQL plans both the same way."""
    return (Activity.unit_id + 0).label("unit_id")


def activity_conditions(
    start: date, end: date, *, community_id: int | None = None, unit_kind: str | None = None
) -> list[ColumnElement[bool]]:
    """The activities a period figure counts: held between ``start`` and ``end`` inclusive, in one
    community (where the activity took place) and by units of one kind when asked."""
    conds: list[ColumnElement[bool]] = [
        *live(Activity),
        Activity.held_on >= start,
        Activity.held_on <= end,
    ]
    if community_id is not None:
        conds.append(Activity.community_id == community_id)
    conds += unit_scope(Activity.unit_id, unit_kind=unit_kind)
    return conds


def _activity_period(start: date, end: date) -> list[ColumnElement[bool]]:
    return activity_conditions(start, end)


@dataclass(frozen=True)
class ActivityTotals:
    activities: int
    volunteer_hours: float
    beneficiaries: int


def activity_totals(
    session: Session, *, start: date, end: date, community_id: int | None = None, unit_kind: str | None = None
) -> ActivityTotals:
    """Activities, volunteer hours and residents reached in the period, in one pass over its rows
    (asked once per session of the app's factory, ``db.areas.read_memo``: the three figures below share it)."""
    key = ("activity_totals", start, end, community_id, unit_kind)
    memo = read_memo(session)
    if memo is None or key not in memo:
        conds = activity_conditions(start, end, community_id=community_id, unit_kind=unit_kind)
        n, hours, reached = session.execute(
            select(
                func.count(),  # count(*), not count(id): PostgreSQL answers from the covering index alone
                func.coalesce(func.sum(Activity.volunteer_hours), 0.0),
                func.coalesce(func.sum(Activity.beneficiaries), 0),
            ).where(*conds)
        ).one()
        totals = ActivityTotals(int(n or 0), float(hours or 0.0), int(reached or 0))
        if memo is None:
            return totals
        memo[key] = totals
    return memo[key]  # type: ignore[no-any-return]


def activities(
    session: Session, *, start: date, end: date, community_id: int | None = None, unit_kind: str | None = None
) -> int:
    """Activities held between ``start`` and ``end`` inclusive."""
    return activity_totals(session, start=start, end=end, community_id=community_id, unit_kind=unit_kind).activities


def volunteer_hours(
    session: Session, *, start: date, end: date, community_id: int | None = None, unit_kind: str | None = None
) -> float:
    """Volunteer hours of the activities held in the period."""
    totals = activity_totals(session, start=start, end=end, community_id=community_id, unit_kind=unit_kind)
    return totals.volunteer_hours


def beneficiaries(
    session: Session, *, start: date, end: date, community_id: int | None = None, unit_kind: str | None = None
) -> int:
    """Residents reached by the activities held in the period (as logged)."""
    totals = activity_totals(session, start=start, end=end, community_id=community_id, unit_kind=unit_kind)
    return totals.beneficiaries


def needs_raised(session: Session, *, start: date, end: date, community_id: int | None = None) -> int:
    """Needs raised (提出日期) in the period."""
    stmt = select(func.count(Need.id)).where(*live(Need), Need.raised_on >= start, Need.raised_on <= end)
    if community_id is not None:
        stmt = stmt.where(Need.community_id == community_id)
    return session.scalar(stmt) or 0


def needs_coverage(session: Session, *, community_id: int | None = None) -> tuple[int, int]:
    """(covered, uncovered): needs a unit claimed, made a project of or solved, against needs still
    waiting (待对接, the same number as ``open_needs``). Closed needs count in neither."""
    covered = func.sum(case((Need.status.in_(COVERED_NEED_STATUSES), 1), else_=0))
    uncovered = func.sum(case((Need.status == NeedStatus.OPEN, 1), else_=0))
    stmt = select(covered, uncovered).where(*live(Need))
    if community_id is not None:
        stmt = stmt.where(Need.community_id == community_id)
    row = session.execute(stmt).one()
    return int(row[0] or 0), int(row[1] or 0)


def projects_completed(
    session: Session, *, start: date, end: date, community_id: int | None = None, unit_kind: str | None = None
) -> int:
    """Projects completed (已完成 or 已评价) with an end date in the period."""
    stmt = select(func.count(Project.id)).where(
        *live(Project),
        Project.stage.in_((ProjectStage.DONE, ProjectStage.EVALUATED)),
        Project.ended_on >= start,
        Project.ended_on <= end,
        *unit_scope(Project.lead_unit_id, unit_kind=unit_kind),
    )
    if community_id is not None:
        stmt = stmt.where(Project.community_id == community_id)
    return session.scalar(stmt) or 0


def meetings_held(session: Session, *, start: date, end: date) -> int:
    """Joint meetings (every kind) held in the period."""
    return (
        session.scalar(
            select(func.count(Meeting.id)).where(*live(Meeting), Meeting.held_on >= start, Meeting.held_on <= end)
        )
        or 0
    )


def attendance_rate(
    session: Session, *, start: date, end: date, community_id: int | None = None, unit_kind: str | None = None
) -> float | None:
    """Invitations to meetings held in the period that the unit attended, as a share."""
    stmt = (
        select(func.count(MeetingAttendance.id), func.sum(case((MeetingAttendance.attended.is_(True), 1), else_=0)))
        .join(Meeting, Meeting.id == MeetingAttendance.meeting_id)
        .where(
            *live(Meeting),
            Meeting.held_on >= start,
            Meeting.held_on <= end,
            *unit_scope(MeetingAttendance.unit_id, community_id=community_id, unit_kind=unit_kind),
        )
    )
    invited, attended = session.execute(stmt).one()
    return (int(attended or 0) / int(invited)) if invited else None


def six_items_counts(
    session: Session, *, year: int, as_of: date, community_id: int | None = None, unit_kind: str | None = None
) -> dict[int, dict[str, int]]:
    """Per active unit, how many activities of each of the six kinds it held this year so far
    (``community_id``: the units paired with that community; ``unit_kind``: units of that kind).

    One aggregate over the year's activities: a page that shows several 六个一 figures asks once per
    session (``db.areas.read_memo``: the app's sessions only, dropped when the session writes)."""
    memo = read_memo(session)
    key = ("six_items_counts", year, as_of, community_id, unit_kind)
    if memo is None or key not in memo:
        counts = _six_items_counts(session, year=year, as_of=as_of, community_id=community_id, unit_kind=unit_kind)
        if memo is None:
            return counts
        memo[key] = counts
    return {uid: dict(kinds) for uid, kinds in memo[key].items()}


def _six_items_counts(
    session: Session, *, year: int, as_of: date, community_id: int | None, unit_kind: str | None
) -> dict[int, dict[str, int]]:
    start = date(year, 1, 1)
    end = min(date(year, 12, 31), as_of)
    scope = unit_scope(Activity.unit_id, community_id=community_id, unit_kind=unit_kind)
    by_unit = activity_unit()
    rows = session.execute(
        select(by_unit, Activity.kind, func.count())
        .where(*_activity_period(start, end), Activity.kind.in_(SIX_ITEMS), *scope)
        .group_by(by_unit, Activity.kind)
    ).all()
    units = session.scalars(
        select(Unit.id).where(
            *live(Unit),
            Unit.active.is_(True),
            *unit_scope(Unit.id, community_id=community_id, unit_kind=unit_kind),
        )
    ).all()
    out: dict[int, dict[str, int]] = {uid: {} for uid in units}
    for unit_id, kind, n in rows:
        if unit_id in out:
            out[unit_id][str(kind.value if hasattr(kind, "value") else kind)] = int(n)
    wish = ActivityKind.MICRO_WISH.value
    for unit_id, (claims, linked) in micro_wish_parts(
        session, start=start, end=end, community_id=community_id, unit_kind=unit_kind
    ).items():
        if unit_id in out:
            n = micro_wish_count(activities=out[unit_id].get(wish, 0), linked_to_claims=linked, claims=claims)
            out[unit_id][wish] = n
    return out


def held_wish_conditions() -> list[ColumnElement[bool]]:
    """A 微心愿 a unit holds: claimed and not given up (claimed, made a project of, or fulfilled)."""
    return [
        *live(Need),
        Need.is_micro_wish.is_(True),
        Need.claimed_by_unit_id.is_not(None),
        Need.status.in_(COVERED_NEED_STATUSES),
    ]


def micro_wish_parts(
    session: Session,
    *,
    start: date,
    end: date,
    community_id: int | None = None,
    unit_kind: str | None = None,
    unit_id: int | None = None,
) -> dict[int, tuple[int, int]]:
    """Per unit, what ``domain.six_items.micro_wish_count`` adds to its 认领微心愿 activities: (the
    wishes it holds that it claimed in the period, the period's 认领微心愿 activities of it naming a
    wish it holds). Two small aggregates: the claimed wishes, and the few activities that name a
    wish, read from their own index (``ix_activity_need``) — the year's activity aggregate above
    stays on its covering index."""
    claimer = Need.claimed_by_unit_id
    claims = select(claimer, func.count()).where(
        *held_wish_conditions(),
        Need.claimed_on >= start,
        Need.claimed_on <= end,
        *unit_scope(claimer, community_id=community_id, unit_kind=unit_kind),
    )
    linked = (
        select(Activity.unit_id, func.count())
        .join(Need, and_(Need.id == Activity.need_id, Need.claimed_by_unit_id == Activity.unit_id))
        .where(
            Activity.need_id.is_not(None),
            Activity.kind == ActivityKind.MICRO_WISH,
            Activity.held_on >= start,
            Activity.held_on <= end,
            *live(Activity),
            *held_wish_conditions(),
            *unit_scope(Activity.unit_id, community_id=community_id, unit_kind=unit_kind),
        )
    )
    if unit_id is not None:
        claims = claims.where(claimer == unit_id)
        linked = linked.where(Activity.unit_id == unit_id)
    out: dict[int, tuple[int, int]] = {}
    for uid, n in session.execute(claims.group_by(claimer)).tuples():
        if uid is not None:
            out[int(uid)] = (int(n), 0)
    for uid, n in session.execute(linked.group_by(Activity.unit_id)).tuples():
        out[int(uid)] = (out.get(int(uid), (0, 0))[0], int(n))
    return out


def six_items_completion(
    session: Session, *, year: int, as_of: date, community_id: int | None = None, unit_kind: str | None = None
) -> float | None:
    """The share of (active unit × six items) cells done at least once this year."""
    counts = six_items_counts(session, year=year, as_of=as_of, community_id=community_id, unit_kind=unit_kind)
    if not counts:
        return None
    rows = [assess(c, year=year, as_of=as_of) for c in counts.values()]
    return sum(r.done for r in rows) / (len(rows) * len(SIX_ITEMS))


def six_items_behind(
    session: Session, *, year: int, as_of: date, community_id: int | None = None, unit_kind: str | None = None
) -> int:
    """Active units behind pace on the six items (a unit's year counted from when it joined)."""
    counts = six_items_counts(session, year=year, as_of=as_of, community_id=community_id, unit_kind=unit_kind)
    if not counts:
        return 0
    joined = dict(session.execute(select(Unit.id, Unit.joined_on).where(Unit.id.in_(list(counts)))).tuples().all())
    return sum(
        1
        for uid, c in counts.items()
        if assess(c, year=year, as_of=as_of, since=counting_since(year, joined.get(uid))).behind
    )


def overdue_actions(
    session: Session, *, today: date, community_id: int | None = None, unit_kind: str | None = None
) -> int:
    """Open action items of standing meetings (``services.live``) whose due date has passed."""
    return (
        session.scalar(
            select(func.count(ActionItem.id)).where(
                *live(ActionItem),
                ActionItem.status == ActionStatus.OPEN,
                ActionItem.due_on < today,
                *unit_scope(ActionItem.owner_unit_id, community_id=community_id, unit_kind=unit_kind),
            )
        )
        or 0
    )


def expiring_agreements(session: Session, *, today: date) -> int:
    """Agreements ending within 60 days."""
    return (
        session.scalar(
            select(func.count(Agreement.id)).where(
                *live(Agreement),
                Agreement.valid_to >= today,
                Agreement.valid_to <= today + timedelta(days=EXPIRY_WINDOW_DAYS),
            )
        )
        or 0
    )


def lapsed_agreements(session: Session, *, today: date) -> int:
    return session.scalar(select(func.count(Agreement.id)).where(*live(Agreement), Agreement.valid_to < today)) or 0


def next_meeting(session: Session, *, today: date) -> Meeting | None:
    """The next joint meeting on or after today."""
    return session.scalar(
        select(Meeting).where(*live(Meeting), Meeting.held_on >= today).order_by(Meeting.held_on).limit(1)
    )


def action_closure_rate(
    session: Session, *, start: date, end: date, community_id: int | None = None, unit_kind: str | None = None
) -> float | None:
    """Share of action items of standing meetings due in the period that are done (dropped ones left out)."""
    base = and_(
        *live(ActionItem),
        ActionItem.due_on >= start,
        ActionItem.due_on <= end,
        ActionItem.status != ActionStatus.DROPPED,
        *unit_scope(ActionItem.owner_unit_id, community_id=community_id, unit_kind=unit_kind),
    )
    total = session.scalar(select(func.count(ActionItem.id)).where(base)) or 0
    if not total:
        return None
    done = session.scalar(select(func.count(ActionItem.id)).where(base, ActionItem.status == ActionStatus.DONE)) or 0
    return done / total


AGREEMENT_STATES: tuple[str, ...] = ("valid", "expiring", "lapsed")


def agreements_by_state(
    session: Session, *, today: date, community_id: int | None = None, unit_kind: str | None = None
) -> dict[str, int]:
    """Agreements valid, expiring within 60 days (as ``expiring_agreements``) and lapsed (as
    ``lapsed_agreements``); one with no end date is valid."""
    soon = today + timedelta(days=EXPIRY_WINDOW_DAYS)
    state = case(
        (Agreement.valid_to < today, "lapsed"),
        (Agreement.valid_to <= soon, "expiring"),
        else_="valid",
    )
    stmt = select(state, func.count(Agreement.id)).where(
        *live(Agreement), *unit_scope(Agreement.unit_id, unit_kind=unit_kind)
    )
    if community_id is not None:
        stmt = stmt.where(Agreement.community_id == community_id)
    counts: dict[str, int] = dict(session.execute(stmt.group_by(state)).tuples().all())
    return {s: int(counts.get(s, 0)) for s in AGREEMENT_STATES}
