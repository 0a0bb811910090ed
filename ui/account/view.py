"""个人设置's tabs: one's own details, password and interface language (the writes go through
ui.kit.actions.run_write)."""

from __future__ import annotations

import time

import streamlit as st

from domain.actor import Actor
from services import users
from services.users import UserDetail
from ui.kit.actions import FAILED, flash, run_write
from ui.kit.auth import LOGIN_AT_KEY
from ui.kit.i18n import LANG_KEY, t
from ui.kit.state import session_scope

LANGUAGES = {"zh_CN": "中文", "en": "English"}


def profile(actor: Actor) -> UserDetail:
    with session_scope() as session:
        return users.get_profile(session, actor)


def details_tab(actor: Actor, me: UserDetail) -> None:
    with st.columns([3, 2])[0], st.form("account_details"):
        display_name = st.text_input(t("fields.display_name"), value=me.display_name, key="account_display_name")
        email = st.text_input(t("fields.email"), value=me.email, key="account_email")
        if st.form_submit_button(t("common.save"), type="primary"):
            run_write(
                lambda s: users.update_own_profile(s, actor, display_name=display_name, email=email), t("common.saved")
            )


def password_tab(actor: Actor) -> None:
    st.caption(t("account.password_rule"))
    with st.columns([3, 2])[0], st.form("account_password", clear_on_submit=True):
        current = st.text_input(t("fields.current_password"), type="password", key="account_current")
        new = st.text_input(t("fields.new_password"), type="password", key="account_new")
        repeat = st.text_input(t("fields.repeat_password"), type="password", key="account_repeat")
        if st.form_submit_button(t("account.change_password"), type="primary"):
            changed = run_write(
                lambda s: users.change_own_password(s, actor, current=current, new=new, repeat=repeat),
                t("account.password_changed"),
                rerun=False,
            )
            if changed is not FAILED:
                # older cookies are revoked; this session was logged in just now, so it stays
                st.session_state[LOGIN_AT_KEY] = time.time()
                st.rerun()


def language_tab(actor: Actor, me: UserDetail) -> None:
    codes: list[str] = list(LANGUAGES)
    with st.columns([3, 2])[0], st.form("account_language_form"):
        st.selectbox(
            t("account.fields.language"),
            codes,
            format_func=LANGUAGES.__getitem__,
            index=codes.index(me.language) if me.language in LANGUAGES else 0,
            key="account_language",
            help=t("account.language_help"),
        )
        st.form_submit_button(t("common.save"), type="primary", on_click=_apply_language, args=(actor,))


def _apply_language(actor: Actor) -> None:
    """Runs before the next script run, so the sidebar's switch can follow the saved choice (a
    callback: Streamlit reruns by itself, the message is shown by that run)."""
    chosen = st.session_state["account_language"]
    saved = run_write(lambda s: users.set_own_language(s, actor, language=chosen), rerun=False)
    if saved is not FAILED:
        st.session_state[LANG_KEY] = chosen
        flash(t("account.language_saved"))  # in the language just chosen
