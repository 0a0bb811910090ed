"""Altair chart builders: an aggregated DataFrame in, a Chart out (no st.* here).

Every builder refuses more than ``MAX_ROWS`` rows: aggregate in SQL first (quality.md)."""

from __future__ import annotations

import altair as alt
import pandas as pd

MAX_ROWS = 5_000
FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"


class TooManyRows(ValueError):
    """A chart was handed raw rows instead of an aggregate."""


def _check(df: pd.DataFrame) -> pd.DataFrame:
    if len(df) > MAX_ROWS:
        raise TooManyRows(f"{len(df)} rows > {MAX_ROWS}")
    return df


def _style(chart: alt.Chart | alt.LayerChart, title: str) -> alt.Chart | alt.LayerChart:
    return chart.properties(title=title).configure(font=FONT).configure_title(anchor="start", fontSize=15)


def bar(df: pd.DataFrame, *, x: str, y: str, title: str, x_title: str, y_title: str,
        color: str | None = None, sort: list[str] | str | None = None, horizontal: bool = False) -> alt.Chart:
    """Bars of ``y`` per ``x`` (categories kept in ``sort`` order)."""
    _check(df)
    cat = alt.X(f"{x}:N", title=x_title, sort=sort) if not horizontal else alt.Y(f"{x}:N", title=x_title, sort=sort)
    val = alt.Y(f"{y}:Q", title=y_title) if not horizontal else alt.X(f"{y}:Q", title=y_title)
    enc = {"x": cat, "y": val} if not horizontal else {"y": cat, "x": val}
    tooltip = [alt.Tooltip(f"{x}:N", title=x_title), alt.Tooltip(f"{y}:Q", title=y_title)]
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None)
        tooltip.append(alt.Tooltip(f"{color}:N"))
    chart = alt.Chart(df).mark_bar(cornerRadiusEnd=3).encode(**enc, tooltip=tooltip)
    return _style(chart, title)  # type: ignore[return-value]


def line(df: pd.DataFrame, *, x: str, y: str, title: str, x_title: str, y_title: str,
         color: str | None = None) -> alt.Chart:
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


def stacked_bar(df: pd.DataFrame, *, x: str, y: str, color: str, title: str, x_title: str,
                y_title: str, color_sort: list[str] | None = None) -> alt.Chart:
    _check(df)
    chart = alt.Chart(df).mark_bar().encode(
        x=alt.X(f"{x}:O", title=x_title),
        y=alt.Y(f"sum({y}):Q", title=y_title),
        color=alt.Color(f"{color}:N", title=None, sort=color_sort),
        tooltip=[alt.Tooltip(f"{x}:O", title=x_title), alt.Tooltip(f"{color}:N"),
                 alt.Tooltip(f"{y}:Q", title=y_title)],
    )
    return _style(chart, title)  # type: ignore[return-value]


def heatmap(df: pd.DataFrame, *, x: str, y: str, value: str, title: str, x_title: str,
            y_title: str, value_title: str) -> alt.LayerChart:
    """A grid of ``value`` by ``x`` × ``y`` with the number written in each cell."""
    _check(df)
    base = alt.Chart(df).encode(
        x=alt.X(f"{x}:N", title=x_title, axis=alt.Axis(labelAngle=-40)),
        y=alt.Y(f"{y}:N", title=y_title),
    )
    rect = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=value_title, scale=alt.Scale(scheme="oranges")),
        tooltip=[alt.Tooltip(f"{y}:N", title=y_title), alt.Tooltip(f"{x}:N", title=x_title),
                 alt.Tooltip(f"{value}:Q", title=value_title)],
    )
    text = base.mark_text(fontSize=11).encode(text=alt.Text(f"{value}:Q"))
    return _style(alt.layer(rect, text), title)  # type: ignore[return-value]
