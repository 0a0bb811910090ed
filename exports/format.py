"""Dates and numbers as people read them: 2026年3月5日 in Chinese, ISO in English."""

from __future__ import annotations

from datetime import date

from config import load_settings
from domain import calendar

# the date formats live below the services, so that notices say a date as the screens do
from domain.dates import LOCAL_TZ as LOCAL_TZ
from domain.dates import fmt_date as fmt_date
from domain.dates import fmt_datetime as fmt_datetime
from domain.dates import fmt_moment as fmt_moment


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
    """Today in China; ``COBUILD_TODAY`` (``Settings.today``) pins it, for demos and tests of dated data."""
    return calendar.today(load_settings().today)
