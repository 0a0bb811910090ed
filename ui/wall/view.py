"""The public board's widgets (/wall): the communities, one community's board and its forms.

It reaches only services/wall.py, whose reads return public fields (tests/test_architecture.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import streamlit as st
from sqlalchemy.orm import Session

from domain import residents as rules
from domain.errors import AppError
from exports.format import fmt_date, fmt_datetime, today_local
from services import wall
from ui.kit.actions import FAILED, run_write
from ui.kit.i18n import current_language, error_message, label, t
from ui.kit.public import current_client
from ui.kit.safe import md_escape
from ui.kit.state import cached_read

FORM_KEYS = ("wall_text", "wall_category", "wall_wish", "wall_name", "wall_show_name", "wall_phone", "wall_hp")
DONE_KEY = "wall_done"


def community_from_query() -> int | None:
    raw = st.query_params.get("c")
    if raw is None or raw == "":
        return None
    try:
        return int(str(raw))
    except ValueError:
        return -1  # not a number: no community has it


def communities_index() -> None:
    st.title(t("wall.title"))
    st.caption(t("wall.subtitle"))
    items = cached_read(wall.list_public_communities)
    if not items:
        st.info(t("wall.no_communities"))
        return
    for c in items:
        caption = f"{c.name}（{c.street}）" if c.street else c.name
        if st.button(caption, key=f"wall_open_{c.id}", use_container_width=True):
            st.query_params["c"] = str(c.id)
            st.rerun()


def board(community_id: int) -> None:
    today = today_local()
    try:
        data = cached_read(wall.public_board, community_id=community_id, today=today)
    except AppError as err:
        st.warning(error_message(err))
        if st.button(t("wall.back"), key="wall_back_missing"):
            st.query_params.clear()
            st.rerun()
        return
    st.title(t("wall.board_title", community=data.community.name))
    st.caption(t("wall.board_caption"))
    if st.button(t("wall.back"), key="wall_back"):
        st.query_params.clear()
        st.rerun()
    intake_form(community_id)
    publicity_section(data, today)
    needs_section(data)
    projects_section(data)


def _clear_form() -> None:
    for key in FORM_KEYS:
        st.session_state.pop(key, None)


def intake_form(community_id: int) -> None:
    st.subheader(t("wall.form_heading"))
    done = st.session_state.pop(DONE_KEY, None)
    if done:
        st.success(t("wall.received", number=done))
    categories = cached_read(wall.list_public_categories)
    names = {c.id: c.name for c in categories}
    with st.form("wall_form", border=True):
        text = st.text_area(t("wall.fields.text"), key="wall_text", max_chars=rules.TEXT_MAX)
        options: list[int | None] = [None, *names]
        category = st.selectbox(
            t("wall.fields.category"),
            options,
            format_func=lambda i: t("wall.category_unsure") if i is None else names[i],
            key="wall_category",
        )
        wish = st.checkbox(t("wall.fields.wish"), key="wall_wish", help=t("wall.wish_help"))
        name = st.text_input(t("wall.fields.name"), key="wall_name", max_chars=rules.NAME_MAX)
        show_name = st.checkbox(t("wall.fields.show_name"), key="wall_show_name")
        phone = st.text_input(t("wall.fields.phone"), key="wall_phone", max_chars=rules.PHONE_MAX)
        st.caption(t("wall.privacy"))
        honeypot = st.text_input(t("wall.fields.honeypot"), key="wall_hp")  # not a field: hidden, bots fill it
        if st.form_submit_button(t("wall.submit"), type="primary"):
            _send(
                lambda s: wall.submit_request(
                    s,
                    community_id=community_id,
                    client=current_client(),
                    text=text,
                    category_id=category,
                    micro_wish=wish,
                    display_name=name,
                    show_name=show_name,
                    phone=phone,
                    honeypot=honeypot,
                ),
                clear=_clear_form,
            )


def _send(action: Callable[[Session], wall.Receipt], *, clear: Callable[[], None], done_key: str = DONE_KEY) -> None:
    """A resident's submission: the receipt's number is shown beside the form it came from (its own
    key, not the staff pages' message above the page: the form may be far down a phone's screen)."""
    receipt = run_write(action, rerun=False, error=_public_error)
    if receipt is FAILED:
        return
    clear()
    st.session_state[done_key] = receipt.number
    st.rerun()


def _public_error(err: AppError) -> str:
    if isinstance(err, wall.RateLimited):
        return t("wall.errors.rate_limited", until=fmt_datetime(err.until, current_language()))
    return error_message(err)


def publicity_section(data: wall.PublicBoard, today: date) -> None:
    if not data.publicities:
        return
    lang = current_language()
    st.subheader(t("wall.publicity_heading"))
    for p in data.publicities:
        with st.container(border=True):
            st.markdown(f"**{md_escape(p.title)}** · {label(p.kind)}")
            st.caption(t("wall.period", start=fmt_date(p.starts_on, lang), end=fmt_date(p.ends_on, lang)))
            if p.note:
                st.text(p.note)
            for title in p.projects:
                st.markdown(f"- {md_escape(title)}")
            if p.open_now:
                done = st.session_state.pop(f"{DONE_KEY}_{p.id}", None)
                if done:
                    st.success(t("wall.objection_received", number=done))
                _objection_form(p.id, today)
            else:
                st.caption(t("wall.publicity_closed"))


def _objection_form(publicity_id: int, today: date) -> None:
    keys = (f"wall_obj_text_{publicity_id}", f"wall_obj_name_{publicity_id}", f"wall_obj_phone_{publicity_id}")
    with st.expander(t("wall.objection_open"), key=f"wall_obj_box_{publicity_id}"):
        with st.form(f"wall_obj_form_{publicity_id}", border=False):
            text = st.text_area(t("wall.fields.objection"), key=keys[0], max_chars=rules.TEXT_MAX)
            name = st.text_input(t("wall.fields.name"), key=keys[1], max_chars=rules.NAME_MAX)
            phone = st.text_input(t("wall.fields.phone"), key=keys[2], max_chars=rules.PHONE_MAX)
            honeypot = st.text_input(t("wall.fields.honeypot"), key="wall_obj_hp")
            if st.form_submit_button(t("wall.objection_submit"), type="primary"):

                def clear() -> None:
                    for key in (*keys, "wall_obj_hp"):
                        st.session_state.pop(key, None)

                _send(
                    lambda s: wall.lodge_objection(
                        s,
                        publicity_id=publicity_id,
                        client=current_client(),
                        text=text,
                        display_name=name,
                        phone=phone,
                        honeypot=honeypot,
                        today=today,
                    ),
                    clear=clear,
                    done_key=f"{DONE_KEY}_{publicity_id}",
                )


def needs_section(data: wall.PublicBoard) -> None:
    st.subheader(t("wall.needs_heading"))
    if not data.needs:
        st.caption(t("wall.no_needs"))
        return
    for n in data.needs:
        kind = t("wall.kind_wish") if n.is_micro_wish else t("wall.kind_need")
        claim = t("wall.claimed_by", unit=n.claimed_by) if n.claimed_by else label(n.status)
        st.markdown(f"**{md_escape(n.title)}**  \n{kind} · {md_escape(n.category)} · {md_escape(claim)}")


def projects_section(data: wall.PublicBoard) -> None:
    st.subheader(t("wall.projects_heading"))
    if not data.projects:
        st.caption(t("wall.no_projects"))
        return
    lang = current_language()
    for p in data.projects:
        with st.container(border=True):
            st.markdown(f"**{md_escape(p.title)}** · {label(p.stage)}")
            st.progress(min(max(p.progress, 0), 100) / 100, text=t("wall.progress", percent=p.progress))
            for m in p.milestones:
                mark = "✓" if m.done else "○"
                st.markdown(f"{mark} {fmt_date(m.due_on, lang)} {md_escape(m.title)}")


def language_slot():  # type: ignore[no-untyped-def]
    """Below a line at the end of the page, for the 中文 / English switch."""
    st.divider()
    return st.container()
