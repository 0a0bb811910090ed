"""The login gate in front of every page: the app's own login form, the database's lockout and
cookie revocation, and roles; streamlit-authenticator only issues the signed login cookie.

Why the form is the app's own (notes.md): the library checks the password inside its ``login()``
form, so it cannot count an attempt before the check, and its cookie component — drawn on every run,
logged in or not — brings one extra rerun to each new session that, arriving late, interrupted a
login being checked and redrew the form empty. Here nothing but the form is drawn while logged
out: a still-valid cookie is read from the page load's headers (``st.context.cookies``), and the
cookie component is drawn only once someone is signed in, to write or delete the cookie."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import jwt
import streamlit as st
from streamlit_authenticator.controllers import CookieController

from config import CookieKeyMissing as CookieKeyMissing  # app.py catches it as auth.CookieKeyMissing
from config import Settings, cookie_key
from domain import lockout
from domain.actor import Actor
from domain.enums import Role
from exports.format import fmt_datetime
from services import settings_store, users
from ui.kit import sso
from ui.kit.actions import write_scope
from ui.kit.i18n import current_language, t
from ui.kit.safe import md_escape
from ui.kit.state import get_settings, session_scope

log = logging.getLogger(__name__)

ACTOR_KEY = "cobuild_actor"
LOGIN_AT_KEY = "cobuild_login_at"
PENDING_LANG_KEY = "cobuild_pending_lang"
COOKIE_PENDING_KEY = "cobuild_cookie_pending"  # runs left to (re)draw the component that writes the cookie
LOGGED_OUT_KEY = "cobuild_logged_out"  # this session logged out: the page load's cookie no longer counts
COOKIE_SET_KEY = "set"  # the key under which the library draws the component that writes the cookie
COOKIE_SET_RUNS = 5
# streamlit-authenticator's session keys: kept, so that the page tests can sign in by setting them
STATUS_KEY, USERNAME_KEY, NAME_KEY = "authentication_status", "username", "name"


def _cookie_username(token: str, key: str, expiry_days: float) -> tuple[str, float] | None:
    """The username and issue time in a cookie (streamlit-authenticator's format) signed with
    ``key`` and not expired."""
    try:
        data = jwt.decode(token, key, algorithms=["HS256"])
        username, exp = str(data["username"]), float(data["exp_date"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return None
    if exp <= datetime.now().timestamp():
        return None
    return username, lockout.cookie_issued_at(exp, expiry_days)


def _cookie_login(settings: Settings, key: str) -> str | None:
    """The username of the page load's login cookie when it is signed, unexpired and not revoked
    (a lockout does not revoke it: README, "Logins")."""
    if st.session_state.get(LOGGED_OUT_KEY):
        return None
    token = st.context.cookies.get(settings.cookie_name)
    parsed = _cookie_username(token, key, settings.cookie_expiry_days) if token else None
    if parsed is None:
        return None
    with session_scope() as session:
        valid = users.cookie_is_valid(session, username=parsed[0], issued_at=parsed[1])
    return parsed[0] if valid else None


def _cookies(settings: Settings, key: str) -> CookieController:
    """The library's cookie writer; drawing it draws its JavaScript component (signed-in runs only)."""
    return CookieController(settings.cookie_name, key, settings.cookie_expiry_days)


def _sign_in(username: str, display_name: str) -> None:
    state = st.session_state
    state[STATUS_KEY], state[USERNAME_KEY], state[NAME_KEY] = True, username, display_name
    state["logout"] = None  # the library's flag: its cookie reader honours a cookie again
    state.pop(LOGGED_OUT_KEY, None)
    state[LOGIN_AT_KEY] = datetime.now().timestamp()


def gate(sidebar_slot: Any = None) -> Actor | None:
    """Run the login: returns the actor when logged in; else shows the form and returns None."""
    settings = get_settings()
    with session_scope() as session:
        demo = settings_store.is_demo_database(session)
    key = cookie_key(settings, demo=demo)  # contracts.md's rule (config.cookie_key); app.py shows the refusal

    state = st.session_state
    signed_in = sso.try_sso()  # the identity provider's sign-in, when [auth] is configured
    if signed_in.actor is not None:
        state[ACTOR_KEY] = signed_in.actor
        sso.logout_button(sidebar_slot if sidebar_slot is not None else st.sidebar, signed_in.actor)
        return signed_in.actor
    if signed_in.refused:
        state.pop(ACTOR_KEY, None)
        return None

    if not state.get(STATUS_KEY):
        from_cookie = _cookie_login(settings, key)
        if from_cookie is not None:
            _sign_in(from_cookie, from_cookie)
    if not state.get(STATUS_KEY):
        actor = _login_form(demo)
        if actor is None:
            state.pop(ACTOR_KEY, None)
            return None
        state[COOKIE_PENDING_KEY] = COOKIE_SET_RUNS
        state.pop(COOKIE_SET_KEY, None)

    username = str(state.get(USERNAME_KEY))
    with session_scope() as session:
        user = users.get_user(session, username)
        actor = users.signed_in_actor(user)
        valid_after = user.sessions_valid_after if user is not None else None
    login_at = state.setdefault(LOGIN_AT_KEY, datetime.now().timestamp())
    revoked = valid_after is not None and login_at < valid_after.timestamp()
    cookies = _cookies(settings, key)
    if actor is None or revoked:
        _drop_session(cookies)
        st.rerun()
    assert actor is not None
    _write_cookie(cookies)
    state[ACTOR_KEY] = actor
    _logout_button(cookies, sidebar_slot if sidebar_slot is not None else st.sidebar)
    return actor


def _write_cookie(cookies: CookieController) -> None:
    """Draw the component that writes the cookie on the login's run and the next few, until it says
    it has written it (a run that came too soon would otherwise remove it before its script ran)."""
    state = st.session_state
    runs = int(state.get(COOKIE_PENDING_KEY) or 0)
    if runs <= 0:
        return
    if state.get(COOKIE_SET_KEY) is True:
        state.pop(COOKIE_PENDING_KEY, None)
        return
    state[COOKIE_PENDING_KEY] = runs - 1
    cookies.set_cookie()


def _login_form(demo: bool) -> Actor | None:
    """The login form; on a submit, one counted password attempt (``users.password_login``).

    Returns the actor when the credentials were right: the form is then removed and the page drawn
    in the same run. What was typed stays in the fields after a refusal (no ``clear_on_submit``)."""
    placeholder = st.empty()
    with placeholder.container():
        _login_header(demo)
        with st.form("login", clear_on_submit=False, border=True):
            st.subheader(t("auth.form_name"))
            username = st.text_input(t("auth.username"), key="login_username", autocomplete="username")
            password = st.text_input(
                t("auth.password"), type="password", key="login_password", autocomplete="current-password"
            )
            submitted = st.form_submit_button(t("auth.login"))
        if not submitted:
            return None
        if not username.strip():
            st.error(t("error.required", field=t("auth.username")))
            return None
        if not password:
            st.error(t("error.required", field=t("auth.password")))
            return None
        result = users.password_login(write_scope, username=username, password=password)
        if not result.ok or result.actor is None:
            if result.reason == "auth.locked" and result.locked_until:
                st.error(t("auth.locked", until=fmt_datetime(result.locked_until, current_language())))
            else:
                st.error(t("auth.wrong_credentials"))  # also for a disabled account: nothing more is said
            return None
    placeholder.empty()
    actor = result.actor
    _sign_in(actor.username, actor.display_name or actor.username)
    with session_scope() as session:
        user = users.get_user(session, actor.username)
        if user is not None:
            # applied before the language switch is drawn, on the next run (the cookie component
            # brings one more run right away)
            st.session_state[PENDING_LANG_KEY] = user.language
    return actor


def _login_header(demo: bool) -> None:
    st.title(t("app.name"))
    st.caption(t("app.tagline"))
    sso.offer_login()
    if demo:
        st.info(t("app.demo_notice") + "\n\n" + t("auth.demo_accounts"))


def _forget_session() -> None:
    state = st.session_state
    for name in (STATUS_KEY, USERNAME_KEY, NAME_KEY, ACTOR_KEY, LOGIN_AT_KEY, COOKIE_PENDING_KEY):
        state.pop(name, None)
    state["logout"] = True
    state[LOGGED_OUT_KEY] = True


def _drop_session(cookies: CookieController) -> None:
    _forget_session()
    try:
        cookies.delete_cookie()
    except Exception:  # the cookie component may already be gone
        log.debug("cookie already gone", exc_info=True)


def _logout_button(cookies: CookieController, where: Any) -> None:
    actor: Actor = st.session_state[ACTOR_KEY]
    where.caption(
        t(
            "app.signed_in_as",
            name=md_escape(actor.display_name or actor.username),
            role=t(f"enum.Role.{actor.role.value}"),
        )
    )
    if where.button(t("auth.logout"), key="auth_logout"):
        with write_scope() as session:
            users.revoke_sessions(session, username=actor.username)
        _drop_session(cookies)
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
