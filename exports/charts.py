"""Altair chart builders: an aggregated DataFrame in, a Chart out (no st.* here).

Every builder refuses more than ``MAX_ROWS`` rows: aggregate in SQL first (quality.md).

One look for every chart of the app, the deck and the report, decided here and nowhere else:

- colours: ``STATUS_COLORS`` gives each status one colour wherever it is drawn (red is only for what is
  late or lapsed), ``PALETTE`` colours plain categories (activity kinds, years) and has no red;
- labels: ``category_axis`` — never dropped (``labelOverlap=False``), cut only past ``LABEL_LIMIT``
  (the tooltip has the whole name), turned when they would not fit side by side;
- counts tick at whole numbers (``format="d"``, ``tickMinStep=1``), on axes and legends;
- months (``YYYY-MM`` keys) read 10月, with the year where it changes: 2026年10月 (Oct / Oct 2026)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Final, overload

import altair as alt
import pandas as pd

from locales import DEFAULT_LANGUAGE, translate

MAX_ROWS = 5_000
# A chart of units names at most this many (those that most need attention, or the leaders); the
# table beside it lists every unit, a page at a time.
UNITS_NAMED = 30
FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
LABEL_LIMIT = 150  # px: a unit's whole name at 11 px (13 characters); longer ones end in …
LABEL_FONT_SIZE = 11

Translate = Callable[..., str]

# ---- one palette ---------------------------------------------------------------------------------

GREEN = "#4c9a6a"
BLUE = "#3b6fb6"
LIGHT_BLUE = "#8db4e2"
ORANGE = "#e08a2e"
YELLOW = "#e3c14b"
RED = "#c9302c"
GREY = "#a6a6a6"
LIGHT_GREY = "#e4e4e4"
PRIMARY = BLUE  # bars and lines of one series
# plain categories (activity kinds, years …): no red, no status colour's orange
PALETTE: tuple[str, ...] = (
    "#3b6fb6",
    "#47a6b5",
    "#8e6bb8",
    "#a3b839",
    "#b5895a",
    "#d36fa0",
    "#7d8a99",
    "#5a5fc9",
    "#6bbf8a",
    "#c7a03a",
)
HEAT_SCHEME: Final = "oranges"  # Final: typed as the literal alt.Scale(scheme=…) expects

# Every status a chart colours, by its vocabulary and code: one colour each, wherever it is drawn.
# A status shown under the same name in two vocabularies (待对接: a need not yet taken up, a need
# not yet covered) has the same colour in both.
STATUS_COLORS: dict[str, dict[str, str]] = {
    "NeedStatus": {"open": ORANGE, "claimed": YELLOW, "project": BLUE, "solved": GREEN, "closed": GREY},
    "coverage": {"covered": GREEN, "uncovered": ORANGE},
    "action": {"done": GREEN, "open": LIGHT_BLUE, "overdue": RED, "dropped": GREY},
    "agreement": {"valid": GREEN, "expiring": YELLOW, "lapsed": RED},
    "six": {"done": GREEN, "missing": LIGHT_GREY},
}
# where each vocabulary's names come from
STATUS_LABELS = {
    "NeedStatus": "enum.NeedStatus.{}",
    "coverage": "charts.state.{}",
    "action": "charts.state.{}",
    "agreement": "charts.state.{}",
}


class TooManyRows(ValueError):
    """A chart was handed raw rows instead of an aggregate."""


def _check(df: pd.DataFrame) -> pd.DataFrame:
    if len(df) > MAX_ROWS:
        raise TooManyRows(f"{len(df)} rows > {MAX_ROWS}")
    return df


@overload
def _style(chart: alt.Chart, title: str) -> alt.Chart: ...
@overload
def _style(chart: alt.LayerChart | alt.FacetChart, title: str) -> alt.LayerChart | alt.FacetChart: ...
def _style(
    chart: alt.Chart | alt.LayerChart | alt.FacetChart, title: str
) -> alt.Chart | alt.LayerChart | alt.FacetChart:
    return (
        chart.properties(title=title)
        .configure(font=FONT)
        .configure_title(anchor="start", fontSize=15)
        .configure_axis(labelFontSize=LABEL_FONT_SIZE)
        .configure_range(category=list(PALETTE))
    )


def status_scale(vocabulary: str, codes: Sequence[str], tr: Translate) -> tuple[list[str], list[str]]:
    """The names (in the reader's words) and colours of ``codes`` of a status ``vocabulary``."""
    names = [tr(STATUS_LABELS[vocabulary].format(c)) for c in codes]
    return names, [STATUS_COLORS[vocabulary][c] for c in codes]


# ---- one label rule ------------------------------------------------------------------------------


def label_angle(labels: Iterable[object]) -> int:
    """0 when the labels fit side by side on a phone (about 16 characters in all), else turned: -40°,
    or upright (-90°) for more than 12 of them, so that none is dropped or overlaps."""
    shown = [str(v) for v in dict.fromkeys(labels)]
    if len(shown) * max((len(s) for s in shown), default=0) <= 16:
        return 0
    return -40 if len(shown) <= 12 else -90


def category_axis(labels: Iterable[object] | None = None, *, horizontal: bool = True, **kw: Any) -> alt.Axis:
    """The axis of a category (units, kinds, months …): every label shown, none dropped."""
    if horizontal:
        kw.setdefault("labelAngle", label_angle([] if labels is None else labels))
    return alt.Axis(labelOverlap=False, labelLimit=LABEL_LIMIT, labelFontSize=LABEL_FONT_SIZE, **kw)


def is_count(series: pd.Series) -> bool:
    """Whether a column holds counts (integers; hours, points and rates are floats)."""
    if pd.api.types.is_bool_dtype(series):
        return False
    if pd.api.types.is_integer_dtype(series):
        return True
    return False


def value_axis(*, count: bool, percent: bool = False, **kw: Any) -> alt.Axis:
    """The axis of a measure: whole-number ticks for counts, per cent for shares."""
    if percent:
        return alt.Axis(format=".0%", **kw)
    if count:
        return alt.Axis(format="d", tickMinStep=1, **kw)
    return alt.Axis(**kw)


# ---- months --------------------------------------------------------------------------------------

MONTH_KEY = re.compile(r"^\d{4}-\d{2}$")


def _t(tr: Translate | None) -> Translate:
    """The months' names: in ``tr``'s language (pages pass the user's), else in the default language."""
    if tr is not None:
        return tr
    return partial(translate, DEFAULT_LANGUAGE)


def is_month_column(series: pd.Series) -> bool:
    return len(series) > 0 and all(isinstance(v, str) and MONTH_KEY.match(v) for v in series)


def month_names(keys: Iterable[str], tr: Translate) -> dict[str, tuple[str, str]]:
    """``YYYY-MM`` → (its whole name, its name on an axis): 2026年10月 and 10月; the axis keeps the year
    on the first month and on each January."""
    out: dict[str, tuple[str, str]] = {}
    last_year: int | None = None
    month = tr("charts.month_names").split()  # 1月 … 12月, Jan … Dec
    for key in sorted(set(keys)):
        y, m = int(key[:4]), int(key[5:7])
        short = month[m - 1]
        whole = tr("charts.month_long", year=y, month=short)
        out[key] = (whole, whole if y != last_year else short)
        last_year = y
    return out


def _months(df: pd.DataFrame, x: str, tr: Translate | None) -> tuple[pd.DataFrame, list[str] | None, str | None]:
    """When ``x`` holds months: the frame with their whole names, their order, and the axis's label
    expression (the short names); otherwise the frame unchanged."""
    if not is_month_column(df[x]):
        return df, None, None
    names = month_names(df[x], _t(tr))
    order = [names[k][0] for k in sorted(names)]
    shorter = [(whole, short) for whole, short in names.values() if short != whole]
    expr = "datum.label"
    for whole, short in reversed(shorter):
        expr = f"datum.value === {_js(whole)} ? {_js(short)} : ({expr})"
    return df.assign(**{x: df[x].map(lambda k: names[k][0])}), order, expr if shorter else None


def whole_months(df: pd.DataFrame, column: str, tr: Translate) -> pd.DataFrame:
    """``df`` with its ``YYYY-MM`` months in ``column`` written out (2026年10月), for a table or CSV."""
    if not is_month_column(df[column]):
        return df
    names = month_names(df[column], tr)
    return df.assign(**{column: df[column].map(lambda k: names[k][0])})


def _js(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


# ---- the builders --------------------------------------------------------------------------------


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
    count: bool | None = None,
    tr: Translate | None = None,
) -> alt.Chart:
    """Bars of ``y`` per ``x`` (categories kept in ``sort`` order); ``percent`` shows ``y`` (0–1)
    as a percentage; ``count`` (default: an integer ``y``) ticks at whole numbers; ``extra_tooltips``
    adds (column, title) pairs to the tooltip; ``tr`` names months (pages pass the user's language; default: the default language)."""
    _check(df)
    df, months, month_expr = _months(df, x, tr)
    if months is not None and not isinstance(sort, str):
        sort = months
    count = is_count(df[y]) if count is None else count
    fmt = ".0%" if percent else ("d" if count else "")
    label_expr: dict[str, Any] = {"labelExpr": month_expr} if month_expr else {}
    cat_axis = category_axis(df[x], horizontal=not horizontal, **label_expr)
    val_axis = value_axis(count=count, percent=percent)
    cat = (
        alt.X(f"{x}:N", title=x_title, sort=sort, axis=cat_axis)
        if not horizontal
        else alt.Y(f"{x}:N", title=x_title, sort=sort, axis=cat_axis)
    )
    val = (
        alt.Y(f"{y}:Q", title=y_title, axis=val_axis)
        if not horizontal
        else alt.X(f"{y}:Q", title=y_title, axis=val_axis)
    )
    enc: dict[str, Any] = {"x": cat, "y": val} if not horizontal else {"y": cat, "x": val}
    tooltip = [alt.Tooltip(f"{x}:N", title=x_title), alt.Tooltip(f"{y}:Q", title=y_title, format=fmt)]
    for col, col_title in extra_tooltips or []:
        tooltip.append(alt.Tooltip(col, title=col_title))
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None, scale=alt.Scale(range=list(PALETTE)))
        tooltip.append(alt.Tooltip(f"{color}:N"))
    chart = alt.Chart(df).mark_bar(cornerRadiusEnd=3, color=PRIMARY).encode(**enc, tooltip=tooltip)
    return _style(chart, title)


