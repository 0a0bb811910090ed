"""总览's parts: its reads (cached until a write to an area they read, db/areas.py), its figures' tiles and
its chart."""

from __future__ import annotations

from datetime import date
from functools import partial

import altair as alt
import pandas as pd
import streamlit as st

from domain.actor import Actor
from domain.enums import ProjectStage
from exports import charts
from exports.format import fmt_date, fmt_number, fmt_percent
from locales import translate
from services import overview, quarterly
from ui.kit.i18n import label, t
from ui.kit.state import cached_read

READS = overview.READS


def load(actor: Actor, today: date) -> tuple[overview.OverviewPage, pd.DataFrame]:
    """The page (one entry for everyone) and the overdue items (a liaison sees their unit's)."""
    return (
        cached_read(overview.overview_page, today=today),
        cached_read(overview.overdue_action_items, actor, today=today),
    )


def kpi_tiles(ov: overview.Overview) -> None:
    """The alliance's eight figures, four to a row, each with its definition on hover."""
    tiles = [
        ("units", fmt_number(ov.units)),
        ("open_needs", fmt_number(ov.open_needs)),
        ("projects_active", fmt_number(ov.projects_active)),
        ("activities", fmt_number(ov.activities_year)),
        ("six_items_completion", fmt_percent(ov.six_items_completion)),
        ("volunteer_hours", fmt_number(ov.volunteer_hours_year)),
        ("overdue_actions", fmt_number(ov.overdue_actions)),
        ("expiring_agreements", fmt_number(ov.expiring_agreements)),
    ]
    for start in range(0, len(tiles), 4):
        for col, (key, value) in zip(st.columns(4), tiles[start : start + 4], strict=False):
            col.metric(t(f"metrics.{key}"), value, help=t(f"metrics.{key}_def"))


def quarter_tiles(ov: overview.Overview, lang: str) -> None:
    """This quarter so far beside the same days of the last (the deck and the 情况通报 compare alike)."""
    tr = partial(translate, lang)
    st.caption(quarterly.period_text(ov.quarter, tr, lambda d: fmt_date(d, lang)))
    for col, fig in zip(st.columns(4), ov.quarter_figures, strict=False):
        col.metric(
            t(f"overview.quarter_{fig.key}"),
            quarterly.format_value(fig),
            delta=f"{quarterly.compared_with(ov.quarter, tr)}：{quarterly.change_text(fig, tr)}",
            delta_color="off",
            delta_arrow="off",
            help=t("overview.quarter_help"),
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
