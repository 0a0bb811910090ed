"""One quarter in figures: what the joint meeting's deck and the 情况通报 report show.

Every figure comes from the metric dictionary (``services.metrics``), compared with the
quarter before where it is a flow over the period — a quarter still running with the same number of
days of the quarter before (``domain.periods.compare_quarter``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.areas import areas
from db.models import ActionItem, Activity, Category, Community, Meeting, Need, Unit
from domain.enums import ActionStatus, MeetingKind, NeedStatus, Priority
from services import chairs, metrics, stats
from services.live import live

# the data areas its reads depend on (db/areas.py): a cached read's key holds their versions
READS = areas("activities", "lists", "meetings", "org")

Translate = Callable[..., str]

# (key, kind, compared with last quarter) in the order the deck and the report show them
FIGURES: tuple[tuple[str, str, bool], ...] = (
    ("activities", "count", True),
    ("volunteer_hours", "number", True),
    ("beneficiaries", "count", True),
    ("needs_raised", "count", True),
    ("projects_completed", "count", True),
    ("meetings_held", "count", True),
    ("attendance_rate", "percent", True),
    ("action_closure_rate", "percent", True),
    ("six_items_completion", "percent", True),
    ("open_needs", "count", False),
    ("overdue_actions", "count", False),
    ("expiring_agreements", "count", False),
)


@dataclass(frozen=True)
class Figure:
    key: str
    kind: str  # count / number / percent
    value: float | None
    previous: float | None  # the quarter before, where comparable


@dataclass(frozen=True)
class QuarterSummary:
    """Everything the deck and the report say about one quarter (no ORM objects)."""

    year: int
    quarter: int
    start: date
    end: date
    as_of: date
    comparison: metrics.QuarterComparison  # the days counted and the days of last quarter compared
    figures: tuple[Figure, ...]
    monthly: pd.DataFrame  # month, activities, volunteer_hours, beneficiaries
    by_kind: pd.DataFrame  # kind, activities
    needs_coverage: pd.DataFrame  # category, coverage, count
    funnel: pd.DataFrame  # stage, order, count, reached
    six_items_behind: tuple[stats.SixItemsUnit, ...]
    chairs_this: tuple[chairs.ChairMonth, ...]
    chairs_next: tuple[chairs.ChairMonth, ...]
    last_meeting_title: str | None
    last_meeting_on: date | None
    last_meeting_items: pd.DataFrame  # content, unit, due_on, state
    overdue_items: pd.DataFrame  # content, unit, due_on, meeting
    uncovered_needs: pd.DataFrame  # community, category, title, priority, raised_on

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    @property
    def label(self) -> tuple[int, int]:
        return self.year, self.quarter


def list_quarters(session: Session, *, today: date) -> list[tuple[int, int]]:
    """Quarters from the first logged activity or meeting to today's, newest first."""
    first = min(
        (
            d
            for d in (
                session.scalar(select(func.min(Meeting.held_on))),
                session.scalar(select(func.min(Activity.held_on))),
            )
            if d
        ),
        default=today,
    )
    out: list[tuple[int, int]] = []
    year, quarter = metrics.quarter_of(today)
    while (year, quarter) >= metrics.quarter_of(first) and len(out) < 40:
        out.append((year, quarter))
        year, quarter = metrics.previous_quarter(year, quarter)
    return out


# the flows over a period, each from the metric dictionary: (session, first day, last day) → value
PERIOD_FIGURES: dict[str, Callable[[Session, date, date], float | None]] = {
    "activities": lambda s, a, b: metrics.activities(s, start=a, end=b),
    "volunteer_hours": lambda s, a, b: metrics.volunteer_hours(s, start=a, end=b),
    "beneficiaries": lambda s, a, b: metrics.beneficiaries(s, start=a, end=b),
    "needs_raised": lambda s, a, b: metrics.needs_raised(s, start=a, end=b),
    "projects_completed": lambda s, a, b: metrics.projects_completed(s, start=a, end=b),
    "meetings_held": lambda s, a, b: metrics.meetings_held(s, start=a, end=b),
    "attendance_rate": lambda s, a, b: metrics.attendance_rate(s, start=a, end=b),
    "action_closure_rate": lambda s, a, b: metrics.action_closure_rate(s, start=a, end=b),
    "six_items_completion": lambda s, a, b: metrics.six_items_completion(s, year=b.year, as_of=b),
}
KINDS = {key: kind for key, kind, _ in FIGURES}


def compared_figures(
    session: Session, comparison: metrics.QuarterComparison, keys: tuple[str, ...] = tuple(PERIOD_FIGURES)
) -> tuple[Figure, ...]:
    """The period figures ``keys`` for the days of the quarter that count, each beside the same figure
    for the days of last quarter it is compared with (``domain.periods.compare_quarter``): the one
    definition of a quarter comparison, for the overview, the deck and the report alike."""
    c = comparison
    return tuple(
        Figure(
            key,
            KINDS[key],
            PERIOD_FIGURES[key](session, c.start, c.as_of),
            PERIOD_FIGURES[key](session, c.previous_start, c.previous_end),
        )
        for key in keys
    )


