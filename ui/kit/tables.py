"""Tables as people read them: translated headers, enum labels, local dates, server-side pages."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from exports.format import fmt_date, fmt_moment
from ui.kit.i18n import current_language, t

_Rows = TypeVar("_Rows", pd.DataFrame, list[Any])


def present(
    df: pd.DataFrame,
    columns: Mapping[str, str],
    *,
    enums: Mapping[str, type[StrEnum]] | None = None,
) -> pd.DataFrame:
    """``df`` restricted to ``columns`` (name → header locale key), labelled for display."""
    lang = current_language()
    out = pd.DataFrame(index=df.index)
    for col, key in columns.items():
        series = df[col] if col in df.columns else pd.Series([None] * len(df), index=df.index)
        if enums and col in enums:
            enum_cls = enums[col]
            series = series.map(
                lambda v, e=enum_cls: (
                    t(f"enum.{e.__name__}.{v.value if isinstance(v, StrEnum) else v}")
                    if v is not None and v == v
                    else ""
                )
            )
        elif series.map(lambda v: isinstance(v, datetime)).any():
            series = series.map(lambda v: fmt_moment(v, lang) if isinstance(v, datetime) and not pd.isna(v) else "")
        elif series.map(lambda v: isinstance(v, date)).any():
            series = series.map(lambda v: fmt_date(v, lang) if isinstance(v, date) and not pd.isna(v) else "")
        if pd.api.types.is_float_dtype(series) and series.isna().any():
            # a gap in a column of figures (no rating yet) shows blank, not "None"
            series = series.astype(object).where(series.notna(), "")
        elif not pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            # pandas 3 keeps text as a string dtype whose gaps would show as "None"
            series = series.astype(object).where(series.notna(), "")
        out[t(key)] = series
    return out


def show(
    df: pd.DataFrame,
    columns: Mapping[str, str],
    *,
    enums: Mapping[str, type[StrEnum]] | None = None,
    key: str | None = None,
    height: int | None = None,
    page_key: str | None = None,
    page_size: int = 20,
) -> None:
    """Display a table (no index, full width). With ``page_key``, a long table goes to the browser a
    page at a time (for lists a service hands whole, such as a ranking of every unit)."""
    total = len(df)
    if page_key is not None:
        df = page_of(df, key=page_key, page_size=page_size)
    kwargs: dict[str, Any] = {"height": height} if height else {}
    st.dataframe(present(df, columns, enums=enums), hide_index=True, width="stretch", key=key, **kwargs)
    if page_key is not None:
        pager_under(total, key=page_key, page_size=page_size)


def pager(total: int, *, key: str, page_size: int = 20) -> tuple[int, int]:
    """A page chooser under a table; returns (offset, limit) for the server-side query."""
    pages = max(1, math.ceil(total / page_size))
    if pages == 1:
        st.caption(t("common.rows", n=total))
        return 0, page_size
    cols = st.columns([1, 3])
    page = cols[0].number_input(t("common.page"), min_value=1, max_value=pages, value=1, step=1, key=key)
    cols[1].caption(t("common.page_of", page=page, pages=pages, n=total))
    return (int(page) - 1) * page_size, page_size


def page_of(rows: _Rows, *, key: str, page_size: int = 20) -> _Rows:
    """The page of ``rows`` that the pager ``key`` (drawn under the table by ``pager_under``) points at;
    back to the first page when the rows no longer reach it."""
    pages = max(1, math.ceil(len(rows) / page_size))
    page = int(st.session_state.get(key, 1))
    if not 1 <= page <= pages:
        st.session_state[key] = page = 1  # before the pager's widget exists in this run
    offset = (page - 1) * page_size
    return rows[offset : offset + page_size] if isinstance(rows, list) else rows.iloc[offset : offset + page_size]


def pager_under(total: int, *, key: str, page_size: int = 20) -> None:
    """The pager of ``page_of`` under its table (nothing when everything fits on one page)."""
    if total > page_size:
        pager(total, key=key, page_size=page_size)