def line(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    title: str,
    x_title: str,
    y_title: str,
    color: str | None = None,
    count: bool | None = None,
    tr: Translate | None = None,
) -> alt.Chart:
    """A line over time (``x``: ``YYYY-MM`` months, or ordinal labels)."""
    _check(df)
    df, months, month_expr = _months(df, x, tr)
    count = is_count(df[y]) if count is None else count
    label_expr: dict[str, Any] = {"labelExpr": month_expr} if month_expr else {}
    axis = category_axis(df[x], **label_expr)
    enc = {
        "x": alt.X(f"{x}:O", title=x_title, sort=months, axis=axis),
        "y": alt.Y(f"{y}:Q", title=y_title, axis=value_axis(count=count)),
        "tooltip": [alt.Tooltip(f"{x}:O", title=x_title), alt.Tooltip(f"{y}:Q", title=y_title)],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None, scale=alt.Scale(range=list(PALETTE)))
    chart = alt.Chart(df).mark_line(point=True, color=PRIMARY).encode(**enc)
    return _style(chart, title)


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
    count: bool | None = None,
    tr: Translate | None = None,
) -> alt.Chart:
    """Bars of ``y`` per ``x`` stacked by ``color`` (``colors``: one colour per ``color_sort`` value, a
    status's from ``status_scale``; otherwise the ``PALETTE``)."""
    _check(df)
    df, months, month_expr = _months(df, x, tr)
    if months is not None:
        x_sort = months
    count = is_count(df[y]) if count is None else count
    if colors and color_sort:
        scale = alt.Scale(domain=color_sort, range=colors)
    else:
        scale = alt.Scale(domain=color_sort, range=list(PALETTE)) if color_sort else alt.Scale(range=list(PALETTE))
    order = alt.Order("_order:Q") if color_sort else alt.Undefined
    if color_sort:
        rank = {v: i for i, v in enumerate(color_sort)}
        df = df.assign(_order=df[color].map(lambda v: rank.get(v, len(rank))))
    label_expr: dict[str, Any] = {"labelExpr": month_expr} if month_expr else {}
    axis = category_axis(df[x], **label_expr)
    chart = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X(f"{x}:O", title=x_title, sort=x_sort, axis=axis),
            y=alt.Y(f"sum({y}):Q", title=y_title, axis=value_axis(count=count)),
            color=alt.Color(f"{color}:N", title=None, sort=color_sort, scale=scale),
            order=order,
            tooltip=[
                alt.Tooltip(f"{x}:O", title=x_title),
                alt.Tooltip(f"{color}:N"),
                alt.Tooltip(f"{y}:Q", title=y_title),
            ],
        )
    )
    return _style(chart, title)


