"""The one way the app writes spreadsheet cells (.xlsx and .csv), safe against formula injection.

User text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (OWASP's CSV
injection list) could run as a formula when the file is opened. In .xlsx such text is written
exactly as typed into a cell forced to the string type, with the cell's ``quotePrefix`` style set
(Excel's own leading-apostrophe marker, which is not part of the value), so export → import
round-trips unchanged. A .csv has no cell types, so there a ``'`` is put in front of such text
(the download says so). Numbers stay numbers: only ``str`` values are guarded."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_GUARD = "'"


def is_formula_like(value: object) -> bool:
    """True for text a spreadsheet program could take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def excel_value(value: Any) -> Any:
    """``value`` in a form a worksheet holds: control characters a sheet cannot store dropped,
    time zones dropped (Excel has none), NaN as an empty cell."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def cell(ws: Worksheet, value: Any) -> Cell:
    """A cell of ``ws`` holding ``value``; formula-like text is a string cell with quotePrefix."""
    return _guard(Cell(ws, value=excel_value(value)))


def _guard(c: Cell) -> Cell:
    if is_formula_like(c.value):
        c.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        c.quotePrefix = True
    return c


def append_row(ws: Worksheet, values: Iterable[Any]) -> None:
    """Append one row of values to ``ws`` through ``cell``."""
    ws.append([cell(ws, v) for v in values])


def put(ws: Worksheet, coordinate: str, value: Any) -> Cell:
    """Write one cell by its coordinate (``"A1"``) through ``cell``."""
    target = ws[coordinate]
    target.value = excel_value(value)
    return _guard(target)


def new_workbook() -> Workbook:
    """An empty workbook (one sheet); write its cells with ``append_row`` / ``put``."""
    return Workbook()


def to_bytes(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_value(value: Any) -> Any:
    """``value`` for a CSV file: formula-like text gets a leading ``'``."""
    return CSV_GUARD + value if is_formula_like(value) else value


def frame_csv(df: pd.DataFrame) -> bytes:
    """``df`` (headers already translated) as CSV bytes, UTF-8 with BOM so Excel reads Chinese;
    formula-like text in headers and cells gets a leading ``'``."""
    safe = df.copy()
    safe.columns = [csv_value(str(c)) for c in safe.columns]
    for name in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[name]) and not pd.api.types.is_datetime64_any_dtype(safe[name]):
            safe[name] = safe[name].map(csv_value)
    # CRLF rows (RFC 4180): a field holding a carriage return is then quoted, as Excel needs
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
