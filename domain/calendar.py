"""The alliance's calendar, defined once: its time zone (China Standard Time), "today" and "now" there,
local midnights, and quarters.

Pure: no environment is read here. A pinned day (``COBUILD_TODAY``, read by ``config.Settings`` as
``Settings.today``) is passed in by the caller — ``exports.format.today_local`` for the screens,
``cli.common.today`` for the commands, a service's ``today`` default — so that every layer asks the
same function and a server's own zone never decides what day it is."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Shanghai")  # the alliance's zone: UTC+8 all year (no summer time)
UTC_OFFSET = timedelta(hours=8)  # the same, as a fixed offset: for SQL that knows no zones (SQLite)


def now(*, at: datetime | None = None) -> datetime:
    """The moment in China time (aware). ``at``: an aware moment to read there instead of the clock."""
    return (at or datetime.now(UTC)).astimezone(ZONE)


def today(pinned: date | None = None, *, at: datetime | None = None) -> date:
    """Today in China; ``pinned`` (``Settings.today``) wins, for demos and tests of dated data."""
    return pinned if pinned is not None else now(at=at).date()


def now_on(pinned: date | None, *, at: datetime | None = None) -> datetime:
    """Now in UTC; with a pinned day, that day at the current China time (the clock keeps running)."""
    moment = at or datetime.now(UTC)
    if pinned is None:
        return moment.astimezone(UTC)
    return datetime.combine(pinned, moment.astimezone(ZONE).timetz()).astimezone(UTC)


def local_midnight(day: date) -> datetime:
    """The start of ``day`` in China, as an aware UTC moment (a China day's lower bound in the database)."""
    return datetime.combine(day, time(0), tzinfo=ZONE).astimezone(UTC)


def quarter_of(day: date) -> tuple[int, int]:
    """The (year, quarter 1–4) ``day`` falls in."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """The first and last day of a quarter (1–4)."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter {quarter}")
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end - timedelta(days=1)


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)
