"""The overview's figures, cached per day and unit until a write to an area they read (db/areas.py),
and the frames its charts are drawn from."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import altair as alt
import pandas as pd
from sqlalchemy.orm import Session

from domain.actor import SYSTEM
from domain.enums import ProjectStage
from exports import charts
from services import overview
from ui.kit.i18n import label, t
from ui.kit.state import cached_read

READS = overview.READS


def figures(
    session: Session, today: date, unit_id: int | None
) -> tuple[overview.Overview, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Everything the overview shows; only the overdue items depend on the user (a liaison sees their
    unit's), so the entry is keyed by the unit and shared by everyone else."""
    actor = replace(SYSTEM, unit_id=unit_id)
    return (
        overview.get_overview(session, today=today),
        overview.overdue_action_items(session, actor, today=today),
        overview.agreements_due(session, today=today),
        overview.recent_activities(session),
    )


def load(today: date, unit_id: int | None) -> tuple[overview.Overview, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return cached_read(figures, today, unit_id)


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
