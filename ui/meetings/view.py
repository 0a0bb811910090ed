"""联席会议 screens' pieces: minutes shown safely, the quarter strip, a meeting's detail with its
上次决议落实情况 review, the action-item tables and forms."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from domain.actor import Actor
from domain.enums import ActionStatus, MeetingKind
from domain.meetings import QuarterCoverage, QuarterState
from exports.format import fmt_date, fmt_percent
from exports.minutes_docx import minutes_docx
from services import meetings as svc
from services.meetings import ActionRow, MeetingDetail, MeetingInput
from services.reference import Option
from ui.kit import tables
from ui.kit.actions import FAILED, run_write
from ui.kit.i18n import current_language, label, t
from ui.kit.safe import md_escape
from ui.kit.state import cached_read

_BADGE = {
    QuarterState.HELD: "green",
    QuarterState.PLANNED: "blue",
    QuarterState.DUE: "orange",
    QuarterState.MISSING: "red",
    QuarterState.UPCOMING: "gray",
}


def quarter_strip(coverage: list[QuarterCoverage], *, year: int) -> None:
    """The year's four quarters: was the 季度联席会议 held? A quarter that ended without one is flagged."""
    cols = st.columns(4)
    for col, c in zip(cols, coverage, strict=True):
        col.markdown(
            f"**{t('meetings.quarter', year=year, q=c.quarter)}**  \n"
            f":{_BADGE[c.state]}-badge[{t('meetings.quarter_state.' + c.state.value)}]"
        )
    missing = [c.quarter for c in coverage if c.flagged]
    if missing:
        st.warning(
            t(
                "meetings.quarter_missing",
                year=year,
                quarters="、".join(t("meetings.quarter_short", q=q) for q in missing),
            ),
            icon=":material/event_busy:",
        )


def actions_frame(rows: list[ActionRow], *, with_meeting: bool = False) -> pd.DataFrame:
    lang = current_language()
    data = []
    for r in rows:
        row = {
            t("meetings.fields.overdue"): "⚠ " + t("meetings.overdue") if r.overdue else "",
            t("meetings.fields.content"): r.content,
            t("meetings.fields.owner"): r.owner_name,
            t("meetings.fields.due_on"): fmt_date(r.due_on, lang),
            t("meetings.fields.status"): label(r.status),
            t("meetings.fields.closing_note"): r.closing_note,
        }
        if with_meeting:
            row[t("meetings.fields.meeting")] = f"{fmt_date(r.meeting_held_on, lang)} {r.meeting_title}"
        data.append(row)
    return pd.DataFrame(data)


def show_actions(rows: list[ActionRow], *, with_meeting: bool = False, key: str) -> list[ActionRow]:
    """The items as a table, a page at a time when there are many; returns the rows shown."""
    if not rows:
        st.caption(t("common.none"))
        return rows
    total, rows = len(rows), tables.page_of(rows, key=f"{key}_page", page_size=15)
    df = actions_frame(rows, with_meeting=with_meeting)
    flag = t("meetings.fields.overdue")
    styled = df.style.apply(lambda r: ["background-color: #fde2e1" if r[flag] else "" for _ in r], axis=1)
    st.dataframe(styled, hide_index=True, width="stretch", key=key)
    tables.pager_under(total, key=f"{key}_page", page_size=15)
    return rows


def _item_label(r: ActionRow) -> str:
    lang = current_language()
    due = fmt_date(r.due_on, lang)
    return f"{'⚠ ' if r.overdue else ''}{r.owner_name}：{r.content[:30]}（{due}）"


