"""Issue 16, item 3: phones land where the work is. A liaison opening "/" on a phone (its User-Agent says
so) is taken to the activity log form; any other path is honoured, 总览 stays one tap away, and neither a
laptop nor another role is moved."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import assert_no_exception, login, wait_idle

pytestmark = pytest.mark.e2e

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
ANDROID_WECHAT = (
    "Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 "
    "Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64"
)


@pytest.fixture
def open_browser(browser) -> Iterator:  # type: ignore[no-untyped-def]
    """A new browser window (a new session) with a given User-Agent and size."""
    contexts = []

    def make(user_agent: str | None, width: int = 390, height: int = 844):  # type: ignore[no-untyped-def]
        ctx = browser.new_context(
            viewport={"width": width, "height": height},
            locale="zh-CN",
            **({"user_agent": user_agent} if user_agent else {}),
        )
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def _heading(page) -> str:  # type: ignore[no-untyped-def]
    wait_idle(page)
    assert_no_exception(page)
    return page.locator("h1").first.inner_text().strip()


@pytest.mark.parametrize("user_agent", [IPHONE, ANDROID_WECHAT], ids=["iphone", "wechat-android"])
def test_a_liaison_opening_the_root_on_a_phone_lands_on_the_log_form(server, open_browser, user_agent) -> None:  # type: ignore[no-untyped-def]
    page = open_browser(user_agent)
    login(page, server.url, "liaison1", "/")
    page.get_by_role("heading", name="活动登记").wait_for()
    assert page.url.rstrip("/").endswith("/activities")
    assert page.get_by_role("tab", name="登记活动", exact=True).get_attribute("aria-selected") == "true"
    page.locator('[data-testid="stForm"]').first.get_by_label("活动名称").wait_for()
    # 总览 is still one tap away, and is honoured when chosen
    page.locator('[data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"]').first.click()
    page.get_by_role("link", name="总览").click()
    page.get_by_role("heading", name="总览").wait_for()
    assert _heading(page) == "总览"


def test_another_path_on_a_phone_is_honoured(server, open_browser) -> None:  # type: ignore[no-untyped-def]
    page = open_browser(IPHONE)
    login(page, server.url, "liaison1", "/lists")
    assert _heading(page) == "三清单一协议"
    assert page.url.rstrip("/").endswith("/lists")


@pytest.mark.parametrize(
    ("user_agent", "username"),
    [(None, "liaison1"), (IPHONE, "community1")],
    ids=["liaison-on-a-laptop", "community-worker-on-a-phone"],
)
def test_a_laptop_or_another_role_stays_on_the_overview(server, open_browser, user_agent, username) -> None:  # type: ignore[no-untyped-def]
    page = open_browser(user_agent, width=1440, height=900) if user_agent is None else open_browser(user_agent)
    login(page, server.url, username, "/")
    assert _heading(page) == "总览"
