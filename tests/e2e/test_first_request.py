"""The very first request after a server start, to any page, meets the login form (quality.md:
no way round the gate — Streamlit's legacy router must never run a page unguarded)."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.conftest import wait_idle
from ui.kit.navigation import PAGES

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("path", [spec.url_path for spec in PAGES if spec.url_path])
def test_first_request_after_start_shows_only_the_login_form(fresh_server, page, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{fresh_server.url}/{path}")
    page.get_by_label("用户名").wait_for(timeout=30_000)
    wait_idle(page)
    assert page.get_by_role("button", name="退出登录").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    # nothing of the page itself: only the app's title and the login form are drawn
    headings = [h.strip() for h in page.locator("h1, h2, h3").all_inner_texts()]
    assert set(headings) <= {"共建看板", "登录共建看板"}, headings


# Staff paths dressed up as the public page: through /wall's path, its query string, or a staff path
# carrying the board's query. Each is the first request of a fresh server.
THROUGH_WALL = ["wall/admin", "wall/lists?c=1", "wall?c=1&page=admin", "admin?c=1", "wall/../admin", "wall%2Fadmin"]
STAFF_HEADINGS = {"总览", "三清单一协议", "管理", "活动登记", "个人设置"}


@pytest.mark.parametrize("path", THROUGH_WALL)
def test_no_path_through_the_public_page_reaches_a_staff_page(fresh_server, page, path: str) -> None:  # type: ignore[no-untyped-def]
    scripts: list[str] = []  # the content type of every script the page loaded
    page.on(
        "response",
        lambda r: scripts.append(r.headers.get("content-type", "")) if r.request.resource_type == "script" else None,
    )
    page.goto(f"{fresh_server.url}/{path}")
    page.wait_for_load_state("networkidle")
    if scripts and not any("javascript" in kind for kind in scripts):
        # a nested path loads no app at all: Streamlit's assets are relative, and /wall/static/js/… answers
        # with the HTML page, which the browser does not run — no script ran, so nothing can show
        assert page.locator('[data-testid="stApp"]').count() == 0
        assert page.locator('[data-testid="stMain"] [data-testid="stElementContainer"]').count() == 0
    else:
        drawn = page.locator('input[aria-label="用户名"], [data-testid="stMain"] h1').first
        try:
            drawn.wait_for(timeout=45_000)
            wait_idle(page)
        except PlaywrightTimeout:
            assert page.locator('[data-testid="stMain"] [data-testid="stElementContainer"]').count() == 0
    headings = {h.strip() for h in page.locator("h1, h2, h3").all_inner_texts()}
    assert not headings & STAFF_HEADINGS, headings
    assert page.get_by_role("button", name="退出登录").count() == 0
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0


def test_the_first_request_to_the_wall_shows_the_board_without_a_login(fresh_server, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{fresh_server.url}/wall")
    page.get_by_role("heading", name="公示栏 · 居民提").wait_for(timeout=30_000)
    wait_idle(page)
    assert page.get_by_label("用户名").count() == 0
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
