"""One quarter comparison for the overview, the deck and the report: Q4 so far against as many days
of Q3, and a period line that says so."""

from __future__ import annotations

import io
from datetime import date
from functools import partial

import docx
from sqlalchemy.orm import Session

from exports.deck_pptx import build_slides
from exports.report_docx import build_report
from locales import translate
from services import metrics, overview, quarterly

DEC_2 = date(2026, 12, 2)
tr = partial(translate, "zh_CN")


def test_on_2_december_q4_so_far_is_compared_with_q3_to_1_september(session: Session) -> None:
    q = quarterly.get_quarter_summary(session, year=2026, quarter=4, today=DEC_2)
    acts, meetings = q.figure("activities"), q.figure("meetings_held")
    assert acts.value == metrics.activities(session, start=date(2026, 10, 1), end=DEC_2)
    assert acts.previous == metrics.activities(session, start=date(2026, 7, 1), end=date(2026, 9, 1))
    assert meetings.previous == metrics.meetings_held(session, start=date(2026, 7, 1), end=date(2026, 9, 1))
    assert acts.previous != metrics.activities(session, start=date(2026, 7, 1), end=date(2026, 9, 30))


def test_the_overview_deck_and_report_show_the_same_comparison(session: Session) -> None:
    q = quarterly.get_quarter_summary(session, year=2026, quarter=4, today=DEC_2)
    ov = overview.get_overview(session, today=DEC_2)
    assert ov.quarter == q.comparison
    for fig in ov.quarter_figures:
        assert (fig.value, fig.previous) == (q.figure(fig.key).value, q.figure(fig.key).previous)
    change = quarterly.change_text(q.figure("activities"), tr)
    line = "统计时段：2026年10月1日至2026年12月2日（本季度尚未结束，已过63天）；与上季度同期（2026年7月1日至2026年9月1日，同为63天）比较"
    slides = build_slides(q, tr=tr, lang="zh_CN")
    figures = next(s for s in slides if s.key == "figures")
    assert figures.note == line and "至2026年12月31日" not in figures.note
    assert any(c.note == f"较上季度同期：{change}" for c in figures.cards)
    doc = docx.Document(io.BytesIO(build_report(q, {}, tr=tr, lang="zh_CN", issued_on=DEC_2)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert line in text and f"较上季度同期{change}" in text


def test_a_finished_quarter_is_compared_with_the_whole_quarter_before(session: Session) -> None:
    q = quarterly.get_quarter_summary(session, year=2026, quarter=3, today=DEC_2)
    assert q.figure("activities").previous == metrics.activities(session, start=date(2026, 4, 1), end=date(2026, 6, 30))
    assert (
        quarterly.period_text(q.comparison, tr, str)
        == "统计时段：2026-07-01至2026-09-30；与上季度（2026-04-01至2026-06-30）比较"
    )
    assert quarterly.compared_with(q.comparison, tr) == "上季度"
