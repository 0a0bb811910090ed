"""轮值主席: the year's monthly chairs as a calendar, with exports and (admin) adjustments (the tabs'
bodies: ui/rotation/panels.py)."""

import streamlit as st

from exports.format import fmt_month, today_local
from services import reference
from services import rotation as rotation_service
from ui.kit.auth import require_role
from ui.kit.i18n import current_language, t
from ui.kit.safe import md_escape
from ui.kit.state import session_scope
from ui.rotation import panels, view

actor = require_role()
lang, today = current_language(), today_local()
st.title(t("rotation.title"))
st.caption(t("rotation.subtitle"))

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
    panels.calendar_tab(slots, year=year, today=today, scope_name=scope_name)
with tabs[1]:
    panels.stats_tab(counts)
with tabs[2]:
    panels.log_tab(log)
if actor.is_admin:
    with tabs[3]:
        view.admin_panel(actor, year=year, scope=scope, slots=slots, units=units)
