"""Deleting in the lists: every delete asks first, and a deletion can be undone — from the message
that reports it, or from 最近删除 under the list (services.lists_trash)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from sqlalchemy.orm import Session

from domain.actor import Actor
from exports.format import fmt_datetime
from services import lists_trash
from ui.kit.actions import FAILED, run_write
from ui.kit.i18n import current_language, t
from ui.kit.safe import md_escape
from ui.kit.state import session_scope
from ui.kit.tabs import lazy_expander

PENDING = "lists_delete_pending"  # (kind, id) whose delete awaits its confirmation
UNDO = "lists_delete_undo"  # (kind, id, title) this session deleted last, while it may be undone


def delete_button(
    actor: Actor, kind: str, row_id: int, title: str, delete: Callable[[Session], None], *, ask: str | None = None
) -> None:
    """删除, then a confirmation naming the row (确认删除 / 取消; ``ask``: its wording, the kind's by
    default); the deletion is soft and undoable."""
    key = f"lists_del_{kind}_{row_id}"
    if st.session_state.get(PENDING) != (kind, row_id):
        if st.button(t("lists.delete"), key=key, icon=":material/delete:"):
            st.session_state[PENDING] = (kind, row_id)
            st.rerun()
        return
    with st.container(border=True):
        st.warning(t(ask or f"lists.trash.ask_{kind}", title=md_escape(title)))
        yes, no = st.columns(2)
        if yes.button(t("lists.trash.confirm"), key=f"{key}_yes", type="primary", icon=":material/delete:"):
            st.session_state.pop(PENDING, None)
            if run_write(delete, rerun=False) is FAILED:
                return
            st.session_state[UNDO] = (kind, row_id, title)  # the undo bar above the list says it
            st.rerun()
        if no.button(t("common.cancel"), key=f"{key}_no"):
            st.session_state.pop(PENDING, None)
            st.rerun()


def _restore(actor: Actor, kind: str, row_id: int) -> None:
    restored = run_write(
        lambda s: lists_trash.restore(s, actor, kind=kind, row_id=row_id),
        lambda title: t("lists.trash.restored", title=md_escape(title)),
        rerun=False,
    )
    if restored is not FAILED:
        st.session_state.pop(UNDO, None)
        st.rerun()


def undo_bar(actor: Actor, kind: str) -> None:
    """Above a list: what was just deleted, with 撤销 (what came back is said by run_write's message)."""
    undo = st.session_state.get(UNDO)
    if not undo or undo[0] != kind:
        return
    _, row_id, title = undo
    with st.container(border=True):
        text, button = st.columns([4, 1], vertical_alignment="center")
        text.success(t("lists.trash.deleted", title=md_escape(title)), icon=":material/delete:")
        if button.button(t("lists.trash.undo"), key=f"lists_undo_{kind}", icon=":material/undo:", type="primary"):
            _restore(actor, kind, int(row_id))


def recent_panel(actor: Actor, kind: str) -> None:
    """最近删除 under a list (it runs only while open): the rows deleted lately that the user may bring back."""
    if not actor.can_write:
        return
    box = lazy_expander(
        t("lists.trash.recent", days=lists_trash.RECENT_DAYS),
        key=f"lists_recent_{kind}_open",
        icon=":material/restore_from_trash:",
    )
    if not box.open:
        return
    with box:
        with session_scope() as s:
            rows = lists_trash.recently_deleted(s, actor, kind=kind)
        if not rows:
            st.caption(t("lists.trash.none"))
            return
        lang = current_language()
        for row in rows:
            text, button = st.columns([4, 1], vertical_alignment="center")
            wish = t("lists.trash.wish_mark") if row.micro_wish else ""
            text.markdown(
                f"{wish}**{md_escape(row.title)}** · {t('lists.trash.deleted_at', at=fmt_datetime(row.deleted_at, lang))}"
            )
            if button.button(t("lists.trash.undo"), key=f"lists_restore_{kind}_{row.id}", icon=":material/undo:"):
                _restore(actor, kind, row.id)
