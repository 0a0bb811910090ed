"""统计分析: charts for leaders, filtered by period, community and unit type."""

import streamlit as st

from exports import charts
from exports.format import fmt_date, today_local
from services.stats import RANK_MEASURES
from ui.charts import panels as cp
from ui.kit.auth import require_role
from ui.kit.i18n import current_language, t
from ui.kit.tabs import lazy_tabs, show_open

actor = require_role()
today = today_local()
lang = current_language()
options = cp.filter_options(today.isoformat())

st.title(t("charts.title"))
f1, f2, f3, f4 = st.columns(4)
years = [y for y in options.years if y <= today.year] or [today.year]
year = f1.selectbox(t("charts.year"), years, key="charts_year")
quarters = [0] + [q for q in (1, 2, 3, 4) if year < today.year or 3 * q - 2 <= today.month]
quarter = f2.selectbox(
    t("charts.period"),
    quarters,
    key="charts_quarter",
    format_func=lambda q: t("charts.whole_year") if q == 0 else t("charts.quarter_n", n=q),
)
community_ids = [0] + [c.id for c in options.communities]
names = {c.id: c.name for c in options.communities}
default_community = community_ids.index(actor.home_community_id) if actor.home_community_id in names else 0
community_id = f3.selectbox(
    t("charts.community"),
    community_ids,
    index=default_community,
    key="charts_community",
    format_func=lambda c: t("charts.all") if c == 0 else names[c],
)
unit_kind = f4.selectbox(
    t("charts.unit_kind"),
    ["", *options.unit_kinds],
    key="charts_unit_kind",
    format_func=lambda k: k or t("charts.all"),
)

start, end = cp.period_bounds(year, quarter, today)
key = (start.isoformat(), end.isoformat(), today.isoformat(), community_id or None, unit_kind or None)
st.caption(t("charts.subtitle", period=f"{fmt_date(start, lang)} – {fmt_date(end, lang)}"))
cp.kpis(cp.load(*key, "figures")["figures"])

# Only the open tab loads its aggregates and builds its charts (each part cached by the filters).
tabs = lazy_tabs(["needs", "activities", "meetings", "ranking"], key="charts_tab", prefix="charts.tab.")


def needs_tab() -> None:
    data = cp.load(*key, "needs")
    left, right = st.columns(2)
    with left:
        cp.card(cp.panel(data, "needs_by_category"))
    with right:
        cp.card(cp.panel(data, "needs_coverage"))
    cp.card(cp.panel(data, "project_funnel"))


def activities_tab() -> None:
    data = cp.load(*key, "activities")
    left, right = st.columns(2)
    with left:
        cp.card(cp.panel(data, "activities_by_month"))
        cp.card(cp.panel(data, "activities_by_kind"))
    with right:
        cp.card(cp.panel(data, "hours_by_month"))
        cp.card(cp.panel(data, "six_items"), note=t("charts.six_items_note", n=cp.SIX_ITEM_UNITS))


def meetings_tab() -> None:
    data = cp.load(*key, "meetings")
    left, right = st.columns(2)
    with left:
        cp.card(cp.panel(data, "attendance"), note=t("charts.lowest_note", n=cp.ATTENDANCE_UNITS))
    with right:
        cp.card(cp.panel(data, "actions"))
        cp.card(cp.panel(data, "agreements"))


@st.fragment  # choosing the measure reruns only the ranking
def ranking_panel() -> None:
    measure = st.selectbox(
        t("charts.rank_measure"),
        RANK_MEASURES,
        key="charts_rank_measure",
        format_func=lambda m: t(f"charts.measure.{m}"),
    )
    ranking = cp.load_ranking(*key, measure)
    cp.card(charts.ranking_panel(ranking, measure, cp.tr()), note=t("charts.rank_note", n=cp.RANK_LIMIT))


show_open(tabs, {"needs": needs_tab, "activities": activities_tab, "meetings": meetings_tab, "ranking": ranking_panel})
st.caption(t("charts.filters_hint"))
