"""The annual ledger (台账) of a unit as .docx and .xlsx, and small tables as .xlsx.

Pure functions over ``services.activity_reports.Ledger``; labels from the catalogs in ``lang``.
The Word file follows the usual Chinese layout: A4, 宋体 body with 黑体 headings (set through
``w:eastAsia`` so Word and WPS pick the Chinese font), a cover, numbered sections, page numbers."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from PIL import Image

from domain.enums import SIX_ITEMS
from locales import translate
from services.activity_reports import Ledger, LedgerPhoto
from workbook.cells import append_row, new_workbook, put, to_bytes

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
PHOTO_MAX_PX = 1200


def _t(lang: str, key: str, **params: object) -> str:
    return translate(lang, key, **params)


def _kind(lang: str, kind: object) -> str:
    return _t(lang, f"enum.ActivityKind.{getattr(kind, 'value', kind)}")


def _date(day: date, lang: str) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh_CN" else day.isoformat()


def _set_font(run, name: str = BODY_FONT, size: float | None = None, bold: bool | None = None) -> None:  # type: ignore[no-untyped-def]
    run.font.name = LATIN_FONT
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold


def _para(
    doc,
    text: str = "",
    *,
    size: float = 12,
    font: str = BODY_FONT,
    bold: bool = False,  # type: ignore[no-untyped-def]
    align=None,
    space_after: float = 4,
    indent: bool = False,
):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    p.paragraph_format.line_spacing = 1.35
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    if text:
        _set_font(p.add_run(text), font, size, bold)
    return p


def _cell(cell, text: str, *, bold: bool = False, size: float = 10.5, align=None) -> None:  # type: ignore[no-untyped-def]
    cell.text = ""
    p = cell.paragraphs[0]
    if align is not None:
        p.alignment = align
    _set_font(p.add_run(text), HEADING_FONT if bold else BODY_FONT, size, bold)


def _table(doc, header: list[str], rows: list[list[str]], widths: list[float] | None = None):  # type: ignore[no-untyped-def]
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, h in enumerate(header):
        _cell(table.rows[0].cells[i], h, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for row in rows:
        cells = table.add_row().cells
        for i, v in enumerate(row):
            _cell(cells[i], v, align=WD_ALIGN_PARAGRAPH.CENTER if i else None)
    if widths:
        for row in table.rows:
            for i, w in enumerate(widths):
                row.cells[i].width = Cm(w)
    return table


def _page_number_footer(section) -> None:  # type: ignore[no-untyped-def]
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    _set_font(run, BODY_FONT, 10.5)


def _photo_stream(photo: LedgerPhoto) -> io.BytesIO | None:
    """The photo as a JPEG at most 1200 px wide (Word cannot show WebP; originals may be huge)."""
    try:
        with Image.open(io.BytesIO(photo.data)) as img:
            img.seek(0)
            pic = img.convert("RGB")
            pic.thumbnail((PHOTO_MAX_PX, PHOTO_MAX_PX))
            out = io.BytesIO()
            pic.save(out, "JPEG", quality=85)
            out.seek(0)
            return out
    except (OSError, ValueError):
        return None


def ledger_docx(ledger: Ledger, *, lang: str = "zh_CN", compiled_on: date | None = None) -> bytes:
    """The ledger as a Word document: cover, overview with a summary table, the six items, and each
    activity with its photos."""
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    # Cover
    for _ in range(5):
        _para(doc)
    _para(doc, ledger.unit, size=22, font=HEADING_FONT, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)
    _para(
        doc,
        _t(lang, "activities.ledger.cover_title", year=ledger.year),
        size=26,
        font=HEADING_FONT,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        space_after=60,
    )
    cover = [
        ("activities.ledger.cover_unit", ledger.unit),
        ("activities.ledger.cover_kind", ledger.unit_kind),
        ("activities.ledger.cover_communities", "、".join(ledger.communities)),
        ("activities.ledger.cover_contact", ledger.contact),
        ("activities.ledger.cover_phone", ledger.phone),
        ("activities.ledger.cover_members", str(ledger.party_members)),
        ("activities.ledger.cover_date", _date(compiled_on or ledger.as_of, lang)),
    ]
    table = doc.add_table(rows=0, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for key, value in cover:
        cells = table.add_row().cells
        _cell(cells[0], _t(lang, key), bold=True, size=14, align=WD_ALIGN_PARAGRAPH.RIGHT)
        _cell(cells[1], value or "—", size=14)
        cells[0].width, cells[1].width = Cm(4.5), Cm(8.5)
    _para(doc)
    _para(doc, _t(lang, "activities.ledger.alliance"), size=14, align=WD_ALIGN_PARAGRAPH.CENTER)

    body = doc.add_section(WD_SECTION.NEW_PAGE)
    _page_number_footer(body)

    # 一、工作概况
    totals = ledger.totals
    _para(doc, _t(lang, "activities.ledger.summary"), size=16, font=HEADING_FONT, space_after=8)
    _para(
        doc,
        _t(
            lang,
            "activities.ledger.summary_text",
            activities=int(totals["activities"]),
            participants=int(totals["participants"]),
            hours=totals["volunteer_hours"],
            beneficiaries=int(totals["beneficiaries"]),
        ),
        indent=True,
    )
    by_kind = ledger.by_kind()
    if by_kind:
        _para(doc, _t(lang, "activities.ledger.kind_table"), bold=True, font=HEADING_FONT)
        rows = [[_kind(lang, k), str(n), str(p), f"{h:g}", str(b)] for k, n, p, h, b in by_kind]
        rows.append(
            [
                _t(lang, "activities.ledger.total"),
                str(int(totals["activities"])),
                str(int(totals["participants"])),
                f"{totals['volunteer_hours']:g}",
                str(int(totals["beneficiaries"])),
            ]
        )
        _table(
            doc,
            [
                _t(lang, "activities.fields.kind"),
                _t(lang, "activities.ledger.count"),
                _t(lang, "activities.fields.participants"),
                _t(lang, "activities.fields.volunteer_hours"),
                _t(lang, "activities.fields.beneficiaries"),
            ],
            rows,
            [3.5, 2.2, 2.6, 4.0, 3.3],
        )

    # 二、六个一
    _para(doc)
    _para(doc, _t(lang, "activities.ledger.six_heading"), size=16, font=HEADING_FONT, space_after=8)
    six = ledger.six_items
    _para(doc, _t(lang, "activities.ledger.six_text", done=six.done, rate=f"{six.completion * 100:.0f}%"), indent=True)
    if six.missing:
        _para(
            doc,
            _t(lang, "activities.ledger.six_missing", items="、".join(_kind(lang, k) for k in six.missing)),
            indent=True,
        )
    _table(
        doc,
        [_t(lang, "activities.ledger.item"), _t(lang, "activities.ledger.count"), _t(lang, "activities.ledger.status")],
        [
            [
                _kind(lang, k),
                str(six.counts[k]),
                _t(lang, "activities.ledger.done" if six.counts[k] else "activities.ledger.not_done"),
            ]
            for k in SIX_ITEMS
        ],
        [5.0, 3.0, 4.0],
    )

    # 三、活动明细
    _para(doc)
    _para(doc, _t(lang, "activities.ledger.detail_heading"), size=16, font=HEADING_FONT, space_after=8)
    if not ledger.activities:
        _para(doc, _t(lang, "activities.ledger.none"), indent=True)
    for n, a in enumerate(ledger.activities, start=1):
        _para(doc, f"{n}. {a.title}", size=14, font=HEADING_FONT, space_after=4)
        facts = [
            (_t(lang, "activities.fields.held_on"), _date(a.held_on, lang)),
            (_t(lang, "activities.fields.community"), a.community),
            (_t(lang, "activities.fields.kind"), _kind(lang, a.kind)),
            (_t(lang, "activities.fields.participants"), str(a.participants)),
            (_t(lang, "activities.fields.volunteer_hours"), f"{a.volunteer_hours:g}"),
            (_t(lang, "activities.fields.beneficiaries"), str(a.beneficiaries)),
        ]
        if a.project:
            facts.append((_t(lang, "activities.fields.project"), a.project))
        if a.member:
            facts.append((_t(lang, "activities.fields.member"), a.member))
        _para(doc, "；".join(f"{k}：{v}" for k, v in facts), size=10.5, space_after=2)
        if a.description:
            _para(doc, a.description, indent=True)
        streams = [s for s in (_photo_stream(p) for p in a.photos) if s is not None]
        if streams:
            grid = doc.add_table(rows=(len(streams) + 1) // 2, cols=2)
            grid.alignment = WD_TABLE_ALIGNMENT.CENTER
            for i, stream in enumerate(streams):
                run = grid.rows[i // 2].cells[i % 2].paragraphs[0].add_run()
                run.add_picture(stream, width=Cm(7.2))
        _para(doc, space_after=6)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _sheet(ws, header: list[str], rows: list[list[object]], widths: list[int]) -> None:  # type: ignore[no-untyped-def]
    append_row(ws, header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        append_row(ws, row)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = ws.cell(row=2, column=1) if ws.max_row > 1 else None


def ledger_xlsx(ledger: Ledger, *, lang: str = "zh_CN") -> bytes:
    """The ledger as a workbook: summary, every activity (one row each), the six items."""
    wb = new_workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _t(lang, "activities.ledger.sheet_summary")
    put(ws, "A1", _t(lang, "activities.ledger.cover_title", year=ledger.year))
    ws["A1"].font = Font(bold=True, size=14)
    for key, value in (
        ("activities.ledger.cover_unit", ledger.unit),
        ("activities.ledger.cover_kind", ledger.unit_kind),
        ("activities.ledger.cover_communities", "、".join(ledger.communities)),
        ("activities.ledger.cover_contact", ledger.contact),
        ("activities.ledger.cover_phone", ledger.phone),
        ("activities.ledger.cover_members", ledger.party_members),
    ):
        append_row(ws, [_t(lang, key), value])
    ws.append([])
    totals = ledger.totals
    _sheet(
        ws,
        [
            _t(lang, "activities.fields.kind"),
            _t(lang, "activities.ledger.count"),
            _t(lang, "activities.fields.participants"),
            _t(lang, "activities.fields.volunteer_hours"),
            _t(lang, "activities.fields.beneficiaries"),
        ],
        [[_kind(lang, k), n, p, h, b] for k, n, p, h, b in ledger.by_kind()]
        + [
            [
                _t(lang, "activities.ledger.total"),
                totals["activities"],
                totals["participants"],
                totals["volunteer_hours"],
                totals["beneficiaries"],
            ]
        ],
        [24, 30, 12, 20, 14],
    )
    ws.freeze_panes = None

    detail = wb.create_sheet(_t(lang, "activities.ledger.sheet_activities"))
    _sheet(
        detail,
        [
            _t(lang, "activities.ledger.no"),
            _t(lang, "activities.fields.held_on"),
            _t(lang, "activities.fields.community"),
            _t(lang, "activities.fields.kind"),
            _t(lang, "activities.fields.title"),
            _t(lang, "activities.fields.description"),
            _t(lang, "activities.fields.participants"),
            _t(lang, "activities.fields.volunteer_hours"),
            _t(lang, "activities.fields.beneficiaries"),
            _t(lang, "activities.fields.project"),
            _t(lang, "activities.fields.member"),
            _t(lang, "activities.fields.photo_count"),
        ],
        [
            [
                n,
                a.held_on,
                a.community,
                _kind(lang, a.kind),
                a.title,
                a.description,
                a.participants,
                a.volunteer_hours,
                a.beneficiaries,
                a.project,
                a.member,
                len(a.photos),
            ]
            for n, a in enumerate(ledger.activities, start=1)
        ],
        [6, 12, 14, 12, 30, 50, 10, 14, 12, 24, 12, 8],
    )
    for row in detail.iter_rows(min_row=2, min_col=2, max_col=2):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"

    six = wb.create_sheet(_t(lang, "activities.ledger.sheet_six"))
    _sheet(
        six,
        [_t(lang, "activities.ledger.item"), _t(lang, "activities.ledger.count"), _t(lang, "activities.ledger.status")],
        [
            [
                _kind(lang, k),
                ledger.six_items.counts[k],
                _t(lang, "activities.ledger.done" if ledger.six_items.counts[k] else "activities.ledger.not_done"),
            ]
            for k in SIX_ITEMS
        ],
        [16, 10, 12],
    )
    return to_bytes(wb)


def frame_xlsx(df: pd.DataFrame, sheet: str) -> bytes:
    """A table whose headers are already translated, as one sheet with a bold frozen header."""
    wb = new_workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet[:31]
    _sheet(
        ws,
        [str(c) for c in df.columns],
        [[None if pd.isna(v) else v for v in row] for row in df.itertuples(index=False)],
        [max(8, min(40, 2 + max([len(str(c)) * 2] + [len(str(v)) * 2 for v in df[c].head(200)]))) for c in df.columns],
    )
    return to_bytes(wb)
