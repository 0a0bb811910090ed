"""The audit log as files: CSV (UTF-8 with BOM, so Excel reads Chinese) and .xlsx, both through
``workbook.cells``: text that looks like a formula stays text (in the CSV with a leading ')."""

from __future__ import annotations

import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from workbook.cells import append_row, frame_csv, new_workbook, to_bytes


def to_csv(df: pd.DataFrame) -> bytes:
    """``df`` (headers already translated) as CSV bytes."""
    return frame_csv(df)


def to_xlsx(df: pd.DataFrame, *, sheet: str) -> bytes:
    """``df`` as one sheet with a bold, frozen header row and fitted column widths."""
    wb = new_workbook()
    ws = wb.active
    ws.title = sheet[:31]
    append_row(ws, [str(c) for c in df.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in df.itertuples(index=False):
        append_row(ws, [_cell(v) for v in row])
    ws.freeze_panes = "A2"
    for i, col in enumerate(df.columns, start=1):
        sample = [len(str(col))] + [len(str(v)) for v in df[col].head(200)]
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, max(sample) * 1.6))
    return to_bytes(wb)


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)
