"""演示: the joint meeting's deck for a quarter, one slide at a time, with .pptx and .docx exports."""

from functools import partial

import streamlit as st

from exports.deck_pptx import build_slides
from locales import translate
from services.metrics import quarter_of
from ui import charts
from ui import present_view as pv
from ui.auth import require_role
from ui.format import today_local
from ui.i18n import current_language, t

require_role()
today = today_local()
lang = current_language()
tr = partial(translate, lang)
pv.inject_style()

quarters = [y * 10 + q for y, q in pv.list_quarters(today.isoformat()) or [quarter_of(today)]]
top = st.columns([2, 1.2, 1.2, 1.2, 2], vertical_alignment="bottom")
chosen = top[0].selectbox(
    t("present.quarter"),
    quarters,
    key="present_quarter",
    format_func=lambda yq: t("present.quarter_label", year=yq // 10, quarter=yq % 10),
    on_change=lambda: st.session_state.update({pv.SLIDE_KEY: 0}),
)
year, quarter = divmod(chosen, 10)
q = pv.load_summary(year, quarter, today.isoformat())
slides = build_slides(q, tr=tr, lang=lang)
total = len(slides)
top[1].button(
    t("present.prev"),
    key="present_prev",
    icon=":material/chevron_left:",
    width="stretch",
    disabled=pv.slide_index(total) == 0,
    on_click=pv.move,
    args=(-1, total),
)
top[2].button(
    t("present.next"),
    key="present_next",
    icon=":material/chevron_right:",
    width="stretch",
    disabled=pv.slide_index(total) == total - 1,
    on_click=pv.move,
    args=(1, total),
)
index = pv.slide_index(total)
top[3].markdown(t("present.counter", n=index + 1, total=total))
with top[4].popover(t("present.exports"), icon=":material/download:"):
    pv.deck_and_report_downloads(q, lang, today, t)

panels = charts.quarter_panels(q.monthly, q.by_kind, q.needs_coverage, q.funnel, tr)
pv.render(slides[index], panels)
