"""总览: the alliance at a glance."""

from functools import partial

import streamlit as st

from domain.enums import ActivityKind
from exports.format import fmt_date, fmt_number, fmt_percent, today_local
from locales import translate
from services import quarterly
from ui.kit import tables
from ui.kit.auth import require_role
from ui.kit.i18n import current_language, t
from ui.kit.safe import md_escape
from ui.overview import view as overview_view

actor = require_role()
today = today_local()
lang = current_language()
tr = partial(translate, lang)

st.title(t("overview.title"))
st.caption(t("overview.subtitle", date=fmt_date(today, lang)))

ov, overdue, agreements, recent = overview_view.load(today, actor.unit_id)

if ov.overdue_whistle_stages:
    st.warning(t("overview.whistle_overdue", n=ov.overdue_whistle_stages), icon=":material/campaign:")
    st.page_link("app_pages/whistle.py", label=t("overview.whistle_open"))

row1 = st.columns(4)
row1[0].metric(t("metrics.units"), fmt_number(ov.units), help=t("metrics.units_def"))
row1[1].metric(t("metrics.open_needs"), fmt_number(ov.open_needs), help=t("metrics.open_needs_def"))
row1[2].metric(t("metrics.projects_active"), fmt_number(ov.projects_active), help=t("metrics.projects_active_def"))
row1[3].metric(t("metrics.activities"), fmt_number(ov.activities_year), help=t("metrics.activities_def"))
row2 = st.columns(4)
row2[0].metric(
    t("metrics.six_items_completion"), fmt_percent(ov.six_items_completion), help=t("metrics.six_items_completion_def")
)
row2[1].metric(t("metrics.volunteer_hours"), fmt_number(ov.volunteer_hours_year), help=t("metrics.volunteer_hours_def"))
row2[2].metric(t("metrics.overdue_actions"), fmt_number(ov.overdue_actions), help=t("metrics.overdue_actions_def"))
row2[3].metric(
    t("metrics.expiring_agreements"), fmt_number(ov.expiring_agreements), help=t("metrics.expiring_agreements_def")
)

st.caption(quarterly.period_text(ov.quarter, tr, lambda d: fmt_date(d, lang)))
row3 = st.columns(4)
for col, fig in zip(row3, ov.quarter_figures, strict=False):
    col.metric(
        t(f"overview.quarter_{fig.key}"),
        quarterly.format_value(fig),
        delta=f"{quarterly.compared_with(ov.quarter, tr)}：{quarterly.change_text(fig, tr)}",
        delta_color="off",
        delta_arrow="off",
        help=t("overview.quarter_help"),
    )

left, right = st.columns([3, 2])
with left:
    st.altair_chart(overview_view.projects_by_stage_chart(ov), width="stretch")
with right:
    st.subheader(t("overview.next_meeting"))
    if ov.next_meeting_on:
        st.markdown(
            f"**{md_escape(ov.next_meeting_title)}**  \n{fmt_date(ov.next_meeting_on, lang)} · "
            f"{md_escape(ov.next_meeting_place)}"
        )
    else:
        st.caption(t("overview.no_next_meeting"))
    st.subheader(t("overview.overdue_items_mine" if actor.unit_id else "overview.overdue_items"))
    if overdue.empty:
        st.caption(t("overview.no_overdue"))
    else:
        tables.show(overdue, {"content": "fields.content", "unit": "fields.unit", "due_on": "fields.due_on"})

st.subheader(t("overview.agreements_due"))
if agreements.empty:
    st.caption(t("overview.no_agreements_due"))
else:
    tables.show(agreements, {"community": "fields.community", "unit": "fields.unit", "valid_to": "fields.valid_to"})

st.subheader(t("overview.recent"))
tables.show(
    recent,
    {
        "held_on": "fields.held_on",
        "unit": "fields.unit",
        "community": "fields.community",
        "kind": "fields.kind",
        "title": "fields.title",
    },
    enums={"kind": ActivityKind},
)
