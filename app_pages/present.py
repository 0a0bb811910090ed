"""演示: the joint meeting's deck for a quarter on the projector — the app's chrome hidden, the deck
(a self-contained HTML document) filling the window, keys and a full-screen button in it — with the
quarter chooser and the .pptx, .html and .docx exports in one slim bar above it."""

from functools import partial

import streamlit as st

from exports.format import today_local
from locales import translate
from services.metrics import quarter_of
from ui.kit.auth import require_role
from ui.kit.i18n import current_language, t
from ui.present import view as pv

require_role()
today = today_local()
lang = current_language()
tr = partial(translate, lang)
pv.inject_style()

quarters = [y * 10 + q for y, q in pv.list_quarters(today.isoformat()) or [quarter_of(today)]]
bar = st.columns([0.9, 2.2, 4, 1.3], vertical_alignment="center")
bar[0].page_link("app_pages/overview.py", label=t("present.back"), icon=":material/arrow_back:")
bar = bar[1:]
chosen = bar[0].selectbox(
    t("present.quarter"),
    quarters,
    key="present_quarter",
    label_visibility="collapsed",
    format_func=lambda yq: t("present.quarter_label", year=yq // 10, quarter=yq % 10),
)
year, quarter = divmod(chosen, 10)
q = pv.load_summary(year, quarter, today.isoformat())
bar[1].caption(t("present.keys_help"))
with bar[2].popover(t("present.exports"), icon=":material/download:", width="stretch"):
    pv.deck_and_report_downloads(q, lang, today, t)

pv.show_deck(q, lang)
