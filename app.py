"""Co-Build Board: page config, the login gate, role-built navigation, then the page."""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy.exc import OperationalError

from domain.errors import AppError
from ui.kit import actions, auth, chrome, inbox, navigation, state
from ui.kit.i18n import error_message, language_switch, t
from ui.kit.navigation import all_pages_hidden, pages_for, public_navigation, requested_public_page
from ui.kit.public import run_public

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
log = logging.getLogger("cobuild")

# An emoji icon is drawn in place (an inline SVG); a :material/…: icon would be fetched from outside.
st.set_page_config(page_title=t("app.name"), page_icon="🤝", layout="wide")
# A public page (/wall) is decided from the request before anything of the login: it never builds
# the authenticator, draws no staff sidebar and waits on no logged-out delay; it runs alone.
public = requested_public_page()
if public is not None:
    run_public(public_navigation(public))
    chrome.inject_style()  # after the page's own language switch, at its end
    st.stop()

state.warm_matching_in_background()  # jieba's dictionary, off the first suggestion's path
navigation.note_arrival()  # a phone opening "/" (its liaison lands on the activity log form)
chairs_slot, account_slot = chrome.sidebar_slots()
language_switch(account_slot)
chrome.inject_style()  # after the switch: Streamlit's own words follow the language at once

try:
    actor = auth.gate(account_slot)
except auth.CookieKeyMissing:
    st.error(t("app.cookie_key_missing"))
    st.stop()
except OperationalError:
    log.exception("database unavailable")
    st.error(t("app.database_unavailable"))
    st.stop()

if actor is None:
    st.navigation(all_pages_hidden(), position="hidden")
    st.stop()

page = st.navigation(pages_for(actor.role))
navigation.land(actor, page)
chrome.sidebar_chairs(actor, chairs_slot)
inbox.sidebar_inbox(actor, chairs_slot)
actions.show_flash()  # the last write's success, kept across its rerun (ui/kit/actions.py)
try:
    page.run()
except AppError as err:
    st.error(error_message(err))
except OperationalError:
    log.exception("database error on %s", page.url_path)
    st.error(t("app.database_unavailable"))
except Exception:
    log.exception("page %s failed", page.url_path)
    st.error(t("app.unexpected_error"))
