"""One look for every chart (issue 20, item 5): the Altair spec of every builder and every chart of
/charts, the deck and the report — whole-number ticks for counts, the shared palette and one colour
per status, labels never dropped, months written 10月 / 2026年10月."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from functools import partial
from typing import Any

import altair as alt
import pandas as pd
import pytest
from sqlalchemy.orm import Session

from domain.enums import SIX_ITEMS
from exports import charts
from exports.format import fmt_compact
from locales import translate
from services import stats
from tests.conftest import TODAY

tr = partial(translate, "zh_CN")
tr_en = partial(translate, "en")
YEAR = stats.ChartFilter(start=date(TODAY.year, 1, 1), end=TODAY, today=TODAY)
ALLOWED = set(charts.PALETTE) | {c for v in charts.STATUS_COLORS.values() for c in v.values()}

UNITS = pd.DataFrame({"unit": [f"共建单位{i:02d}号" for i in range(18)], "n": range(18), "h": [1.5] * 18})
MONTHS = pd.DataFrame(
    {
        "month": ["2025-11", "2025-12", "2026-01", "2026-02"] * 2,
        "kind": ["a"] * 4 + ["b"] * 4,
        "n": [1, 2, 3, 4, 5, 6, 7, 8],
        "h": [0.5] * 8,
    }
)
GRID = pd.DataFrame(
    {
        "item": ["组织生活", "认领微心愿"] * 2,
        "unit": ["甲", "甲", "乙", "乙"],
        "n": [1, 0, 2, 3],
        "done": [True, False] * 2,
    }
)

# (builder, the field that holds a count or None, the category field)
GENERIC: dict[str, tuple[Callable[[], Any], str | None, str]] = {
    "bar": (lambda: charts.bar(UNITS, x="unit", y="n", title="t", x_title="x", y_title="y"), "n", "unit"),
    "bar_horizontal": (
        lambda: charts.bar(UNITS, x="unit", y="n", title="t", x_title="x", y_title="y", horizontal=True),
        "n",
        "unit",
    ),
    "bar_hours": (lambda: charts.bar(UNITS, x="unit", y="h", title="t", x_title="x", y_title="y"), None, "unit"),
    "bar_months": (
        lambda: charts.bar(MONTHS, x="month", y="n", title="t", x_title="x", y_title="y", tr=tr),
        "n",
        "month",
    ),
    "line_months": (
        lambda: charts.line(MONTHS, x="month", y="n", title="t", x_title="x", y_title="y", tr=tr),
        "n",
        "month",
    ),
    "line_hours": (
        lambda: charts.line(MONTHS, x="month", y="h", title="t", x_title="x", y_title="y", tr=tr),
        None,
        "month",
    ),
    "stacked_bar": (
        lambda: charts.stacked_bar(
            MONTHS, x="month", y="n", color="kind", title="t", x_title="x", y_title="y", color_sort=["a", "b"], tr=tr
        ),
        "n",
        "month",
    ),
    "heatmap": (
        lambda: charts.heatmap(
            UNITS.assign(row="行"), x="unit", y="row", value="n", title="t", x_title="x", y_title="y", value_title="v"
        ),
        "n",
        "unit",
    ),
    "donut": (
        lambda: charts.donut(UNITS.head(4), category="unit", value="n", title="t", category_title="c", value_title="v"),
        None,
        "unit",
    ),
    "progress_grid": (
        lambda: charts.progress_grid(
            GRID, x="item", y="unit", value="n", done="done", title="t", x_title="x", y_title="y", value_title="v"
        ),
        None,
        "item",
    ),
}


def _encodings(spec: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(encoding, mark) of the spec and of each of its layers."""
    if "encoding" in spec:
        yield spec["encoding"], spec.get("mark", {})
    for layer in spec.get("layer", []):
        yield from _encodings({**layer, "encoding": {**spec.get("encoding", {}), **layer.get("encoding", {})}})


def _mark_color(mark: Any) -> str | None:
    return mark.get("color") if isinstance(mark, dict) else None