def _last_meeting(session: Session, as_of: date) -> Meeting | None:
    base = select(Meeting).where(*live(Meeting), Meeting.held_on <= as_of)
    return session.scalar(
        base.where(Meeting.kind == MeetingKind.QUARTERLY).order_by(Meeting.held_on.desc()).limit(1)
    ) or session.scalar(base.order_by(Meeting.held_on.desc()).limit(1))


def _state(status: ActionStatus, due_on: date | None, as_of: date) -> str:
    if status == ActionStatus.OPEN:
        return "overdue" if due_on is not None and due_on < as_of else "open"
    return status.value


def get_quarter_summary(
    session: Session, *, year: int, quarter: int, today: date, list_limit: int = 12
) -> QuarterSummary:
    """The quarter's figures (and last quarter's), charts' data, chairs, last meeting's action
    items, overdue items and uncovered needs; states are judged on the quarter's end or today,
    whichever comes first. Every role may read it."""
    cmp = metrics.compare_quarter(year, quarter, today=today)
    start, end, as_of = cmp.start, cmp.end, cmp.as_of
    flows = {f.key: f for f in compared_figures(session, cmp)}  # the quarter so far, as the charts count it
    states = {
        "open_needs": metrics.open_needs(session),
        "overdue_actions": metrics.overdue_actions(session, today=as_of),
        "expiring_agreements": metrics.expiring_agreements(session, today=as_of),
    }
    figures = tuple(flows[key] if compared else Figure(key, kind, states[key], None) for key, kind, compared in FIGURES)

    f = stats.ChartFilter(start=start, end=end, today=today)
    by_month = stats.activities_by_month(session, f=f)
    by_kind = (
        by_month.groupby("kind", as_index=False)["activities"].sum().sort_values("activities", ascending=False)
        if not by_month.empty
        else pd.DataFrame(columns=["kind", "activities"])
    )

    months = [3 * quarter - 2 + i for i in range(3)]
    ny, nq = metrics.next_quarter(year, quarter)
    chairs_this = tuple(chairs.chair_of(session, year, m) for m in months)
    chairs_next = tuple(chairs.chair_of(session, ny, 3 * nq - 2 + i) for i in range(3))

    meeting = _last_meeting(session, as_of)
    items = pd.DataFrame(columns=["content", "unit", "due_on", "state"])
    if meeting is not None:
        rows = session.execute(
            select(ActionItem.content, Unit.name, ActionItem.due_on, ActionItem.status)
            .join(Unit, Unit.id == ActionItem.owner_unit_id)
            .where(ActionItem.meeting_id == meeting.id)
            .order_by(ActionItem.due_on, ActionItem.id)
            .limit(list_limit)
        ).all()
        items = pd.DataFrame([(c, u, d, _state(s, d, as_of)) for c, u, d, s in rows], columns=items.columns)

    overdue = pd.DataFrame(
        session.execute(
            select(ActionItem.content, Unit.name, ActionItem.due_on, Meeting.title)
            .join(Unit, Unit.id == ActionItem.owner_unit_id)
            .join(Meeting, Meeting.id == ActionItem.meeting_id)
            .where(*live(ActionItem), ActionItem.status == ActionStatus.OPEN, ActionItem.due_on < as_of)
            .order_by(ActionItem.due_on, ActionItem.id)
            .limit(list_limit)
        ).all(),
        columns=["content", "unit", "due_on", "meeting"],
    )

    priority_rank = {Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2}
    need_rows = session.execute(
        select(Community.name, Category.name, Need.title, Need.priority, Need.raised_on)
        .join(Community, Community.id == Need.community_id)
        .join(Category, Category.id == Need.category_id)
        .where(*live(Need), Need.status == NeedStatus.OPEN)
        .order_by(Need.raised_on, Need.id)
    ).all()
    need_rows = sorted(need_rows, key=lambda r: priority_rank.get(r[3], 1))[:list_limit]
    needs = pd.DataFrame(
        [(c, k, t, p.value, d) for c, k, t, p, d in need_rows],
        columns=["community", "category", "title", "priority", "raised_on"],
    )

    return QuarterSummary(
        year=year,
        quarter=quarter,
        start=start,
        end=end,
        as_of=as_of,
        comparison=cmp,
        figures=figures,
        monthly=stats.monthly_totals(by_month),
        by_kind=by_kind,
        needs_coverage=stats.needs_coverage_by_category(session, f=f),
        funnel=stats.project_funnel(session, f=f),
        six_items_behind=tuple(
            u
            for u in stats.six_items_units(session, f=stats.ChartFilter(start=start, end=as_of, today=today))
            if u.behind
        ),
        chairs_this=chairs_this,
        chairs_next=chairs_next,
        last_meeting_title=meeting.title if meeting else None,
        last_meeting_on=meeting.held_on if meeting else None,
        last_meeting_items=items,
        overdue_items=overdue,
        uncovered_needs=needs,
    )


