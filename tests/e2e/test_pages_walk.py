"""Walk every page as the admin and as a liaison: no exception anywhere; screenshots for the docs."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ROOT, assert_no_exception, login, shot, wait_idle
from ui.kit.navigation import PAGES

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("username", ["admin", "liaison1"])
def test_every_page_renders_without_error(server, page, username: str) -> None:  # type: ignore[no-untyped-def]
    login(page, server.url, username)
    role_pages = [s for s in PAGES if (ROOT / s.script).exists()]
    if username != "admin":
        role_pages = [s for s in role_pages if s.url_path != "admin"]
    for spec in role_pages:
        page.goto(f"{server.url}/{spec.url_path}")
        if spec.url_path == "present":  # the projector page hides the app's chrome; its bar leads back
            page.get_by_role("link", name="返回").wait_for(timeout=30_000)
            page.frame_locator('iframe[title="联席会议演示文稿"]').locator(".slide.active").wait_for(timeout=30_000)
        else:
            page.get_by_role("button", name="退出登录").wait_for(timeout=30_000)
            page.locator("h1").first.wait_for(timeout=30_000)
        wait_idle(page, settle_ms=1000)
        shot(page, f"{username}-{spec.url_path or 'overview'}")
        assert_no_exception(page)
