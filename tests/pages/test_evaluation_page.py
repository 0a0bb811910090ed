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
