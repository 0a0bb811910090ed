"""The login gate in front of every page: streamlit-authenticator's form and cookie, with the
database's lockout, cookie revocation and roles on top (notes.md explains the holes it fills)."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

import bcrypt
import jwt
import streamlit as st
import streamlit_authenticator as stauth

from config import Settings, secret_key
from domain import lockout
from domain.actor import Actor
from domain.enums import Role
from services import settings_store, users
from ui import sso
from ui.format import fmt_datetime
from ui.i18n import current_language, t
from ui.safe import md_escape
from ui.state import get_settings, session_scope

log = logging.getLogger(__name__)

ACTOR_KEY = "cobuild_actor"
LOGIN_AT_KEY = "cobuild_login_at"
PENDING_LANG_KEY = "cobuild_pending_lang"
_DUMMY_HASH = bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(4)).decode()


class CookieKeyMissing(RuntimeError):
    """No COBUILD_COOKIE_KEY on a database that is not a demo."""


def resolve_cookie_key(settings: Settings, *, demo: bool) -> str:
    """The cookie-signing key: the environment's; on a demo database a generated one kept in
    ``data/``; otherwise none, and the app refuses to start (contracts.md)."""
    key = secret_key(settings.cookie_key, data_dir=Path(settings.data_dir), name="cookie_key", demo=demo)
    if key is None:
        raise CookieKeyMissing()
    return key


def _cookie_username(token: str, key: str, expiry_days: float) -> tuple[str, float] | None:
    """The username and issue time in a cookie signed with ``key`` and not expired."""
    try:
        data = jwt.decode(token, key, algorithms=["HS256"])
        username, exp = str(data["username"]), float(data["exp_date"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return None
    if exp <= datetime.now().timestamp():
        return None
    return username, lockout.cookie_issued_at(exp, expiry_days)


def _with_usable_hashes(creds: dict[str, Any]) -> dict[str, Any]:
    for entry in creds["usernames"].values():
        if entry["password"] == "!":
            entry["password"] = _DUMMY_HASH  # a locked account fails like a wrong password
    return creds


def gate(sidebar_slot: Any = None) -> Actor | None:
    """Run the login: returns the actor when logged in; else shows the form and returns None."""
    settings = get_settings()
    with session_scope() as session:
        demo = settings_store.is_demo_database(session)
        creds = _with_usable_hashes(users.credentials(session))
    key = resolve_cookie_key(settings, demo=demo)

    state = st.session_state
    signed_in = sso.try_sso()  # the identity provider's sign-in, when [auth] is configured
    if signed_in.actor is not None:
        state[ACTOR_KEY] = signed_in.actor
        sso.logout_button(sidebar_slot if sidebar_slot is not None else st.sidebar, signed_in.actor)
        return signed_in.actor
    if signed_in.refused:
        state.pop(ACTOR_KEY, None)
        return None
    if not state.get("authentication_status"):
        token = st.context.cookies.get(settings.cookie_name)
        if token:
            parsed = _cookie_username(token, key, settings.cookie_expiry_days)
            valid = False
            if parsed is not None:
                with session_scope() as session:
                    valid = users.cookie_is_valid(session, username=parsed[0], issued_at=parsed[1])
            if not valid:
                state["logout"] = True  # makes the authenticator ignore this cookie

    authenticator = stauth.Authenticate(
        creds,
        settings.cookie_name,
        key,
        settings.cookie_expiry_days,
        auto_hash=False,
        login_sleep_time=settings.login_sleep_time,
    )
    was_logged_in = bool(state.get("authentication_status"))
    form_login: dict[str, str] = {}
    # The cookie is written by a JavaScript component; were it drawn inside the login form's
    # placeholder, emptying the placeholder would remove it before it ran. Draw it after.
    set_cookie = authenticator.cookie_controller.set_cookie
    cookie_pending: list[bool] = []
    authenticator.cookie_controller.set_cookie = lambda: cookie_pending.append(True)  # type: ignore[method-assign]
    placeholder = st.empty()
    with placeholder.container():
        if not was_logged_in:
            _login_header(demo)
        authenticator.login(
            location="main",
            key="login",
            clear_on_submit=True,
            fields={
                "Form name": t("auth.form_name"),
                "Username": t("auth.username"),
                "Password": t("auth.password"),
                "Login": t("auth.login"),
            },
            callback=lambda info: form_login.update(username=str(info.get("username", ""))),
        )
        failed = [u for u, entry in creds["usernames"].items() if entry.get("failed_login_attempts")]
        if failed:
            with session_scope(write=True) as session:
                result = users.register_failed_login(session, username=failed[0])
            if result.reason == "auth.locked" and result.locked_until:
                st.error(t("auth.locked", until=fmt_datetime(result.locked_until, current_language())))
            else:
                st.error(t("auth.wrong_credentials"))
        elif state.get("authentication_status") is False:
            st.error(t("auth.wrong_credentials"))

    if not state.get("authentication_status"):
        state.pop(ACTOR_KEY, None)
        return None

    username = str(state.get("username"))
    with session_scope(write=bool(form_login)) as session:
        if form_login:
            users.register_login(session, username=username)
        user = users.get_user(session, username)
        status = users.login_status(user)
        if form_login and user is not None:
            # applied before the language switch is drawn, on the next run (notes.md: the
            # cookie component brings one more run right away)
            state[PENDING_LANG_KEY] = user.language
        valid_after = user.sessions_valid_after if user is not None else None
        actor = status.actor
    login_at = state.setdefault(LOGIN_AT_KEY, datetime.now().timestamp())
    revoked = valid_after is not None and login_at < valid_after.timestamp()
    if actor is None or revoked:
        _drop_session(authenticator)
        st.rerun()
    if not was_logged_in:
        placeholder.empty()
        state[LOGIN_AT_KEY] = datetime.now().timestamp()
    if cookie_pending:
        set_cookie()
    state[ACTOR_KEY] = actor
    _logout_button(authenticator, sidebar_slot if sidebar_slot is not None else st.sidebar)
    return actor


def _login_header(demo: bool) -> None:
    st.title(t("app.name"))
    st.caption(t("app.tagline"))
    sso.offer_login()
    if demo:
        st.info(t("app.demo_notice") + "\n\n" + t("auth.demo_accounts"))


def _drop_session(authenticator: stauth.Authenticate) -> None:
    for key in ("authentication_status", "username", "name", ACTOR_KEY, LOGIN_AT_KEY):
        st.session_state.pop(key, None)
    st.session_state["logout"] = True
    try:
        authenticator.cookie_controller.delete_cookie()
    except Exception:  # the cookie component may already be gone
        log.debug("cookie already gone", exc_info=True)


def _on_logout(info: dict[str, Any]) -> None:
    username = info.get("username")
    if username:
        with session_scope(write=True) as session:
            users.revoke_sessions(session, username=str(username))
    st.session_state.pop(ACTOR_KEY, None)
    st.session_state.pop(LOGIN_AT_KEY, None)


def _logout_button(authenticator: stauth.Authenticate, where: Any) -> None:
    actor: Actor = st.session_state[ACTOR_KEY]
    where.caption(
        t(
            "app.signed_in_as",
            name=md_escape(actor.display_name or actor.username),
            role=t(f"enum.Role.{actor.role.value}"),
        )
    )
    if where.button(t("auth.logout"), key="auth_logout"):
        _on_logout({"username": actor.username})
        authenticator.logout(location="unrendered")
        st.rerun()


def current_actor() -> Actor | None:
    actor = st.session_state.get(ACTOR_KEY)
    return actor if isinstance(actor, Actor) else None


def require_role(*roles: Role) -> Actor:
    """The page's guard: the logged-in actor if their role may open it; otherwise stop."""
    actor = current_actor()
    if actor is None:
        st.warning(t("auth.form_name"))
        st.stop()
    assert actor is not None
    if roles and actor.role not in roles:
        st.error(t("auth.no_permission"))
        st.stop()
    return actor


ALL_ROLES = tuple(Role)
