"""The login screen with and without the organisation's identity provider (``[auth]`` in secrets.toml).

No identity provider runs here: ``AppTest.secrets`` stands in for secrets.toml and ``AppTest.user`` for
the identity cookie Streamlit reads after ``st.login``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db.engine import make_engine, make_session_factory, session_scope
from db.models import AuditEntry
from domain.enums import AuditAction
from tests.pages.conftest import APP, TIMEOUT, OpenPage, assert_clean

SSO_BUTTON = "使用统一身份认证登录"
AUTH = {
    "redirect_uri": "https://board.example.org/oauth2callback",
    "cookie_secret": "test-only-cookie-secret-xxx",
    "client_id": "cobuild-test",
    "client_secret": "test-only-client-secret-xxx",
    "server_metadata_url": "https://idp.example.org/.well-known/openid-configuration",
}


def _app(user: dict[str, Any] | None = None, *, auth: dict[str, Any] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = "zh_CN"
    at.secrets = {"auth": dict(auth if auth is not None else AUTH)}
    at.user = user if user is not None else {}
    at.run()
    return at


def _logins(db: Path, username: str) -> int:
    engine = make_engine(f"sqlite:///{db}")
    try:
        with session_scope(make_session_factory(engine)) as s:
            return (
                s.scalar(
                    select(func.count(AuditEntry.id)).where(
                        AuditEntry.action == AuditAction.LOGIN, AuditEntry.username == username
                    )
                )
                or 0
            )
    finally:
        engine.dispose()


def test_without_auth_configured_there_is_no_sso_button(open_page: OpenPage) -> None:
    at = open_page(None)
    assert_clean(at)
    assert SSO_BUTTON not in [b.label for b in at.button]
    assert [ti.label for ti in at.text_input] == ["用户名", "密码"]


def test_with_auth_configured_the_login_screen_offers_sso_above_the_password_form(
    app_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui.kit import sso

    monkeypatch.setattr(sso, "authlib_installed", lambda: True)
    at = _app()
    assert_clean(at)
    assert SSO_BUTTON in [b.label for b in at.button]
    assert [ti.label for ti in at.text_input] == ["用户名", "密码"]


def test_with_auth_configured_but_no_authlib_the_password_login_remains(
    app_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui.kit import sso

    monkeypatch.setattr(sso, "authlib_installed", lambda: False)
    at = _app()
    assert not at.exception
    assert SSO_BUTTON not in [b.label for b in at.button]
    assert any("暂不可用" in w.value for w in at.warning)
    assert [ti.label for ti in at.text_input] == ["用户名", "密码"]


def test_sso_signed_in_email_opens_the_board_with_the_accounts_role(app_env: Path) -> None:
    before = _logins(app_env, "leader")
    at = _app({"is_logged_in": True, "email": "LEADER@cobuild.invalid", "name": "张伟"})
    assert_clean(at)
    assert at.title[0].value == "总览"
    assert not at.text_input  # no password form
    assert any(b.label == "退出登录" for b in at.sidebar.button)
    assert at.session_state["cobuild_actor"].username == "leader"
    at.run()  # a second run records no second login
    assert _logins(app_env, "leader") == before + 1
    at.sidebar.button(key="auth_logout").click().run()  # st.logout(): the identity is gone
    assert not at.exception
    assert at.user.get("is_logged_in") is False
    assert "cobuild_actor" not in at.session_state
    assert [ti.label for ti in at.text_input] == ["用户名", "密码"]


@pytest.mark.parametrize(
    ("user", "message"),
    [
        ({"is_logged_in": True, "email": "stranger@county.gov.cn"}, "该邮箱未登记为联盟用户，请联系管理员"),
        ({"is_logged_in": True, "email": "leader@cobuild.invalid", "email_verified": False}, "尚未验证该邮箱"),
    ],
)
def test_sso_unregistered_email_is_refused_with_a_message(app_env: Path, user: dict[str, Any], message: str) -> None:
    at = _app(user)
    assert not at.exception
    assert any(message in e.value for e in at.error)
    assert not at.metric and not at.text_input
    assert "退出统一身份认证" in [b.label for b in at.button]


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (AUTH, [None]),
        (dict(AUTH, client_kwargs={"prompt": "login"}), [None]),
        (
            {
                "redirect_uri": "x",
                "cookie_secret": "y",
                "county": {"client_id": "a", "client_secret": "b", "server_metadata_url": "c"},
            },
            ["county"],
        ),
        (
            {"redirect_uri": "x", "cookie_secret": "y", "okta": {"client_id": "a"}, "entra": {"client_id": "b"}},
            ["okta", "entra"],
        ),
    ],
)
def test_sso_providers_named_in_auth_section(section: dict[str, Any], expected: list[str | None]) -> None:
    from ui.kit import sso

    assert sso.providers(section) == expected