def close_form(actor: Actor, rows: list[ActionRow], *, today: date, key: str) -> None:
    """Close an item (a liaison: their own unit's, marked done; meeting writers: done or dropped)."""
    closable = [r for r in rows if r.can_close]
    statuses = [
        s
        for s in (ActionStatus.DONE, ActionStatus.DROPPED)
        if any(
            actor.may_close_action(owner_unit_id=r.owner_unit_id, meeting_community_id=r.meeting_community_id, status=s)
            for r in closable
        )
    ]
    if not statuses:
        return
    with st.form(f"{key}_form"):
        st.markdown(f"**{t('meetings.close_title')}**")
        by_id = {r.id: r for r in closable}
        item = st.selectbox(
            t("meetings.fields.item"), list(by_id), key=f"{key}_item", format_func=lambda i: _item_label(by_id[i])
        )
        c1, c2 = st.columns(2)
        status = c1.radio(
            t("meetings.fields.outcome"), statuses, format_func=label, horizontal=True, key=f"{key}_status"
        )
        closed_on = c2.date_input(t("meetings.fields.closed_on"), today, key=f"{key}_date")
        note = st.text_input(t("meetings.fields.closing_note"), key=f"{key}_note")
        if st.form_submit_button(t("meetings.close"), type="primary"):
            run_write(
                lambda s: svc.close_action_item(s, actor, item_id=item, status=status, note=note, closed_on=closed_on),
                t("meetings.closed"),
            )


def review_form(actor: Actor, detail: MeetingDetail, rows: list[ActionRow], *, today: date) -> None:
    """上次决议落实情况: each open item taken up here (of those shown) is closed, dropped or carried over."""
    open_rows = [r for r in rows if r.status == ActionStatus.OPEN]
    if not detail.can_write or not open_rows:
        return
    outcomes = ["done", "dropped", "carry"]
    with st.form(f"meetings_review_form_{detail.id}"):
        st.markdown(f"**{t('meetings.review_title')}**")
        by_id = {r.id: r for r in open_rows}
        item = st.selectbox(
            t("meetings.fields.item"),
            list(by_id),
            key=f"meetings_review_item_{detail.id}",
            format_func=lambda i: _item_label(by_id[i]),
        )
        outcome = st.radio(
            t("meetings.fields.outcome"),
            outcomes,
            horizontal=True,
            format_func=lambda o: t(f"meetings.outcome.{o}"),
            key=f"meetings_review_outcome_{detail.id}",
        )
        c1, c2 = st.columns(2)
        when = c1.date_input(
            t("meetings.fields.closed_on"),
            min(today, detail.held_on) if detail.held_on <= today else today,
            key=f"meetings_review_date_{detail.id}",
        )
        new_due = c2.date_input(t("meetings.fields.new_due_on"), None, key=f"meetings_review_due_{detail.id}")
        note = st.text_input(t("meetings.fields.closing_note"), key=f"meetings_review_note_{detail.id}")
        if st.form_submit_button(t("meetings.record_outcome"), type="primary"):
            if outcome == "carry":
                act = lambda s: svc.carry_over_action_item(  # noqa: E731
                    s, actor, item_id=item, in_meeting_id=detail.id, due_on=new_due, note=note
                )
            else:
                act = lambda s: svc.close_action_item(  # noqa: E731
                    s, actor, item_id=item, status=outcome, note=note, closed_on=when, in_meeting_id=detail.id
                )
            run_write(act, t("meetings.outcome_recorded"))


def add_action_form(actor: Actor, detail: MeetingDetail, units: list[Option]) -> None:
    if not detail.can_write:
        return
    names = {u.id: u.name for u in units}
    with st.form(f"meetings_add_action_{detail.id}", clear_on_submit=True):
        st.markdown(f"**{t('meetings.add_action_title')}**")
        content = st.text_input(t("meetings.fields.content"), key=f"meetings_action_content_{detail.id}")
        c1, c2 = st.columns(2)
        owner = c1.selectbox(
            t("meetings.fields.owner"),
            list(names),
            format_func=names.__getitem__,
            index=None,
            placeholder=t("common.choose"),
            key=f"meetings_action_owner_{detail.id}",
        )
        due = c2.date_input(t("meetings.fields.due_on"), None, key=f"meetings_action_due_{detail.id}")
        if st.form_submit_button(t("meetings.add_action")):
            run_write(
                lambda s: svc.add_action_item(
                    s, actor, meeting_id=detail.id, content=content, owner_unit_id=owner, due_on=due
                ),
                t("meetings.action_added"),
            )


