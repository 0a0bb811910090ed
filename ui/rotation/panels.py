"""轮值主席's tabs: the year's calendar with its exports, the chairs' counts, the change log (the
admin's adjustments: ui.rotation.view.admin_panel)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from domain.working_days import uses_fallback
from exports import charts
from exports.calendar_ics import rotation_ics
from exports.rotation_xlsx import rotation_xlsx
from services.rotation import SlotView
from ui.kit import tables
from ui.kit.i18n import current_language, t
from ui.rotation import view


def calendar_tab(slots: list[SlotView], *, year: int, today: date, scope_name: str) -> None:
    """The months as a calendar, the holidays' note and the .xlsx and .ics downloads."""
    lang = current_language()
    if not slots:
        st.info(t("rotation.empty_year", year=year))
    view.month_grid(slots, year=year, today=today)
    if slots:
        if uses_fallback(year):
            st.caption(t("rotation.fallback_notice", year=year))
        else:
            st.caption(t("rotation.holidays_notice"))
        d1, d2, _ = st.columns([1, 1, 2])
        d1.download_button(
            t("rotation.download_xlsx"),
            key="rotation_dl_xlsx",
            data=rotation_xlsx(slots, year=year, scope_name=scope_name, lang=lang),
            file_name=f"rotation-{year}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        d2.download_button(
            t("rotation.download_ics"),
            key="rotation_dl_ics",
            data=rotation_ics(slots, scope_name=scope_name, lang=lang),
            file_name=f"rotation-{year}.ics",
            mime="text/calendar",
        )


def stats_tab(counts: pd.DataFrame) -> None:
    """How many months each unit chaired, by year."""
    if counts.empty:
        st.caption(t("common.none"))
    else:
        st.altair_chart(
            charts.stacked_bar(
                counts,
                x="unit",
                y="months",
                color="year",
                title=t("rotation.chart_title"),
                x_title=t("rotation.fields.chair"),
                y_title=t("rotation.chart_months"),
                tr=t,
            ),
            width="stretch",
        )
        st.caption(t("rotation.chart_help"))


def log_tab(log: pd.DataFrame) -> None:
    """Every change of a month's chair, with its reason."""
    if log.empty:
        st.caption(t("rotation.log_empty"))
    else:
        shown = log.assign(reason=log["reason"].map(lambda r: t("rotation.reason_generate") if r == "generate" else r))
        tables.show(
            shown,
            {
                "at": "rotation.fields.at",
                "username": "rotation.fields.user",
                "month": "rotation.fields.month",
                "before": "rotation.fields.before",
                "after": "rotation.fields.after",
                "reason": "rotation.fields.reason",
            },
        )
