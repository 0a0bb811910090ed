"""Dates as people read them — 2026年3月5日 in Chinese, ISO in English — in the alliance's time zone.
Pure, so that notices (services) and screens (exports.format re-exports these) say a date the same way."""

from __future__ import annotations

from datetime import date, datetime

from domain.calendar import ZONE as LOCAL_TZ


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
