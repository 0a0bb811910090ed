"""Dates and numbers as people read them: 2026年3月5日 in Chinese, ISO in English."""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def fmt_date(value: date | datetime | None, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date() if value.tzinfo else value.date()
    if lang == "zh_CN":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


def fmt_datetime(value: datetime | None, lang: str) -> str:
    if value is None:
        return ""
    local = value.astimezone(LOCAL_TZ) if value.tzinfo else value
    if lang == "zh_CN":
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return local.strftime("%Y-%m-%d %H:%M")


def fmt_moment(value: datetime | date | None, lang: str) -> str:
    """A deadline or a due moment as people read it: the day alone when it falls at midnight (a day's
    deadline, 2026年12月10日 — not 2026年12月10日 00:00), the day and the time otherwise."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return fmt_date(value, lang)
    local = value.astimezone(LOCAL_TZ) if value.tzinfo else value
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return fmt_date(local.replace(tzinfo=None), lang)
    return fmt_datetime(value, lang)


def fmt_month(year: int, month: int, lang: str) -> str:
    return f"{year}年{month}月" if lang == "zh_CN" else f"{year}-{month:02d}"


def fmt_number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    if digits == 0:
        return f"{round(value):,}"
    return f"{value:,.{digits}f}"


def fmt_compact(value: float | int | None, lang: str) -> str:
    """A figure short enough for a KPI tile: below 100,000 in full (7,324), above in 万 / 亿 with one
    decimal (525.3万, 1.2亿), or K / M / B in English (525.3K, 5.3M)."""
    if value is None:
        return "–"
    units = ((1e8, "亿"), (1e4, "万")) if lang == "zh_CN" else ((1e9, "B"), (1e6, "M"), (1e3, "K"))
    if abs(value) >= 100_000:
        for size, suffix in units:
            if abs(value) >= size:
                return f"{value / size:.1f}".removesuffix(".0") + suffix
    return fmt_number(value)


def fmt_percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def today_local() -> date:
    """Today in China; ``COBUILD_TODAY`` (ISO date) pins it, for demos and tests of dated data."""
    pinned = os.environ.get("COBUILD_TODAY")
    if pinned:
        try:
            return date.fromisoformat(pinned)
        except ValueError:
            pass
    return datetime.now(LOCAL_TZ).date()
