"""三清单一协议: needs, resources and projects, the matrix with match suggestions, agreements."""

import streamlit as st

from exports.format import today_local
from ui.kit.auth import require_role
from ui.kit.i18n import t
from ui.kit.tabs import lazy_tabs, show_open
from ui.lists import agreements as lists_agreements
from ui.lists import excel as lists_excel
from ui.lists import matrix as lists_matrix
from ui.lists import projects as lists_projects
from ui.lists import residents as lists_residents
from ui.lists import view as lists_view
from ui.lists.poster import poster_panel

actor = require_role()
today = today_local()

st.title(t("lists.title"))
st.caption(t("lists.subtitle"))

# Only the open tab runs: each is its own queries over county-sized lists.
names = ["needs", "resources", "projects", "matrix", "agreements"]
if actor.keeps_community_records:  # the residents' queue: admins and community workers
    names.append("residents")
tabs = lazy_tabs(names, key="lists_tab", prefix="lists.tabs.")
show_open(
    tabs,
    {
        "needs": lambda: lists_view.needs_tab(actor, today),
        "resources": lambda: lists_view.resources_tab(actor),
        "projects": lambda: lists_projects.projects_tab(actor, today),
        "matrix": lambda: lists_matrix.matrix_tab(actor),
        "agreements": lambda: lists_agreements.agreements_tab(actor, today),
        "residents": lambda: lists_residents.residents_tab(actor, today),
    },
)

st.divider()
lists_excel.excel_section(actor, today)
poster_panel(actor)
