"""The /evaluation page renders for every demo user; the liaison sees only their own breakdown."""

from __future__ import annotations

import pytest

from tests.pages.conftest import OpenPage, assert_clean, open_tab

PAGE = "app_pages/evaluation.py"


@pytest.mark.parametrize("username", ["admin", "community1", "liaison1", "leader"])
def test_evaluation_page_renders_for_every_demo_user(open_page: OpenPage, username: str) -> None:
    at = open_page(username, PAGE)
    assert_clean(at)
    assert at.title[0].value == "考评与诚信指数"
    metrics = [m.label for m in at.metric]
    assert "诚信指数" in metrics and "公式版本" in metrics
    if username == "liaison1":
        assert "evaluation_pick_unit" not in at.session_state  # own breakdown only, no ranking
    if username == "admin":
        open_tab(at, "evaluation_tab", "民主考评")
        assert_clean(at)
        assert at.button(key="evaluation_save_scores")


def test_formula_tab_shows_how_each_units_missing_components_were_treated(open_page: OpenPage) -> None:
    at = open_tab(open_page("admin", PAGE), "evaluation_tab", "计算公式")
    assert_clean(at)
    assert any("无机会·按中性处理" in m.value and "有机会未履行·计0" in m.value for m in at.markdown)
    frames = [df.value for df in at.dataframe]
    per_unit = next(f for f in frames if "共建单位" in f.columns and "项目完成" in f.columns)
    finance = per_unit[per_unit["共建单位"] == "县财政局"].iloc[0]
    assert finance["项目完成"] == "有机会未履行·计0"  # paired all year, no project
    assert finance["吹哨响应"].startswith("无机会·按中性处理")  # never summoned
    assert finance["六个一"].startswith("实测")
    rules = next(f for f in frames if "无数据时" in f.columns)
    assert len(rules) == 6
