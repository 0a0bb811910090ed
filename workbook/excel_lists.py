"""The lists workbook of contracts.md: sheets, headers and date forms, read and written.

Pure functions: rows in, bytes out (``build_workbook``); bytes in, rows out (``read_workbook``).
The services decide what the rows mean."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from workbook.cells import append_row, new_workbook, to_bytes

COMMUNITIES = "社区"
UNITS = "共建单位"
NEEDS = "需求清单"
RESOURCES = "资源清单"
PROJECTS = "项目清单"

# Sheet → its columns in order; a trailing * marks a required column (written without the *).
TEMPLATE: dict[str, tuple[str, ...]] = {
    COMMUNITIES: ("社区名称*", "所属街道", "联系人", "联系电话"),
    UNITS: ("单位名称*", "单位类型", "结对社区", "联系人", "联系电话", "在职党员数"),
    NEEDS: ("社区*", "需求名称*", "需求类别*", "需求描述", "优先级", "提出日期", "来源", "状态"),
    RESOURCES: ("单位名称*", "资源名称*", "资源类别*", "资源描述", "可提供数量", "可提供时间", "状态"),
    PROJECTS: (
        "项目名称*",
        "社区*",
        "牵头单位*",
        "参与单位",
        "对应需求",
        "使用资源",
        "状态",
        "开始日期",
        "结束日期",
        "受益人数",
        "满意度",
    ),
}
# Optional columns after contracts.md's own (issue 20): written by the export, read when present; a
# file without them imports as before (blank leaves the row's value as it is).
EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {
    NEEDS: ("微心愿", "认领单位"),
    PROJECTS: ("进度",),
}
YES, NO = "是", "否"  # the 微心愿 column's vocabulary
DATE_COLUMNS = {"提出日期", "开始日期", "结束日期"}
LIST_SEPARATOR = "、"
_SPLIT = re.compile(r"[、,，;；\n]+")
_SPACE = re.compile(r"[\s\u3000\u00a0]+")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def column(header: str) -> str:
    """A template header without its required-mark."""
    return header.rstrip("*")


def headers(sheet: str) -> list[str]:
    """The columns the workbook has on ``sheet``: contracts.md's, then the optional extras."""
    return [column(h) for h in TEMPLATE[sheet]] + list(EXTRA_COLUMNS.get(sheet, ()))


def required(sheet: str) -> set[str]:
    return {column(h) for h in TEMPLATE[sheet] if h.endswith("*")}


def normalise_header(value: object) -> str:
    """Headers match with whitespace (half- or full-width) removed and the * mark dropped."""
    return _SPACE.sub("", "" if value is None else str(value)).rstrip("*").strip()


def split_list(value: object) -> list[str]:
    """A 、-separated cell as its items (commas and semicolons accepted too)."""
    if value is None:
        return []
    return [part.strip() for part in _SPLIT.split(str(value)) if part.strip()]


@dataclass(frozen=True)
class SheetRows:
    """The rows of one known sheet: (Excel row number, {column: value}); blank rows left out."""

    name: str
    rows: list[tuple[int, dict[str, Any]]]


class BadWorkbook(ValueError):
    """The bytes are not an .xlsx workbook."""


def read_workbook(data: bytes) -> dict[str, SheetRows]:
    """The template's sheets found in ``data`` (missing sheets are simply absent; extra columns and
    sheets are ignored; a sheet name's surrounding spaces do not matter)."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise BadWorkbook()
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise BadWorkbook() from exc
    try:
        return _sheets(wb)
    except Exception as exc:  # a damaged sheet fails while it is read, not when the file is opened
        raise BadWorkbook() from exc
    finally:
        wb.close()


def _sheets(wb: Any) -> dict[str, SheetRows]:
    """The template's sheets of an opened workbook, as ``read_workbook`` returns them."""
    out: dict[str, SheetRows] = {}
    for ws in wb.worksheets:
        name = normalise_header(ws.title)
        if name not in TEMPLATE or name in out:
            continue
        wanted = set(headers(name))
        rows_iter = ws.iter_rows(values_only=True)
        header_row = next(rows_iter, None)
        if header_row is None:
            out[name] = SheetRows(name, [])
            continue
        positions = {}
        for i, cell in enumerate(header_row):
            h = normalise_header(cell)
            if h in wanted and h not in positions:
                positions[h] = i
        rows: list[tuple[int, dict[str, Any]]] = []
        for number, values in enumerate(rows_iter, start=2):
            record = {h: _clean_cell(values[i]) if i < len(values) else None for h, i in positions.items()}
            if all(v is None for v in record.values()):
                continue
            rows.append((number, record))
        out[name] = SheetRows(name, rows)
    return out


def _clean_cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip().strip("\u3000").strip()
        return value or None
    return value


def build_workbook(
    sheets: Mapping[str, Sequence[Sequence[Any]]],
    extra: Iterable[tuple[str, Sequence[str], Sequence[Sequence[Any]]]] = (),
) -> bytes:
    """The template with ``sheets`` (name → rows in ``headers`` order: the template's, then its extras), then read-only
    ``extra`` sheets (name, headers, rows) that the importer ignores."""
    wb = new_workbook()
    wb.remove(wb.active)
    head_font = Font(bold=True, color="FFFFFF")
    head_fill = PatternFill("solid", fgColor="B22222")
    extra_fill = PatternFill("solid", fgColor="7F7F7F")
    for name in TEMPLATE:
        _sheet(wb, name, headers(name), sheets.get(name, []), head_font, head_fill)
    for name, extra_headers, rows in extra:
        ws = _sheet(wb, name, list(extra_headers), rows, head_font, extra_fill)
        ws.protection.sheet = True  # read-only in spirit: the importer ignores it
    return to_bytes(wb)


def _sheet(wb: Workbook, name: str, headers: list[str], rows: Sequence[Sequence[Any]], font: Font, fill: PatternFill):  # type: ignore[no-untyped-def]
    ws = wb.create_sheet(name)
    append_row(ws, headers)
    for cell in ws[1]:
        cell.font, cell.fill = font, fill
        cell.alignment = Alignment(vertical="center")
    for row in rows:
        append_row(ws, row)  # user text that looks like a formula stays text
    for i, header in enumerate(headers, start=1):
        letter = get_column_letter(i)
        if header in DATE_COLUMNS or header.endswith("日期"):
            for cell in ws[letter][1:]:
                cell.number_format = "yyyy-mm-dd"
        width = max(
            [len(str(header)) * 2 + 2] + [min(40, len(str(r[i - 1] or "")) * 2) for r in rows[:200] if i <= len(r)]
        )
        ws.column_dimensions[letter].width = max(10, min(width, 48))
    ws.freeze_panes = "A2"
    return ws
