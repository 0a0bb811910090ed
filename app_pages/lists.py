"""三清单一协议: needs, resources and projects, the matrix with match suggestions, agreements."""

import streamlit as st

from ui import lists_agreements, lists_excel, lists_matrix, lists_projects, lists_view
from ui.auth import require_role
from ui.format import today_local
from ui.i18n import t

actor = require_role()
today = today_local()

st.title(t("lists.title"))
st.caption(t("lists.subtitle"))

needs_tab, resources_tab, projects_tab, matrix_tab, agreements_tab = st.tabs(
    [
        t("lists.tabs.needs"),
        t("lists.tabs.resources"),
        t("lists.tabs.projects"),
        t("lists.tabs.matrix"),
        t("lists.tabs.agreements"),
    ]
)
with needs_tab:
    lists_view.needs_tab(actor, today)
with resources_tab:
    lists_view.resources_tab(actor)
with projects_tab:
    lists_projects.projects_tab(actor, today)
with matrix_tab:
    lists_matrix.matrix_tab(actor)
with agreements_tab:
    lists_agreements.agreements_tab(actor, today)

st.divider()
lists_excel.excel_section(actor, today)