def heatmap(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    value: str,
    title: str,
    x_title: str,
    y_title: str,
    value_title: str,
    count: bool | None = None,
) -> alt.LayerChart:
    """A grid of ``value`` by ``x`` × ``y`` with the number written in each cell; every column and
    row is labelled."""
    _check(df)
    count = is_count(df[value]) if count is None else count
    # the legend below the grid: beside it, it would take the width a phone needs for 18 columns
    count_ticks: dict[str, Any] = {"format": "d", "tickMinStep": 1} if count else {}
    legend = alt.Legend(orient="bottom", **count_ticks)
    base = alt.Chart(df).encode(
        x=alt.X(f"{x}:N", title=x_title, axis=category_axis(df[x])),
        y=alt.Y(f"{y}:N", title=y_title, axis=category_axis(horizontal=False)),
    )
    rect = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=value_title, scale=alt.Scale(scheme=HEAT_SCHEME), legend=legend),
        tooltip=[
            alt.Tooltip(f"{y}:N", title=y_title),
            alt.Tooltip(f"{x}:N", title=x_title),
            alt.Tooltip(f"{value}:Q", title=value_title),
        ],
    )
    text = base.mark_text(fontSize=11).encode(text=alt.Text(f"{value}:Q"))
    # alt.layer() is declared LayerChart | FacetChart; without facet arguments it returns a LayerChart
    return _style(alt.layer(rect, text).properties(height=alt.Step(24)), title)  # type: ignore[return-value]


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
    if sort and colors:
        scale = alt.Scale(domain=sort, range=colors)
    else:
        scale = alt.Scale(domain=sort, range=list(PALETTE)) if sort else alt.Scale(range=list(PALETTE))
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
    # alt.layer() is declared LayerChart | FacetChart; without facet arguments it returns a LayerChart
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
    six = STATUS_COLORS["six"]
    base = alt.Chart(df).encode(
        x=alt.X(
            f"{x}:N", title=x_title, sort=x_sort, axis=category_axis(df[x] if x_sort is None else x_sort, orient="top")
        ),
        y=alt.Y(f"{y}:N", title=y_title, sort=y_sort, axis=category_axis(horizontal=False)),
    )
    rect = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            f"{done}:N", legend=None, scale=alt.Scale(domain=[True, False], range=[six["done"], six["missing"]])
        ),
        tooltip=[
            alt.Tooltip(f"{y}:N", title=y_title),
            alt.Tooltip(f"{x}:N", title=x_title),
            alt.Tooltip(f"{value}:Q", title=value_title),
        ],
    )
    text = base.mark_text(fontSize=11).encode(text=alt.Text(f"{value}:Q"))
    layered = alt.layer(rect, text).properties(height=alt.Step(22))
    # alt.layer() is declared LayerChart | FacetChart; without facet arguments it returns a LayerChart
    return _style(layered, title)  # type: ignore[return-value]


