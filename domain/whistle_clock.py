"""吹哨报到's clock: the time limit of each stage and when it falls due.

Rules (documented on the /whistle page too):

* Every limit runs from the moment the whistle is blown (``raised_at``) — 接哨后 1 小时内签收,
  24 小时内联系, N 个工作日内报到 … — so each stage's deadline is fixed when the matter is raised.
* A limit is either in clock hours (sign, contact) or in working days (report, handle, close).
* N working days: the day of raising does not count; the deadline is the end (24:00 Beijing time)
  of the N-th working day after it. Working days follow the State Council calendar
  (``chinese_calendar``): public holidays are skipped and adjusted weekend workdays (调休上班) count.
* The working-day rule is ``domain.working_days``. For a year the calendar does not know yet (2027 on), Monday–Friday are working days, minus any
  holidays the admin has entered; results computed so carry ``estimated=True`` and the page says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from domain import working_days
from domain.calendar import ZONE
from domain.enums import WhistleKind, WhistleStage

LOCAL_TZ = ZONE


class LimitUnit(StrEnum):
    HOURS = "hours"
    WORKING_DAYS = "working_days"


# The stages a summoned unit must reach in time, in order (评价 is the community's step).
CLOCKED_STAGES: tuple[WhistleStage, ...] = (
    WhistleStage.SIGNED,
    WhistleStage.CONTACTED,
    WhistleStage.REPORTED,
    WhistleStage.HANDLED,
    WhistleStage.CLOSED,
)
STAGE_ORDER: tuple[WhistleStage, ...] = tuple(WhistleStage)


@dataclass(frozen=True)
class StageLimit:
    amount: int
    unit: LimitUnit


Limits = dict[WhistleKind, dict[WhistleStage, StageLimit]]


def default_limits() -> Limits:
    """Practice's defaults: sign 1 h, contact 24 h, report 3 / 5 working days (推进哨 / 攻坚哨),
    handle 10 / 20 working days, close 15 / 30 working days."""
    h, wd = LimitUnit.HOURS, LimitUnit.WORKING_DAYS
    return {
        WhistleKind.PROGRESS: {
            WhistleStage.SIGNED: StageLimit(1, h),
            WhistleStage.CONTACTED: StageLimit(24, h),
            WhistleStage.REPORTED: StageLimit(3, wd),
            WhistleStage.HANDLED: StageLimit(10, wd),
            WhistleStage.CLOSED: StageLimit(15, wd),
        },
        WhistleKind.TOUGH: {
            WhistleStage.SIGNED: StageLimit(1, h),
            WhistleStage.CONTACTED: StageLimit(24, h),
            WhistleStage.REPORTED: StageLimit(5, wd),
            WhistleStage.HANDLED: StageLimit(20, wd),
            WhistleStage.CLOSED: StageLimit(30, wd),
        },
    }


def limits_to_json(limits: Limits) -> dict[str, dict[str, list[Any]]]:
    return {
        kind.value: {stage.value: [lim.amount, lim.unit.value] for stage, lim in stages.items()}
        for kind, stages in limits.items()
    }


def limits_from_json(data: Mapping[str, Any] | None) -> Limits:
    """Stored limits over the defaults (anything unreadable keeps its default)."""
    limits = default_limits()
    if not data:
        return limits
    for kind in WhistleKind:
        for stage in CLOCKED_STAGES:
            try:
                amount, unit = data[kind.value][stage.value]
                limits[kind][stage] = StageLimit(int(amount), LimitUnit(unit))
            except (KeyError, TypeError, ValueError):
                continue
    return limits


# --- working days --------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """Which days are working days; ``extra_holidays`` are the admin's for years the
    official calendar does not cover yet."""

    extra_holidays: frozenset[date] = frozenset()

    def knows(self, day: date) -> bool:
        """Whether the official calendar covers ``day``'s year."""
        return working_days.calendar_knows(day.year)

    def is_working_day(self, day: date) -> tuple[bool, bool]:
        """(working day?, estimated?) — estimated when the official calendar does not know the year.
        The rule itself is ``domain.working_days`` (defined once for the whole app)."""
        working = working_days.is_working_day(day, extra_holidays=self.extra_holidays)
        return working, working_days.uses_fallback(day.year)


DEFAULT_CALENDAR = Calendar()


