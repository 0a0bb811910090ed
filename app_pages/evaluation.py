"""考评: the credit index (诚信指数) computed from a visible formula, democratic evaluation rounds,
and the contract tasks units claimed (the tabs' bodies: ui/evaluation/panels.py)."""

import streamlit as st

from exports.format import today_local
from ui.evaluation import panels
from ui.kit.auth import require_role
from ui.kit.i18n import t
from ui.kit.tabs import lazy_tabs, show_open

actor = require_role()
today = today_local()
st.title(t("evaluation.title"))
st.caption(t("evaluation.subtitle"))

# Only the open tab runs: the credit index alone reads a year of activities and scores.
tabs = lazy_tabs(["credit", "rounds", "tasks", "formula"], key="evaluation_tab", prefix="evaluation.tab_")
show_open(
    tabs,
    {
        "credit": lambda: panels.credit_tab(actor, today),
        "rounds": lambda: panels.rounds_tab(actor, today),
        "tasks": lambda: panels.tasks_tab(actor, today),
        "formula": lambda: panels.formula_tab(actor, today),
    },
)
