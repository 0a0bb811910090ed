"""What every page shares around its content: style, the sidebar's chairs and reminders."""

from __future__ import annotations

from typing import Any

import streamlit as st

from domain.actor import Actor
from domain.enums import Role
from services import chairs
from ui.format import fmt_month, today_local
from ui.i18n import current_language, t
from ui.safe import md_escape
from ui.state import CACHE_MAX_ENTRIES, CACHE_TTL, session_scope

_CSS = """
<style>
html, body, [class*="css"] { font-family: "Noto Sans CJK SC", "Source Han Sans SC",
  "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; }
div[data-testid="stMetricValue"] { font-size: 1.8rem; }
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
@media (max-width: 640px) {
  .block-container { padding-left: 0.8rem; padding-right: 0.8rem; padding-top: 2.5rem; }
}
</style>
"""


def inject_style() -> None:
    st.html(_CSS)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False, max_entries=CACHE_MAX_ENTRIES)
def _chairs(today_iso: str, community_id: int | None) -> tuple[chairs.ChairMonth, chairs.ChairMonth]:
    from datetime import date

    with session_scope() as session:
        return chairs.current_and_next(session, date.fromisoformat(today_iso), community_id)


def sidebar_slots() -> tuple[Any, Any]:
    """Two places in the sidebar, in this order: the month's chairs, then language and account."""
    return st.sidebar.container(), st.sidebar.container()


def sidebar_chairs(actor: Actor, where: Any) -> None:
    """This month's and next month's chair for everyone; a reminder to the chair's liaison."""
    today = today_local()
    this, nxt = _chairs(today.isoformat(), actor.community_id)
    lang = current_language()
    with where:
        st.markdown(
            f"**{t('app.chair_this_month')}**  \n{md_escape(this.unit_name) or t('app.chair_none')}"
            f"\n\n**{t('app.chair_next_month')}**  \n{md_escape(nxt.unit_name) or t('app.chair_none')}"
        )
    if actor.role == Role.LIAISON and actor.unit_id is not None and this.unit_id == actor.unit_id:
        st.info(t("app.chair_reminder", month=fmt_month(this.year, this.month, lang)), icon=":material/campaign:")
