"""The joint meeting's deck for one quarter: the slides' content (shared with /present) and
the same slides as a 16:9 .pptx with a CJK font and the charts as images."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from exports.png import ChartImage
from services.quarterly import QuarterSummary, change_text, compared_with, format_value, next_steps, period_text
from ui.format import fmt_date

Translate = Callable[..., str]
FONT = "Noto Sans CJK SC"
RED = RGBColor(0xB7, 0x1C, 0x1C)
DARK = RGBColor(0x26, 0x26, 0x26)
GREY = RGBColor(0x6B, 0x6B, 0x6B)
MAX_TABLE_ROWS = 8
MAX_BEHIND = 6
SLIDE_KEYS: tuple[str, ...] = (
    "title",
    "figures",
    "needs_projects",
    "activities",
    "chairs",
    "actions",
    "uncovered",
    "next_steps",
)
DECK_FIGURES: tuple[str, ...] = (
    "activities",
    "volunteer_hours",
    "beneficiaries",
    "needs_raised",
    "projects_completed",
    "meetings_held",
    "attendance_rate",
    "action_closure_rate",
    "six_items_completion",
    "open_needs",
    "overdue_actions",
    "expiring_agreements",
)


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str = ""


@dataclass(frozen=True)
class Slide:
    """One slide's content, drawn by /present on screen and by ``build_deck`` in PowerPoint."""

    key: str
    title: str
    subtitle: str = ""
    cards: tuple[Card, ...] = ()
    charts: tuple[str, ...] = ()  # chart keys (ui.charts.quarter_panels)
    tables: tuple[Table, ...] = ()
    bullets: tuple[str, ...] = ()
    bullets_title: str = ""
    note: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def build_slides(q: QuarterSummary, *, tr: Translate, lang: str) -> list[Slide]:
    """The deck's slides in order (SLIDE_KEYS), every number from the quarter's figures."""
    slide_title = {k: tr(f"present.slide.{k}") for k in SLIDE_KEYS}
    cards = tuple(
        Card(
            tr(f"report.figure.{key}"),
            format_value(q.figure(key)),
            tr("present.vs_last", last=compared_with(q.comparison, tr), change=change_text(q.figure(key), tr))
            if q.figure(key).previous is not None
            else "",
        )
        for key in DECK_FIGURES
    )
    six = q.figure("six_items_completion")
    behind = tuple(
        tr("present.behind_line", unit=u.unit, done=u.done, missing="、".join(tr(f"charts.six.{m}") for m in u.missing))
        for u in q.six_items_behind[:MAX_BEHIND]
    ) or (tr("present.no_behind"),)

    def chair_table(title: str, months: Sequence[Any]) -> Table:
        rows = tuple(
            (tr("present.month", month=c.month), c.unit_name or tr("present.none_yet"), c.theme) for c in months
        )
        return Table(title, (tr("present.col.month"), tr("present.col.unit"), tr("present.col.theme")), rows)

    items = q.last_meeting_items.head(MAX_TABLE_ROWS)
    actions = Table(
        tr("present.meeting_line", title=q.last_meeting_title, date=fmt_date(q.last_meeting_on, lang))
        if q.last_meeting_title
        else "",
        (tr("present.col.content"), tr("present.col.owner"), tr("present.col.due_on"), tr("present.col.state")),
        tuple(
            (str(r.content), str(r.unit), fmt_date(r.due_on, lang), tr(f"charts.state.{r.state}"))
            for r in items.itertuples()
        ),
        empty=tr("present.no_items") if q.last_meeting_title else tr("present.no_meeting"),
    )
    needs = q.uncovered_needs.head(MAX_TABLE_ROWS)
    uncovered = Table(
        tr("present.open_needs_total", n=format_value(q.figure("open_needs"))),
        (tr("present.col.community"), tr("present.col.category"), tr("present.col.need"), tr("present.col.priority")),
        tuple(
            (str(r.community), str(r.category), str(r.title), tr(f"enum.Priority.{r.priority}"))
            for r in needs.itertuples()
        ),
        empty=tr("present.no_uncovered"),
    )
    period = period_text(q.comparison, tr, lambda d: fmt_date(d, lang))
    return [
        Slide(
            "title",
            tr("present.deck_title", year=q.year, quarter=q.quarter),
            subtitle=tr("present.deck_subtitle", date=fmt_date(q.as_of, lang)),
            note=period,
        ),
        Slide("figures", slide_title["figures"], cards=cards, note=period),
        Slide("needs_projects", slide_title["needs_projects"], charts=("needs_coverage", "project_funnel")),
        Slide(
            "activities",
            slide_title["activities"],
            charts=("activities_by_month",),
            cards=(
                Card(
                    tr("report.figure.six_items_completion"),
                    format_value(six),
                    tr("present.vs_last", last=compared_with(q.comparison, tr), change=change_text(six, tr)),
                ),
            ),
            bullets=behind,
            bullets_title=tr("present.behind_title"),
        ),
        Slide(
            "chairs",
            slide_title["chairs"],
            tables=(
                chair_table(tr("present.chairs_this"), q.chairs_this),
                chair_table(tr("present.chairs_next"), q.chairs_next),
            ),
        ),
        Slide("actions", slide_title["actions"], tables=(actions,)),
        Slide("uncovered", slide_title["uncovered"], tables=(uncovered,)),
        Slide("next_steps", slide_title["next_steps"], bullets=tuple(next_steps(q, tr))),
    ]


# ---- PowerPoint ----


