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

    # the ranking tab: choosing the measure reruns only its panel (a fragment)
    page.get_by_role("tab", name="单位排名").click()
    measure = page.get_by_label("排名指标")
    measure.wait_for()
    measure.click()
    page.get_by_role("option", name="志愿服务时长（小时）").click()
    wait_idle(page, settle_ms=1000)
    assert_no_exception(page)
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="排名指标")
    assert "志愿服务时长（小时）" in (
        box.inner_text() + " ".join(box.locator("input").evaluate_all("els => els.map(e => e.value)"))
    )
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    assert page.get_by_text("取前 15 名").count() == 1
    wait_idle(page, settle_ms=800)
    shot(page, "charts-ranking-1920")

    # the deck itself is tested at both projector sizes in test_present_deck.py
