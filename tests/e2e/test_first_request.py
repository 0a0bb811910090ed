"""The very first request after a server start, to any page, meets the login form (quality.md:
no way round the gate — Streamlit's legacy router must never run a page unguarded)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import wait_idle
from ui.navigation import PAGES

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