# ---- the charts of /charts, the deck and the report: aggregated data in, labelled chart out ----


@dataclass(frozen=True)
class Panel:
    """One chart with its title and the data behind it (columns already in the reader's words)."""

    key: str
    title: str
    chart: alt.Chart | alt.LayerChart
    data: pd.DataFrame


def _data(df: pd.DataFrame, columns: dict[str, str], tr: Translate) -> pd.DataFrame:
    return df[list(columns)].rename(columns={c: tr(k) for c, k in columns.items()})


def needs_by_category_panel(df: pd.DataFrame, tr: Translate) -> Panel:
    title = tr("charts.chart.needs_by_category")
    names, colors = status_scale("NeedStatus", ["open", "claimed", "project", "solved", "closed"], tr)
    d = df.assign(status=df["status"].map(lambda s: tr(f"enum.NeedStatus.{s}")))
    chart = stacked_bar(
        d,
        x="category",
        y="count",
        color="status",
        title=title,
        x_title=tr("charts.axis.category"),
        y_title=tr("charts.axis.needs"),
        color_sort=names,
        colors=colors,
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
    names, colors = status_scale("coverage", ["covered", "uncovered"], tr)
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
        tr=tr,
    )
    return Panel(
        "activities_by_month",
        title,
        chart,
        _data(
            whole_months(monthly, "month", tr),
            {"month": "charts.axis.month", "activities": "charts.axis.activities"},
            tr,
        ),
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
        tr=tr,
    )
    return Panel(
        "hours_by_month",
        title,
        chart,
        _data(
            whole_months(monthly, "month", tr),
            {"month": "charts.axis.month", "volunteer_hours": "charts.axis.hours"},
            tr,
        ),
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
    names, colors = status_scale("action", ["done", "open", "overdue", "dropped"], tr)
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
        tr=tr,
    )
    return Panel(
        "actions",
        title,
        chart,
        _data(
            whole_months(d, "month", tr),
            {"month": "charts.axis.month", "state": "charts.axis.state", "count": "charts.axis.items"},
            tr,
        ),
    )


def agreements_panel(df: pd.DataFrame, tr: Translate) -> Panel:
    title = tr("charts.chart.agreements")
    names, colors = status_scale("agreement", list(df["state"]), tr)
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
        count=measure not in ("attendance_rate", "volunteer_hours"),
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
