"""管理: accounts, co-building units and their pairings, communities, categories, the audit log."""

import streamlit as st

from domain.enums import Role
from ui import admin_audit_view, admin_view
from ui.auth import require_role
from ui.i18n import t

actor = require_role(Role.ADMIN)

st.title(t("admin.title"))
st.caption(t("admin.subtitle"))
admin_view.show_flash()

users_tab, units_tab, communities_tab, categories_tab, audit_tab = st.tabs(
    [
        t("admin.tabs.users"),
        t("admin.tabs.units"),
        t("admin.tabs.communities"),
        t("admin.tabs.categories"),
        t("admin.tabs.audit"),
    ]
)
with users_tab:
    admin_view.users_tab(actor)
with units_tab:
    admin_view.units_tab(actor)
with communities_tab:
    admin_view.communities_tab(actor)
with categories_tab:
    admin_view.categories_tab(actor)
with audit_tab:
    admin_audit_view.audit_tab(actor)
