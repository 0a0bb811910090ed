"""/present: the quarter's summary (cached), one slide drawn large, and the deck and report files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from exports.deck_pptx import Slide, build_deck, build_slides
from exports.png import cjk_font_available
from exports.report_docx import build_report
from locales import translate
from services import quarterly
from ui import charts
from ui.auth import current_actor
from ui.safe import md_escape
from ui.state import CACHE_MAX_ENTRIES, CACHE_TTL, session_scope

SLIDE_KEY = "present_slide"

# Static style for this page only (no user text): large type for a projector.
_CSS = """
<style>
div[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] p,
div[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] li { font-size: 1.35rem; }
div[data-testid="stMainBlockContainer"] [data-testid="stMetricValue"],
div[data-testid="stMainBlockContainer"] [data-testid="stMetricValue"] * {
  font-size: 2.6rem !important; color: #b71c1c; line-height: 1.25; }
div[data-testid="stMainBlockContainer"] [data-testid="stMetricLabel"] p { font-size: 1.1rem; }
div[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"] p { font-size: 1rem; }
div[data-testid="stMainBlockContainer"] button p { font-size: 1rem; }
div[data-testid="stMainBlockContainer"] [data-testid="stTable"] td,
div[data-testid="stMainBlockContainer"] [data-testid="stTable"] th { font-size: 1.15rem; }
</style>
"""


def inject_style() -> None:
    st.html(_CSS)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False, max_entries=CACHE_MAX_ENTRIES)
def list_quarters(today_iso: str) -> list[tuple[int, int]]:
    with session_scope() as s:
        return quarterly.list_quarters(s, today=date.fromisoformat(today_iso))


@st.cache_data(ttl=CACHE_TTL, show_spinner=False, max_entries=CACHE_MAX_ENTRIES)
def load_summary(year: int, quarter: int, today_iso: str) -> quarterly.QuarterSummary:
    actor = current_actor()
    assert actor is not None
    with session_scope() as s:
        return quarterly.get_quarter_summary(s, actor, year=year, quarter=quarter, today=date.fromisoformat(today_iso))


def slide_index(total: int) -> int:
    idx = int(st.session_state.get(SLIDE_KEY, 0))
    return max(0, min(idx, total - 1))


def move(step: int, total: int) -> None:
    st.session_state[SLIDE_KEY] = max(0, min(slide_index(total) + step, total - 1))


def _table(df_rows: tuple[tuple[str, ...], ...], columns: tuple[str, ...]) -> None:
    df = pd.DataFrame([[md_escape(v) for v in row] for row in df_rows], columns=list(columns))
    st.table(df, hide_index=True)


def render(slide: Slide, panels: dict[str, charts.Panel]) -> None:
    """One slide, full width, large type; user text escaped."""
    if slide.key == "title":
        st.markdown(f"# {md_escape(slide.title)}")
        st.markdown(f"### {md_escape(slide.subtitle)}")
        st.caption(slide.note)
        return
    st.header(slide.title, divider="red")
    chart_panels = [panels[k] for k in slide.charts if k in panels]
    if chart_panels and (slide.cards or slide.bullets):
        left, right = st.columns([3, 2])
        with left:
            st.altair_chart(chart_panels[0].chart, width="stretch", key=f"present_chart_{slide.key}")
        with right:
            _cards(slide, 1)
            _bullets(slide)
        return
    if chart_panels:
        for col, panel in zip(st.columns(len(chart_panels)), chart_panels, strict=True):
            col.altair_chart(panel.chart, width="stretch", key=f"present_chart_{panel.key}")
    _cards(slide, 4)
    if slide.tables:
        for col, table in zip(st.columns(len(slide.tables)), slide.tables, strict=True):
            with col:
                if table.title:
                    st.markdown(f"**{md_escape(table.title)}**")
                if table.rows:
                    _table(table.rows, table.columns)
                else:
                    st.info(table.empty)
    if slide.bullets and not chart_panels:
        _bullets(slide)
    if slide.note:
        st.caption(slide.note)


def _cards(slide: Slide, per_row: int) -> None:
    for i in range(0, len(slide.cards), per_row):
        row = slide.cards[i : i + per_row]
        for col, card in zip(st.columns(per_row), row, strict=False):
            col.metric(card.label, card.value)
            if card.note:
                col.caption(card.note)


def _bullets(slide: Slide) -> None:
    if slide.bullets_title:
        st.markdown(f"**{md_escape(slide.bullets_title)}**")
    st.markdown("\n".join(f"- {md_escape(b)}" for b in slide.bullets))


def deck_and_report_downloads(q: quarterly.QuarterSummary, lang: str, today: date, t: Callable[..., str]) -> None:
    """The .pptx deck and the .docx report, made only when clicked (charts drawn as PNG)."""
    tr = partial(translate, lang)
    if not cjk_font_available():
        st.warning(t("report.no_cjk_font"))
        return

    def deck() -> bytes:
        images = charts.quarter_images(q, tr)
        return build_deck(build_slides(q, tr=tr, lang=lang), images, footer=tr("present.alliance"))

    def report() -> bytes:
        return build_report(q, charts.quarter_images(q, tr), tr=tr, lang=lang, issued_on=today)

    c1, c2 = st.columns(2)
    c1.download_button(
        t("present.export_pptx"),
        deck,
        file_name=t("present.pptx_file", year=q.year, quarter=q.quarter),
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        key="present_pptx",
        on_click="ignore",
        icon=":material/slideshow:",
        width="stretch",
    )
    c2.download_button(
        t("report.download"),
        report,
        file_name=t("report.file_name", year=q.year, quarter=q.quarter),
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        key="present_docx",
        on_click="ignore",
        icon=":material/description:",
        width="stretch",
    )