def _font(run: Any, size: float, *, bold: bool = False, color: RGBColor = DARK) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = color
    run.font.name = FONT
    rpr = run._r.get_or_add_rPr()
    for tag in ("a:ea", "a:cs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = rpr.makeelement(qn(tag), {})
            rpr.append(el)
        el.set("typeface", FONT)


def _text(
    slide: Any,
    x: float,
    y: float,
    w: float,
    h: float,
    lines: Sequence[str],
    size: float,
    *,
    bold: bool = False,
    color: RGBColor = DARK,
    align: PP_ALIGN = PP_ALIGN.LEFT,
    bullet: bool = False,
) -> None:
    frame = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h)).text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.alignment = align
        para.space_after = Pt(size * 0.6)
        run = para.add_run()
        run.text = ("• " if bullet else "") + line
        _font(run, size, bold=bold, color=color)


def _header(slide: Any, title: str, n: int, total: int, footer: str) -> None:
    bar = slide.shapes.add_shape(1, 0, 0, Inches(13.333), Inches(0.18))
    bar.fill.solid()
    bar.fill.fore_color.rgb = RED
    bar.line.fill.background()
    _text(slide, 0.6, 0.35, 12, 0.9, [title], 30, bold=True, color=RED)
    _text(slide, 0.6, 6.95, 9, 0.4, [footer], 11, color=GREY)
    _text(slide, 10.7, 6.95, 2.0, 0.4, [f"{n} / {total}"], 11, color=GREY, align=PP_ALIGN.RIGHT)


def _cards(slide: Any, cards: Sequence[Card], x: float, y: float, w: float, cols: int) -> float:
    cw, ch = w / cols, 1.3
    for i, card in enumerate(cards):
        cx, cy = x + (i % cols) * cw, y + (i // cols) * ch
        _text(slide, cx, cy, cw - 0.2, 0.6, [card.value], 30, bold=True, color=RED)
        _text(slide, cx, cy + 0.6, cw - 0.2, 0.35, [card.label], 14)
        if card.note:
            _text(slide, cx, cy + 0.92, cw - 0.2, 0.3, [card.note], 11, color=GREY)
    return y + ((len(cards) + cols - 1) // cols) * ch


def _table(slide: Any, table: Table, x: float, y: float, w: float) -> None:
    if table.title:
        _text(slide, x, y, w, 0.45, [table.title], 16, bold=True)
        y += 0.5
    if not table.rows:
        _text(slide, x, y, w, 0.5, [table.empty], 16, color=GREY)
        return
    rows, cols = len(table.rows) + 1, len(table.columns)
    shape = slide.shapes.add_table(rows, cols, Inches(x), Inches(y), Inches(w), Inches(0.45 * rows))
    grid = shape.table
    widths = [3.0 if i == 0 and cols > 3 else 1.0 for i in range(cols)]
    for i, wt in enumerate(widths):
        grid.columns[i].width = Emu(int(Inches(w) * wt / sum(widths)))
    for r, values in enumerate([table.columns, *table.rows]):
        for c, value in enumerate(values):
            cell = grid.cell(r, c)
            cell.text = ""
            para = cell.text_frame.paragraphs[0]
            run = para.add_run()
            run.text = value
            _font(run, 13 if r else 14, bold=r == 0, color=RGBColor(0xFF, 0xFF, 0xFF) if r == 0 else DARK)
            if r == 0:
                cell.fill.solid()
                cell.fill.fore_color.rgb = RED


def _picture(slide: Any, png: bytes, x: float, y: float, w: float, h: float) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        ratio = im.height / im.width
    pw, ph = (w, w * ratio) if w * ratio <= h else (h / ratio, h)
    slide.shapes.add_picture(io.BytesIO(png), Inches(x + (w - pw) / 2), Inches(y), Inches(pw), Inches(ph))


def build_deck(slides: Sequence[Slide], images: Mapping[str, ChartImage], *, footer: str) -> bytes:
    """The slides as a 16:9 PowerPoint file."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    blank = prs.slide_layouts[6]
    total = len(slides)
    for n, spec in enumerate(slides, start=1):
        slide = prs.slides.add_slide(blank)
        if spec.key == "title":
            band = slide.shapes.add_shape(1, 0, Inches(2.3), Inches(13.333), Inches(2.6))
            band.fill.solid()
            band.fill.fore_color.rgb = RED
            band.line.fill.background()
            _text(slide, 0.8, 2.6, 11.7, 1.2, [spec.title], 40, bold=True, color=RGBColor(0xFF, 0xFF, 0xFF))
            _text(slide, 0.8, 3.8, 11.7, 0.6, [spec.subtitle], 20, color=RGBColor(0xFF, 0xFF, 0xFF))
            _text(slide, 0.8, 5.4, 11.7, 0.5, [spec.note, footer], 16, color=GREY)
            continue
        _header(slide, spec.title, n, total, footer)
        top, left, width = 1.35, 0.6, 12.1
        charts = [images[k] for k in spec.charts if k in images]
        if charts and (spec.bullets or spec.cards):
            _picture(slide, charts[0].png, left, top, 7.2, 5.4)
            y = _cards(slide, spec.cards, 8.1, top, 4.6, 1) if spec.cards else top
            if spec.bullets_title:
                _text(slide, 8.1, y, 4.6, 0.4, [spec.bullets_title], 16, bold=True)
                y += 0.45
            _text(slide, 8.1, y, 4.6, 6.8 - y, list(spec.bullets), 13, bullet=True)
            continue
        if charts:
            w = width / len(charts)
            for i, image in enumerate(charts):
                _picture(slide, image.png, left + i * w, top, w - 0.2, 5.4)
        if spec.cards:
            _cards(slide, spec.cards, left, top + 0.1, width, 4)
        if spec.tables:
            w = width / len(spec.tables)
            for i, table in enumerate(spec.tables):
                _table(slide, table, left + i * w, top, w - 0.3)
        if spec.bullets and not charts:
            _text(slide, left, top + 0.2, width, 5.2, list(spec.bullets), 22, bullet=True)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
