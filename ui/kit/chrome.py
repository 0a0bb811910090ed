"""What every page shares around its content: style, the sidebar's chairs and reminders."""

from __future__ import annotations

from typing import Any

import streamlit as st

from domain.actor import Actor
from exports.format import fmt_month, today_local
from locales import translate
from services import chairs
from ui.kit.i18n import current_language, t
from ui.kit.safe import md_escape
from ui.kit.state import cached_read

_CSS = """
<style>
html, body, [class*="css"] { font-family: "Noto Sans CJK SC", "Source Han Sans SC",
  "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; }
div[data-testid="stMetricValue"] { font-size: 1.8rem; }
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
@media (max-width: 640px) {
  .block-container { padding-left: 0.8rem; padding-right: 0.8rem; padding-top: 2.5rem; }
}
</style>
"""


# Streamlit 1.67 has no parameter for these words of its own (issue 20, item 4): the text is hidden
# (display: none, so neither the eye nor innerText nor a screen reader meets it) and the user's
# language shown in its place. Two are drawn at size 0 instead: the upload button's word (a button
# needs text of its own for its accessible name: axe-core does not count generated content) and an
# empty date segment's "yyyy" (text the field edits in place). Keyed on Streamlit's test ids and
# data attributes (the dropdowns' "Select all" option and empty list, the date segments); an
# English interface keeps Streamlit's words.
# A form built with enter_to_submit=False sits in a container keyed "noenter_…": its input
# instructions start with the character counter, not with "Press Enter".
_NOENTER = ':not([class*="st-key-noenter_"] *)'
_UPLOAD_BUTTON = (
    '[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"]'
)
_WORDS_CSS = """
__BUTTON__ > p { font-size: 0; }
__BUTTON__ > p::before { content: __UPLOAD__; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzoneInstructions"] span { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after { content: __LIMIT__; }
[data-testid="stFileUploaderDropzone"] > div:not([data-testid]) > span { display: none; }
[data-testid="stFileUploaderDropzone"] > div:not([data-testid])::after { content: __DROP__; }
[data-testid="InputInstructions"]__NOENTER__ > span:first-child { display: none; }
[data-testid="InputInstructions"]__NOENTER__::before { content: __ENTER_APPLY__; }
[data-testid="stForm"] [data-testid="InputInstructions"]__NOENTER__::before { content: __ENTER_SUBMIT__; }
[data-testid="stTextArea"] [data-testid="InputInstructions"]__NOENTER__::before { content: __CTRL_APPLY__; }
[data-testid="stForm"] [data-testid="stTextArea"] [data-testid="InputInstructions"]__NOENTER__::before {
  content: __CTRL_SUBMIT__; }
[role="option"][data-key="__select_all__"] [data-item-hl] { display: none; }
[role="option"][data-key="__select_all__"]::after { content: __SELECT_ALL__; }
[role="option"][data-key="__select_matches__"] [data-item-hl] { display: none; }
[role="option"][data-key="__select_matches__"]::after { content: __SELECT_MATCHES__; }
[role="listbox"][data-empty="true"] [role="option"] > span { display: none; }
[role="listbox"][data-empty="true"]::after { content: __NO_RESULTS__; display: block; padding: 0.5rem 1rem;
  text-align: center; }
[data-testid="stDateInput"] [role="spinbutton"][data-placeholder="true"] { font-size: 0; }
[data-testid="stDateInput"] [role="spinbutton"][data-placeholder="true"]::before { font-size: 0.875rem; }
[data-testid="stDateInput"] [role="spinbutton"][data-placeholder="true"][data-type="year"]::before { content: __YEAR__; }
[data-testid="stDateInput"] [role="spinbutton"][data-placeholder="true"][data-type="month"]::before { content: __MONTH__; }
[data-testid="stDateInput"] [role="spinbutton"][data-placeholder="true"][data-type="day"]::before { content: __DAY__; }
"""


def css_string(text: str) -> str:
    """``text`` as a CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ") + '"'


def words_css(lang: str) -> str:
    """The CSS that puts Streamlit's own English into ``lang`` ("" for English)."""
    if lang == "en":
        return ""
    size = int(st.get_option("server.maxUploadSize"))
    words = {
        "__UPLOAD__": translate(lang, "app.st.upload"),
        "__LIMIT__": translate(lang, "app.st.upload_limit", size=size),
        "__DROP__": translate(lang, "app.st.drop"),
        "__ENTER_APPLY__": translate(lang, "app.st.enter_apply"),
        "__ENTER_SUBMIT__": translate(lang, "app.st.enter_submit"),
        "__CTRL_APPLY__": translate(lang, "app.st.ctrl_enter_apply"),
        "__CTRL_SUBMIT__": translate(lang, "app.st.ctrl_enter_submit"),
        "__SELECT_ALL__": translate(lang, "app.st.select_all"),
        "__SELECT_MATCHES__": translate(lang, "app.st.select_matches"),
        "__NO_RESULTS__": translate(lang, "app.st.no_results"),
        "__YEAR__": translate(lang, "app.st.year"),
        "__MONTH__": translate(lang, "app.st.month"),
        "__DAY__": translate(lang, "app.st.day"),
    }
    css = _WORDS_CSS.replace("__BUTTON__", _UPLOAD_BUTTON).replace("__NOENTER__", _NOENTER)
    for marker, text in words.items():
        css = css.replace(marker, css_string(text))
    return css


def inject_style() -> None:
    """The app's style, and Streamlit's own words in the user's language (call it after the
    language switch, so that a change of language shows at once)."""
    st.html(_CSS.replace("</style>", words_css(current_language()) + "</style>"))


def _chairs(today_iso: str, community_id: int | None) -> tuple[chairs.ChairMonth, chairs.ChairMonth]:
    from datetime import date

    return cached_read(chairs.current_and_next, date.fromisoformat(today_iso), community_id)


def sidebar_slots() -> tuple[Any, Any]:
    """Two places in the sidebar, in this order: the month's chairs, then language and account."""
    return st.sidebar.container(), st.sidebar.container()


def sidebar_chairs(actor: Actor, where: Any) -> None:
    """This month's and next month's chair for everyone; a reminder to the chair's liaison."""
    today = today_local()
    this, nxt = _chairs(today.isoformat(), actor.community_id)
    lang = current_language()
    with where:
        st.markdown(
            f"**{t('app.chair_this_month')}**  \n{md_escape(this.unit_name) or t('app.chair_none')}"
            f"\n\n**{t('app.chair_next_month')}**  \n{md_escape(nxt.unit_name) or t('app.chair_none')}"
        )
    if actor.home_unit_id is not None and this.unit_id == actor.home_unit_id:
        st.info(t("app.chair_reminder", month=fmt_month(this.year, this.month, lang)), icon=":material/campaign:")
