"""/present: the quarter's summary (cached), one slide drawn large, and the deck and report files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial

import streamlit as st

from domain.errors import AppError
from domain.scope import COUNTY
from exports import charts
from exports.deck_html import DeckText, build_deck_html, svg_maker
from exports.deck_pptx import build_deck, build_slides
from exports.png import cjk_font_available
from exports.report_docx import build_report
from locales import translate
from services import quarterly, report_numbers
from ui.kit.actions import write_scope
from ui.kit.auth import current_actor
from ui.kit.i18n import current_language, error_message
from ui.kit.state import cached_read, session_scope

DECK_TITLE_KEY = "present.deck_frame"
BAR_HEIGHT = 58  # px: the slim bar above the deck

# Static style for this page only (no user text): the app's chrome hidden, the deck filling the window.
_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stSidebarNav"] { display: none !important; }
[data-testid="stMain"] { margin-left: 0 !important; }
[data-testid="stMainBlockContainer"] { padding: 6px 12px 0 !important; max-width: 100% !important; }
[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"] { gap: 4px !important; }
[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"] > [data-testid="stElementContainer"]:has(style):not(:has(iframe)) {
  display: none !important; }
iframe[title="__TITLE__"] { height: calc(100vh - __BAR__px) !important; width: 100% !important;
  border: 0; display: block; }
</style>
"""


def inject_style() -> None:
    title = translate(current_language(), DECK_TITLE_KEY)
    st.html(_CSS.replace("__TITLE__", title.replace('"', "")).replace("__BAR__", str(BAR_HEIGHT)))


def list_quarters(today_iso: str) -> list[tuple[int, int]]:
    return cached_read(quarterly.list_quarters, today=date.fromisoformat(today_iso))


def load_summary(year: int, quarter: int, today_iso: str) -> quarterly.QuarterSummary:
    return cached_read(quarterly.get_quarter_summary, year=year, quarter=quarter, today=date.fromisoformat(today_iso))


def deck_text(lang: str) -> DeckText:
    tr = partial(translate, lang)
    return DeckText(
        lang=lang,
        title=tr("present.title"),
        footer=tr("present.alliance"),
        prev=tr("present.prev"),
        next=tr("present.next"),
        fullscreen=tr("present.fullscreen"),
        exit_fullscreen=tr("present.exit_fullscreen"),
        counter=tr("present.counter_short"),
        keys_hint=tr("present.keys_hint"),
    )


@st.cache_data(show_spinner=False, max_entries=16)  # a pure function of the summary: no data version
def deck_html(q: quarterly.QuarterSummary, lang: str) -> str:
    """The quarter's deck as one HTML document (charts drawn once per quarter and language)."""
    tr = partial(translate, lang)
    panels = charts.quarter_panels(q.monthly, q.by_kind, q.needs_coverage, q.funnel, tr)
    slides = build_slides(q, tr=tr, lang=lang)
    return build_deck_html(slides, svg_maker(panels), deck_text(lang), deck_id=f"{q.year}Q{q.quarter}-{q.as_of}")


def show_deck(q: quarterly.QuarterSummary, lang: str) -> None:
    with st.spinner(translate(lang, "present.drawing")):
        html = deck_html(q, lang)
    st.iframe(html, height=720, alt=translate(lang, DECK_TITLE_KEY))


def deck_and_report_downloads(q: quarterly.QuarterSummary, lang: str, today: date, t: Callable[..., str]) -> None:
    """The .pptx and .html decks and the .docx report, each made when its button is clicked. The
    secretariat's report carries a 文号: the year's next one, offered editable, issued on download."""
    tr = partial(translate, lang)
    actor = current_actor()
    assert actor is not None
    st.download_button(
        t("present.export_html"),
        lambda: deck_html(q, lang).encode("utf-8"),
        file_name=t("present.html_file", year=q.year, quarter=q.quarter),
        mime="text/html",
        key="present_html",
        on_click="ignore",
        icon=":material/present_to_all:",
        width="stretch",
    )
    if not cjk_font_available():
        st.warning(t("report.no_cjk_font"))
        return

    def deck() -> bytes:
        images = charts.quarter_images(q, tr)
        return build_deck(build_slides(q, tr=tr, lang=lang), images, footer=tr("present.alliance"))

    st.download_button(
        t("present.export_pptx"),
        deck,
        file_name=t("present.pptx_file", year=q.year, quarter=q.quarter),
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        key="present_pptx",
        on_click="ignore",
        icon=":material/slideshow:",
        width="stretch",
    )
    numbered = actor.may_administer(COUNTY)
    typed: str | None = None
    valid = True
    if numbered:
        with session_scope() as s:
            suggested = report_numbers.next_report_number(s, today=today)
        typed = st.text_input(t("report.fields.number"), value=suggested, key=f"present_number_{suggested}")
        try:
            report_numbers.normalise_number(typed)
            st.caption(t("report.number_help"))
        except AppError as err:
            valid = False
            st.error(error_message(err))
        if typed.strip() == suggested:
            typed = None  # the next of the sequence when the file is made, even if another was issued meanwhile
    else:
        st.caption(t("report.number_secretariat"))

    def report() -> bytes:
        images = charts.quarter_images(q, tr)
        if not numbered:
            return build_report(q, images, tr=tr, lang=lang, issued_on=today)
        with write_scope() as s:  # the number is taken as the file is made (a download's callable)
            number = report_numbers.assign_report_number(s, actor, today=today, number=typed)
            return build_report(q, images, tr=tr, lang=lang, issued_on=today, number=number)

    st.download_button(
        t("report.download"),
        report,
        file_name=t("report.file_name", year=q.year, quarter=q.quarter),
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        key="present_docx",
        on_click="rerun" if numbered else "ignore",
        icon=":material/description:",
        width="stretch",
        disabled=not valid,
    )
