"""The quarterly report (情况通报) as .docx: the figures against last quarter, charts, units
behind on 六个一, overdue action items and next steps, with a summary built from the figures."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from datetime import date

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm

from exports import gbt9704 as gb
from exports.format import fmt_date
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

Translate = Callable[..., str]
BODY_FONT = gb.BODY_FONT
TITLE_FONT = gb.TITLE_FONT
REPORT_CHARTS: tuple[str, ...] = ("activities_by_month", "activities_by_kind", "needs_coverage", "project_funnel")
MAX_ROWS = 20
CHART_WIDTH_MM = 125


def build_report(
    q: QuarterSummary,
    images: Mapping[str, ChartImage],
    *,
    tr: Translate,
    lang: str,
    issued_on: date,
    number: str | None = None,
) -> bytes:
    """The 情况通报 for one quarter as Word bytes, laid out as GB/T 9704-2012 lays out a 公文; ``number``
    is its 发文字号 (共建联盟〔2026〕3号), left out of the 版头 when None."""
    doc = Document()
    gb.new_document(doc)
    gb.masthead(doc, tr("report.masthead"), number)
    gb.title(doc, tr("report.title", year=q.year, quarter=q.quarter))
    gb.blank(doc)
    gb.paragraph(doc, tr("report.addressees"), indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
    gb.paragraph(
        doc,
        period_text(q.comparison, tr, lambda d: fmt_date(d, lang)) + tr("report.as_of", date=fmt_date(q.as_of, lang)),
    )

    gb.heading(doc, tr("report.section_overall"))
    for sentence in summary_sentences(q, tr):
        gb.paragraph(doc, sentence)

    gb.heading(doc, tr("report.section_figures"))
    rows = []
    for key, _kind, _compared in FIGURES:
        fig = q.figure(key)
        prev = "–" if fig.previous is None else format_value(type(fig)(fig.key, fig.kind, fig.previous, None))
        rows.append((tr(f"report.figure.{key}"), format_value(fig), prev, change_text(fig, tr)))
    gb.table(
        doc,
        [
            tr("report.col.figure"),
            tr("report.col.this_quarter"),
            compared_with(q.comparison, tr, heading=True),
            tr("report.col.change"),
        ],
        rows,
        (5.6, 2.6, 2.6, 4.8),
        centre=(1, 2),
    )

    charts = [images[k] for k in REPORT_CHARTS if k in images]
    if charts:
        gb.heading(doc, tr("report.section_charts"))
        for n, image in enumerate(charts, start=1):
            gb.heading(doc, _sub_heading(n, image.title, lang), level=2)
            pic = gb.paragraph(doc, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, exact=False)
            pic.add_run().add_picture(io.BytesIO(image.png), width=Mm(CHART_WIDTH_MM))

    gb.heading(doc, tr("report.section_six_items"))
    if q.six_items_behind:
        gb.table(
            doc,
            [tr("report.col.unit"), tr("report.col.done"), tr("report.col.missing")],
            [
                (u.unit, f"{u.done}/6", "、".join(tr(f"charts.six.{m}") for m in u.missing))
                for u in q.six_items_behind[:MAX_ROWS]
            ],
            (6.0, 2.6, 7.2),
            centre=(1,),
        )
    else:
        gb.paragraph(doc, tr("report.no_six_items_behind"))

    gb.heading(doc, tr("report.section_overdue"))
    if q.overdue_items.empty:
        gb.paragraph(doc, tr("report.no_overdue"))
    else:
        total = q.figure("overdue_actions").value or 0
        if total > len(q.overdue_items):
            gb.paragraph(doc, tr("report.more_rows", n=len(q.overdue_items)))
        gb.table(
            doc,
            [tr("report.col.content"), tr("report.col.unit"), tr("report.col.due_on"), tr("report.col.meeting")],
            [
                (str(r.content), str(r.unit), fmt_date(r.due_on, lang), str(r.meeting))
                for r in q.overdue_items.itertuples()
            ],
            (6.4, 3.6, 2.8, 3.0),
        )

    gb.heading(doc, tr("report.section_next"))
    steps = next_steps(q, tr)
    for n, step in enumerate(steps, start=1):
        para = gb.paragraph(doc, f"{n}. {step}" if lang != "zh_CN" else f"（{_cn_number(n)}）{step}")
        # the last paragraph goes with the signature: a 署名 never stands alone on a page
        para.paragraph_format.keep_with_next = n == len(steps)

    dated = tr("report.dated", date=fmt_date(issued_on, lang))
    gb.signature(doc, tr("report.issuer"), dated)
    gb.imprint(doc, tr("report.issuer"), tr("report.printed", date=fmt_date(issued_on, lang)))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _sub_heading(n: int, text: str, lang: str) -> str:
    return f"（{_cn_number(n)}）{text}" if lang == "zh_CN" else f"({n}) {text}"


def _cn_number(n: int) -> str:
    digits = "零一二三四五六七八九十"
    return digits[n] if n <= 10 else f"十{digits[n - 10]}" if n < 20 else str(n)
