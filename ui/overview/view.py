"""The overview's figures, cached for a minute per day and unit (writes clear them)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from domain.actor import Actor
from services import overview
from ui.kit.state import CACHE_MAX_ENTRIES, CACHE_TTL, session_scope


@st.cache_data(ttl=CACHE_TTL, show_spinner=False, max_entries=CACHE_MAX_ENTRIES)
def load(
    today: date, _actor: Actor, unit_id: int | None
) -> tuple[overview.Overview, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Everything the overview shows; ``unit_id`` keys the cache (a liaison sees their unit's items)."""
    with session_scope() as session:
        return (
            overview.get_overview(session, today=today),
            overview.overdue_action_items(session, _actor, today=today),
            overview.agreements_due(session, today=today),
            overview.recent_activities(session),
        )
