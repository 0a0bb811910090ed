"""A meeting's minutes (会议纪要) as Word, laid out as GB/T 9704-2012 lays out a 纪要 (exports/gbt9704):
the red 纪要 mark with the issuer and date under it, the title, 时间/地点/主持/参会单位, 议题, 会议内容,
会议决定, 上次决议落实情况 and 待办事项 with owners and dates, page numbers and the 版记."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Protocol

from docx import Document

from exports import gbt9704 as gb
from locales import translate

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
    """What the minutes need (``services.meetings.MeetingDetail`` has it). Read-only members, so a
    frozen dataclass satisfies it."""

    @property
    def kind(self) -> object: ...

    @property
    def title(self) -> str: ...

    @property
    def held_on(self) -> date: ...

    @property
    def place(self) -> str: ...

    @property
    def community_name(self) -> str: ...

    @property
    def convenor_name(self) -> str: ...

    @property
    def agenda(self) -> str: ...

    @property
    def minutes(self) -> str: ...

    @property
    def decisions(self) -> str: ...

    @property
    def attendance(self) -> list: ...

    @property
    def actions(self) -> list: ...

    @property
    def review(self) -> list: ...


def _date(value: date | None, lang: str) -> str:
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日" if lang == "zh_CN" else value.isoformat()


def _markdown(doc, text: str) -> None:  # type: ignore[no-untyped-def]
    """Body paragraphs from the minutes' Markdown: headings as 楷体 二级标题, list items kept as
    lines, emphasis markers dropped. (Word shows text; nothing in it is ever run.)"""
    for block in re.split(r"\n\s*\n", text.strip()):
        for line in block.splitlines():
            if not line.strip():
                continue
            if _HEADING.match(line):
                gb.heading(doc, _EMPHASIS.sub("", _HEADING.sub("", line)).strip(), level=2)
            elif _LIST.match(line):
                gb.paragraph(doc, "· " + _LIST.sub("", _EMPHASIS.sub("", line)).strip())
            else:
                gb.paragraph(doc, _EMPHASIS.sub("", line).strip())


def minutes_docx(meeting: MinutesSource, *, lang: str = "zh_CN") -> bytes:
    """The minutes of one meeting as a .docx file."""

    def t(key: str, **params: object) -> str:
        return translate(lang, key, **params)

    def status_label(status: object) -> str:
        return t(f"enum.ActionStatus.{getattr(status, 'value', status)}")

    doc = Document()
    gb.new_document(doc)
    gb.masthead(
        doc, t("meetings.docx.masthead"), None, left=t("meetings.docx.issuer"), right=_date(meeting.held_on, lang)
    )
    gb.title(doc, meeting.title)
    gb.blank(doc)

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
        p = gb.paragraph(doc)
        gb.set_font(p.add_run(f"{name}："), gb.HEI_FONT, gb.BODY_PT)
        gb.set_font(p.add_run(value or "—"), gb.BODY_FONT, gb.BODY_PT)

    numerals = "一二三四五六七八"
    counter = iter(range(len(numerals)))

    def section(key: str) -> None:
        i = next(counter)
        prefix = f"{numerals[i]}、" if lang == "zh_CN" else f"{i + 1}. "
        gb.heading(doc, prefix + t(key))

    if meeting.agenda.strip():
        section("meetings.docx.agenda")
        _markdown(doc, meeting.agenda)
    if meeting.review:
        section("meetings.docx.review")
        gb.table(
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
            (5.6, 3.0, 2.6, 1.8, 3.0),
            centre=(2, 3),
        )
    if meeting.minutes.strip():
        section("meetings.docx.minutes")
        _markdown(doc, meeting.minutes)
    if meeting.decisions.strip():
        section("meetings.docx.decisions")
        _markdown(doc, meeting.decisions)
    section("meetings.docx.actions")
    if meeting.actions:
        gb.table(
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
            (1.2, 5.6, 3.2, 3.2, 1.6),
            centre=(0, 3, 4),
        )
    else:
        gb.paragraph(doc, t("meetings.docx.no_actions"))
    gb.imprint(doc, t("meetings.docx.issuer"), t("meetings.docx.printed", date=_date(meeting.held_on, lang)))

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