# ---- words built from the figures (shared by the deck, the report and the page) ----


def compared_with(c: metrics.QuarterComparison, tr: Translate, *, heading: bool = False) -> str:
    """What the quarter is compared with: 上季度, or 上季度同期 while it is not over."""
    running = not c.complete
    if heading:
        return tr("report.col.last_quarter_running" if running else "report.col.last_quarter")
    return tr("report.last_running" if running else "report.last")


def period_text(c: metrics.QuarterComparison, tr: Translate, fmt: Callable[[date], str]) -> str:
    """The period line: the days the figures count and the days of last quarter they are compared with
    (saying plainly when the quarter is not over)."""
    dates = dict(
        start=fmt(c.start),
        end=fmt(c.end),
        as_of=fmt(c.as_of),
        previous_start=fmt(c.previous_start),
        previous_end=fmt(c.previous_end),
        days=c.elapsed_days,
    )
    return tr("report.period" if c.complete else "report.period_running", **dates)


def format_value(fig: Figure) -> str:
    if fig.value is None:
        return "–"
    if fig.kind == "percent":
        return f"{fig.value * 100:.0f}%"
    if fig.kind == "number":
        return f"{fig.value:,.1f}".rstrip("0").rstrip(".")
    return f"{round(fig.value):,}"


def change_text(fig: Figure, tr: Translate) -> str:
    """How the figure moved since last quarter: 增加 12% / 减少 3 个百分点 / 持平 / –."""
    if fig.previous is None or fig.value is None:
        return tr("report.change.none")
    if fig.kind == "percent":
        points = round(fig.value * 100) - round(fig.previous * 100)  # as the rounded figures read
        if points == 0:
            return tr("report.change.flat")
        return tr("report.change.points_up" if points > 0 else "report.change.points_down", n=abs(points))
    if not fig.previous:
        return tr("report.change.new") if fig.value else tr("report.change.flat")
    pct = round((fig.value - fig.previous) / fig.previous * 100)
    if pct == 0:
        return tr("report.change.flat")
    return tr("report.change.up" if pct > 0 else "report.change.down", n=abs(pct))


def summary_sentences(q: QuarterSummary, tr: Translate) -> list[str]:
    """A short summary in words, built from the figures (本季度共开展活动 N 次，较上季度增加 X%…)."""
    fig = q.figure
    out = [
        tr(
            "report.summary.activities",
            n=format_value(fig("activities")),
            change=change_text(fig("activities"), tr),
            last=compared_with(q.comparison, tr),
            hours=format_value(fig("volunteer_hours")),
            people=format_value(fig("beneficiaries")),
        ),
        tr(
            "report.summary.needs",
            raised=format_value(fig("needs_raised")),
            done=format_value(fig("projects_completed")),
            open=format_value(fig("open_needs")),
        ),
    ]
    if fig("meetings_held").value:
        out.append(
            tr(
                "report.summary.meetings",
                n=format_value(fig("meetings_held")),
                rate=format_value(fig("attendance_rate")),
                closure=format_value(fig("action_closure_rate")),
            )
        )
    else:
        out.append(tr("report.summary.no_meeting"))
    out.append(
        tr(
            "report.summary.six_items",
            rate=format_value(fig("six_items_completion")),
            behind=len(q.six_items_behind),
            overdue=format_value(fig("overdue_actions")),
        )
    )
    return out


def next_steps(q: QuarterSummary, tr: Translate) -> list[str]:
    """What the figures ask for next, most pressing first."""
    fig = q.figure
    out: list[str] = []
    if not fig("meetings_held").value:
        out.append(tr("report.steps.hold_meeting"))
    if fig("overdue_actions").value:
        out.append(tr("report.steps.overdue", n=format_value(fig("overdue_actions"))))
    if q.six_items_behind:
        names = "、".join(u.unit for u in q.six_items_behind[:3])
        out.append(tr("report.steps.six_items", n=len(q.six_items_behind), names=names))
    if fig("open_needs").value:
        cov = q.needs_coverage
        unc = cov[cov["coverage"] == "uncovered"].sort_values("count", ascending=False)
        top = str(unc.iloc[0]["category"]) if not unc.empty and unc.iloc[0]["count"] else ""
        key = "report.steps.needs" if top else "report.steps.needs_plain"
        out.append(tr(key, n=format_value(fig("open_needs")), category=top))
    if fig("expiring_agreements").value:
        out.append(tr("report.steps.agreements", n=format_value(fig("expiring_agreements"))))
    names = "、".join(dict.fromkeys(c.unit_name for c in q.chairs_next if c.unit_name))
    if names:
        out.append(tr("report.steps.chairs", names=names))
    if not out:
        out.append(tr("report.steps.keep_going"))
    return out
