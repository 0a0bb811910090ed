"""轮值主席 screens' pieces: the year as twelve month cards, and the admin's forms."""

from __future__ import annotations

from datetime import date

import streamlit as st

from domain.actor import Actor
from domain.enums import RotationStatus
from exports.format import fmt_date, fmt_month
from services import rotation as rotation_service
from services.reference import Option
from services.rotation import SlotView
from ui.kit.actions import FAILED, flash, run_write
from ui.kit.i18n import current_language, label, t
from ui.kit.safe import md_escape

COLUMNS = 4


def month_grid(slots: list[SlotView], *, year: int, today: date) -> None:
    """Twelve month cards, four to a row; this month marked, held months ticked."""
    lang = current_language()
    by_month = {s.month: s for s in slots}
    for first in range(1, 13, COLUMNS):
        cols = st.columns(COLUMNS)
        for col, month in zip(cols, range(first, first + COLUMNS), strict=True):
            with col.container(border=True):
                _card(by_month.get(month), year=year, month=month, today=today, lang=lang)


def _card(slot: SlotView | None, *, year: int, month: int, today: date, lang: str) -> None:
    head = f"**{fmt_month(year, month, lang)}**"
    if (today.year, today.month) == (year, month):
        head += f" :blue-badge[{t('rotation.this_month')}]"
    if slot is None:
        st.markdown(head)
        st.caption(t("rotation.unplanned"))
        return
    badge = ":green-badge[:material/check: {}]" if slot.status == RotationStatus.HELD else ":gray-badge[{}]"
    st.markdown(f"{head} {badge.format(label(slot.status))}")
    st.markdown(f"##### {md_escape(slot.chair_name)}")
    st.caption(
        f"{md_escape(slot.theme) or t('rotation.no_theme')}  \n"
        f"{t('rotation.proposed_on_short', date=fmt_date(slot.proposed_on, lang))}"
    )
    if slot.plan:
        plan = slot.plan if len(slot.plan) <= 36 else slot.plan[:34] + "…"
        st.caption(md_escape(plan))


def _warn_repeats(months: list[int]) -> None:
    if months:
        flash(t("rotation.repeat_warning", months="、".join(f"{m}月" for m in months)), warning=True)


def admin_panel(actor: Actor, *, year: int, scope: int | None, slots: list[SlotView], units: list[Option]) -> None:
    """Generate the year, swap two months, change a chair (with reason), set a month's theme and plan."""
    lang = current_language()
    months = [s.month for s in slots]
    by_month = {s.month: s for s in slots}
    unit_names = {u.id: u.name for u in units}

    with st.expander(t("rotation.generate_title"), expanded=not slots):
        st.caption(t("rotation.generate_help"))
        with st.form("rotation_generate_form"):
            day = st.number_input(t("rotation.fields.preferred_day"), 1, 28, 10, key="rotation_gen_day")
            sure = st.checkbox(t("rotation.generate_confirm"), key="rotation_gen_sure") if slots else True
            if st.form_submit_button(t("rotation.generate"), type="primary"):
                if not sure:
                    st.warning(t("rotation.generate_confirm_needed"))
                else:
                    res = run_write(
                        lambda s: rotation_service.generate_year(
                            s, actor, year=year, community_id=scope, preferred_day=int(day)
                        ),
                        t("rotation.generated", year=year),
                        rerun=False,
                    )
                    if res is not FAILED:
                        if res.unfilled:
                            flash(
                                t("rotation.unfilled", months="、".join(f"{m}月" for m in res.unfilled)), warning=True
                            )
                        st.rerun()
    if not slots:
        return

    def month_label(m: int) -> str:
        return f"{fmt_month(year, m, lang)} · {by_month[m].chair_name}"

    left, right = st.columns(2)
    with left, st.form("rotation_swap_form"):
        st.markdown(f"**{t('rotation.swap_title')}**")
        a = st.selectbox(t("rotation.fields.month_a"), months, format_func=month_label, key="rotation_swap_a")
        b = st.selectbox(
            t("rotation.fields.month_b"),
            months,
            index=min(1, len(months) - 1),
            format_func=month_label,
            key="rotation_swap_b",
        )
        why = st.text_input(t("rotation.fields.reason"), key="rotation_swap_reason")
        if st.form_submit_button(t("rotation.swap")):
            swapped = run_write(
                lambda s: rotation_service.swap_months(
                    s, actor, year=year, community_id=scope, month_a=a, month_b=b, reason=why
                ),
                t("rotation.swapped"),
                rerun=False,
            )
            if swapped is not FAILED:
                _warn_repeats(swapped)
                st.rerun()
    with right, st.form("rotation_change_form"):
        st.markdown(f"**{t('rotation.change_title')}**")
        m = st.selectbox(t("rotation.fields.month"), months, format_func=month_label, key="rotation_change_month")
        unit = st.selectbox(
            t("rotation.fields.chair"), list(unit_names), format_func=unit_names.__getitem__, key="rotation_change_unit"
        )
        why2 = st.text_input(t("rotation.fields.reason"), key="rotation_change_reason")
        if st.form_submit_button(t("rotation.change")):
            changed = run_write(
                lambda s: rotation_service.change_chair(s, actor, slot_id=by_month[m].id, unit_id=unit, reason=why2),
                t("rotation.changed"),
                rerun=False,
            )
            if changed is not FAILED:
                _warn_repeats(changed)
                st.rerun()

    st.markdown(f"**{t('rotation.month_title')}**")
    m = st.selectbox(t("rotation.fields.month"), months, format_func=month_label, key="rotation_edit_month")
    slot = by_month[m]
    with st.form(f"rotation_edit_form_{year}_{m}"):
        theme = st.text_input(t("rotation.fields.theme"), slot.theme, key=f"rotation_edit_theme_{slot.id}")
        plan = st.text_area(t("rotation.fields.plan"), slot.plan, key=f"rotation_edit_plan_{slot.id}")
        c1, c2 = st.columns(2)
        proposed = c1.date_input(
            t("rotation.fields.proposed_on"), slot.proposed_on, key=f"rotation_edit_date_{slot.id}"
        )
        held = c2.toggle(
            t("rotation.fields.held"), slot.status == RotationStatus.HELD, key=f"rotation_edit_held_{slot.id}"
        )
        if st.form_submit_button(t("common.save"), type="primary"):
            status = RotationStatus.HELD if held else RotationStatus.PLANNED
            run_write(
                lambda s: rotation_service.update_month(
                    s, actor, slot_id=slot.id, theme=theme, plan=plan, status=status, proposed_on=proposed
                ),
                t("common.saved"),
            )
