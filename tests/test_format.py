"""Dates as people read them (issue 20, item 7): a deadline reads 2026年12月10日, not 2026年12月10日 00:00."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from exports.format import LOCAL_TZ, fmt_moment


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (date(2026, 12, 10), "2026年12月10日"),
        (datetime(2026, 12, 10), "2026年12月10日"),  # a day's deadline read back as a timestamp
        (pd.Timestamp("2026-12-10"), "2026年12月10日"),  # a date column read through pandas
        (datetime(2026, 12, 9, 16, 0, tzinfo=UTC), "2026年12月10日"),  # midnight in China
        (datetime(2026, 12, 10, 9, 30, tzinfo=LOCAL_TZ), "2026年12月10日 09:30"),  # a moment keeps its time
        (datetime(2026, 12, 10, 0, 0, tzinfo=UTC), "2026年12月10日 08:00"),
        (None, ""),
    ],
)
def test_a_deadline_reads_as_its_day(value: date | datetime | None, shown: str) -> None:
    assert fmt_moment(value, "zh_CN") == shown


def test_in_english_too() -> None:
    assert fmt_moment(datetime(2026, 12, 10), "en") == "2026-12-10"
    assert fmt_moment(datetime(2026, 12, 10, 9, 30), "en") == "2026-12-10 09:30"
