"""管理: accounts, co-building units and their pairings, communities, categories, the matching vocabulary,
the audit log, the deliveries of notices (消息投递)."""

import streamlit as st

from domain.enums import Role
from ui.admin import audit as admin_audit_view
from ui.admin import notices as admin_notices_view
from ui.admin import view as admin_view
from ui.kit.auth import require_role
from ui.kit.i18n import t
from ui.kit.tabs import lazy_tabs, show_open

actor = require_role(Role.ADMIN)

st.title(t("admin.title"))
st.caption(t("admin.subtitle"))

tabs = lazy_tabs(
    ["users", "units", "communities", "categories", "vocabulary", "audit", "notices"],
    key="admin_tab",
    prefix="admin.tabs.",
)
show_open(
    tabs,
    {
        "users": lambda: admin_view.users_tab(actor),
        "units": lambda: admin_view.units_tab(actor),
        "communities": lambda: admin_view.communities_tab(actor),
        "categories": lambda: admin_view.categories_tab(actor),
        "vocabulary": lambda: admin_view.vocabulary_tab(actor),
        "audit": lambda: admin_audit_view.audit_tab(actor),
        "notices": lambda: admin_notices_view.notices_tab(actor),
    },
)
