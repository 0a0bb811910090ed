"""个人设置: one's own details, password and interface language (every role)."""

import time

import streamlit as st

from domain.errors import AppError
from exports.format import fmt_date
from services import users
from ui.kit.auth import LOGIN_AT_KEY, require_role
from ui.kit.i18n import LANG_KEY, current_language, error_message, label, t
from ui.kit.state import session_scope

actor = require_role()
lang = current_language()
FLASH = "account_flash"
LANGUAGES = {"zh_CN": "中文", "en": "English"}


def _apply_language() -> None:
    """Runs before the next script run, so the sidebar's switch can follow the saved choice."""
    chosen = st.session_state["account_language"]
    try:
        with session_scope(write=True) as session:
            users.set_own_language(session, actor, language=chosen)
    except AppError as err:
        st.session_state[FLASH] = ("error", error_message(err))
        return
    st.session_state[LANG_KEY] = chosen
    st.session_state[FLASH] = ("success", t("account.language_saved"))


st.title(t("account.title"))
kind, message = st.session_state.pop(FLASH, (None, None))
if kind == "success":
    st.success(message)
elif kind == "error":
    st.error(message)

with session_scope() as session:
    me = users.get_profile(session, actor)

binding = me.community_name or me.unit_name or "—"
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("fields.username"), me.username)
c2.metric(t("fields.role"), label(me.role))
c3.metric(t("account.binding"), binding)
c4.metric(t("account.since"), fmt_date(me.created_at, lang))

details, password, language = st.tabs([t("account.tab_details"), t("account.tab_password"), t("account.tab_language")])

with details, st.columns([3, 2])[0], st.form("account_details"):
    display_name = st.text_input(t("fields.display_name"), value=me.display_name, key="account_display_name")
    email = st.text_input(t("fields.email"), value=me.email, key="account_email")
    if st.form_submit_button(t("common.save"), type="primary"):
        try:
            with session_scope(write=True) as session:
                users.update_own_profile(session, actor, display_name=display_name, email=email)
        except AppError as err:
            st.error(error_message(err))
        else:
            st.session_state[FLASH] = ("success", t("common.saved"))
            st.rerun()

with password:
    st.caption(t("account.password_rule"))
    with st.columns([3, 2])[0], st.form("account_password", clear_on_submit=True):
        current = st.text_input(t("fields.current_password"), type="password", key="account_current")
        new = st.text_input(t("fields.new_password"), type="password", key="account_new")
        repeat = st.text_input(t("fields.repeat_password"), type="password", key="account_repeat")
        if st.form_submit_button(t("account.change_password"), type="primary"):
            try:
                with session_scope(write=True) as session:
                    users.change_own_password(session, actor, current=current, new=new, repeat=repeat)
            except AppError as err:
                st.error(error_message(err))
            else:
                # older cookies are revoked; this session was logged in just now, so it stays
                st.session_state[LOGIN_AT_KEY] = time.time()
                st.success(t("account.password_changed"))

with language, st.columns([3, 2])[0], st.form("account_language_form"):
    st.selectbox(
        t("account.fields.language"),
        list(LANGUAGES),
        format_func=lambda code: LANGUAGES.get(code, code),
        index=list(LANGUAGES).index(me.language) if me.language in LANGUAGES else 0,
        key="account_language",
        help=t("account.language_help"),
    )
    st.form_submit_button(t("common.save"), type="primary", on_click=_apply_language)
