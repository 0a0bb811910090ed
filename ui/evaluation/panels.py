"""考评's tabs: the credit index, the democratic evaluation rounds, the contract tasks, the formula
(their forms and tables are in ui.evaluation.view)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from domain.actor import Actor
from domain.credit import OPPORTUNITY_DAYS, Component
from exports.format import fmt_datetime
from services import evaluation as ev
from services import reference
from ui.evaluation import view
from ui.kit import tables
from ui.kit.actions import run_write
from ui.kit.i18n import current_language, t
from ui.kit.safe import md_escape
from ui.kit.state import cached_read


@st.fragment  # the year and the unit picked rerun only this tab
def credit_tab(actor: Actor, today: date) -> None:
    year = st.selectbox(t("common.year"), list(range(today.year, today.year - 4, -1)), key="evaluation_year")
    credit = cached_read(ev.credit_table, actor, year=int(year), as_of=today)
    rows, formula = credit.rows, credit.formula
    st.caption(t("evaluation.credit_caption", version=formula.version, round=md_escape(credit.round_title) or "—"))
    if rows.empty:
        st.info(t("evaluation.no_unit") if actor.is_liaison else t("common.none"))
    elif actor.is_liaison:
        view.breakdown(rows.iloc[0], formula)
    else:
        view.ranking(rows)
        names = dict(zip(rows["unit_id"], rows["unit"], strict=True))
        pick = st.selectbox(
            t("evaluation.pick_unit"), list(names), format_func=names.__getitem__, key="evaluation_pick_unit"
        )
        view.breakdown(rows[rows["unit_id"] == pick].iloc[0], formula)


def rounds_tab(actor: Actor, today: date) -> None:
    lang = current_language()
    rounds = cached_read(ev.list_rounds)
    if not rounds:
        st.caption(t("common.none"))
    else:
        by_id = {r.id: r for r in rounds}
        rid = st.selectbox(
            t("evaluation.fields.round"), list(by_id), format_func=lambda i: by_id[i].title, key="evaluation_round"
        )
        rnd = by_id[rid]
        if rnd.is_closed:
            st.info(
                t(
                    "evaluation.round_closed_note",
                    at=fmt_datetime(rnd.closed_at, lang),
                    version=rnd.formula_version or "—",
                )
            )
        st.caption(t("evaluation.rubric") + "：" + "、".join(f"{md_escape(c.name)} {c.weight:g}" for c in rnd.criteria))
        results = cached_read(ev.round_results, round_id=rid)
        known = cached_read(ev.evaluators, round_id=rid)
        if not results.empty:
            tables.show(
                results,
                {
                    "unit": "evaluation.fields.unit",
                    "score": "evaluation.fields.weighted_score",
                    "evaluators": "evaluation.fields.evaluators",
                },
                page_key="evaluation_results_page",
            )
        if actor.is_admin:
            st.subheader(t("evaluation.enter_scores"))
            c1, c2 = st.columns(2)
            evaluator = c1.selectbox(t("evaluation.fields.evaluator"), known or [""], key="evaluation_evaluator")
            typed = c2.text_input(t("evaluation.new_evaluator"), key="evaluation_new_evaluator").strip()
            evaluator = typed or evaluator
            if evaluator:
                grid = cached_read(ev.score_grid, round_id=rid, evaluator=evaluator)
                view.score_editor(actor, rnd, grid, evaluator)
            if not rnd.is_closed and st.button(t("evaluation.close_round"), key="evaluation_close"):
                run_write(
                    lambda s: ev.close_round(s, actor, round_id=rid),
                    t("evaluation.round_closed"),
                )
    if actor.is_admin:
        with st.expander(t("evaluation.new_round")):
            view.new_round_form(actor, today, rounds[0] if rounds else None)


def tasks_tab(actor: Actor, today: date) -> None:
    units = cached_read(reference.list_units)
    unit_names = {u.id: u.name for u in units}
    f1, f2 = st.columns(2)
    default_unit = actor.home_unit_id
    unit_filter = f1.selectbox(
        t("evaluation.fields.unit"),
        [None, *unit_names],
        key="evaluation_task_unit",
        index=[None, *unit_names].index(default_unit) if default_unit in unit_names else 0,
        format_func=lambda i: t("common.all") if i is None else unit_names[i],
    )
    status_filter = f2.selectbox(
        t("evaluation.fields.status"),
        [None, *ev.TASK_STATUSES],
        key="evaluation_task_status",
        format_func=lambda v: t("common.all") if v is None else t(f"evaluation.status.{v}"),
    )
    total = cached_read(ev.count_tasks, actor, unit_id=unit_filter, status=status_filter)
    table = st.container()  # the tasks above their pager
    offset, limit = tables.pager(total, key="evaluation_task_page", page_size=15)
    tasks, _ = cached_read(ev.list_tasks, actor, unit_id=unit_filter, status=status_filter, offset=offset, limit=limit)
    with table:
        view.tasks_table(actor, tasks, today)


def formula_tab(actor: Actor, today: date) -> None:
    formula = cached_read(ev.get_formula)
    st.markdown(t("evaluation.formula_text", days=OPPORTUNITY_DAYS))
    st.dataframe(
        {
            t("evaluation.fields.component"): [view.component_label(c) for c in Component],
            t("evaluation.fields.weight"): [formula.weights[c] for c in Component],
            t("evaluation.fields.definition"): [t(f"evaluation.component_def.{c.value}") for c in Component],
            t("evaluation.fields.missing_rule"): [view.missing_rule(c) for c in Component],
        },
        hide_index=True,
        width="stretch",
    )
    st.caption(t("evaluation.version_note", version=formula.version))
    if actor.is_admin:
        view.formula_editor(actor, formula)
    year = st.selectbox(t("common.year"), list(range(today.year, today.year - 4, -1)), key="evaluation_formula_year")
    view.treatments(cached_read(ev.credit_table, actor, year=int(year), as_of=today).rows)
