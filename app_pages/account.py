"""个人设置: one's own details, password and interface language (every role)."""

import streamlit as st

from exports.format import fmt_date
from ui.account import view
from ui.kit.auth import require_role
from ui.kit.i18n import current_language, label, t

actor = require_role()
lang = current_language()

st.title(t("account.title"))
me = view.profile(actor)

binding = me.community_name or me.unit_name or "—"
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("fields.username"), me.username)
c2.metric(t("fields.role"), label(me.role))
c3.metric(t("account.binding"), binding)
c4.metric(t("account.since"), fmt_date(me.created_at, lang))

details, password, language = st.tabs([t("account.tab_details"), t("account.tab_password"), t("account.tab_language")])
with details:
    view.details_tab(actor, me)
with password:
    view.password_tab(actor)
with language:
    view.language_tab(actor, me)
