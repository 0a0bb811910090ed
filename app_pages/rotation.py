"""轮值主席: the year's monthly chairs as a calendar, with exports and (admin) adjustments."""

import streamlit as st

from domain.working_days import uses_fallback
from exports import charts
from exports.calendar_ics import rotation_ics
from exports.format import fmt_month, today_local
from exports.rotation_xlsx import rotation_xlsx
from services import reference
from services import rotation as rotation_service
from ui.kit import tables
from ui.kit.auth import require_role
from ui.kit.i18n import current_language, t
from ui.kit.safe import md_escape
from ui.kit.state import session_scope
from ui.rotation import view

actor = require_role()
lang, today = current_language(), today_local()
st.title(t("rotation.title"))
st.caption(t("rotation.subtitle"))
view.flash()

with session_scope() as s:
    communities = reference.list_communities(s)
names = {c.id: c.name for c in communities}
scopes = [None, *names]
own = actor.home_community_id

c1, c2 = st.columns([3, 1])
scope = c1.selectbox(
    t("rotation.fields.scope"),
    scopes,
    key="rotation_scope",
    format_func=lambda i: t("rotation.alliance") if i is None else names[i],
)
scope_name = t("rotation.alliance") if scope is None else names[scope]
with session_scope() as s:
    years = rotation_service.rotation_years(s, community_id=scope, today=today)
year = c2.selectbox(t("common.year"), years, index=years.index(today.year), key="rotation_year")

with session_scope() as s:
    slots = rotation_service.get_year(s, year=year, community_id=scope)
    counts = rotation_service.chair_counts(s, community_id=scope)
    log = rotation_service.change_log(s, year=year, community_id=scope)
    units = reference.list_units(s, active_only=True) if actor.is_admin else []

if scope is not None and not slots and own == scope:
    st.info(t("rotation.community_uses_alliance"))

this = next((x for x in slots if (year, x.month) == (today.year, today.month)), None)
if this is not None:
    st.markdown(t("rotation.now_chairing", month=fmt_month(year, this.month, lang), unit=md_escape(this.chair_name)))

tab_names = [t("rotation.tab_calendar"), t("rotation.tab_stats"), t("rotation.tab_log")]
if actor.is_admin:
    tab_names.append(t("rotation.tab_manage"))
tabs = st.tabs(tab_names)

with tabs[0]:
    if not slots:
        st.info(t("rotation.empty_year", year=year))
    view.month_grid(slots, year=year, today=today)
    if slots:
        if uses_fallback(year):
            st.caption(t("rotation.fallback_notice", year=year))
        else:
            st.caption(t("rotation.holidays_notice"))
        d1, d2, _ = st.columns([1, 1, 2])
        d1.download_button(
            t("rotation.download_xlsx"),
            key="rotation_dl_xlsx",
            data=rotation_xlsx(slots, year=year, scope_name=scope_name, lang=lang),
            file_name=f"rotation-{year}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        d2.download_button(
            t("rotation.download_ics"),
            key="rotation_dl_ics",
            data=rotation_ics(slots, scope_name=scope_name, lang=lang),
            file_name=f"rotation-{year}.ics",
            mime="text/calendar",
        )

with tabs[1]:
    if counts.empty:
        st.caption(t("common.none"))
    else:
        st.altair_chart(
            charts.stacked_bar(
                counts,
                x="unit",
                y="months",
                color="year",
                title=t("rotation.chart_title"),
                x_title=t("rotation.fields.chair"),
                y_title=t("rotation.chart_months"),
                tr=t,
            ),
            width="stretch",
        )
        st.caption(t("rotation.chart_help"))

with tabs[2]:
    if log.empty:
        st.caption(t("rotation.log_empty"))
    else:
        shown = log.assign(reason=log["reason"].map(lambda r: t("rotation.reason_generate") if r == "generate" else r))
        tables.show(
            shown,
            {
                "at": "rotation.fields.at",
                "username": "rotation.fields.user",
                "month": "rotation.fields.month",
                "before": "rotation.fields.before",
                "after": "rotation.fields.after",
                "reason": "rotation.fields.reason",
            },
        )

if actor.is_admin:
    with tabs[3]:
        view.admin_panel(actor, year=year, scope=scope, slots=slots, units=units)
