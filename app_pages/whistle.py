"""吹哨报到: a community raises a matter, summoned units answer stage by stage against the clock
(the tabs' bodies: ui/whistle/panels.py)."""

import streamlit as st

from exports.format import today_local
from services import reference
from services import whistle as ws
from ui.kit.auth import require_role
from ui.kit.i18n import t
from ui.kit.state import cached_read, minute
from ui.kit.tabs import lazy_tabs, show_open
from ui.whistle import panels, view

actor = require_role()
today, now = today_local(), minute(view.now_utc())  # clocks to the minute: cached
st.title(t("whistle.title"))
st.caption(t("whistle.subtitle"))

# Reads are cached by their arguments until a write to an area they read (ui.kit.state.cached_read, db/areas.py).
communities = cached_read(reference.list_communities)
units = cached_read(ws.summoned_unit_options)
queue = cached_read(ws.my_queue, actor, now=now)
overdue_n = cached_read(ws.overdue_count, now=now)
limits = cached_read(ws.get_limits)

if actor.can_write:
    view.show_queue(queue)
if overdue_n:
    st.warning(t("whistle.overdue_banner", n=overdue_n))

# Only the open tab runs: the scorecard and the rates each read every matter of the year.
tabs = lazy_tabs(["list", "raise", "score", "stats", "limits"], key="whistle_tab", prefix="whistle.tab_")
bodies = {
    "list": lambda: panels.list_panel(actor, communities, now),
    "raise": lambda: panels.raise_panel(actor, communities, units),
    "score": lambda: panels.score_panel(actor, today, now),
    "stats": lambda: panels.stats_panel(today),
    "limits": lambda: panels.limits_panel(actor, limits),
}
show_open(tabs, bodies)