def check_look(chart: alt.TopLevelMixin, count_field: str | None) -> dict[str, str]:
    """Assert the shared look on one chart's spec; return its status colours (legend name → colour)."""
    spec = chart.to_dict()
    assert spec["config"]["font"] == charts.FONT
    assert spec["config"]["range"]["category"] == list(charts.PALETTE)
    colours: dict[str, str] = {}
    for enc, mark in _encodings(spec):
        for channel in ("x", "y"):
            e = enc.get(channel)
            if not e:
                continue
            if e["type"] in ("nominal", "ordinal"):
                axis = e.get("axis", {})
                assert axis.get("labelOverlap") is False, (channel, e)  # every label drawn
                assert axis.get("labelLimit") == charts.LABEL_LIMIT, (channel, e)
            elif e["type"] == "quantitative" and count_field and count_field in e["field"]:
                assert e["axis"]["format"] == "d" and e["axis"]["tickMinStep"] == 1, e  # no 0.5
            elif e["type"] == "quantitative":
                assert e.get("axis", {}).get("format") != "d", e
        color = enc.get("color")
        if color and "value" not in color:
            scale = color.get("scale", {})
            if color["type"] == "quantitative":
                assert scale.get("scheme") == charts.HEAT_SCHEME
                if count_field:
                    assert color["legend"]["format"] == "d" and color["legend"]["tickMinStep"] == 1
            else:
                assert set(scale["range"]) <= ALLOWED, scale
                if scale.get("domain"):
                    colours.update({str(k): v for k, v in zip(scale["domain"], scale["range"], strict=False)})
        elif _mark_color(mark) is not None:
            assert _mark_color(mark) == charts.PRIMARY
    return colours


@pytest.mark.parametrize("name", list(GENERIC))
def test_every_builder_has_the_shared_look(name: str) -> None:
    build, count_field, _ = GENERIC[name]
    check_look(build(), count_field)


@pytest.mark.parametrize("name", [n for n in GENERIC if n != "donut"])
def test_no_category_label_is_dropped_or_overlapping(name: str) -> None:
    build, _, field = GENERIC[name]
    spec = build().to_dict()
    axes = [e["axis"] for enc, _ in _encodings(spec) for e in (enc.get("x"), enc.get("y")) if e and e["field"] == field]
    assert axes
    for axis in axes:
        assert axis["labelOverlap"] is False
    if name == "heatmap":  # 18 unit columns: upright, so none overlaps on a phone; the legend below
        assert axes[0]["labelAngle"] == -90
        colour = next(enc["color"] for enc, _ in _encodings(spec) if "color" in enc)
        assert colour["legend"]["orient"] == "bottom"


def test_the_label_rule() -> None:
    assert charts.label_angle(["党建共建", "民生保障", "为老助残"]) == 0  # fits side by side on a phone
    assert charts.label_angle([k.value * 3 for k in SIX_ITEMS]) == -40
    assert charts.label_angle([f"单位{i}" for i in range(18)]) == -90


def test_months_read_as_chinese_months_with_the_year_where_it_changes() -> None:
    names = charts.month_names(["2025-11", "2025-12", "2026-01", "2026-10"], tr)
    assert names == {
        "2025-11": ("2025年11月", "2025年11月"),
        "2025-12": ("2025年12月", "12月"),
        "2026-01": ("2026年1月", "2026年1月"),
        "2026-10": ("2026年10月", "10月"),
    }
    assert charts.month_names(["2026-10"], tr_en) == {"2026-10": ("Oct 2026", "Oct 2026")}
    spec = charts.bar(MONTHS, x="month", y="n", title="t", x_title="x", y_title="y", tr=tr).to_dict()
    x = spec["encoding"]["x"]
    assert x["sort"] == ["2025年11月", "2025年12月", "2026年1月", "2026年2月"]  # in time order, not text order
    assert "'2025年12月' ? '12月'" in x["axis"]["labelExpr"]
    data = json.dumps(spec["datasets"], ensure_ascii=False)
    assert "2025-12" not in data and "2025年12月" in data


