"""The 联席会议 page's tabs: the meetings list with the picked meeting, action items, attendance."""

from __future__ import annotations

from datetime import date

import streamlit as st

from domain.actor import Actor
from domain.enums import ActionStatus, MeetingKind
from exports import charts
from exports.calendar_ics import meetings_ics
from exports.format import fmt_date
from services import meetings as svc
from services.reference import Option
from ui.kit import tables
from ui.kit.actions import run_write
from ui.kit.i18n import current_language, label, t
from ui.kit.safe import show_user_markdown
from ui.kit.state import cached_read, session_scope
from ui.kit.tabs import lazy_expander, named_tabs
from ui.meetings import delete as meetings_delete
from ui.meetings import view

DETAIL_TAB = "meetings_detail_tab"  # the open tab of a meeting's detail, kept by name


def actions_panel(actor: Actor, units: list[Option], today: date) -> None:
    """Action items filtered and paged on the server, with the closing form (a liaison: their unit's)."""
    a1, a2, a3 = st.columns([1, 2, 1])
    status = a1.selectbox(
        t("meetings.fields.status"),
        [ActionStatus.OPEN, ActionStatus.DONE, ActionStatus.DROPPED, None],
        format_func=lambda x: t("common.all") if x is None else label(x),
        key="meetings_a_status",
    )
    unit_names = {u.id: u.name for u in units}
    unit = (
        None
        if actor.is_liaison
        else a2.selectbox(
            t("meetings.fields.owner"),
            [None, *unit_names],
            key="meetings_a_unit",
            format_func=lambda i: t("common.all") if i is None else unit_names[i],
        )
    )
    late = a3.toggle(t("meetings.overdue_only"), key="meetings_a_overdue")
    if actor.is_liaison:
        st.caption(t("meetings.liaison_scope"))
    n = cached_read(svc.count_action_items, actor, today=today, status=status, unit_id=unit, overdue_only=late)
    table = st.container()  # the items above their pager
    a_offset, a_limit = tables.pager(n, key="meetings_a_page", page_size=15)
    rows = cached_read(
        svc.list_action_items,
        actor,
        today=today,
        status=status,
        unit_id=unit,
        overdue_only=late,
        offset=a_offset,
        limit=a_limit,
    )
    with table:
        view.show_actions(rows, with_meeting=True, key="meetings_a_table")
    view.close_form(actor, rows, today=today, key="meetings_close")


@st.fragment  # its filters rerun only this panel, not the page
def attendance_panel(years: list[int], today: date) -> None:
    """Each unit's attendance rate for a year, charted and listed."""
    y = st.selectbox(t("common.year"), years, key="meetings_att_year")
    rates = cached_read(
        svc.attendance_rates, start=today.replace(year=y, month=1, day=1), end=today.replace(year=y, month=12, day=31)
    )
    if rates.empty:
        st.caption(t("common.none"))
    else:
        shown = rates.assign(pct=(rates["rate"] * 100).round(0))
        lowest = shown.nsmallest(charts.UNITS_NAMED, "rate") if len(shown) > charts.UNITS_NAMED else shown
        st.altair_chart(
            charts.bar(
                lowest,
                x="unit",
                y="pct",
                title=t("meetings.attendance_chart", year=y),
                x_title=t("meetings.fields.owner"),
                y_title=t("meetings.fields.rate_pct"),
                horizontal=True,
                sort="x",
                tr=t,
            ),
            width="stretch",
        )
        if len(shown) > charts.UNITS_NAMED:
            st.caption(t("charts.lowest_note", n=charts.UNITS_NAMED))
        tables.show(
            shown,
            {
                "unit": "meetings.fields.owner",
                "invited": "meetings.fields.invited_n",
                "attended": "meetings.fields.attended_n",
                "pct": "meetings.fields.rate_pct",
            },
            page_key="meetings_att_page",
        )


