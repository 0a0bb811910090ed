"""/present on a projector: the deck fills the window with no app chrome, keys and a clicker's page
keys move it, a chart takes most of the height, the full-screen button works, and nothing is
fetched from outside this machine — at 1920×1080 and at 1024×768."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.conftest import TODAY
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, assert_no_exception, login, shot, wait_idle

pytestmark = pytest.mark.e2e

DECK = 'iframe[title="联席会议演示文稿"]'
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in {"data", "blob", "about"} or parsed.hostname in LOCAL_HOSTS


@pytest.fixture
def own_browser(browser):  # type: ignore[no-untyped-def]
    """A browser of this test's own: after full screen, headless Chromium's window stays odd for
    the pages opened after it, so the shared browser is kept out of it."""
    b = browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield b
    b.close()


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1024, 768)])
def test_deck_on_the_projector(server, own_browser, width: int, height: int) -> None:  # type: ignore[no-untyped-def]
    ctx = own_browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    outside: list[str] = []
    page.on("request", lambda r: None if _local(r.url) else outside.append(r.url))
    try:
        login(page, server.url, "leader", path="/")  # /present hides the sidebar's 退出登录 login() waits for
        page.goto(server.url + "/present")
        deck_el = page.locator(DECK)
        deck_el.wait_for()
        deck = deck_el.content_frame
        deck.locator(".slide.active").wait_for()
        wait_idle(page)
        assert_no_exception(page)

        # no app chrome: no sidebar, no header; the deck fills what the slim bar leaves
        for testid in ("stSidebar", "stHeader", "stSidebarCollapsedControl", "stExpandSidebarButton"):
            assert not page.locator(f'[data-testid="{testid}"]').first.is_visible(), testid
        box = deck_el.bounding_box()
        assert box is not None
        assert box["width"] >= 0.95 * width and box["y"] + box["height"] >= height - 4
        assert box["height"] >= 0.85 * height

        # the cover is not blank: the alliance, the period, this month's chair and key figures
        cover = deck.locator(".slide.active")
        assert cover.get_attribute("data-key") == "title"
        text = cover.inner_text()
        assert "社区党建联盟" in text and "统计时段" in text and f"{TODAY.month}月轮值主席" in text
        assert cover.locator(".card").count() == 4
        shot(page, f"present-{width}-cover")

        def at(n: int) -> None:
            deck.locator(f'body[data-slide="{n}"]').wait_for(timeout=5_000)

        # keys on the page itself (the deck need not have the focus), as a clicker sends them
        page.keyboard.press("ArrowRight")
        at(2)
        page.keyboard.press("PageDown")
        at(3)
        page.keyboard.press("PageUp")
        at(2)
        page.keyboard.press("End")
        at(8)
        page.keyboard.press("Home")
        at(1)
        # and inside the deck once it has been clicked
        deck.locator("#canvas").click()
        page.keyboard.press("ArrowDown")
        at(2)
        page.keyboard.press("ArrowRight")
        at(3)

        # slide 3: two charts; each at least 60 % of the window's height
        charts = deck.locator(".slide.active .chart")
        visible = [charts.nth(i) for i in range(charts.count()) if charts.nth(i).is_visible()]
        assert len(visible) == 2
        for chart in visible:
            chart_box = chart.locator("svg").bounding_box()
            assert chart_box is not None
            assert chart_box["height"] >= 0.6 * height, (chart_box, height)
            assert chart_box["x"] >= 0 and chart_box["x"] + chart_box["width"] <= width
        shot(page, f"present-{width}")
        page.keyboard.press("ArrowRight")
        at(4)
        one = [c for c in (deck.locator(".slide.active .chart").nth(i) for i in range(2)) if c.is_visible()]
        one_box = one[0].locator("svg").bounding_box()
        assert one_box is not None and one_box["height"] >= 0.6 * height

        # the full-screen button puts the deck alone on the screen, and takes it back
        frame = deck_el.element_handle().content_frame()
        assert frame is not None
        deck.locator("#fullscreen").click()
        frame.wait_for_function("() => !!document.fullscreenElement", timeout=5_000)
        assert deck.locator("#fullscreen").inner_text() == "退出全屏"
        page.keyboard.press("ArrowRight")
        at(5)
        deck.locator("#fullscreen").click()
        frame.wait_for_function("() => !document.fullscreenElement", timeout=5_000)

        assert_no_exception(page)
        assert outside == [], outside
    finally:
        ctx.close()
