"""The charts' aggregates (services.stats) and the chart builders (exports.charts)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import partial

import altair as alt
import pandas as pd
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.models import Activity, Unit
from domain.enums import SIX_ITEMS, ProjectStage
from exports import charts
from locales import translate
from services import metrics, stats
from tests.conftest import TODAY

tr = partial(translate, "zh_CN")
YEAR = stats.ChartFilter(start=date(TODAY.year, 1, 1), end=TODAY, today=TODAY)
ITEMS = [k.value for k in SIX_ITEMS]


@pytest.fixture
def empty_session(empty_engine: Engine) -> Iterator[Session]:
    with Session(empty_engine) as s:
        yield s


def _all_panels(session: Session, f: stats.ChartFilter) -> list[charts.Panel]:
    by_month = stats.activities_by_month(session, f=f)
    kinds = (
        by_month.groupby("kind", as_index=False)["activities"].sum()
        if not by_month.empty
        else pd.DataFrame(columns=["kind", "activities"])
    )
    monthly = stats.monthly_totals(by_month)
    return [
        charts.needs_by_category_panel(stats.needs_by_category_status(session, f=f), tr),
        charts.needs_coverage_panel(stats.needs_coverage_by_category(session, f=f), tr),
        charts.funnel_panel(stats.project_funnel(session, f=f), tr),
        charts.monthly_activities_panel(monthly, tr),
        charts.hours_panel(monthly, tr),
        charts.kinds_panel(kinds, tr),
        charts.six_items_panel(stats.six_items_grid(session, f=f), tr, ITEMS),
        charts.attendance_panel(stats.attendance_by_unit(session, f=f), tr),
        charts.actions_panel(stats.action_items_by_month(session, f=f), tr),
        charts.agreements_panel(stats.agreements_by_state(session, f=f), tr),
        *(charts.ranking_panel(stats.rank_units(session, f=f, measure=m), m, tr) for m in stats.RANK_MEASURES),
    ]


def test_every_chart_builds_on_the_demo_data(session: Session) -> None:
    panels = _all_panels(session, YEAR)
    assert len(panels) == 10 + len(stats.RANK_MEASURES)
    for panel in panels:
        spec = panel.chart.to_dict()
        assert spec["title"]["text"] if isinstance(spec.get("title"), dict) else spec["title"]
        assert len(panel.data) <= charts.MAX_ROWS
    with_data = [p.key for p in panels if not p.data.empty]
    assert {"needs_by_category", "activities_by_month", "six_items", "attendance", "agreements"} <= set(with_data)


def test_every_chart_builds_on_an_empty_database(empty_session: Session) -> None:
    for panel in _all_panels(empty_session, YEAR):
        assert panel.chart.to_dict()


def test_chart_titles_and_headers_are_chinese(session: Session) -> None:
    panel = charts.funnel_panel(stats.project_funnel(session, f=YEAR), tr)
    assert panel.title == "项目推进漏斗"
    assert list(panel.data.columns) == ["阶段", "到达该阶段的项目", "当前处于该阶段"]
    assert panel.data.iloc[0, 0] == "征集需求"


BIG = pd.DataFrame({"a": [f"u{i}" for i in range(5001)], "b": range(5001), "c": ["x"] * 5001, "d": [True] * 5001})


@pytest.mark.parametrize(
    "build",
    [
        lambda: charts.bar(BIG, x="a", y="b", title="t", x_title="x", y_title="y"),
        lambda: charts.line(BIG, x="a", y="b", title="t", x_title="x", y_title="y"),
        lambda: charts.stacked_bar(BIG, x="a", y="b", color="c", title="t", x_title="x", y_title="y"),
        lambda: charts.heatmap(BIG, x="a", y="c", value="b", title="t", x_title="x", y_title="y", value_title="v"),
        lambda: charts.donut(BIG, category="a", value="b", title="t", category_title="c", value_title="v"),
        lambda: charts.progress_grid(
            BIG, x="a", y="c", value="b", done="d", title="t", x_title="x", y_title="y", value_title="v"
        ),
    ],
    ids=["bar", "line", "stacked_bar", "heatmap", "donut", "progress_grid"],
)
def test_chart_builders_refuse_more_than_5000_rows(build) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(charts.TooManyRows):
        build()


def test_chart_builders_accept_exactly_5000_rows() -> None:
    chart = charts.bar(BIG.head(5000), x="a", y="b", title="t", x_title="x", y_title="y")
    assert isinstance(chart, alt.Chart)


@pytest.mark.parametrize(
    ("year", "quarter", "start", "end"),
    [
        (2026, 1, date(2026, 1, 1), date(2026, 3, 31)),
        (2026, 2, date(2026, 4, 1), date(2026, 6, 30)),
        (2026, 3, date(2026, 7, 1), date(2026, 9, 30)),
        (2026, 4, date(2026, 10, 1), date(2026, 12, 31)),
        (2024, 1, date(2024, 1, 1), date(2024, 3, 31)),
    ],
)
def test_quarter_bounds(year: int, quarter: int, start: date, end: date) -> None:
    assert metrics.quarter_bounds(year, quarter) == (start, end)
    assert metrics.quarter_of(start) == metrics.quarter_of(end) == (year, quarter)


@pytest.mark.parametrize(("yq", "prev", "nxt"), [((2026, 1), (2025, 4), (2026, 2)), ((2026, 4), (2026, 3), (2027, 1))])
def test_previous_and_next_quarter(yq: tuple[int, int], prev: tuple[int, int], nxt: tuple[int, int]) -> None:
    assert metrics.previous_quarter(*yq) == prev
    assert metrics.next_quarter(*yq) == nxt


def test_quarter_outside_1_to_4_is_refused() -> None:
    with pytest.raises(ValueError):
        metrics.quarter_bounds(2026, 5)


def test_funnel_follows_the_stage_path_and_never_grows(session: Session) -> None:
    funnel = stats.project_funnel(session, f=YEAR)
    assert list(funnel["stage"]) == [s.value for s in ProjectStage]
    reached = list(funnel["reached"])
    assert reached == sorted(reached, reverse=True)
    assert reached[0] == funnel["count"].sum()


def test_uncovered_needs_are_the_open_needs(session: Session) -> None:
    cov = stats.needs_coverage_by_category(session, f=YEAR)
    assert cov[cov["coverage"] == "uncovered"]["count"].sum() == metrics.open_needs(session)
    assert (cov[cov["coverage"] == "uncovered"]["count"].sum(),) == (metrics.needs_coverage(session)[1],)


def test_needs_by_status_add_up_to_every_need(session: Session) -> None:
    by_status = stats.needs_by_category_status(session, f=YEAR)
    covered, uncovered = metrics.needs_coverage(session)
    open_count = by_status[by_status["status"] == "open"]["count"].sum()
    assert open_count == uncovered
    assert by_status["count"].sum() >= covered + uncovered


def test_agreement_states_match_the_metric_dictionary(session: Session) -> None:
    df = stats.agreements_by_state(session, f=YEAR).set_index("state")["count"]
    assert df["expiring"] == metrics.expiring_agreements(session, today=TODAY)
    assert df["lapsed"] == metrics.lapsed_agreements(session, today=TODAY)


def test_monthly_activities_add_up_to_the_period_metric(session: Session) -> None:
    monthly = stats.monthly_totals(stats.activities_by_month(session, f=YEAR))
    assert monthly["activities"].sum() == metrics.activities(session, start=YEAR.start, end=YEAR.end)
    assert monthly["volunteer_hours"].sum() == pytest.approx(
        metrics.volunteer_hours(session, start=YEAR.start, end=YEAR.end)
    )
    assert list(monthly["month"]) == sorted(monthly["month"])
    assert len(monthly) <= TODAY.month


def test_community_filter_keeps_that_communitys_activities(session: Session, community_worker) -> None:  # type: ignore[no-untyped-def]
    f = stats.ChartFilter(YEAR.start, YEAR.end, TODAY, community_id=community_worker.community_id)
    mine = stats.monthly_totals(stats.activities_by_month(session, f=f))["activities"].sum()
    assert 0 < mine < metrics.activities(session, start=YEAR.start, end=YEAR.end)
    assert mine == metrics.activities(
        session, start=YEAR.start, end=YEAR.end, community_id=community_worker.community_id
    )


def test_unit_kind_filter_splits_the_activities(session: Session) -> None:
    kinds = stats.list_unit_kinds(session)
    assert len(kinds) >= 3
    parts = [metrics.activities(session, start=YEAR.start, end=YEAR.end, unit_kind=k) for k in kinds]
    assert sum(parts) == metrics.activities(session, start=YEAR.start, end=YEAR.end)


def test_attendance_by_unit_agrees_with_the_attendance_rate(session: Session) -> None:
    df = stats.attendance_by_unit(session, f=YEAR, limit=10_000)
    assert df["attended"].sum() / df["invited"].sum() == pytest.approx(
        metrics.attendance_rate(session, start=YEAR.start, end=YEAR.end)
    )
    assert list(df["rate"]) == sorted(df["rate"])


def test_action_items_by_state_agree_with_the_closure_rate(session: Session) -> None:
    df = stats.action_items_by_month(session, f=YEAR)
    counts = df.groupby("state")["count"].sum()
    done, kept = counts.get("done", 0), counts.drop("dropped", errors="ignore").sum()
    assert done / kept == pytest.approx(metrics.action_closure_rate(session, start=YEAR.start, end=YEAR.end))


def test_six_items_grid_is_limited_and_least_done_first(session: Session) -> None:
    grid = stats.six_items_grid(session, f=YEAR, limit=5)
    assert grid["unit"].nunique() == 5
    assert len(grid) == 5 * 6
    done = grid.groupby("unit", sort=False)["done"].sum().tolist()
    assert done == sorted(done)


@pytest.mark.parametrize("measure", stats.RANK_MEASURES)
def test_rank_units_is_ordered_and_limited(session: Session, measure: str) -> None:
    df = stats.rank_units(session, f=YEAR, measure=measure, limit=5)
    assert 0 < len(df) <= 5
    assert list(df["value"]) == sorted(df["value"], reverse=True)


def test_rank_units_refuses_an_unknown_measure(session: Session) -> None:
    with pytest.raises(ValueError):
        stats.rank_units(session, f=YEAR, measure="salary")


@pytest.mark.parametrize(
    ("measure", "column"),
    [("activities", None), ("volunteer_hours", "volunteer_hours"), ("beneficiaries", "beneficiaries")],
)
def test_rank_units_agrees_with_summing_the_rows(session: Session, measure: str, column: str | None) -> None:
    """The SQL ranking (summed per unit id, then named) equals summing the period's rows in pandas."""
    rows = pd.read_sql(
        select(Unit.name.label("unit"), Activity.volunteer_hours, Activity.beneficiaries)
        .join(Unit, Unit.id == Activity.unit_id)
        .where(*metrics.activity_conditions(YEAR.start, YEAR.end)),
        session.connection(),
    )
    sums = rows.groupby("unit").size() if column is None else rows.groupby("unit")[column].sum()
    expected = sorted(((-float(v), u) for u, v in sums.items()), key=lambda p: (p[0], p[1]))[:5]
    got = stats.rank_units(session, f=YEAR, measure=measure, limit=5)
    assert [v for v in got["value"]] == [-v for v, _ in expected]
    assert set(got["unit"]) <= set(sums.index)
    assert got["value"].iloc[0] == float(sums.max())
