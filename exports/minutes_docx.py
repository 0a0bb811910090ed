"""A meeting's minutes (会议纪要) as Word, in the usual layout: title, 时间/地点/主持/参会单位,
议题, 会议内容, 会议决定, 上次决议落实情况 and 待办事项 with owners and dates."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Protocol

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

from locales import translate

EAST_ASIAN_FONT = "宋体"  # Word's usual; Noto Serif/Sans CJK SC stand in where it is missing
HEADING_FONT = "黑体"
LATIN_FONT = "Noto Sans CJK SC"
_LIST = re.compile(r"^\s*[-*+]\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s+")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")


class _Action(Protocol):
    content: str
    owner_name: str
    due_on: date | None
    status: object
    closing_note: str


class _Attendee(Protocol):
    name: str
    attended: bool


class MinutesSource(Protocol):
    """What the minutes need (``services.meetings.MeetingDetail`` has it)."""

    kind: object
    title: str
    held_on: date
    place: str
    community_name: str
    convenor_name: str
    agenda: str
    minutes: str
    decisions: str
    attendance: list
    actions: list
    review: list


def _date(value: date | None, lang: str) -> str:
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日" if lang == "zh_CN" else value.isoformat()


def _font(run, *, east_asian: str = EAST_ASIAN_FONT, size: float | None = None, bold: bool | None = None) -> None:  # type: ignore[no-untyped-def]
    run.font.name = LATIN_FONT
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asian)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold


def _para(doc, text: str, *, bold: bool = False, size: float = 12, align=None) -> Paragraph:  # type: ignore[no-untyped-def]
    p = doc.add_paragraph()
    _font(p.add_run(text), size=size, bold=bold)
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(4)
    return p


def _heading(doc, text: str) -> None:  # type: ignore[no-untyped-def]
    p = doc.add_paragraph()
    _font(p.add_run(text), east_asian=HEADING_FONT, size=14, bold=True)
    p.paragraph_format.space_before = Pt(10)
    p.paragraph_format.space_after = Pt(4)


def _markdown(doc, text: str) -> None:  # type: ignore[no-untyped-def]
    """Plain paragraphs from the minutes' Markdown: headings bold, list items kept as lines,
    emphasis markers dropped. (Word shows text; nothing in it is ever run.)"""
    for block in re.split(r"\n\s*\n", text.strip()):
        for line in block.splitlines():
            if not line.strip():
                continue
            is_heading = bool(_HEADING.match(line))
            clean = _EMPHASIS.sub("", _HEADING.sub("", line)).strip()
            if _LIST.match(line):
                clean = "· " + _LIST.sub("", _EMPHASIS.sub("", line)).strip()
            p = _para(doc, clean, bold=is_heading)
            if not is_heading and not clean.startswith("· "):
                p.paragraph_format.first_line_indent = Pt(24)


def _table(doc, headers: list[str], rows: list[list[str]]) -> None:  # type: ignore[no-untyped-def]
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), size=10.5, bold=True)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(text), size=10.5)


def minutes_docx(meeting: MinutesSource, *, lang: str = "zh_CN") -> bytes:
    """The minutes of one meeting as a .docx file."""

    def t(key: str, **params: object) -> str:
        return translate(lang, key, **params)

    def status_label(status: object) -> str:
        return t(f"enum.ActionStatus.{getattr(status, 'value', status)}")

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = LATIN_FONT
    style.font.size = Pt(12)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), EAST_ASIAN_FONT)

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(meeting.title), east_asian=HEADING_FONT, size=18, bold=True)
    sub = _para(doc, t("meetings.docx.subtitle"), size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    sub.runs[0].font.color.rgb = RGBColor(0x80, 0x80, 0x80)

    attended = [a.name for a in meeting.attendance if a.attended]
    absent = [a.name for a in meeting.attendance if not a.attended]
    sep = "、" if lang == "zh_CN" else ", "
    facts = [
        (t("meetings.docx.time"), _date(meeting.held_on, lang)),
        (t("meetings.docx.place"), meeting.place),
        (t("meetings.docx.convenor"), meeting.convenor_name),
        (t("meetings.docx.kind"), t(f"enum.MeetingKind.{getattr(meeting.kind, 'value', meeting.kind)}")),
        (t("meetings.docx.scope"), meeting.community_name or t("meetings.alliance")),
        (
            t("meetings.docx.attending"),
            sep.join(attended) + (t("meetings.docx.count", n=len(attended)) if attended else ""),
        ),
    ]
    if absent:
        facts.append((t("meetings.docx.absent"), sep.join(absent)))
    for name, value in facts:
        p = doc.add_paragraph()
        p.paragraph_format.space_after = Pt(2)
        _font(p.add_run(f"{name}："), bold=True)
        _font(p.add_run(value or "—"))

    numerals = "一二三四五六七八"
    counter = iter(range(len(numerals)))

    def section(key: str) -> None:
        i = next(counter)
        prefix = f"{numerals[i]}、" if lang == "zh_CN" else f"{i + 1}. "
        _heading(doc, prefix + t(key))

    if meeting.agenda.strip():
        section("meetings.docx.agenda")
        _markdown(doc, meeting.agenda)
    if meeting.review:
        section("meetings.docx.review")
        _table(
            doc,
            [
                t("meetings.docx.col_content"),
                t("meetings.docx.col_owner"),
                t("meetings.docx.col_due"),
                t("meetings.docx.col_status"),
                t("meetings.docx.col_note"),
            ],
            [
                [r.content, r.owner_name, _date(r.due_on, lang), status_label(r.status), r.closing_note]
                for r in meeting.review
            ],
        )
    if meeting.minutes.strip():
        section("meetings.docx.minutes")
        _markdown(doc, meeting.minutes)
    if meeting.decisions.strip():
        section("meetings.docx.decisions")
        _markdown(doc, meeting.decisions)
    section("meetings.docx.actions")
    if meeting.actions:
        _table(
            doc,
            [
                t("meetings.docx.col_no"),
                t("meetings.docx.col_content"),
                t("meetings.docx.col_owner"),
                t("meetings.docx.col_due"),
                t("meetings.docx.col_status"),
            ],
            [
                [str(i), r.content, r.owner_name, _date(r.due_on, lang), status_label(r.status)]
                for i, r in enumerate(meeting.actions, start=1)
            ],
        )
    else:
        _para(doc, t("meetings.docx.no_actions"))

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
