"""/present renders for every demo user and steps through the deck."""

from __future__ import annotations

import pytest

from exports.deck_pptx import SLIDE_KEYS
from tests.pages.conftest import OpenPage, assert_clean

PAGE = "app_pages/present.py"


@pytest.mark.parametrize("username", ["admin", "community1", "liaison1", "leader"])
def test_present_page_renders_for_every_demo_user(open_page: OpenPage, username: str) -> None:
    at = open_page(username, PAGE)
    assert_clean(at)
    assert at.button(key="present_prev").disabled
    assert not at.button(key="present_next").disabled
    assert any(f"1 / {len(SLIDE_KEYS)}" in m.value for m in at.markdown)


def test_present_page_steps_through_every_slide_and_back(open_page: OpenPage) -> None:
    at = open_page("leader", PAGE)
    for n in range(1, len(SLIDE_KEYS)):
        at.button(key="present_next").click().run()
        assert_clean(at)
        assert at.session_state["present_slide"] == n
    assert at.button(key="present_next").disabled
    at.button(key="present_prev").click().run()
    assert at.session_state["present_slide"] == len(SLIDE_KEYS) - 2
    assert_clean(at)


def test_present_page_choosing_a_quarter_starts_at_the_cover(open_page: OpenPage) -> None:
    at = open_page("admin", PAGE)
    at.button(key="present_next").click().run()
    box = at.selectbox(key="present_quarter")
    box.select_index(1).run()
    assert_clean(at)
    assert at.session_state["present_slide"] == 0
