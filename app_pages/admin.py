"""管理: accounts, co-building units and their pairings, communities, categories, the audit log."""

import streamlit as st

from domain.enums import Role
from ui import admin_audit_view, admin_view
from ui.auth import require_role
from ui.i18n import t
from ui.tabs import lazy_tabs

actor = require_role(Role.ADMIN)

st.title(t("admin.title"))
st.caption(t("admin.subtitle"))
admin_view.show_flash()

tabs = lazy_tabs(["users", "units", "communities", "categories", "audit"], key="admin_tab", prefix="admin.tabs.")
if tabs["users"].open:
    with tabs["users"]:
        admin_view.users_tab(actor)
if tabs["units"].open:
    with tabs["units"]:
        admin_view.units_tab(actor)
if tabs["communities"].open:
    with tabs["communities"]:
        admin_view.communities_tab(actor)
if tabs["categories"].open:
    with tabs["categories"]:
        admin_view.categories_tab(actor)
if tabs["audit"].open:
    with tabs["audit"]:
        admin_audit_view.audit_tab(actor)
