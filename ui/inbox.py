"""站内消息 in the sidebar: the unread count on every page run, the latest notices, open, mark read."""

from __future__ import annotations

from typing import Any

import streamlit as st

from domain.actor import Actor
from services import notices
from ui.format import fmt_datetime
from ui.i18n import current_language, t
from ui.safe import md_escape
from ui.state import session_scope

SHOWN = 10


def sidebar_inbox(actor: Actor, where: Any) -> None:
    """The inbox under the chairs: its label carries the unread count (one indexed count a run)."""
    with session_scope() as session:
        unread = notices.unread_count(session, actor)
    label = t("notices.inbox.unread", n=unread) if unread else t("notices.inbox.title")
    with where, st.expander(label, icon=":material/notifications:", expanded=False):
        _list(actor, unread)


def _list(actor: Actor, unread: int) -> None:
    lang = current_language()
    with session_scope() as session:
        items, total = notices.list_inbox(session, actor, lang=lang, limit=SHOWN)
    if not items:
        st.caption(t("notices.inbox.empty"))
        return
    if unread and st.button(t("notices.inbox.mark_all"), key="inbox_read_all"):
        with session_scope(write=True) as session:
            notices.mark_all_read(session, actor)
        st.rerun()
    for item in items:
        mark = "🔴 " if item.unread else ""
        st.markdown(f"{mark}**{md_escape(item.subject)}**")
        who = "" if item.own else f" · {t('notices.inbox.for_other', name=item.recipient)}"
        st.caption(f"{fmt_datetime(item.due_at, lang)}{md_escape(who)}")
        st.text(item.body)
        if item.link:
            st.markdown(f"[{t('notices.inbox.open')}]({item.link})")
        if item.unread and st.button(t("notices.inbox.mark_read"), key=f"inbox_read_{item.id}"):
            with session_scope(write=True) as session:
                notices.mark_read(session, actor, notice_id=item.id)
            st.rerun()
        st.divider()
    if total > len(items):
        st.caption(t("notices.inbox.more", n=total, shown=len(items)))
