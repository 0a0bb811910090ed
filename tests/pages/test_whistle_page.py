"""The /whistle page renders for every demo user; the liaison answers, the community rates."""

from __future__ import annotations

import pytest

from tests.pages.conftest import OpenPage, assert_clean

PAGE = "app_pages/whistle.py"


@pytest.mark.parametrize("username", ["admin", "community1", "liaison1", "leader"])
def test_whistle_page_renders_for_every_demo_user(open_page: OpenPage, username: str) -> None:
    at = open_page(username, PAGE)
    assert_clean(at)
    assert at.title[0].value == "吹哨报到"
    assert len(at.tabs) == 5


def test_liaison_sees_own_queue_and_can_sign_for_own_unit(open_page: OpenPage) -> None:
    at = open_page("liaison1", PAGE)
    assert_clean(at)
    assert any(s.value == "待我处理" for s in at.subheader)
    at.toggle(key="whistle_f_mine").set_value(True).run()
    assert_clean(at)
    buttons = [b for b in at.button if b.label.startswith("确认")]
    assert buttons, "the liaison's own response offers the next step"


def test_leader_has_no_forms(open_page: OpenPage) -> None:
    at = open_page("leader", PAGE)
    assert not [b for b in at.button if b.label.startswith("确认")]
    assert not at.get("form") or all("whistle_raise_form" not in str(f.id) for f in at.get("form"))
