"""联席会议: meetings with minutes and decisions, action items and their follow-up, attendance."""

import streamlit as st

from domain.enums import ActionStatus, MeetingKind, Role
from exports.calendar_ics import meetings_ics
from services import meetings as svc
from services import reference
from ui import charts, tables
from ui import meetings_view as view
from ui.auth import require_role
from ui.format import fmt_date, fmt_number, today_local
from ui.i18n import current_language, label, t
from ui.state import session_scope

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

with session_scope() as s:
    communities = reference.list_communities(s)
    units = reference.list_units(s)
    years = svc.meeting_years(s) or [today.year]
    overdue = svc.overdue_count(s, today=today)
    coverage = svc.quarter_coverage(s, year=today.year, today=today)
names = {c.id: c.name for c in communities}

left, right = st.columns([4, 1])
with left:
    view.quarter_strip(coverage, year=today.year)
right.metric(t("metrics.overdue_actions"), fmt_number(overdue), help=t("metrics.overdue_actions_def"))

tab_names = [t("meetings.tab_list"), t("meetings.tab_actions"), t("meetings.tab_attendance")]
tabs = st.tabs(tab_names + ([t("meetings.tab_new")] if writer else []))

with tabs[0]:
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
    with session_scope() as s:
        total = svc.count_meetings(s, actor, year=year, kind=kind, query=query)
    offset, limit = tables.pager(total, key="meetings_page", page_size=10)
    with session_scope() as s:
        page = svc.list_meetings(s, actor, year=year, kind=kind, query=query, offset=offset, limit=limit)

    if page.empty:
        st.info(t("meetings.none_found"))
    else:
        page["community"] = page["community"].fillna(t("meetings.alliance"))
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
        with session_scope() as s:
            detail = svc.get_meeting(s, actor, meeting_id=picked, today=today)
        with st.container(border=True):
            view.meeting_header(detail)
            d_agenda, d_review, d_minutes, d_actions, d_people = st.tabs(
                [
                    t("meetings.fields.agenda"),
                    t("meetings.review_tab", n=len(detail.review)),
                    t("meetings.minutes_tab"),
                    t("meetings.actions_tab", n=len(detail.actions)),
                    t("meetings.fields.attendance"),
                ]
            )
            with d_agenda:
                view.show_markdown(detail.agenda)
            with d_review:
                st.caption(t("meetings.review_help"))
                view.show_actions(detail.review, with_meeting=True, key=f"meetings_review_table_{detail.id}")
                view.review_form(actor, detail, today=today)
            with d_minutes:
                view.show_markdown(detail.minutes, empty_key="meetings.no_minutes")
                st.markdown(f"**{t('meetings.fields.decisions')}**")
                view.show_markdown(detail.decisions)
            with d_actions:
                view.show_actions(detail.actions, key=f"meetings_actions_table_{detail.id}")
                view.add_action_form(actor, detail, units)
            with d_people:
                view.attendance_text(detail)
            view.docx_button(detail)
            if detail.can_write:
                with st.expander(t("meetings.edit_title")):
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
                    if (
                        data
                        and view.run(
                            lambda s: svc.update_meeting(s, actor, meeting_id=detail.id, data=data), t("common.saved")
                        )[0]
                    ):
                        st.rerun()
    st.download_button(
        t("meetings.download_ics"),
        _calendar,
        file_name=f"meetings-{today.year}.ics",
        mime="text/calendar",
        key="meetings_dl_ics",
    )

with tabs[1]:
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
        if actor.role == Role.LIAISON
        else a2.selectbox(
            t("meetings.fields.owner"),
            [None, *unit_names],
            key="meetings_a_unit",
            format_func=lambda i: t("common.all") if i is None else unit_names[i],
        )
    )
    late = a3.toggle(t("meetings.overdue_only"), key="meetings_a_overdue")
    if actor.role == Role.LIAISON:
        st.caption(t("meetings.liaison_scope"))
    with session_scope() as s:
        n = svc.count_action_items(s, actor, today=today, status=status, unit_id=unit, overdue_only=late)
    a_offset, a_limit = tables.pager(n, key="meetings_a_page", page_size=15)
    with session_scope() as s:
        rows = svc.list_action_items(
            s, actor, today=today, status=status, unit_id=unit, overdue_only=late, offset=a_offset, limit=a_limit
        )
    view.show_actions(rows, with_meeting=True, key="meetings_a_table")
    view.close_form(actor, rows, today=today, key="meetings_close")

with tabs[2]:
    y = st.selectbox(t("common.year"), years, key="meetings_att_year")
    with session_scope() as s:
        rates = svc.attendance_rates(
            s, start=today.replace(year=y, month=1, day=1), end=today.replace(year=y, month=12, day=31)
        )
    if rates.empty:
        st.caption(t("common.none"))
    else:
        shown = rates.assign(pct=(rates["rate"] * 100).round(0))
        st.altair_chart(
            charts.bar(
                shown,
                x="unit",
                y="pct",
                title=t("meetings.attendance_chart", year=y),
                x_title=t("meetings.fields.owner"),
                y_title=t("meetings.fields.rate_pct"),
                horizontal=True,
                sort="x",
            ),
            width="stretch",
        )
        tables.show(
            shown,
            {
                "unit": "meetings.fields.owner",
                "invited": "meetings.fields.invited_n",
                "attended": "meetings.fields.attended_n",
                "pct": "meetings.fields.rate_pct",
            },
        )

if writer:
    with tabs[3]:
        view.new_meeting(actor, communities=communities, units=units, today=today)
