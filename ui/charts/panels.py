"""The charts page's cached data and its chart cards (chart + PNG and CSV downloads)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from domain.enums import SIX_ITEMS
from exports import charts
from exports.format import fmt_compact, fmt_percent
from exports.png import chart_png, cjk_font_available
from locales import translate
from services import metrics, quarterly, reference, stats
from ui.kit.i18n import current_language, t
from ui.kit.state import cached_read
from workbook.cells import frame_csv

SIX_ITEM_UNITS = 40
ATTENDANCE_UNITS = 30
RANK_LIMIT = 15


@dataclass(frozen=True)
class FilterOptions:
    communities: list[reference.Option]
    unit_kinds: list[str]
    years: list[int]


READS = quarterly.READS | reference.READS | stats.READS


def read_filter_options(session: Session, today_iso: str) -> FilterOptions:
    today = date.fromisoformat(today_iso)
    quarters = quarterly.list_quarters(session, today=today)
    return FilterOptions(
        reference.list_communities(session),
        stats.list_unit_kinds(session),
        sorted({y for y, _ in quarters}, reverse=True) or [today.year],
    )


def filter_options(today_iso: str) -> FilterOptions:
    return cached_read(read_filter_options, today_iso)


def period_bounds(year: int, quarter: int | None, today: date) -> tuple[date, date]:
    """A year or one of its quarters, never past today (so this year's figures match the overview)."""
    start, end = metrics.quarter_bounds(year, quarter) if quarter else (date(year, 1, 1), date(year, 12, 31))
    return start, min(end, today)


def _activities(s: Session, f: stats.ChartFilter) -> dict[str, Any]:
    by_month = stats.activities_by_month(s, f=f)
    return {
        "monthly": stats.monthly_totals(by_month),
        "kinds": (
            by_month.groupby("kind", as_index=False)["activities"].sum()
            if not by_month.empty
            else pd.DataFrame(columns=["kind", "activities"])
        ),
        "six_items": stats.six_items_grid(s, f=f, limit=SIX_ITEM_UNITS),
    }


# The page's aggregates in parts: the figures above the tabs, then each tab's own (only the open tab's
# are computed, so a cold page reads a year of activities once or twice, not for every chart).
PARTS: dict[str, Callable[[Session, stats.ChartFilter], dict[str, Any]]] = {
    "figures": lambda s, f: {"figures": stats.get_figures(s, f=f)},
    "needs": lambda s, f: {
        "needs": stats.needs_by_category_status(s, f=f),
        "coverage": stats.needs_coverage_by_category(s, f=f),
        "funnel": stats.project_funnel(s, f=f),
    },
    "activities": _activities,
    "meetings": lambda s, f: {
        "attendance": stats.attendance_by_unit(s, f=f, limit=ATTENDANCE_UNITS),
        "actions": stats.action_items_by_month(s, f=f),
        "agreements": stats.agreements_by_state(s, f=f),
    },
}


def read_part(
    session: Session, start: str, end: str, today: str, community_id: int | None, unit_kind: str | None, part: str
) -> dict[str, Any]:
    f = stats.ChartFilter(
        date.fromisoformat(start), date.fromisoformat(end), date.fromisoformat(today), community_id, unit_kind
    )
    return PARTS[part](session, f)


def load(
    start: str, end: str, today: str, community_id: int | None, unit_kind: str | None, part: str
) -> dict[str, Any]:
    """One part (``PARTS``) of the page's aggregates for one filter (keyed by both and by the data
    versions of the areas this module reads)."""
    return cached_read(read_part, start, end, today, community_id, unit_kind, part)


def read_ranking(
    session: Session, start: str, end: str, today: str, community_id: int | None, unit_kind: str | None, measure: str
) -> pd.DataFrame:
    f = stats.ChartFilter(
        date.fromisoformat(start), date.fromisoformat(end), date.fromisoformat(today), community_id, unit_kind
    )
    return stats.rank_units(session, f=f, measure=measure, limit=RANK_LIMIT)


def load_ranking(
    start: str, end: str, today: str, community_id: int | None, unit_kind: str | None, measure: str
) -> pd.DataFrame:
    return cached_read(read_ranking, start, end, today, community_id, unit_kind, measure)


def tr() -> charts.Translate:
    return partial(translate, current_language())


_BUILDERS: dict[str, Callable[[dict[str, Any], Callable[..., str]], charts.Panel]] = {
    "needs_by_category": lambda d, tr_: charts.needs_by_category_panel(d["needs"], tr_),
    "needs_coverage": lambda d, tr_: charts.needs_coverage_panel(d["coverage"], tr_),
    "project_funnel": lambda d, tr_: charts.funnel_panel(d["funnel"], tr_),
    "activities_by_month": lambda d, tr_: charts.monthly_activities_panel(d["monthly"], tr_),
    "hours_by_month": lambda d, tr_: charts.hours_panel(d["monthly"], tr_),
    "activities_by_kind": lambda d, tr_: charts.kinds_panel(d["kinds"], tr_),
    "six_items": lambda d, tr_: charts.six_items_panel(d["six_items"], tr_, [k.value for k in SIX_ITEMS]),
    "attendance": lambda d, tr_: charts.attendance_panel(d["attendance"], tr_),
    "actions": lambda d, tr_: charts.actions_panel(d["actions"], tr_),
    "agreements": lambda d, tr_: charts.agreements_panel(d["agreements"], tr_),
}
PANEL_KEYS = tuple(_BUILDERS)


def panel(data: dict[str, Any], key: str) -> charts.Panel:
    """One of the page's charts, labelled in the user's language (built only when its tab is open)."""
    built = _BUILDERS[key](data, tr())
    assert built.key == key, (built.key, key)
    return built


def kpis(fig: stats.Figures) -> None:
    """The period's figures, each from the metric dictionary."""
    lang = current_language()
    cells = [
        ("charts.kpi.activities", fmt_compact(fig.activities, lang), "metrics.activities_def"),
        ("charts.kpi.volunteer_hours", fmt_compact(fig.volunteer_hours, lang), "metrics.volunteer_hours_def"),
        ("charts.kpi.open_needs", fmt_compact(fig.open_needs, lang), "metrics.open_needs_def"),
        ("charts.kpi.six_items_completion", fmt_percent(fig.six_items_completion), "metrics.six_items_completion_def"),
        ("charts.kpi.attendance_rate", fmt_percent(fig.attendance_rate), "charts.kpi.attendance_rate_def"),
        ("charts.kpi.action_closure_rate", fmt_percent(fig.action_closure_rate), "charts.kpi.action_closure_rate_def"),
    ]
    for col, (label_key, value, help_key) in zip(st.columns(len(cells)), cells, strict=True):
        col.metric(t(label_key), value, help=t(help_key))


def card(panel: charts.Panel, *, note: str = "") -> None:
    """One chart, with its data as CSV and the picture as PNG."""
    with st.container(border=True):
        if panel.data.empty or not panel.data.select_dtypes("number").to_numpy().any():
            st.markdown(f"**{panel.title}**")
            st.caption(t("charts.no_data"))
            return
        st.altair_chart(panel.chart, width="stretch", key=f"charts_chart_{panel.key}")
        if note:
            st.caption(note)
        row = st.container(horizontal=True, horizontal_alignment="right")
        if cjk_font_available():
            chart = panel.chart
            row.download_button(
                t("charts.download_png"),
                lambda: chart_png(chart),
                file_name=f"{panel.title}.png",
                mime="image/png",
                key=f"charts_png_{panel.key}",
                help=t("charts.png_help"),
                on_click="ignore",
                icon=":material/image:",
            )
        else:
            row.caption(t("charts.no_cjk_font"))
        row.download_button(
            t("charts.download_csv"),
            frame_csv(panel.data),
            file_name=f"{panel.title}.csv",
            mime="text/csv",
            key=f"charts_csv_{panel.key}",
            help=t("charts.csv_help") + " " + t("common.csv_formula_note"),
            on_click="ignore",
            icon=":material/table:",
        )
