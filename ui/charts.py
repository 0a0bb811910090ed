"""Altair chart builders: an aggregated DataFrame in, a Chart out (no st.* here).

Every builder refuses more than ``MAX_ROWS`` rows: aggregate in SQL first (quality.md)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd

MAX_ROWS = 5_000
# A chart of units names at most this many (those that most need attention, or the leaders); the
# table beside it lists every unit, a page at a time.
UNITS_NAMED = 30
FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"


class TooManyRows(ValueError):
    """A chart was handed raw rows instead of an aggregate."""


def _check(df: pd.DataFrame) -> pd.DataFrame:
    if len(df) > MAX_ROWS:
        raise TooManyRows(f"{len(df)} rows > {MAX_ROWS}")
    return df


def _style(chart: alt.Chart | alt.LayerChart, title: str) -> alt.Chart | alt.LayerChart:
    return chart.properties(title=title).configure(font=FONT).configure_title(anchor="start", fontSize=15)


def bar(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    x_title: str,
    y_title: str,
    color: str | None = None,
    sort: list[str] | str | None = None,
    horizontal: bool = False,
    percent: bool = False,
    extra_tooltips: list[tuple[str, str]] | None = None,
) -> alt.Chart:
    """Bars of ``y`` per ``x`` (categories kept in ``sort`` order); ``percent`` shows ``y`` (0–1)
    as a percentage; ``extra_tooltips`` adds (column, title) pairs to the tooltip."""
    _check(df)
    fmt = ".0%" if percent else ""
    axis = alt.Axis(format=fmt) if percent else alt.Undefined
    cat = (
        alt.X(f"{x}:N", title=x_title, sort=sort, axis=alt.Axis(labelAngle=0))
        if not horizontal
        else alt.Y(f"{x}:N", title=x_title, sort=sort)
    )
    val = alt.Y(f"{y}:Q", title=y_title, axis=axis) if not horizontal else alt.X(f"{y}:Q", title=y_title, axis=axis)
    enc = {"x": cat, "y": val} if not horizontal else {"y": cat, "x": val}
    tooltip = [alt.Tooltip(f"{x}:N", title=x_title), alt.Tooltip(f"{y}:Q", title=y_title, format=fmt)]
    for col, col_title in extra_tooltips or []:
        tooltip.append(alt.Tooltip(col, title=col_title))
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None)
        tooltip.append(alt.Tooltip(f"{color}:N"))
    chart = alt.Chart(df).mark_bar(cornerRadiusEnd=3).encode(**enc, tooltip=tooltip)
    return _style(chart, title)  # type: ignore[return-value]


def line(
    df: pd.DataFrame, *, x: str, y: str, title: str, x_title: str, y_title: str, color: str | None = None
) -> alt.Chart:
    """A line over time (``x`` temporal or ordinal month labels)."""
    _check(df)
    enc = {
        "x": alt.X(f"{x}:O", title=x_title),
        "y": alt.Y(f"{y}:Q", title=y_title),
        "tooltip": [alt.Tooltip(f"{x}:O", title=x_title), alt.Tooltip(f"{y}:Q", title=y_title)],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None)
    chart = alt.Chart(df).mark_line(point=True).encode(**enc)
    return _style(chart, title)  # type: ignore[return-value]


def stacked_bar(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str,
    title: str,
    x_title: str,
    y_title: str,
    color_sort: list[str] | None = None,
    x_sort: list[str] | None = None,
    colors: list[str] | None = None,
) -> alt.Chart:
    """Bars of ``y`` per ``x`` stacked by ``color`` (``colors``: one colour per ``color_sort`` value)."""
    _check(df)
    scale = alt.Scale(domain=color_sort, range=colors) if colors and color_sort else alt.Undefined
    order = alt.Order("_order:Q") if color_sort else alt.Undefined
    if color_sort:
        rank = {v: i for i, v in enumerate(color_sort)}
        df = df.assign(_order=df[color].map(lambda v: rank.get(v, len(rank))))
    chart = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X(
                f"{x}:O",
                title=x_title,
                sort=x_sort,
                axis=alt.Axis(labelAngle=-30, labelOverlap=False) if x_sort else alt.Undefined,
            ),
            y=alt.Y(f"sum({y}):Q", title=y_title),
            color=alt.Color(f"{color}:N", title=None, sort=color_sort, scale=scale),
            order=order,
            tooltip=[
                alt.Tooltip(f"{x}:O", title=x_title),
                alt.Tooltip(f"{color}:N"),
                alt.Tooltip(f"{y}:Q", title=y_title),
            ],
        )
    )
    return _style(chart, title)  # type: ignore[return-value]


def heatmap(
    df: pd.DataFrame, *, x: str, y: str, value: str, title: str, x_title: str, y_title: str, value_title: str
) -> alt.LayerChart:
    """A grid of ``value`` by ``x`` × ``y`` with the number written in each cell."""
    _check(df)
    base = alt.Chart(df).encode(
        x=alt.X(f"{x}:N", title=x_title, axis=alt.Axis(labelAngle=-40)),
        y=alt.Y(f"{y}:N", title=y_title),
    )
    rect = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=value_title, scale=alt.Scale(scheme="oranges")),
        tooltip=[
            alt.Tooltip(f"{y}:N", title=y_title),
            alt.Tooltip(f"{x}:N", title=x_title),
            alt.Tooltip(f"{value}:Q", title=value_title),
        ],
    )
    text = base.mark_text(fontSize=11).encode(text=alt.Text(f"{value}:Q"))
    return _style(alt.layer(rect, text), title)  # type: ignore[return-value]


def donut(
    df: pd.DataFrame,
    *,
    category: str,
    value: str,
    title: str,
    category_title: str,
    value_title: str,
    sort: list[str] | None = None,
    colors: list[str] | None = None,
) -> alt.LayerChart:
    """Shares of ``value`` by ``category`` as a ring, with the numbers beside it."""
    _check(df)
    scale = alt.Scale(domain=sort, range=colors) if sort and colors else alt.Undefined
    if sort:
        rank = {v: i for i, v in enumerate(sort)}
        df = df.assign(_order=df[category].map(lambda v: rank.get(v, len(rank))))
    else:
        df = df.assign(_order=range(len(df)))
    base = alt.Chart(df).encode(
        theta=alt.Theta(f"{value}:Q", stack=True),
        color=alt.Color(f"{category}:N", title=category_title, sort=sort, scale=scale),
        order=alt.Order("_order:Q"),
        tooltip=[alt.Tooltip(f"{category}:N", title=category_title), alt.Tooltip(f"{value}:Q", title=value_title)],
    )
    ring = base.mark_arc(innerRadius=60, outerRadius=110)
    text = base.mark_text(radius=130, fontSize=13).encode(text=alt.Text(f"{value}:Q"))
    return _style(alt.layer(ring, text), title)  # type: ignore[return-value]


def progress_grid(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    value: str,
    done: str,
    title: str,
    x_title: str,
    y_title: str,
    value_title: str,
    x_sort: list[str] | None = None,
    y_sort: list[str] | None = None,
) -> alt.LayerChart:
    """A grid of ``x`` × ``y`` where done cells (``done`` true) are green and missing ones grey,
    with the count written in each cell (the 六个一 grid)."""
    _check(df)
    base = alt.Chart(df).encode(
        x=alt.X(f"{x}:N", title=x_title, sort=x_sort, axis=alt.Axis(labelAngle=0, orient="top", labelOverlap=False)),
        y=alt.Y(f"{y}:N", title=y_title, sort=y_sort),
    )
    rect = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(f"{done}:N", legend=None, scale=alt.Scale(domain=[True, False], range=["#4c9a6a", "#e4e4e4"])),
        tooltip=[
            alt.Tooltip(f"{y}:N", title=y_title),
            alt.Tooltip(f"{x}:N", title=x_title),
            alt.Tooltip(f"{value}:Q", title=value_title),
        ],
    )
    text = base.mark_text(fontSize=11).encode(text=alt.Text(f"{value}:Q"))
    layered = alt.layer(rect, text).properties(height=alt.Step(22))
    return _style(layered, title)  # type: ignore[return-value]


# ---- the charts of /charts, the deck and the report: aggregated data in, labelled chart out ----

Translate = Callable[..., str]

STATE_COLORS = {
    "covered": "#4c9a6a",
    "uncovered": "#d9534f",
    "done": "#4c9a6a",
    "open": "#7aa6d6",
    "overdue": "#d9534f",
    "dropped": "#b0b0b0",
    "valid": "#4c9a6a",
    "expiring": "#f0ad4e",
    "lapsed": "#d9534f",
}


@dataclass(frozen=True)
class Panel:
    """One chart with its title and the data behind it (columns already in the reader's words)."""

    key: str
    title: str
    chart: alt.Chart | alt.LayerChart
    data: pd.DataFrame


def _states(tr: Translate, codes: Sequence[str]) -> tuple[list[str], list[str]]:
    return [tr(f"charts.state.{c}") for c in codes], [STATE_COLORS[c] for c in codes]


def _data(df: pd.DataFrame, columns: dict[str, str], tr: Translate) -> pd.DataFrame:
    return df[list(columns)].rename(columns={c: tr(k) for c, k in columns.items()})


def needs_by_category_panel(df: pd.DataFrame, tr: Translate) -> Panel:
    title = tr("charts.chart.needs_by_category")
    statuses = ["open", "claimed", "project", "solved", "closed"]
    d = df.assign(status=df["status"].map(lambda s: tr(f"enum.NeedStatus.{s}")))
    chart = stacked_bar(
        d,
        x="category",
        y="count",
        color="status",
        title=title,
        x_title=tr("charts.axis.category"),
        y_title=tr("charts.axis.needs"),
        color_sort=[tr(f"enum.NeedStatus.{s}") for s in statuses],
        x_sort=list(dict.fromkeys(d["category"])),
    )
    return Panel(
        "needs_by_category",
        title,
        chart,
        _data(
            d, {"category": "charts.axis.category", "status": "charts.axis.status", "count": "charts.axis.needs"}, tr
        ),
    )


def needs_coverage_panel(df: pd.DataFrame, tr: Translate) -> Panel:
    title = tr("charts.chart.needs_coverage")
    names, colors = _states(tr, ["covered", "uncovered"])
    d = df.assign(coverage=df["coverage"].map(lambda s: tr(f"charts.state.{s}")))
    chart = stacked_bar(
        d,
        x="category",
        y="count",
        color="coverage",
        title=title,
        x_title=tr("charts.axis.category"),
        y_title=tr("charts.axis.needs"),
        color_sort=names,
        colors=colors,
        x_sort=list(dict.fromkeys(d["category"])),
    )
    return Panel(
        "needs_coverage",
        title,
        chart,
        _data(
            d, {"category": "charts.axis.category", "coverage": "charts.axis.status", "count": "charts.axis.needs"}, tr
        ),
    )


def funnel_panel(df: pd.DataFrame, tr: Translate) -> Panel:
    title = tr("charts.chart.project_funnel")
    d = df.assign(stage=df["stage"].map(lambda s: tr(f"enum.ProjectStage.{s}")))
    chart = bar(
        d,
        x="stage",
        y="reached",
        title=title,
        x_title=tr("charts.axis.stage"),
        y_title=tr("charts.axis.projects_reached"),
        sort=list(d["stage"]),
        horizontal=True,
        extra_tooltips=[("count:Q", tr("charts.axis.projects_now"))],
    )
    return Panel(
        "project_funnel",
        title,
        chart,
        _data(
            d,
            {
                "stage": "charts.axis.stage",
                "reached": "charts.axis.projects_reached",
                "count": "charts.axis.projects_now",
            },
            tr,
        ),
    )


def monthly_activities_panel(monthly: pd.DataFrame, tr: Translate) -> Panel:
    title = tr("charts.chart.activities_by_month")
    chart = bar(
        monthly,
        x="month",
        y="activities",
        title=title,
        x_title=tr("charts.axis.month"),
        y_title=tr("charts.axis.activities"),
        sort=list(monthly["month"]),
    )
    return Panel(
        "activities_by_month",
        title,
        chart,
        _data(monthly, {"month": "charts.axis.month", "activities": "charts.axis.activities"}, tr),
    )


def hours_panel(monthly: pd.DataFrame, tr: Translate) -> Panel:
    title = tr("charts.chart.hours_by_month")
    chart = line(
        monthly,
        x="month",
        y="volunteer_hours",
        title=title,
        x_title=tr("charts.axis.month"),
        y_title=tr("charts.axis.hours"),
    )
    return Panel(
        "hours_by_month",
        title,
        chart,
        _data(monthly, {"month": "charts.axis.month", "volunteer_hours": "charts.axis.hours"}, tr),
    )


def kinds_panel(by_kind: pd.DataFrame, tr: Translate) -> Panel:
    title = tr("charts.chart.activities_by_kind")
    d = by_kind.assign(kind=by_kind["kind"].map(lambda k: tr(f"enum.ActivityKind.{k}")))
    chart = bar(
        d,
        x="kind",
        y="activities",
        title=title,
        x_title=tr("charts.axis.kind"),
        y_title=tr("charts.axis.activities"),
        sort="-x",
        horizontal=True,
    )
    return Panel(
        "activities_by_kind",
        title,
        chart,
        _data(d, {"kind": "charts.axis.kind", "activities": "charts.axis.activities"}, tr),
    )


def six_items_panel(grid: pd.DataFrame, tr: Translate, items: Sequence[str]) -> Panel:
    title = tr("charts.chart.six_items")
    d = grid.assign(item=grid["item"].map(lambda k: tr(f"charts.six.{k}")))
    chart = progress_grid(
        d,
        x="item",
        y="unit",
        value="count",
        done="done",
        title=title,
        x_title="",
        y_title=tr("charts.axis.unit"),
        value_title=tr("charts.axis.times"),
        x_sort=[tr(f"charts.six.{k}") for k in items],
        y_sort=list(dict.fromkeys(d["unit"])),
    )
    return Panel(
        "six_items",
        title,
        chart,
        _data(d, {"unit": "charts.axis.unit", "item": "charts.axis.item", "count": "charts.axis.times"}, tr),
    )


def attendance_panel(df: pd.DataFrame, tr: Translate) -> Panel:
    title = tr("charts.chart.attendance")
    chart = bar(
        df,
        x="unit",
        y="rate",
        title=title,
        x_title=tr("charts.axis.unit"),
        y_title=tr("charts.axis.rate"),
        sort="x",
        horizontal=True,
        percent=True,
        extra_tooltips=[("invited:Q", tr("charts.axis.invited")), ("attended:Q", tr("charts.axis.attended"))],
    )
    return Panel(
        "attendance",
        title,
        chart,
        _data(
            df,
            {
                "unit": "charts.axis.unit",
                "invited": "charts.axis.invited",
                "attended": "charts.axis.attended",
                "rate": "charts.axis.rate",
            },
            tr,
        ),
    )


def actions_panel(df: pd.DataFrame, tr: Translate) -> Panel:
    title = tr("charts.chart.actions")
    names, colors = _states(tr, ["done", "open", "overdue", "dropped"])
    d = df.assign(state=df["state"].map(lambda s: tr(f"charts.state.{s}")))
    chart = stacked_bar(
        d,
        x="month",
        y="count",
        color="state",
        title=title,
        x_title=tr("charts.axis.month"),
        y_title=tr("charts.axis.items"),
        color_sort=names,
        colors=colors,
    )
    return Panel(
        "actions",
        title,
        chart,
        _data(d, {"month": "charts.axis.month", "state": "charts.axis.state", "count": "charts.axis.items"}, tr),
    )


def agreements_panel(df: pd.DataFrame, tr: Translate) -> Panel:
    title = tr("charts.chart.agreements")
    names, colors = _states(tr, list(df["state"]))
    d = df.assign(state=names)
    chart = donut(
        d,
        category="state",
        value="count",
        title=title,
        category_title=tr("charts.axis.state"),
        value_title=tr("charts.axis.agreements"),
        sort=names,
        colors=colors,
    )
    return Panel(
        "agreements", title, chart, _data(d, {"state": "charts.axis.state", "count": "charts.axis.agreements"}, tr)
    )


def ranking_panel(df: pd.DataFrame, measure: str, tr: Translate) -> Panel:
    name = tr(f"charts.measure.{measure}")
    title = tr("charts.chart.ranking", measure=name)
    chart = bar(
        df,
        x="unit",
        y="value",
        title=title,
        x_title=tr("charts.axis.unit"),
        y_title=name,
        sort="-x",
        horizontal=True,
        percent=measure == "attendance_rate",
    )
    return Panel(
        "ranking", title, chart, _data(df, {"unit": "charts.axis.unit", "value": f"charts.measure.{measure}"}, tr)
    )


def quarter_panels(
    monthly: pd.DataFrame, by_kind: pd.DataFrame, coverage: pd.DataFrame, funnel: pd.DataFrame, tr: Translate
) -> dict[str, Panel]:
    """The four charts of a quarter's deck and report."""
    panels = (
        monthly_activities_panel(monthly, tr),
        kinds_panel(by_kind, tr),
        needs_coverage_panel(coverage, tr),
        funnel_panel(funnel, tr),
    )
    return {p.key: p for p in panels}


def quarter_images(q: Any, tr: Translate) -> dict[str, Any]:
    """The quarter's charts (a ``services.quarterly.QuarterSummary``) as PNG ``ChartImage``s for the
    deck and the report; raises ``exports.png.NoCJKFont`` when no Chinese font is installed."""
    from exports.png import ChartImage, chart_png

    panels = quarter_panels(q.monthly, q.by_kind, q.needs_coverage, q.funnel, tr)
    return {key: ChartImage(p.title, chart_png(p.chart)) for key, p in panels.items()}
