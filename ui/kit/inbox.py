"""站内消息 in the sidebar: the unread count, the latest notices, open, mark read.

The inbox is a fragment that re-runs on its own every ``COBUILD_INBOX_REFRESH`` seconds (30 by
default; 0 turns it off): only the fragment runs then — one indexed count while the list is closed —
never the page, so a form being typed in is left alone. Opening the list, marking read, or any page
run draws it afresh. bench/results.md has what a refresh costs."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

import streamlit as st
from sqlalchemy.orm import Session

from domain.actor import Actor
from exports.format import fmt_moment
from services import notices
from ui.kit.actions import run_write
from ui.kit.i18n import current_language, t
from ui.kit.safe import md_escape
from ui.kit.state import get_settings, session_scope

SHOWN = 10
EXPANDER_KEY = "inbox_open"


def sidebar_inbox(actor: Actor, where: Any) -> None:
    """The inbox under the chairs, refreshed in place every ``COBUILD_INBOX_REFRESH`` seconds."""
    every = get_settings().inbox_refresh_seconds
    with where:
        if every > 0:
            _refreshing(actor, timedelta(seconds=every))
        else:
            inbox_body(actor)


def _refreshing(actor: Actor, every: timedelta) -> None:
    st.fragment(inbox_body, run_every=every)(actor)


def inbox_body(actor: Actor) -> None:
    """The label with the unread count (one indexed count a run); the list only while it is open."""
    with session_scope() as session:
        unread = notices.unread_count(session, actor)
    label = t("notices.inbox.unread", n=unread) if unread else t("notices.inbox.title")
    box = st.expander(label, icon=":material/notifications:", key=EXPANDER_KEY, on_change="rerun")
    if box.open:
        with box:
            _list(actor, unread)


def _list(actor: Actor, unread: int) -> None:
    lang = current_language()
    with session_scope() as session:
        items, total = notices.list_inbox(session, actor, lang=lang, limit=SHOWN)
    if not items:
        st.caption(t("notices.inbox.empty"))
        return
    if unread and st.button(t("notices.inbox.mark_all"), key="inbox_read_all"):
        run_write(lambda s: notices.mark_all_read(s, actor))
    for item in items:
        mark = "🔴 " if item.unread else ""
        st.markdown(f"{mark}**{md_escape(item.subject)}**")
        who = "" if item.own else f" · {t('notices.inbox.for_other', name=item.recipient)}"
        st.caption(f"{fmt_moment(item.due_at, lang)}{md_escape(who)}")
        st.text(item.body)
        if item.link:
            st.markdown(f"[{t('notices.inbox.open')}]({item.link})")
        if item.unread and st.button(t("notices.inbox.mark_read"), key=f"inbox_read_{item.id}"):
            run_write(partial(_mark_read, actor=actor, notice_id=item.id))
        st.divider()
    if total > len(items):
        st.caption(t("notices.inbox.more", n=total, shown=len(items)))


def _mark_read(session: Session, *, actor: Actor, notice_id: int) -> None:
    notices.mark_read(session, actor, notice_id=notice_id)
