"""Each figure is defined once: the overview, the charts, the deck and the report show the same
number for the same thing and period."""

from __future__ import annotations

import io
from datetime import date
from functools import partial

import docx
import pptx
from sqlalchemy.orm import Session

from exports.deck_pptx import build_deck, build_slides
from exports.report_docx import build_report
from locales import translate
from services import metrics, overview, quarterly, stats
from tests.conftest import TODAY

tr = partial(translate, "zh_CN")


def test_overview_and_charts_agree_on_the_year_so_far(session: Session) -> None:
    ov = overview.get_overview(session, today=TODAY)
    f = stats.ChartFilter(start=date(TODAY.year, 1, 1), end=TODAY, today=TODAY)
    fig = stats.get_figures(session, f=f)
    assert fig.activities == ov.activities_year
    assert fig.volunteer_hours == ov.volunteer_hours_year
    assert fig.open_needs == ov.open_needs
    assert fig.projects_active == ov.projects_active
    assert fig.six_items_completion == ov.six_items_completion
    assert fig.overdue_actions == ov.overdue_actions
    monthly = stats.monthly_totals(stats.activities_by_month(session, f=f))
    assert monthly["activities"].sum() == ov.activities_year
    funnel = stats.project_funnel(session, f=f).set_index("stage")["count"]
    assert {s.value: n for s, n in ov.projects_by_stage.items()} == funnel.to_dict()
    agreements = stats.agreements_by_state(session, f=f).set_index("state")["count"]
    assert agreements["expiring"] == ov.expiring_agreements
    assert agreements["lapsed"] == ov.lapsed_agreements


def test_charts_deck_and_report_agree_on_the_current_quarter(session: Session) -> None:
    year, quarter = metrics.quarter_of(TODAY)
    start, end = metrics.quarter_bounds(year, quarter)
    q = quarterly.get_quarter_summary(session, year=year, quarter=quarter, today=TODAY)
    ov = overview.get_overview(session, today=TODAY)
    charts_fig = stats.get_figures(session, f=stats.ChartFilter(start=start, end=TODAY, today=TODAY))

    # the quarter's figures are the metric dictionary's, and the charts page's for the same period
    assert q.figure("activities").value == charts_fig.activities == metrics.activities(session, start=start, end=end)
    assert q.figure("volunteer_hours").value == charts_fig.volunteer_hours
    assert q.figure("beneficiaries").value == charts_fig.beneficiaries
    assert q.figure("attendance_rate").value == charts_fig.attendance_rate
    assert q.figure("action_closure_rate").value == charts_fig.action_closure_rate
    assert q.monthly["activities"].sum() == q.figure("activities").value
    # states judged today agree with the overview
    assert q.figure("open_needs").value == ov.open_needs == charts_fig.open_needs
    assert q.figure("overdue_actions").value == ov.overdue_actions
    assert q.figure("six_items_completion").value == ov.six_items_completion
    assert q.figure("expiring_agreements").value == ov.expiring_agreements

    shown = {
        key: quarterly.format_value(q.figure(key))
        for key in ("activities", "open_needs", "overdue_actions", "six_items_completion", "volunteer_hours")
    }
    # the deck shows the same numbers
    slides = build_slides(q, tr=tr, lang="zh_CN")
    figures = {c.label: c.value for c in next(s for s in slides if s.key == "figures").cards}
    for key, value in shown.items():
        assert figures[tr(f"report.figure.{key}")] == value
    deck = pptx.Presentation(io.BytesIO(build_deck(slides, {}, footer="x")))
    deck_text = {sh.text_frame.text for sl in deck.slides for sh in sl.shapes if sh.has_text_frame}
    assert set(shown.values()) <= deck_text
    # and so does the report's table of figures and its summary
    report = docx.Document(io.BytesIO(build_report(q, {}, tr=tr, lang="zh_CN", issued_on=TODAY)))
    table = {row.cells[0].text: row.cells[1].text for row in report.tables[0].rows}
    for key, value in shown.items():
        assert table[tr(f"report.figure.{key}")] == value
    body = "\n".join(p.text for p in report.paragraphs)
    assert f"共开展活动{shown['activities']}次" in body


def test_a_past_quarter_compares_with_the_quarter_before(session: Session) -> None:
    q = quarterly.get_quarter_summary(session, year=TODAY.year, quarter=2, today=TODAY)
    before = quarterly.get_quarter_summary(session, year=TODAY.year, quarter=1, today=TODAY)
    assert q.figure("activities").previous == before.figure("activities").value
    assert q.figure("attendance_rate").previous == before.figure("attendance_rate").value
    assert q.as_of == date(TODAY.year, 6, 30)
