"""/present renders the quarter's deck (a self-contained HTML document in a frame) for every demo
user; the secretariat's export form offers the next 文号, editable and checked."""

from __future__ import annotations

import pytest

from tests.pages.conftest import OpenPage, assert_clean

PAGE = "app_pages/present.py"


def _deck_html(at) -> str:  # type: ignore[no-untyped-def]
    frames = [el for el in at.get("iframe")]
    assert len(frames) == 1
    proto = frames[0].proto
    return str(proto.srcdoc)


@pytest.mark.parametrize("username", ["admin", "community1", "liaison1", "leader"])
def test_present_page_renders_the_deck_for_every_demo_user(open_page: OpenPage, username: str) -> None:
    at = open_page(username, PAGE)
    assert_clean(at)
    html = _deck_html(at)
    assert html.count('aria-roledescription="slide"') == 8
    assert "Content-Security-Policy" in html and "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html


def test_choosing_a_quarter_draws_its_deck(open_page: OpenPage) -> None:
    at = open_page("admin", PAGE)
    first = _deck_html(at)
    at.selectbox(key="present_quarter").select_index(1).run()
    assert_clean(at)
    assert _deck_html(at) != first


def test_the_secretariat_is_offered_the_next_number(open_page: OpenPage) -> None:
    at = open_page("admin", PAGE)
    field = next(w for w in at.text_input if w.label == "文号")
    assert field.value == "共建联盟〔2026〕1号"
    field.set_value("第三号").run()
    assert any("文号" in e.value for e in at.error)


def test_others_get_no_number_field(open_page: OpenPage) -> None:
    at = open_page("leader", PAGE)
    assert not [w for w in at.text_input if w.label == "文号"]
