"""联席会议: meetings with minutes and decisions, action items and their follow-up, attendance (the
tabs' bodies: ui/meetings/panels.py)."""

import streamlit as st

from exports.format import fmt_number, today_local
from services import meetings as svc
from services import reference
from ui.kit.auth import require_role
from ui.kit.i18n import t
from ui.kit.state import cached_read
from ui.kit.tabs import lazy_tabs, show_open
from ui.meetings import delete as meetings_delete
from ui.meetings import panels, view

actor = require_role()
today = today_local()
writer = actor.may_manage_meeting(None)  # an alliance-wide meeting: the secretariat, any community worker
st.title(t("meetings.title"))
st.caption(t("meetings.subtitle"))
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
bodies = {
    "list": lambda: panels.list_panel(actor, years, units, today),
    "actions": lambda: panels.actions_panel(actor, units, today),
    "attendance": lambda: panels.attendance_panel(years, today),
    "new": lambda: view.new_meeting(actor, communities=communities, units=units, today=today),
}
show_open(tabs, bodies)
