"""吹哨报到 screens' pieces: a matter's responses as a stage grid, the answer and rating forms,
the time-limit editor."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from domain import whistle_clock as clock
from domain.actor import Actor
from domain.enums import WhistleKind, WhistleStage
from exports.format import fmt_datetime
from services import whistle as whistle_service
from services.whistle import ResponseView, WhistleDetail
from ui.kit import tables
from ui.kit.actions import run_write
from ui.kit.i18n import current_language, label, t
from ui.kit.safe import md_escape

OVERDUE = "⚠"


def overdue_label(flag: object) -> str:
    return f"{OVERDUE} {t('whistle.overdue')}" if bool(flag) else ""


def show_queue(queue: pd.DataFrame) -> None:
    """待我处理: overdue first."""
    st.subheader(t("whistle.queue_title"))
    if queue.empty:
        st.caption(t("whistle.queue_empty"))
        return
    lang = current_language()
    shown = queue.assign(
        overdue=queue["overdue"].map(overdue_label),
        due_at=queue["due_at"].map(lambda v: fmt_datetime(v, lang) if isinstance(v, datetime) else ""),
    )
    tables.show(
        shown,
        {
            "overdue": "whistle.fields.overdue",
            "title": "whistle.fields.title",
            "community": "whistle.fields.community",
            "unit": "whistle.fields.unit",
            "stage": "whistle.fields.stage",
            "next_stage": "whistle.fields.next_stage",
            "due_at": "whistle.fields.due_at",
        },
        enums={"stage": WhistleStage, "next_stage": WhistleStage},
    )


def responses_frame(detail: WhistleDetail) -> pd.DataFrame:
    """One row per summoned unit; each clocked stage shows when it was reached, or its deadline."""
    lang = current_language()
    rows = []
    for r in detail.responses:
        row: dict[str, object] = {t("whistle.fields.unit"): r.unit, t("whistle.fields.stage"): label(r.stage)}
        for stage in clock.CLOCKED_STAGES:
            reached = r.reached.get(stage)
            if reached is not None:
                late = reached > r.due[stage]
                row[label(stage)] = fmt_datetime(reached, lang) + (f" ({t('whistle.late')})" if late else " ✓")
            else:
                row[label(stage)] = t("whistle.due_by", at=fmt_datetime(r.due[stage], lang))
        row[t("whistle.fields.overdue")] = overdue_label(r.overdue)
        row[t("whistle.fields.rating")] = "★" * r.rating if r.rating else ""
        rows.append(row)
    return pd.DataFrame(rows)


def show_detail(detail: WhistleDetail) -> None:
    lang = current_language()
    st.markdown(f"#### {md_escape(detail.title)}")
    st.caption(
        t(
            "whistle.detail_caption",
            kind=label(detail.kind),
            community=md_escape(detail.community),
            by=md_escape(detail.raised_by) or "—",
            at=fmt_datetime(detail.raised_at, lang),
            stage=label(detail.stage),
        )
    )
    if detail.description:
        st.markdown(md_escape(detail.description))
    if any(r.estimated for r in detail.responses):
        st.info(t("whistle.estimated_calendar"))
    if detail.responses:
        st.dataframe(responses_frame(detail), hide_index=True, width="stretch")
    for r in detail.responses:
        if r.action_taken or r.rating_comment:
            text = f"**{md_escape(r.unit)}**："
            if r.action_taken:
                text += f"{t('whistle.fields.action_taken')} — {md_escape(r.action_taken)}"
            if r.rating_comment:
                text += f"  \n{t('whistle.fields.rating_comment')} — {md_escape(r.rating_comment)}"
            st.markdown(text)


def answer_form(r: ResponseView, actor: Actor) -> None:
    """The liaison's next step on their own unit's response."""
    if r.next_stage is None:
        return
    with st.form(f"whistle_answer_{r.id}"):
        st.markdown(t("whistle.answer_title", unit=md_escape(r.unit), stage=label(r.stage)))
        needs_text = r.next_stage in (WhistleStage.HANDLED, WhistleStage.CLOSED)
        action = st.text_area(
            t("whistle.fields.action_taken"),
            value=r.action_taken,
            key=f"whistle_action_{r.id}",
            help=t("whistle.action_help") if needs_text else None,
        )
        if st.form_submit_button(t("whistle.advance_to", stage=label(r.next_stage)), type="primary"):
            run_write(
                lambda s: whistle_service.advance_response(s, actor, response_id=r.id, action_taken=action),
                t("whistle.advanced", stage=label(r.next_stage)),
            )


def rate_form(r: ResponseView, actor: Actor) -> None:
    """The raising community's rating of a closed response."""
    with st.form(f"whistle_rate_{r.id}"):
        st.markdown(t("whistle.rate_title", unit=md_escape(r.unit)))
        rating = st.feedback("stars", key=f"whistle_rating_{r.id}")
        comment = st.text_input(t("whistle.fields.rating_comment"), key=f"whistle_comment_{r.id}")
        if st.form_submit_button(t("whistle.rate"), type="primary"):
            run_write(
                lambda s: whistle_service.rate_response(
                    s, actor, response_id=r.id, rating=None if rating is None else rating + 1, comment=comment
                ),
                t("whistle.rated"),
            )


def limits_frame(limits: clock.Limits) -> pd.DataFrame:
    rows = []
    for stage in clock.CLOCKED_STAGES:
        lim_p, lim_t = limits[WhistleKind.PROGRESS][stage], limits[WhistleKind.TOUGH][stage]
        rows.append(
            {
                "stage": stage.value,
                "label": label(stage),
                "unit": t(f"whistle.limit_unit.{lim_p.unit.value}"),
                "progress": lim_p.amount,
                "tough": lim_t.amount,
            }
        )
    return pd.DataFrame(rows)


def limits_editor(limits: clock.Limits, *, editable: bool) -> clock.Limits | None:
    """The time-limit table; for the admin an editable grid returning the new limits on save."""
    df = limits_frame(limits)
    config = {
        "stage": None,
        "label": st.column_config.TextColumn(t("whistle.fields.stage"), disabled=True),
        "unit": st.column_config.TextColumn(t("whistle.fields.limit_unit"), disabled=True),
        "progress": st.column_config.NumberColumn(label(WhistleKind.PROGRESS), min_value=1, step=1),
        "tough": st.column_config.NumberColumn(label(WhistleKind.TOUGH), min_value=1, step=1),
    }
    if not editable:
        st.dataframe(df, column_config=config, hide_index=True, width="stretch")
        return None
    edited = st.data_editor(
        df, column_config=config, hide_index=True, width="stretch", key="whistle_limits_grid", num_rows="fixed"
    )
    if not st.button(t("whistle.save_limits"), key="whistle_limits_save", type="primary"):
        return None
    new: clock.Limits = {k: dict(v) for k, v in limits.items()}
    for row in edited.itertuples():
        stage = WhistleStage(row.stage)
        for kind in WhistleKind:
            value = getattr(row, kind.value)
            amount = int(value) if value == value and value is not None else 0
            new[kind][stage] = clock.StageLimit(amount, limits[kind][stage].unit)
    return new


def now_utc() -> datetime:
    return datetime.now(UTC)