@lru_cache(maxsize=65_536)  # a scorecard asks for thousands of deadlines over a few hundred days
def add_working_days(start: date, n: int, calendar: Calendar = DEFAULT_CALENDAR) -> tuple[date, bool]:
    """The ``n``-th working day after ``start`` (``start`` itself not counted), and whether any day
    on the way was judged without the official calendar (the answer depends on nothing else)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    day, estimated, found = start, False, 0
    while found < n:
        day += timedelta(days=1)
        working, est = calendar.is_working_day(day)
        estimated = estimated or est
        if working:
            found += 1
    return day, estimated


# --- deadlines -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    stage: WhistleStage
    due_at: datetime  # UTC
    estimated: bool


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def deadline(raised_at: datetime, limit: StageLimit, calendar: Calendar = DEFAULT_CALENDAR) -> tuple[datetime, bool]:
    """When a stage with ``limit`` falls due for a matter raised at ``raised_at`` (UTC out)."""
    raised = _utc(raised_at)
    if limit.unit == LimitUnit.HOURS:
        return raised + timedelta(hours=limit.amount), False
    local_day = raised.astimezone(LOCAL_TZ).date()
    last, estimated = add_working_days(local_day, limit.amount, calendar)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
    return end.astimezone(UTC), estimated


def deadlines(
    raised_at: datetime, kind: WhistleKind, limits: Limits | None = None, calendar: Calendar = DEFAULT_CALENDAR
) -> dict[WhistleStage, Deadline]:
    """Every clocked stage's deadline for one matter."""
    table = (limits or default_limits())[kind]
    out: dict[WhistleStage, Deadline] = {}
    for stage in CLOCKED_STAGES:
        due, est = deadline(raised_at, table[stage], calendar)
        out[stage] = Deadline(stage, due, est)
    return out


# --- a response against its clock ----------------------------------------------------------


def stage_rank(stage: WhistleStage) -> int:
    return STAGE_ORDER.index(stage)


def next_stage(stage: WhistleStage) -> WhistleStage | None:
    """The step after ``stage`` on a unit's path (None after 评价)."""
    i = stage_rank(stage)
    return STAGE_ORDER[i + 1] if i + 1 < len(STAGE_ORDER) else None


def least_advanced(stages: Iterable[WhistleStage]) -> WhistleStage:
    """A matter stands where its slowest summoned unit stands (吹哨 when none was summoned)."""
    ranked = [stage_rank(s) for s in stages]
    return STAGE_ORDER[min(ranked)] if ranked else WhistleStage.RAISED


@dataclass(frozen=True)
class StageCheck:
    stage: WhistleStage
    due_at: datetime
    reached_at: datetime | None
    estimated: bool

    def on_time(self) -> bool | None:
        """True/False once reached; None while pending."""
        if self.reached_at is None:
            return None
        return _utc(self.reached_at) <= self.due_at

    def overdue(self, now: datetime) -> bool:
        """Pending past its deadline."""
        return self.reached_at is None and _utc(now) > self.due_at


@dataclass(frozen=True)
class ResponseClock:
    checks: tuple[StageCheck, ...]

    def pending(self) -> StageCheck | None:
        """The first clocked stage not yet reached."""
        return next((c for c in self.checks if c.reached_at is None), None)

    def overdue(self, now: datetime) -> bool:
        nxt = self.pending()
        return nxt is not None and nxt.overdue(now)

    def judged(self, now: datetime) -> tuple[int, int]:
        """(on time, judged): stages reached, plus stages pending past their deadline (late)."""
        on_time = judged = 0
        for c in self.checks:
            ok = c.on_time()
            if ok is None:
                if c.overdue(now):
                    judged += 1
                continue
            judged += 1
            on_time += int(ok)
        return on_time, judged

    @property
    def estimated(self) -> bool:
        return any(c.estimated for c in self.checks)


def response_clock(
    raised_at: datetime,
    kind: WhistleKind,
    reached: Mapping[WhistleStage, datetime | None],
    limits: Limits | None = None,
    calendar: Calendar = DEFAULT_CALENDAR,
) -> ResponseClock:
    """One unit's response held against the matter's deadlines."""
    dls = deadlines(raised_at, kind, limits, calendar)
    return ResponseClock(
        tuple(
            StageCheck(stage, dls[stage].due_at, reached.get(stage), dls[stage].estimated) for stage in CLOCKED_STAGES
        )
    )


def on_time_share(pairs: Iterable[tuple[int, int]]) -> float | None:
    """Share of judged stages reached in time, over many responses (None when none judged)."""
    on_time = judged = 0
    for a, b in pairs:
        on_time += a
        judged += b
    return on_time / judged if judged else None
