"""/account in AppTest: every role sees it; the password form changes the password and keeps
this session logged in; a wrong current password is named."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import make_engine
from db.models import User
from services.users import check_password
from tests.pages.conftest import OpenPage, assert_clean

PAGE = "app_pages/account.py"


def _user(db: Path, username: str) -> User:
    engine = make_engine(f"sqlite:///{db}")
    try:
        with Session(engine) as s:
            user = s.scalar(select(User).where(User.username == username))
            assert user is not None
            s.expunge(user)
            return user
    finally:
        engine.dispose()


@pytest.mark.parametrize("username", ["admin", "community1", "liaison1", "leader"])
def test_account_page_renders_for_every_role(open_page: OpenPage, username: str) -> None:
    at = open_page(username, PAGE)
    assert_clean(at)
    assert at.title[0].value == "个人设置"
    assert username in [m.value for m in at.metric]


def _change(at, current: str, new: str, repeat: str):  # type: ignore[no-untyped-def]
    at.text_input(key="account_current").input(current)
    at.text_input(key="account_new").input(new)
    at.text_input(key="account_repeat").input(repeat)
    button = next(b for b in at.button if b.label == "修改密码")
    return button.click().run()


def test_password_change_works_and_keeps_this_session(open_page: OpenPage, app_env: Path) -> None:
    at = open_page("liaison1", PAGE)
    at = _change(at, "cobuild-liaison", "qingxi2026", "qingxi2026")
    assert not at.exception and not at.error
    assert any("密码已修改" in s.value for s in at.success)
    user = _user(app_env, "liaison1")
    assert check_password("qingxi2026", user.password_hash)
    assert user.sessions_valid_after is not None
    assert at.session_state["cobuild_login_at"] >= user.sessions_valid_after.timestamp()
    at.run()  # the next run still passes the gate
    assert not at.exception and at.title[0].value == "个人设置"


def test_wrong_current_password_names_the_field(open_page: OpenPage, app_env: Path) -> None:
    at = open_page("leader", PAGE)
    at = _change(at, "not-my-password1", "qingxi2026", "qingxi2026")
    assert not at.exception
    assert [e.value for e in at.error] == ["当前密码不正确。"]
    assert check_password("cobuild-leader", _user(app_env, "leader").password_hash)


def test_weak_new_password_names_the_field(open_page: OpenPage) -> None:
    at = open_page("leader", PAGE)
    at = _change(at, "cobuild-leader", "short", "short")
    assert [e.value for e in at.error] == ["“新密码”须为 8–64 位，且同时包含字母和数字。"]


def test_language_preference_is_saved_and_applied(open_page: OpenPage, app_env: Path) -> None:
    at = open_page("community1", PAGE)
    at.selectbox(key="account_language").set_value("en")
    next(b for b in at.button if b.form_id == "account_language_form").click().run()
    assert not at.exception
    assert at.session_state["lang"] == "en"
    assert at.title[0].value == "My account"
    assert _user(app_env, "community1").language == "en"
