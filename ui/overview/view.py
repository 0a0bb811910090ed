"""The overview's figures, cached per day and unit until a write to an area they read (db/areas.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
from sqlalchemy.orm import Session

from domain.actor import SYSTEM
from services import overview
from ui.kit.state import cached_read

READS = overview.READS


def figures(
    session: Session, today: date, unit_id: int | None
) -> tuple[overview.Overview, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Everything the overview shows; only the overdue items depend on the user (a liaison sees their
    unit's), so the entry is keyed by the unit and shared by everyone else."""
    actor = replace(SYSTEM, unit_id=unit_id)
    return (
        overview.get_overview(session, actor, today=today),
        overview.overdue_action_items(session, actor, today=today),
        overview.agreements_due(session, today=today),
        overview.recent_activities(session),
    )


def load(today: date, unit_id: int | None) -> tuple[overview.Overview, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return cached_read(figures, today, unit_id)
