"""总览: the alliance at a glance."""

import streamlit as st

from domain.enums import ActivityKind
from exports.format import fmt_date, today_local
from ui.kit import tables
from ui.kit.auth import require_role
from ui.kit.i18n import current_language, t
from ui.kit.safe import md_escape
from ui.overview import view as overview_view

actor = require_role()
today = today_local()
lang = current_language()

st.title(t("overview.title"))
st.caption(t("overview.subtitle", date=fmt_date(today, lang)))

page, overdue = overview_view.load(actor, today)
ov = page.figures

if ov.overdue_whistle_stages:
    st.warning(t("overview.whistle_overdue", n=ov.overdue_whistle_stages), icon=":material/campaign:")
    st.page_link("app_pages/whistle.py", label=t("overview.whistle_open"))

overview_view.kpi_tiles(ov)
overview_view.quarter_tiles(ov, lang)

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
if page.agreements.empty:
    st.caption(t("overview.no_agreements_due"))
else:
    tables.show(
        page.agreements, {"community": "fields.community", "unit": "fields.unit", "valid_to": "fields.valid_to"}
    )

st.subheader(t("overview.recent"))
tables.show(
    page.recent,
    {
        "held_on": "fields.held_on",
        "unit": "fields.unit",
        "community": "fields.community",
        "kind": "fields.kind",
        "title": "fields.title",
    },
    enums={"kind": ActivityKind},
)
