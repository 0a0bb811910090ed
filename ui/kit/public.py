"""Running a public page: no login, no staff sidebar, errors as messages (never a traceback)."""

from __future__ import annotations

import logging
import secrets

import streamlit as st
from sqlalchemy.exc import OperationalError

from domain import residents as rules
from domain.errors import AppError
from services.wall import Client
from ui.kit.i18n import error_message, t
from ui.kit.state import get_settings

log = logging.getLogger(__name__)
SESSION_KEY = "wall_session_key"

_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] { display: none; }
.st-key-wall_hp, .st-key-wall_obj_hp { display: none !important; }
</style>
"""


def run_public(page: st.Page) -> None:
    st.html(_CSS)  # the honeypot's container is display:none: off screen, out of the accessibility tree
    try:
        page.run()
    except AppError as err:
        st.error(error_message(err))
    except OperationalError:
        log.exception("database error on %s", page.url_path)
        st.error(t("app.database_unavailable"))
    except Exception:
        log.exception("public page %s failed", page.url_path)
        st.error(t("app.unexpected_error"))


def current_client() -> Client:
    """This browser session's token and the client's address: the socket's, or X-Forwarded-For's
    only when the socket's peer is a proxy COBUILD_TRUSTED_PROXIES names (domain/residents.py)."""
    token = st.session_state.get(SESSION_KEY)
    if not isinstance(token, str):
        token = st.session_state[SESSION_KEY] = secrets.token_hex(16)
    peer = st.context.ip_address  # Streamlit reports a local peer (127.0.0.1, ::1) as None
    forwarded = st.context.headers.get("X-Forwarded-For")
    return Client(
        token,
        rules.client_address(
            peer if isinstance(peer, str) and peer else "127.0.0.1",
            forwarded if isinstance(forwarded, str) else None,  # (AppTest has no real request)
            get_settings().trusted_proxies,
        ),
    )
