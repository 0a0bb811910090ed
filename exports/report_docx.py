"""The quarterly report (情况通报) as .docx: the figures against last quarter, charts, units
behind on 六个一, overdue action items and next steps, with a summary built from the figures."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from exports.png import ChartImage
from services.quarterly import (
    FIGURES,
    QuarterSummary,
    change_text,
    compared_with,
    format_value,
    next_steps,
    period_text,
    summary_sentences,
)
from ui.format import fmt_date

Translate = Callable[..., str]
BODY_FONT = ("宋体", "SimSun", "Noto Serif CJK SC")
HEAD_FONT = ("黑体", "SimHei", "Noto Sans CJK SC")
REPORT_CHARTS: tuple[str, ...] = ("activities_by_month", "activities_by_kind", "needs_coverage", "project_funnel")
MAX_ROWS = 20


def _set_font(element: Any, names: Sequence[str], size: float | None = None, bold: bool | None = None) -> None:
    """Latin and East Asian fonts on a style or run (w:eastAsia), the first name first, the rest
    as the alternates Word and LibreOffice fall back to."""
    font = element.font
    font.name = names[0]
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = (element.element if hasattr(element, "element") else element._element).get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), names[0])
    fonts.set(qn("w:hint"), "eastAsia")


def _heading(doc: Any, text: str) -> None:
    para = doc.add_paragraph()
    para.paragraph_format.space_before = Pt(12)
    para.paragraph_format.space_after = Pt(6)
    _set_font(para.add_run(text), HEAD_FONT, 16, True)


def _para(
    doc: Any,
    text: str,
    *,
    indent: bool = True,
    align: Any = None,
    size: float = 14,
    fonts: Sequence[str] = BODY_FONT,
    bold: bool = False,
    color: RGBColor | None = None,
) -> None:
    para = doc.add_paragraph()
    if indent:
        para.paragraph_format.first_line_indent = Pt(size * 2)
    if align is not None:
        para.alignment = align
    para.paragraph_format.line_spacing = 1.5
    run = para.add_run(text)
    _set_font(run, fonts, size, bold)
    if color is not None:
        run.font.color.rgb = color


def _table(doc: Any, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, text in enumerate(header):
        cell = table.rows[0].cells[i]
        cell.text = ""
        _set_font(cell.paragraphs[0].add_run(text), HEAD_FONT, 11, True)
    for values in rows:
        cells = table.add_row().cells
        for i, text in enumerate(values):
            cells[i].text = ""
            _set_font(cells[i].paragraphs[0].add_run(text), BODY_FONT, 11)
    for row in table.rows:
        for i, w in enumerate(widths):
            row.cells[i].width = Cm(w)
    doc.add_paragraph()


def build_report(
    q: QuarterSummary, images: Mapping[str, ChartImage], *, tr: Translate, lang: str, issued_on: date
) -> bytes:
    """The 情况通报 for one quarter as Word bytes."""
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin, section.bottom_margin = Cm(3.0), Cm(2.5)
    _set_font(doc.styles["Normal"], BODY_FONT, 14)

    _para(
        doc,
        tr("report.title", year=q.year, quarter=q.quarter),
        indent=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        size=20,
        fonts=HEAD_FONT,
        bold=True,
        color=RGBColor(0xB7, 0x1C, 0x1C),
    )
    _para(
        doc,
        period_text(q.comparison, tr, lambda d: fmt_date(d, lang)) + tr("report.as_of", date=fmt_date(q.as_of, lang)),
        indent=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        size=12,
    )

    _heading(doc, tr("report.section_overall"))
    for sentence in summary_sentences(q, tr):
        _para(doc, sentence)

    _heading(doc, tr("report.section_figures"))
    rows = []
    for key, _kind, _compared in FIGURES:
        fig = q.figure(key)
        prev = "–" if fig.previous is None else format_value(type(fig)(fig.key, fig.kind, fig.previous, None))
        rows.append((tr(f"report.figure.{key}"), format_value(fig), prev, change_text(fig, tr)))
    _table(
        doc,
        [
            tr("report.col.figure"),
            tr("report.col.this_quarter"),
            compared_with(q.comparison, tr, heading=True),
            tr("report.col.change"),
        ],
        rows,
        (6.0, 3.2, 3.2, 3.4),
    )

    charts = [images[k] for k in REPORT_CHARTS if k in images]
    if charts:
        _heading(doc, tr("report.section_charts"))
        for n, image in enumerate(charts, start=1):
            doc.add_picture(io.BytesIO(image.png), width=Cm(15))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _para(
                doc,
                tr("report.chart_caption", n=n, title=image.title),
                indent=False,
                align=WD_ALIGN_PARAGRAPH.CENTER,
                size=11,
            )

    _heading(doc, tr("report.section_six_items"))
    if q.six_items_behind:
        _table(
            doc,
            [tr("report.col.unit"), tr("report.col.done"), tr("report.col.missing")],
            [
                (u.unit, f"{u.done}/6", "、".join(tr(f"charts.six.{m}") for m in u.missing))
                for u in q.six_items_behind[:MAX_ROWS]
            ],
            (6.0, 2.6, 7.2),
        )
    else:
        _para(doc, tr("report.no_six_items_behind"))

    _heading(doc, tr("report.section_overdue"))
    if q.overdue_items.empty:
        _para(doc, tr("report.no_overdue"))
    else:
        total = q.figure("overdue_actions").value or 0
        if total > len(q.overdue_items):
            _para(doc, tr("report.more_rows", n=len(q.overdue_items)), indent=False, size=11)
        _table(
            doc,
            [tr("report.col.content"), tr("report.col.unit"), tr("report.col.due_on"), tr("report.col.meeting")],
            [
                (str(r.content), str(r.unit), fmt_date(r.due_on, lang), str(r.meeting))
                for r in q.overdue_items.itertuples()
            ],
            (6.4, 3.6, 2.8, 3.0),
        )

    _heading(doc, tr("report.section_next"))
    for n, step in enumerate(next_steps(q, tr), start=1):
        _para(doc, f"{n}. {step}" if lang != "zh_CN" else f"（{_cn_number(n)}）{step}")

    doc.add_paragraph()
    _para(doc, tr("report.issuer"), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, tr("report.dated", date=fmt_date(issued_on, lang)), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _cn_number(n: int) -> str:
    digits = "零一二三四五六七八九十"
    return digits[n] if n <= 10 else f"十{digits[n - 10]}" if n < 20 else str(n)
