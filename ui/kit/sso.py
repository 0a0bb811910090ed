"""Sign-in through the organisation's identity provider (OIDC, Streamlit's ``st.login``).

Offered only when ``.streamlit/secrets.toml`` has an ``[auth]`` section; otherwise nothing here draws
anything and the password login is the only one. The provider vouches for an e-mail address; the
account with that address (active, unlocked, exactly one) brings the role and unit."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from domain.actor import Actor
from services import users
from ui.kit.actions import write_scope
from ui.kit.i18n import t
from ui.kit.safe import md_escape
from ui.kit.state import session_scope

log = logging.getLogger(__name__)

ACTOR_KEY = "cobuild_actor"  # the same key as ui.kit.auth: pages read the actor from it
SSO_USER_KEY = "cobuild_sso_user"  # the username this session signed in as through the provider
PENDING_LANG_KEY = "cobuild_pending_lang"


@dataclass(frozen=True)
class SsoResult:
    """What the provider sign-in decided for this run."""

    actor: Actor | None = None  # signed in through the provider and matched to an account
    refused: bool = False  # signed in at the provider but not admitted here; the message is shown


def auth_section() -> Mapping[str, Any] | None:
    """The ``[auth]`` section of the secrets, or None (also when there is no secrets file at all)."""
    try:
        if "auth" not in st.secrets:
            return None
        section = st.secrets["auth"]
    except Exception:  # no secrets.toml: Streamlit raises instead of answering False
        return None
    return section if isinstance(section, Mapping) and section else None


_PROVIDER_KEYS = frozenset({"client_id", "client_secret", "server_metadata_url"})


def providers(section: Mapping[str, Any]) -> list[str | None]:
    """The providers ``[auth]`` configures, in file order: None for the unnamed default (its settings
    directly under ``[auth]``), then each named ``[auth.name]`` table. A nested table that is no provider
    (``client_kwargs = {…}``) is not one."""
    named = [name for name, value in section.items() if isinstance(value, Mapping) and _PROVIDER_KEYS & set(value)]
    default = bool(_PROVIDER_KEYS & set(section)) or not named
    return ([None] if default else []) + named


def authlib_installed() -> bool:
    """``st.login`` needs Authlib ≥ 1.3.2 (``pip install 'Authlib>=1.3.2'``), not in requirements.txt."""
    return importlib.util.find_spec("authlib") is not None


def _user_info() -> Mapping[str, Any]:
    try:
        return st.user.to_dict()
    except Exception:  # no script context (bare mode)
        return {}


def try_sso() -> SsoResult:
    """Sign-in through the provider, run before the password form.

    Not configured, a password login already in this session, or not signed in at the provider →
    nothing (``SsoResult()``; the login screen then offers the provider's button, ``offer_login``).
    Signed in and the e-mail matches one usable account → that actor (an audit row once per session).
    Signed in but not admitted → a message and a button to sign out of the provider."""
    state = st.session_state
    if auth_section() is None or state.get("authentication_status"):
        return SsoResult()
    info = _user_info()
    if not info.get("is_logged_in"):
        state.pop(SSO_USER_KEY, None)
        return SsoResult()

    email = str(info.get("email") or "")
    verified = info.get("email_verified") is not False  # a provider that says nothing is taken at its word
    actor: Actor | None = None
    if email and verified:
        with session_scope() as session:
            actor = users.actor_by_email(session, email)
    if actor is None:
        log.info("identity-provider sign-in refused for %r", email)
        state.pop(SSO_USER_KEY, None)
        state.pop(ACTOR_KEY, None)
        st.title(t("app.name"))
        st.error(t("sso.no_email") if not email else t("sso.not_registered") if verified else t("sso.email_unverified"))
        if email:
            # a code span: the address is shown as written, never turned into a link
            st.caption(t("sso.provider_email", email="`" + email.replace("`", "") + "`"))
        if st.button(t("sso.logout_provider"), key="sso_logout_refused"):
            st.logout()
        return SsoResult(refused=True)

    if state.get(SSO_USER_KEY) != actor.username:
        with write_scope() as session:  # bookkeeping of the sign-in
            users.register_sso_login(session, username=actor.username)
            user = users.get_user(session, actor.username)
            language = user.language if user is not None else None
        state[SSO_USER_KEY] = actor.username
        if language:
            state[PENDING_LANG_KEY] = language
    return SsoResult(actor=actor)


def offer_login() -> None:
    """On the login screen, above the password form: 「使用统一身份认证登录」 when ``[auth]`` is configured
    (one button per named provider), nothing otherwise."""
    section = auth_section()
    if section is None:
        return
    names = providers(section)
    if not authlib_installed():
        log.error("[auth] is configured but Authlib is not installed: pip install 'Authlib>=1.3.2'")
        st.warning(t("sso.unavailable"))
        return
    for name in names:
        label = t("sso.login") if len(names) == 1 else t("sso.login_with", provider=name or "")
        if st.button(label, key=f"sso_login_{name or 'default'}", type="primary", icon=":material/badge:"):
            if name is None:
                st.login()
            else:
                st.login(name)
    st.caption(t("sso.or_password"))


def logout_button(where: Any, actor: Actor) -> None:
    """The sidebar's name and logout for a provider sign-in: ``st.logout()`` drops the identity cookie."""
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
        for key in (ACTOR_KEY, SSO_USER_KEY):
            st.session_state.pop(key, None)
        st.logout()  # the browser is sent to /auth/logout, which drops the identity cookie
        st.rerun()
