"""The overview for every role: real figures, no error."""

from __future__ import annotations

import pytest

from tests.pages.conftest import OpenPage, assert_clean


@pytest.mark.parametrize("username", ["admin", "community1", "liaison1", "leader"])
def test_overview_renders_for_every_role(open_page: OpenPage, username: str) -> None:
    at = open_page(username)
    assert_clean(at)
    assert at.title[0].value == "总览"
    labels = {m.label for m in at.metric}
    assert {"共建单位", "待对接需求", "本年活动", "“六个一”完成率"} <= labels


def test_overview_figures_come_from_the_database(open_page: OpenPage) -> None:
    at = open_page("admin")
    units = next(m for m in at.metric if m.label == "共建单位")
    assert int(units.value.replace(",", "")) > 0


def test_overview_compares_the_quarter_so_far_with_as_many_days_of_the_last(open_page: OpenPage) -> None:
    """24 November (the seed's day): Q4's 55 days against Q3's first 55, as the deck and report do."""
    at = open_page("admin")
    assert_clean(at)
    assert any(
        c.value.startswith("统计时段：2026年10月1日至2026年11月24日（本季度尚未结束，已过55天）")
        and "上季度同期（2026年7月1日至2026年8月24日" in c.value
        for c in at.caption
    ), [c.value for c in at.caption]
    quarter = next(m for m in at.metric if m.label == "本季度活动")
    assert quarter.delta.startswith("上季度同期：")


def test_logged_out_visitor_sees_the_login_form_only(open_page: OpenPage) -> None:
    at = open_page(None)
    assert not at.exception
    assert [ti.label for ti in at.text_input] == ["用户名", "密码"]
    assert not at.metric


def test_login_form_in_english(open_page: OpenPage) -> None:
    at = open_page(None, lang="en")
    assert [ti.label for ti in at.text_input] == ["Username", "Password"]
    assert any(b.label == "Login" for b in at.button)


def test_login_through_the_form(open_page: OpenPage) -> None:
    at = open_page(None)
    at.text_input[0].input("admin")
    at.text_input[1].input("cobuild-admin")
    next(b for b in at.button if b.label == "登录").click()
    at.run()
    assert_clean(at)
    assert at.title[0].value == "总览"


def test_wrong_password_shows_a_message(open_page: OpenPage) -> None:
    at = open_page(None)
    at.text_input[0].input("leader")
    at.text_input[1].input("wrong-password-1")
    next(b for b in at.button if b.label == "登录").click()
    at.run()
    assert any("不正确" in e.value for e in at.error)
    assert not at.metric


def test_five_wrong_passwords_lock_the_account(open_page: OpenPage) -> None:
    at = open_page(None)
    for _ in range(5):
        at.text_input[0].input("leader")
        at.text_input[1].input("wrong-password-1")
        next(b for b in at.button if b.label == "登录").click()
        at.run()
    assert any("锁定" in e.value for e in at.error)
    at.text_input[0].input("leader")
    at.text_input[1].input("cobuild-leader")
    next(b for b in at.button if b.label == "登录").click()
    at.run()
    assert not at.metric
    assert any("锁定" in e.value for e in at.error)


def test_liaison_navigation_has_no_admin_page(open_page: OpenPage) -> None:
    at = open_page("liaison1")
    with pytest.raises(Exception):  # noqa: B017 - AppTest refuses a page the role's navigation lacks
        at.switch_page("app_pages/admin.py")
        at.run()
        assert not at.exception


def test_a_locked_database_reaches_the_user_as_a_busy_message(app_env, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A write that outwaits SQLite's busy timeout becomes error.busy, never a traceback."""
    from sqlalchemy.exc import OperationalError

    from domain.errors import Conflict
    from ui.kit import state

    class _Locked(Exception):
        pass

    with pytest.raises(Conflict) as caught:
        with state.session_scope(write=True):
            raise OperationalError("INSERT", {}, _Locked("database is locked"))
    assert caught.value.code == "error.busy"


def test_overdue_whistle_stages_stand_out_on_the_overview(open_page: OpenPage) -> None:
    at = open_page("admin")
    assert any("吹哨报到" in w.value and "超过时限" in w.value for w in at.warning)
