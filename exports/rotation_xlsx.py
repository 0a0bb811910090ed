"""The rotating chair schedule as an Excel workbook (one sheet, a row per month)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from locales import translate
from workbook.cells import append_row, new_workbook, put, to_bytes


class _Slot(Protocol):
    # read-only members, so the frozen services.rotation.SlotView satisfies it
    @property
    def month(self) -> int: ...
    @property
    def chair_name(self) -> str: ...
    @property
    def theme(self) -> str: ...
    @property
    def plan(self) -> str: ...
    @property
    def status(self) -> object: ...
    @property
    def proposed_on(self) -> date: ...


def rotation_xlsx(slots: Iterable[_Slot], *, year: int, scope_name: str, lang: str = "zh_CN") -> bytes:
    """Month, chair, proposed date, theme, plan, status — with a title row."""

    def t(key: str, **params: object) -> str:
        return translate(lang, key, **params)

    wb = new_workbook()
    ws = wb.active
    ws.title = t("rotation.xlsx.sheet")
    put(ws, "A1", t("rotation.xlsx.title", year=year, scope=scope_name))
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:F1")
    headers = [
        t("rotation.fields.month"),
        t("rotation.fields.chair"),
        t("rotation.fields.proposed_on"),
        t("rotation.fields.theme"),
        t("rotation.fields.plan"),
        t("rotation.fields.status"),
    ]
    append_row(ws, headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DCDB")
    for s in slots:
        month = f"{s.month}月" if lang == "zh_CN" else f"{year}-{s.month:02d}"
        status = t(f"enum.RotationStatus.{getattr(s.status, 'value', s.status)}")
        append_row(ws, [month, s.chair_name, s.proposed_on, s.theme, s.plan, status])
        ws.cell(ws.max_row, 3).number_format = "yyyy-mm-dd"
    for i, width in enumerate([8, 26, 13, 24, 60, 10], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for row in ws.iter_rows(min_row=3):
        row[4].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"
    return to_bytes(wb)