def meeting_header(detail: MeetingDetail) -> None:
    lang = current_language()
    st.subheader(md_escape(detail.title))
    st.caption(
        " · ".join(
            [
                label(detail.kind),
                fmt_date(detail.held_on, lang),
                md_escape(detail.place) or "—",
                md_escape(detail.community_name) or t("meetings.alliance"),
            ]
        )
    )
    came, invited = len(detail.attended_names), len(detail.attendance)
    line = f"**{t('meetings.fields.convenor')}**：{md_escape(detail.convenor_name) or '—'}"
    if invited:
        line += "　" + t("meetings.attendance_line", came=came, invited=invited, rate=fmt_percent(came / invited))
    st.markdown(line)


def attendance_summary(detail: MeetingDetail) -> None:
    sep = "、" if current_language() == "zh_CN" else ", "
    st.markdown(f"**{t('meetings.fields.attended')}**：" + (md_escape(sep.join(detail.attended_names)) or "—"))
    if detail.absent_names:
        st.markdown(f"**{t('meetings.fields.absent')}**：" + md_escape(sep.join(detail.absent_names)))


def docx_button(detail: MeetingDetail) -> None:
    lang = current_language()
    st.download_button(
        # built when clicked: a county's minutes carry thousands of action items
        t("meetings.download_docx"),
        data=lambda: minutes_docx(detail, lang=lang),
        file_name=f"minutes-{detail.held_on.isoformat()}-{detail.id}.docx",
        key=f"meetings_docx_{detail.id}",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


def suggested_title(kind: MeetingKind, held_on: date, community: str) -> str:
    q = (held_on.month - 1) // 3 + 1
    if kind == MeetingKind.QUARTERLY:
        return t("meetings.title_quarterly", year=held_on.year, q=q)
    if kind == MeetingKind.REGULAR:
        return t("meetings.title_regular", community=community or t("meetings.alliance"), month=held_on.month)
    return t("meetings.title_matching", year=held_on.year, month=held_on.month)


def meeting_form(
    actor: Actor,
    *,
    key: str,
    units: list[Option],
    scope: int | None,
    kind: MeetingKind,
    held_on: date,
    scope_unit_ids: list[int],
    base: MeetingDetail | None = None,
    default_title: str = "",
    default_agenda: str = "",
    invite_all: bool = False,
) -> MeetingInput | None:
    """The fields of a meeting; returns the input when submitted (``invite_all``: every unit of the
    scope invited and marked present, without the two pickers)."""
    names = {u.id: u.name for u in units}
    convenors: list[int | None] = [None, *names]
    with st.form(key):
        title = st.text_input(t("meetings.fields.title"), base.title if base else default_title, key=f"{key}_title")
        if base is not None:  # a new meeting's date is chosen above the form (it decides the review)
            held_on = st.date_input(t("meetings.fields.held_on"), base.held_on, key=f"{key}_held_on")
        c1, c2 = st.columns(2)
        place = c1.text_input(t("meetings.fields.place"), base.place if base else "", key=f"{key}_place")
        convenor = c2.selectbox(
            t("meetings.fields.convenor"),
            convenors,
            key=f"{key}_convenor",
            index=convenors.index(base.convenor_unit_id) if base and base.convenor_unit_id in names else 0,
            format_func=lambda i: t("meetings.convenor_default") if i is None else names[i],
        )
        invited_default = [a.unit_id for a in base.attendance] if base else scope_unit_ids
        attended_default = [a.unit_id for a in base.attendance if a.attended] if base else scope_unit_ids
        if invite_all:
            st.caption(t("meetings.invite_all_note", n=len(scope_unit_ids)))
            invited, attended = list(scope_unit_ids), list(scope_unit_ids)
        else:
            invited, attended = (
                st.multiselect(
                    t(f"meetings.fields.{f}"),
                    list(names),
                    d,
                    format_func=names.__getitem__,
                    placeholder=t("common.choose_many"),
                    key=f"{key}_{f}",
                )
                for f, d in (("invited", invited_default), ("attended", attended_default))
            )
        agenda = st.text_area(t("meetings.fields.agenda"), base.agenda if base else default_agenda, key=f"{key}_agenda")
        minutes = st.text_area(
            t("meetings.fields.minutes"),
            base.minutes if base else "",
            height=200,
            key=f"{key}_minutes",
            help=t("meetings.minutes_help"),
        )
        decisions = st.text_area(t("meetings.fields.decisions"), base.decisions if base else "", key=f"{key}_decisions")
        if st.form_submit_button(t("common.save"), type="primary"):
            return MeetingInput(
                kind=kind,
                title=title,
                held_on=held_on,
                place=place,
                community_id=scope,
                convenor_unit_id=convenor,
                invited_unit_ids=invited,
                attended_unit_ids=attended,
                agenda=agenda,
                minutes=minutes,
                decisions=decisions,
            )
    return None


MANY_UNITS = 60  # more units in a scope than one would pick by hand


def new_meeting(actor: Actor, *, communities: list[Option], units: list[Option], today: date) -> None:
    """Record a meeting. Its agenda opens with 上次决议落实情况: the open items it will take up."""
    names = {c.id: c.name for c in communities}
    scopes: list[int | None] = [None, *names] if actor.is_admin else [None, actor.community_id]
    c1, c2, c3 = st.columns(3)
    kind = c1.selectbox(
        t("meetings.fields.kind"), list[MeetingKind](MeetingKind), format_func=label, key="meetings_new_kind"
    )
    scope = c2.selectbox(
        t("meetings.fields.scope"),
        scopes,
        key="meetings_new_scope",
        format_func=lambda i: t("meetings.alliance") if i is None else names.get(i, ""),
    )
    held_on = c3.date_input(t("meetings.fields.held_on"), today, key="meetings_new_date")
    carried = cached_read(svc.open_items_for_new_meeting, actor, community_id=scope, held_on=held_on, today=today)
    scope_units = cached_read(svc.scope_units, community_id=scope)
    overdue = sum(r.overdue for r in carried)
    st.markdown(f"**{t('meetings.review_title')}**")
    if carried:
        st.caption(t("meetings.carry_preview", n=len(carried), overdue=overdue))
        with st.expander(t("meetings.carry_list")):
            show_actions(carried, with_meeting=True, key="meetings_new_carried")
    else:
        st.caption(t("meetings.carry_none"))
    agenda = t("meetings.agenda_template", n=len(carried))
    # an alliance-wide meeting of a county expects hundreds of units: invite them all at once rather
    # than as hundreds of preselected entries in two pickers (attendance can be corrected afterwards)
    invite_all = len(scope_units) > MANY_UNITS and st.checkbox(
        t("meetings.invite_all", n=len(scope_units)), value=True, key="meetings_new_invite_all"
    )
    title = suggested_title(kind, held_on, names.get(scope, "") if scope is not None else "")
    # the date is in the key: a keyed widget keeps its first value, so without it the suggested title
    # and the agenda's "上次决议落实情况（n 项）" would not follow a newly chosen date
    data = meeting_form(
        actor,
        key=f"meetings_new_form_{kind.value}_{scope}_{held_on.isoformat()}",
        units=units,
        scope=scope,
        kind=kind,
        held_on=held_on,
        scope_unit_ids=scope_units,
        default_title=title,
        default_agenda=agenda,
        invite_all=invite_all,
    )
    if data is not None:
        new_id = run_write(
            lambda s: svc.create_meeting(s, actor, data=data), t("meetings.created", n=len(carried)), rerun=False
        )
        if new_id is not FAILED:
            st.session_state["meetings_pick_new"] = new_id
            st.rerun()
