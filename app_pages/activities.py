"""活动登记: log and browse joint activities, 六个一 progress, Party members, the ledger."""

import streamlit as st

from services.activities import can_log
from ui import activities_panels as panels
from ui import activities_view as view
from ui.auth import require_role
from ui.format import today_local
from ui.i18n import t

actor = require_role()
today = today_local()

st.title(t("activities.title"))
st.caption(t("activities.subtitle"))

writer = can_log(actor)
names = (
    ["log", "browse", "six", "charts", "members", "ledger"]
    if writer
    else ["browse", "six", "charts", "members", "ledger"]
)
# Only the open tab runs (each tab's figures are their own queries); liaisons land on the form.
tabs = dict(
    zip(names, st.tabs([t(f"activities.tab.{n}") for n in names], key="activities_tab", on_change="rerun"), strict=True)
)

if writer and tabs["log"].open:
    with tabs["log"]:
        view.log_form(actor, today)
if tabs["browse"].open:
    with tabs["browse"]:
        if not writer:
            st.caption(t("activities.read_only"))
        view.browse(actor, today)
if tabs["six"].open:
    with tabs["six"]:
        panels.six_items(today)
if tabs["charts"].open:
    with tabs["charts"]:
        panels.charts_tab(today)
if tabs["members"].open:
    with tabs["members"]:
        panels.members_tab(actor, today)
if tabs["ledger"].open:
    with tabs["ledger"]:
        panels.ledger_tab(actor, today)
