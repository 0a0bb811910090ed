"""联席会议: meetings with minutes and decisions, action items and their follow-up, attendance."""

import streamlit as st

from domain.enums import MeetingKind, Role
from exports.calendar_ics import meetings_ics
from exports.format import fmt_date, fmt_number, today_local
from services import meetings as svc
from services import reference
from ui.kit import tables
from ui.kit.auth import require_role
from ui.kit.i18n import current_language, label, t
from ui.kit.state import cached_read, session_scope
from ui.kit.tabs import lazy_tabs, show_open
from ui.meetings import delete as meetings_delete
from ui.meetings import panels, view

actor = require_role()
lang, today = current_language(), today_local()


def _calendar() -> bytes:  # built when the download is clicked
    with session_scope() as s:
        entries = svc.calendar_entries(
            s, start=today.replace(month=1, day=1), end=today.replace(year=today.year + 1, month=12, day=31)
        )
    return meetings_ics(entries, lang=lang)


writer = actor.role in (Role.ADMIN, Role.COMMUNITY)
st.title(t("meetings.title"))
st.caption(t("meetings.subtitle"))
view.flash()
meetings_delete.undo_bar(actor)

# Reads are cached by their arguments until a write to an area they read (ui.kit.state.cached_read, db/areas.py).
communities = cached_read(reference.list_communities)
units = cached_read(reference.list_units)
years = cached_read(svc.meeting_years) or [today.year]
overdue = cached_read(svc.overdue_count, today=today)
coverage = cached_read(svc.quarter_coverage, year=today.year, today=today)

left, right = st.columns([4, 1])
with left:
    view.quarter_strip(coverage, year=today.year)
right.metric(t("metrics.overdue_actions"), fmt_number(overdue), help=t("metrics.overdue_actions_def"))

# Only the open tab runs: the action items and the attendance each read years of meetings.
tabs = lazy_tabs(
    ["list", "actions", "attendance", *(["new"] if writer else [])], key="meetings_tab", prefix="meetings.tab_"
)


def list_tab() -> None:
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
    total = cached_read(svc.count_meetings, actor, year=year, kind=kind, query=query)
    table = st.container()  # the table above its pager
    offset, limit = tables.pager(total, key="meetings_page", page_size=10)
    page = cached_read(svc.list_meetings, actor, year=year, kind=kind, query=query, offset=offset, limit=limit)

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
        panels.detail_panel(actor, detail, units, today)
    st.download_button(
        t("meetings.download_ics"),
        _calendar,
        file_name=f"meetings-{today.year}.ics",
        mime="text/calendar",
        key="meetings_dl_ics",
    )


bodies = {
    "list": list_tab,
    "actions": lambda: panels.actions_panel(actor, units, today),
    "attendance": lambda: panels.attendance_panel(years, today),
    "new": lambda: view.new_meeting(actor, communities=communities, units=units, today=today),
}
show_open(tabs, bodies)
