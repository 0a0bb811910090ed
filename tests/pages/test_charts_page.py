"""/charts renders for every demo user, with its filters, tabs and downloads."""

from __future__ import annotations

import pytest

from tests.pages.conftest import OpenPage, assert_clean, open_tab

PAGE = "app_pages/charts.py"


@pytest.mark.parametrize("username", ["admin", "community1", "liaison1", "leader"])
def test_charts_page_renders_for_every_demo_user(open_page: OpenPage, username: str) -> None:
    at = open_page(username, PAGE)
    assert_clean(at)
    assert at.title[0].value == "统计分析"
    assert len(at.tabs) == 4
    assert len(at.metric) >= 6
    assert {"charts_year", "charts_quarter", "charts_community", "charts_unit_kind"} <= {s.key for s in at.selectbox}


def test_charts_page_filters_by_quarter_and_unit_kind(open_page: OpenPage) -> None:
    at = open_page("leader", PAGE)
    at.selectbox(key="charts_quarter").set_value(1).run()
    at.selectbox(key="charts_unit_kind").set_value(at.selectbox(key="charts_unit_kind").options[1]).run()
    open_tab(at, "charts_tab", "单位排名")
    at.selectbox(key="charts_rank_measure").set_value("attendance_rate").run()
    assert_clean(at)


def test_charts_page_in_english(open_page: OpenPage) -> None:
    at = open_page("admin", PAGE, lang="en")
    assert_clean(at)
    assert at.title[0].value == "Charts"
