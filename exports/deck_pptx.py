"""The joint meeting's deck for one quarter: the slides' content (shared with /present) and
the same slides as a 16:9 .pptx with a CJK font and the charts as images."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from exports.format import fmt_date
from exports.png import ChartImage
from services.quarterly import QuarterSummary, change_text, compared_with, format_value, next_steps, period_text

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


COVER_FIGURES: tuple[str, ...] = ("activities", "volunteer_hours", "beneficiaries", "six_items_completion")


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
    charts: tuple[str, ...] = ()  # chart keys (exports.charts.quarter_panels)
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
    by_key = {c.label: c for c in cards}
    cover_cards = tuple(by_key[tr(f"report.figure.{key}")] for key in COVER_FIGURES)
    chair = next((c for c in q.chairs_this if c.month == q.as_of.month), None)
    cover = {
        "alliance": tr("present.alliance"),
        "period_label": tr("present.cover.period"),
        "period": period,
        "chair_label": tr("present.cover.chair", month=q.as_of.month),
        "chair": (chair.unit_name or tr("present.none_yet")) if chair is not None else "",
        "meeting_label": tr("present.cover.last_meeting"),
        "meeting": tr("present.meeting_line", title=q.last_meeting_title, date=fmt_date(q.last_meeting_on, lang))
        if q.last_meeting_title
        else "",
    }
    cover["facts"] = "\n".join(
        tr("present.cover.fact", label=cover[f"{k}_label"], value=cover[k])
        for k in ("period", "chair", "meeting")
        if cover[k]
    )
    return [
        Slide(
            "title",
            tr("present.deck_title", year=q.year, quarter=q.quarter),
            subtitle=tr("present.deck_subtitle", date=fmt_date(q.as_of, lang)),
            cards=cover_cards,
            extra=cover,
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


def _title(slide: Any, title: str, x: float, y: float, w: float, h: float, size: float, color: RGBColor) -> None:
    """The slide's title in its title placeholder, so that PowerPoint's and WPS's outline show it."""
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = Inches(x), Inches(y), Inches(w), Inches(h)
    frame = shape.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    frame.text = ""
    para = frame.paragraphs[0]
    para.alignment = PP_ALIGN.LEFT
    run = para.add_run()
    run.text = title
    _font(run, size, bold=True, color=color)


def _to_back(slide: Any, shape: Any) -> None:
    tree = slide.shapes._spTree
    tree.remove(shape._element)
    tree.insert(2, shape._element)  # after nvGrpSpPr and grpSpPr: drawn first, under the placeholders


def _header(slide: Any, title: str, n: int, total: int, footer: str) -> None:
    bar = slide.shapes.add_shape(1, 0, 0, Inches(13.333), Inches(0.18))
    bar.fill.solid()
    bar.fill.fore_color.rgb = RED
    bar.line.fill.background()
    _title(slide, title, 0.6, 0.35, 12.1, 0.9, 30, RED)
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
    cover_layout, title_only = prs.slide_layouts[0], prs.slide_layouts[5]  # both have a title placeholder
    total = len(slides)
    white = RGBColor(0xFF, 0xFF, 0xFF)
    for n, spec in enumerate(slides, start=1):
        if spec.key == "title":
            slide = prs.slides.add_slide(cover_layout)
            band = slide.shapes.add_shape(1, 0, Inches(0.9), Inches(13.333), Inches(3.0))
            band.fill.solid()
            band.fill.fore_color.rgb = RED
            band.line.fill.background()
            _to_back(slide, band)
            _text(slide, 0.8, 1.15, 11.7, 0.5, [spec.extra.get("alliance", "")], 18, color=white)
            _title(slide, spec.title, 0.8, 1.7, 11.7, 1.2, 40, white)
            sub = slide.placeholders[1]
            sub.left, sub.top, sub.width, sub.height = Inches(0.8), Inches(2.95), Inches(11.7), Inches(0.6)
            sub.text_frame.text = ""
            para = sub.text_frame.paragraphs[0]
            para.alignment = PP_ALIGN.LEFT
            run = para.add_run()
            run.text = spec.subtitle
            _font(run, 20, color=white)
            facts = [f for f in spec.extra.get("facts", "").split("\n") if f]
            _text(slide, 0.8, 4.15, 11.7, 1.3, facts, 16, color=DARK)
            _cards(slide, spec.cards, 0.8, 5.45, 11.7, 4)
            _text(slide, 0.8, 6.95, 9, 0.4, [footer], 11, color=GREY)
            continue
        slide = prs.slides.add_slide(title_only)
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
