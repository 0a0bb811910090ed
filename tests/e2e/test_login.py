"""Login, cookie and routing as a person meets them in the browser."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PASSWORDS, assert_no_exception, login, shot, wait_idle

pytestmark = pytest.mark.e2e


def _auth_cookie(context):  # type: ignore[no-untyped-def]
    for _ in range(50):
        cookies = [c for c in context.cookies() if c["name"] == "cobuild_auth"]
        if cookies:
            return cookies[0]
        context.pages[0].wait_for_timeout(200)
    raise AssertionError("the login cookie was never set")


def test_login_through_the_form_and_stay_logged_in_across_reload(server, context, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url)
    wait_idle(page)
    shot(page, "login")
    login(page, server.url, "admin")
    page.get_by_role("heading", name="总览").wait_for()
    assert_no_exception(page)
    _auth_cookie(context)
    page.reload()
    page.get_by_role("button", name="退出登录").wait_for(timeout=30_000)
    assert page.get_by_label("密码").count() == 0


def test_wrong_password_is_refused_with_a_message(server, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url)
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill("not-the-password1")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("用户名或密码不正确").wait_for()
    assert page.get_by_role("button", name="退出登录").count() == 0


def test_a_page_opened_by_url_while_logged_out_shows_that_page_after_login(server, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url + "/charts")
    page.get_by_label("用户名").wait_for()
    login(page, server.url, "leader", path="/charts")
    assert page.url.rstrip("/").endswith("/charts")
    assert_no_exception(page)
    link = page.locator('[data-testid="stSidebarNav"] a[aria-current="page"]')
    assert "charts" in (link.first.get_attribute("href") or "")


def test_logout_revokes_the_cookie(server, browser, context, page) -> None:  # type: ignore[no-untyped-def]
    login(page, server.url, "community1")
    stolen = _auth_cookie(context)
    page.get_by_role("button", name="退出登录").click()
    page.get_by_label("用户名").wait_for(timeout=30_000)
    other = browser.new_context()
    try:
        other.add_cookies([{k: stolen[k] for k in ("name", "value", "domain", "path")}])
        p2 = other.new_page()
        p2.goto(server.url + "/lists")
        p2.get_by_label("用户名").wait_for(timeout=30_000)
        wait_idle(p2)
        assert p2.get_by_role("button", name="退出登录").count() == 0
    finally:
        other.close()


def test_admin_page_first_thing_after_server_start_shows_the_login_form(fresh_server, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(fresh_server.url + "/admin")
    page.get_by_label("用户名").wait_for(timeout=30_000)
    wait_idle(page)
    assert page.get_by_role("button", name="退出登录").count() == 0
    assert page.get_by_text("操作记录").count() == 0
    login(page, fresh_server.url, "admin", path="/admin")
    assert page.url.rstrip("/").endswith("/admin")
    assert_no_exception(page)


def test_liaison_cannot_open_admin_by_url(server, page) -> None:  # type: ignore[no-untyped-def]
    login(page, server.url, "liaison1")
    page.goto(server.url + "/admin")
    page.get_by_role("button", name="退出登录").wait_for(timeout=30_000)
    wait_idle(page)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "管理" not in nav
    assert page.get_by_text("操作记录").count() == 0
    assert PASSWORDS  # the demo accounts are the contract's
