"""What the leader puts on the projector: /charts and the deck, at 1920×1080, for the docs."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_exception, login, shot, wait_idle

pytestmark = pytest.mark.e2e


@pytest.fixture
def wide_page(browser):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    yield page
    ctx.close()


def test_charts_and_three_slides_at_projector_size(server, wide_page) -> None:  # type: ignore[no-untyped-def]
    page = wide_page
    login(page, server.url, "leader", path="/charts")
    page.locator("h1").first.wait_for()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    wait_idle(page, settle_ms=1500)
    assert_no_exception(page)
    shot(page, "charts-1920")

    page.goto(server.url + "/present")
    page.get_by_role("button", name="下一页").wait_for()
    wait_idle(page, settle_ms=1000)
    assert_no_exception(page)
    shot(page, "present-slide-1")
    for n in (2, 3):
        page.get_by_role("button", name="下一页").click()
        page.get_by_text(f"第 {n} / ").first.wait_for()
        wait_idle(page, settle_ms=1200)
        assert_no_exception(page)
        shot(page, f"present-slide-{n}")
