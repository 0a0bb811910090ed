"""The /rotation page renders for every demo user; the admin generates and adjusts a year."""

from __future__ import annotations

import pytest

from tests.pages.conftest import OpenPage, assert_clean

PAGE = "app_pages/rotation.py"


@pytest.mark.parametrize("username", ["admin", "community1", "liaison1", "leader"])
def test_rotation_page_renders_for_every_demo_user(open_page: OpenPage, username: str) -> None:
    at = open_page(username, PAGE)
    assert_clean(at)
    assert at.title[0].value == "轮值主席"
    assert len(at.tabs) == (4 if username == "admin" else 3)
    # twelve month cards for the demo's current year, with this month marked
    markdown = " ".join(m.value for m in at.markdown)
    assert "2026年11月" in markdown and "本月" in markdown


def test_admin_generates_next_year_and_swaps_two_months(open_page: OpenPage) -> None:
    at = open_page("admin", PAGE)
    at.selectbox(key="rotation_year").set_value(2027).run()
    assert_clean(at)
    assert any("还没有排班" in i.value for i in at.info)
    at.button(key="FormSubmitter:rotation_generate_form-生成排班").click().run()
    assert_clean(at)
    assert any("已生成2027年" in s.value for s in at.success)
    assert any("尚未收录" in c.value for c in at.caption)  # the weekend-only fallback is said
    at.text_input(key="rotation_swap_reason").input("第一季度单位工作冲突，协商对调")
    at.button(key="FormSubmitter:rotation_swap_form-对调").click().run()
    assert_clean(at)
    assert any("已对调" in s.value for s in at.success)


def test_swap_without_reason_is_refused_with_the_field_named(open_page: OpenPage) -> None:
    at = open_page("admin", PAGE)
    at.button(key="FormSubmitter:rotation_swap_form-对调").click().run()
    assert any("调整原因" in e.value for e in at.error)
