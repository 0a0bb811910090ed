"""Deleting a meeting: what becomes of its open action items (moved to another meeting or dropped,
with a note), and the undo that restores it and says what stayed where."""

from __future__ import annotations

from datetime import date

import streamlit as st

from domain.actor import Actor
from domain.enums import ActionStatus
from domain.meetings import Disposition
from exports.format import fmt_date
from services import meetings as svc
from services.meetings import MeetingDetail
from ui.kit.actions import FAILED, run_write
from ui.kit.i18n import current_language, t
from ui.kit.state import cached_read
from ui.kit.tabs import lazy_expander

UNDO = "meetings_undo"  # the id of the meeting this session deleted last, while it may be undone


def delete_panel(actor: Actor, detail: MeetingDetail, today: date) -> None:
    """The delete confirmation, run only while opened; it asks what becomes of the open items."""
    if not detail.can_write:
        return
    box = lazy_expander(t("meetings.delete_title"), key=f"meetings_delete_open_{detail.id}", icon=":material/delete:")
    if not box.open:
        return
    lang = current_language()
    with box:
        st.caption(t("meetings.delete_help"))
        n = sum(1 for a in detail.actions if a.status == ActionStatus.OPEN)
        how: Disposition | None = None
        target: int | None = None
        note = ""
        if n == 0:
            st.info(t("meetings.delete_no_items"))
        else:
            st.warning(t("meetings.delete_open_items", n=n))
            targets = {m.id: m for m in cached_read(svc.destinations_for_items, actor, meeting_id=detail.id)}
            choices = list(Disposition) if targets else [Disposition.DROP]
            how = st.radio(
                t("meetings.fields.disposition"),
                choices,
                index=None,
                format_func=lambda d: t(f"meetings.disposition.{d.value}"),
                key=f"meetings_delete_how_{detail.id}",
            )
            if not targets:
                st.caption(t("meetings.no_move_target"))
            if how == Disposition.MOVE:
                target = st.selectbox(
                    t("meetings.fields.move_to"),
                    list(targets),
                    format_func=lambda i: f"{fmt_date(targets[i].held_on, lang)} · {targets[i].title}",
                    key=f"meetings_delete_to_{detail.id}",
                )
            note = st.text_input(t("meetings.fields.disposition_note"), key=f"meetings_delete_note_{detail.id}")
        if st.button(t("meetings.delete_confirm"), type="primary", key=f"meetings_delete_go_{detail.id}"):
            if n and how == Disposition.MOVE and target is not None:
                done = t("meetings.deleted_moved", title=detail.title, n=n, target=targets[target].title)
            elif n and how == Disposition.DROP:
                done = t("meetings.deleted_dropped", title=detail.title, n=n)
            else:
                done = t("meetings.deleted", title=detail.title)
            deleted = run_write(
                lambda s: svc.delete_meeting(
                    s, actor, meeting_id=detail.id, today=today, disposition=how, move_to_meeting_id=target, note=note
                ),
                done,
                rerun=False,
            )
            if deleted is not FAILED:
                st.session_state[UNDO] = detail.id
                st.rerun()


def undo_bar(actor: Actor) -> None:
    """After a delete: the undo button; after an undo: what it restored and what stayed where."""
    meeting_id = st.session_state.get(UNDO)
    if meeting_id is None:
        return
    if st.button(t("meetings.undo"), key="meetings_undo_go", icon=":material/undo:"):
        restored = run_write(
            lambda s: svc.restore_meeting(s, actor, meeting_id=int(meeting_id)), restored_text, rerun=False
        )
        st.session_state.pop(UNDO, None)
        if restored is not FAILED:
            st.session_state["meetings_pick_new"] = int(meeting_id)
            st.rerun()


def restored_text(restored: svc.Restored) -> str:
    lang = current_language()
    parts = [t("meetings.restored", title=restored.title)]
    if restored.moved:
        places = "、".join(
            t("meetings.restored_moved_place", title=title, date=fmt_date(day, lang), n=n)
            for title, day, n in restored.moved
        )
        parts.append(t("meetings.restored_moved", places=places))
    if restored.dropped:
        parts.append(t("meetings.restored_dropped", n=restored.dropped))
    return "".join(parts) if lang == "zh_CN" else " ".join(parts)
