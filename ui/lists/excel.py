"""The /lists page's Excel section: download the lists workbook; the admin uploads one, sees what
would change (or every rejected cell), then imports it in one action."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from domain.actor import Actor
from domain.errors import AppError
from services import lists_export, lists_io
from ui.kit.actions import run_write
from ui.kit.i18n import current_language, error_message, t
from ui.kit.safe import md_escape
from ui.kit.state import session_scope
from workbook.excel_lists import TEMPLATE, XLSX_MIME


def excel_section(actor: Actor, today: date) -> None:
    with st.expander(t("lists.excel.title"), icon=":material/table_view:"):
        st.caption(t("lists.excel.caption"))
        years: list[int | None] = [None, *range(today.year, today.year - 5, -1)]
        c = st.columns([2, 1], vertical_alignment="bottom")
        year = c[0].selectbox(
            t("lists.excel.year"),
            years,
            key="lists_xl_year",
            format_func=lambda y: t("lists.excel.year_recent") if y is None else str(y),
        )
        # one click: the workbook is built when the button is pressed (the button shows it is busy
        # meanwhile), no 生成 → 下载 two-step and no copy of it kept in the session
        c[1].download_button(
            t("lists.excel.download"),
            lambda: _workbook(year),
            file_name=f"三清单_{today.isoformat()}.xlsx",
            mime=XLSX_MIME,
            key="lists_xl_download",
            icon=":material/download:",
            on_click="ignore",
            help=t("lists.excel.download_help"),
        )
        if not actor.is_admin:
            return
        upload = st.file_uploader(t("lists.excel.upload"), type=["xlsx"], key="lists_xl_upload")
        if upload is None:
            return
        data = upload.getvalue()
        try:
            with session_scope() as s, st.spinner():
                report = lists_io.import_lists(s, actor, data=data, dry_run=True)
        except lists_io.ImportRejected as err:
            st.error(error_message(err))
            st.markdown(f"**{t('lists.excel.rejected')}**")
            rows = pd.DataFrame(lists_io.rejected_rows(err.cells, current_language()))
            rows.columns = [t(f"lists.excel.{c}") for c in ("sheet", "row", "column", "value", "reason")]
            st.dataframe(rows, hide_index=True, width="stretch", key="lists_xl_rejected")
            return
        except AppError as err:
            st.error(error_message(err))
            return
        _preview(report)
        if report.changes and st.button(t("lists.excel.confirm"), key="lists_xl_confirm", type="primary"):
            with st.spinner():
                run_write(lambda s: lists_io.import_lists(s, actor, data=data), t("lists.excel.imported"))


def _workbook(year: int | None) -> bytes:
    with session_scope() as s:
        return lists_export.export_lists(s, year=year)


def _preview(report: lists_io.ImportReport) -> None:
    if not report.changes:
        st.info(t("lists.excel.nothing"))
        return
    st.markdown(f"**{t('lists.excel.preview')}**")
    rows = [
        {
            t("lists.excel.sheet"): sheet,
            t("lists.excel.created"): report.created.get(sheet, 0),
            t("lists.excel.updated"): report.updated.get(sheet, 0),
            t("lists.excel.unchanged"): report.unchanged.get(sheet, 0),
        }
        for sheet in TEMPLATE
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="lists_xl_preview")
    if report.new_categories:
        st.warning(t("lists.excel.new_categories", names=md_escape("、".join(report.new_categories))))
