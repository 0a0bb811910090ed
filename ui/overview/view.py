"""The overview's figures, cached for a minute per day and unit (writes clear them), and the frames its
charts are drawn from."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from domain.actor import Actor
from domain.enums import ProjectStage
from exports import charts
from services import overview
from ui.kit.i18n import label, t
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


def stage_counts(ov: overview.Overview) -> pd.DataFrame:
    """Projects by stage, every stage in the pipeline's order (a stage with none shows 0)."""
    return pd.DataFrame(
        {"stage": [label(s) for s in ProjectStage], "count": [ov.projects_by_stage[s] for s in ProjectStage]}
    )


def projects_by_stage_chart(ov: overview.Overview) -> alt.Chart:
    stages = stage_counts(ov)
    return charts.bar(
        stages,
        x="stage",
        y="count",
        title=t("overview.projects_by_stage"),
        x_title=t("fields.stage"),
        y_title=t("fields.count"),
        sort=list(stages["stage"]),
        tr=t,
    )
