"""The audit log as files: CSV (UTF-8 with BOM, so Excel reads Chinese) and .xlsx."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter


def to_csv(df: pd.DataFrame) -> bytes:
    """``df`` (headers already translated) as CSV bytes."""
    return df.to_csv(index=False).encode("utf-8-sig")


def to_xlsx(df: pd.DataFrame, *, sheet: str) -> bytes:
    """``df`` as one sheet with a bold, frozen header row and fitted column widths."""
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = sheet[:31]
    ws.append([str(c) for c in df.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in df.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    ws.freeze_panes = "A2"
    for i, col in enumerate(df.columns, start=1):
        sample = [len(str(col))] + [len(str(v)) for v in df[col].head(200)]
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, max(sample) * 1.6))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # never let user text become a formula
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)
