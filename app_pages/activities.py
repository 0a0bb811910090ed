"""活动登记: log and browse joint activities, 六个一 progress, Party members, the ledger."""

import streamlit as st

from exports.format import today_local
from services.activities import can_log
from ui.activities import panels, view
from ui.kit.auth import require_role
from ui.kit.i18n import t
from ui.kit.tabs import lazy_tabs, show_open

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
tabs = lazy_tabs(names, key="activities_tab", prefix="activities.tab.")


def browse() -> None:
    if not writer:
        st.caption(t("activities.read_only"))
    view.browse(actor, today)


show_open(
    tabs,
    {
        "log": lambda: view.log_form(actor, today),
        "browse": browse,
        "six": lambda: panels.six_items(actor, today),
        "charts": lambda: panels.charts_tab(today),
        "members": lambda: panels.members_tab(actor, today),
        "ledger": lambda: panels.ledger_tab(actor, today),
    },
)
