"""The app's own login form under AppTest: labels of contracts.md, answers, what stays typed."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages.conftest import OpenPage, assert_clean


def _login_button(at: AppTest):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == "登录")


def _try(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    _login_button(at).click()
    return at.run()


def test_the_form_has_the_contracts_labels(open_page: OpenPage) -> None:
    at = open_page(None)
    assert_clean(at)
    assert [ti.label for ti in at.text_input] == ["用户名", "密码"]
    assert "登录" in [b.label for b in at.button]
    en = open_page(None, lang="en")
    assert [ti.label for ti in en.text_input] == ["Username", "Password"]
    assert "Login" in [b.label for b in en.button]


def test_right_password_logs_in_in_the_same_run(open_page: OpenPage) -> None:
    at = _try(open_page(None), "leader", "cobuild-leader")
    assert not at.exception
    assert "退出登录" in [b.label for b in at.button]
    assert at.session_state["authentication_status"] is True
    assert at.session_state["username"] == "leader"


def test_a_wrong_password_keeps_what_was_typed(open_page: OpenPage) -> None:
    at = _try(open_page(None), "leader", "not-the-password1")
    assert [e.value for e in at.error] == ["用户名或密码不正确。"]
    assert at.text_input(key="login_username").value == "leader"
    assert "退出登录" not in [b.label for b in at.button]


def test_an_empty_field_is_named(open_page: OpenPage) -> None:
    at = _try(open_page(None), "", "whatever1")
    assert [e.value for e in at.error] == ["请填写“用户名”。"]
    at = _try(at, "leader", "")
    assert [e.value for e in at.error] == ["请填写“密码”。"]


def test_known_and_unknown_names_get_the_same_messages(open_page: OpenPage) -> None:
    def messages(username: str) -> list[str]:
        at = open_page(None)
        seen = []
        for _ in range(6):
            at = _try(at, username, "not-the-password1")
            seen.append([e.value.split("请于")[0] for e in at.error])
        return [m for ms in seen for m in ms]

    known, unknown = messages("leader"), messages("nobody-at-all")
    assert known == unknown
    assert known[:4] == ["用户名或密码不正确。"] * 4
    assert all("已被锁定" in m for m in known[4:])