def _demo_panels(session: Session) -> list[tuple[charts.Panel, str | None]]:
    by_month = stats.activities_by_month(session, f=YEAR)
    kinds = by_month.groupby("kind", as_index=False)["activities"].sum()
    monthly = stats.monthly_totals(by_month)
    panels = [
        charts.needs_by_category_panel(stats.needs_by_category_status(session, f=YEAR), tr),
        charts.needs_coverage_panel(stats.needs_coverage_by_category(session, f=YEAR), tr),
        charts.funnel_panel(stats.project_funnel(session, f=YEAR), tr),
        charts.monthly_activities_panel(monthly, tr),
        charts.hours_panel(monthly, tr),
        charts.kinds_panel(kinds, tr),
        charts.six_items_panel(stats.six_items_grid(session, f=YEAR), tr, [k.value for k in SIX_ITEMS]),
        charts.attendance_panel(stats.attendance_by_unit(session, f=YEAR), tr),
        charts.actions_panel(stats.action_items_by_month(session, f=YEAR), tr),
        charts.agreements_panel(stats.agreements_by_state(session, f=YEAR), tr),
    ]
    ranked = [
        (charts.ranking_panel(stats.rank_units(session, f=YEAR, measure=m), m, tr), m) for m in stats.RANK_MEASURES
    ]
    return [(p, COUNTS.get(p.key)) for p in panels] + [
        (p, None if m in ("volunteer_hours", "attendance_rate") else "value") for p, m in ranked
    ]


COUNTS = {
    "needs_by_category": "count",
    "needs_coverage": "count",
    "project_funnel": "reached",
    "activities_by_month": "activities",
    "activities_by_kind": "activities",
    "actions": "count",
}


def test_every_chart_of_the_app_the_deck_and_the_report_has_one_colour_per_status(session: Session) -> None:
    seen: dict[str, set[str]] = {}
    panels = _demo_panels(session)
    assert len(panels) == 10 + len(stats.RANK_MEASURES)
    for panel, count_field in panels:
        for name, colour in check_look(panel.chart, count_field).items():
            seen.setdefault(name, set()).add(colour)
    clashes = {name: c for name, c in seen.items() if len(c) > 1}
    assert clashes == {}
    assert seen["待对接"] == {charts.ORANGE}  # a need's status and a need not yet covered: one colour
    assert seen["已立项"] == {charts.BLUE}
    red = {name for name, c in seen.items() if charts.RED in c}
    assert red <= {"已逾期", "已过期"}  # red only for what is late or lapsed


def test_ranking_ticks_whole_numbers_for_counted_measures(session: Session) -> None:
    for measure in stats.RANK_MEASURES:
        panel = charts.ranking_panel(stats.rank_units(session, f=YEAR, measure=measure), measure, tr)
        axis = panel.chart.to_dict()["encoding"]["x"]["axis"]
        if measure in ("volunteer_hours", "attendance_rate"):
            assert axis.get("format") != "d"
        else:
            assert axis["format"] == "d" and axis["tickMinStep"] == 1


def test_month_charts_and_their_csv_read_chinese_months(session: Session) -> None:
    by_month = stats.activities_by_month(session, f=YEAR)
    panel = charts.monthly_activities_panel(stats.monthly_totals(by_month), tr)
    months = list(panel.data["月份"])
    assert months and all(m.startswith("2026年") and m.endswith("月") for m in months)


@pytest.mark.parametrize(
    ("value", "lang", "shown"),
    [
        (7324, "zh_CN", "7,324"),
        (99_999, "zh_CN", "99,999"),
        (5_253_412.5, "zh_CN", "525.3万"),
        (120_000_000, "zh_CN", "1.2亿"),
        (5_253_412.5, "en", "5.3M"),
        (525_300, "en", "525.3K"),
        (None, "zh_CN", "–"),
    ],
)
def test_kpi_figures_are_short_enough_for_a_tile(value: float | None, lang: str, shown: str) -> None:
    assert fmt_compact(value, lang) == shown