def detail_panel(actor: Actor, detail: svc.MeetingDetail, units: list[Option], today: date) -> None:
    """One meeting: agenda, 上次决议落实情况, minutes and decisions, action items, attendance, edit."""
    with st.container(border=True):
        view.meeting_header(detail)
        # Named tabs: the counts in their labels change when an item is added, and the open tab
        # must stay open (an unkeyed or label-keyed group went back to 议题).
        d_agenda, d_review, d_minutes, d_actions, d_people = named_tabs(
            {
                "agenda": t("meetings.fields.agenda"),
                "review": t("meetings.review_tab", n=len(detail.review)),
                "minutes": t("meetings.minutes_tab"),
                "actions": t("meetings.actions_tab", n=len(detail.actions)),
                "people": t("meetings.fields.attendance"),
            },
            key=DETAIL_TAB,
        ).values()
        with d_agenda:
            show_user_markdown(detail.agenda)
        with d_review:
            st.caption(t("meetings.review_help"))
            shown = view.show_actions(detail.review, with_meeting=True, key=f"meetings_review_table_{detail.id}")
            view.review_form(actor, detail, shown, today=today)
        with d_minutes:
            show_user_markdown(detail.minutes, empty_key="meetings.no_minutes")
            st.markdown(f"**{t('meetings.fields.decisions')}**")
            show_user_markdown(detail.decisions)
        with d_actions:
            view.show_actions(detail.actions, key=f"meetings_actions_table_{detail.id}")
            view.add_action_form(actor, detail, units)
        with d_people:
            view.attendance_summary(detail)
        view.docx_button(detail)
        meetings_delete.delete_panel(actor, detail, today)
        box = (
            lazy_expander(t("meetings.edit_title"), key=f"meetings_edit_open_{detail.id}") if detail.can_write else None
        )
        if box is not None and box.open:
            with box:
                data = view.meeting_form(
                    actor,
                    key=f"meetings_edit_{detail.id}",
                    units=units,
                    scope=detail.community_id,
                    kind=detail.kind,
                    held_on=detail.held_on,
                    scope_unit_ids=[],
                    base=detail,
                )
                if data:
                    run_write(
                        lambda s: svc.update_meeting(s, actor, meeting_id=detail.id, data=data), t("common.saved")
                    )


def list_panel(actor: Actor, years: list[int], units: list[Option], today: date) -> None:
    """The meetings, filtered and paged; the one picked in full; the calendar download."""
    lang = current_language()
    f1, f2, f3 = st.columns([1, 1, 2])
    year = f1.selectbox(
        t("common.year"),
        [None, *years],
        key="meetings_f_year",
        format_func=lambda y: t("common.all") if y is None else str(y),
    )
    kind = f2.selectbox(
        t("meetings.fields.kind"),
        [None, *MeetingKind],
        key="meetings_f_kind",
        format_func=lambda k: t("common.all") if k is None else label(k),
    )
    query = f3.text_input(t("meetings.search"), key="meetings_f_query", placeholder=t("meetings.search_hint"))
    total = cached_read(svc.count_meetings, year=year, kind=kind, query=query)
    table = st.container()  # the table above its pager
    offset, limit = tables.pager(total, key="meetings_page", page_size=10)
    page = cached_read(svc.list_meetings, year=year, kind=kind, query=query, offset=offset, limit=limit)

    if page.empty:
        table.info(t("meetings.none_found"))
    else:
        page["community"] = page["community"].fillna(t("meetings.alliance"))
        with table:
            tables.show(
                page,
                {
                    "held_on": "meetings.fields.held_on",
                    "kind": "meetings.fields.kind",
                    "title": "meetings.fields.title",
                    "community": "meetings.fields.scope",
                    "convenor": "meetings.fields.convenor",
                    "attended": "meetings.fields.attended",
                    "open_items": "meetings.fields.open_items",
                },
                enums={"kind": MeetingKind},
            )
        choices = dict(zip(page["id"].astype(int), page["title"], strict=True))
        dates = dict(zip(page["id"].astype(int), page["held_on"], strict=True))
        if (new_id := st.session_state.pop("meetings_pick_new", None)) in choices:
            st.session_state["meetings_pick"] = new_id
        picked = st.selectbox(
            t("meetings.pick"),
            list(choices),
            key="meetings_pick",
            format_func=lambda i: f"{fmt_date(dates[i], lang)} · {choices[i]}",
        )
        detail = cached_read(svc.get_meeting, actor, meeting_id=picked, today=today)
        detail_panel(actor, detail, units, today)
    st.download_button(
        t("meetings.download_ics"),
        lambda: _calendar(today),
        file_name=f"meetings-{today.year}.ics",
        mime="text/calendar",
        key="meetings_dl_ics",
    )


def _calendar(today: date) -> bytes:  # built when the download is clicked
    lang = current_language()
    with session_scope() as s:
        entries = svc.calendar_entries(
            s, start=today.replace(month=1, day=1), end=today.replace(year=today.year + 1, month=12, day=31)
        )
    return meetings_ics(entries, lang=lang)
