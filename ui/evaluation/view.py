"""考评 screens' pieces: the credit breakdown, the score grid, the formula editor."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from domain.actor import Actor
from domain.credit import OPPORTUNITY_DAYS, Component, Formula, Treatment
from exports import charts
from exports.format import fmt_date, fmt_percent
from services import evaluation as ev
from services.evaluation import RoundInfo
from ui.kit import tables
from ui.kit.actions import run_write
from ui.kit.i18n import current_language, t

SOURCES = ("need", "project", "action_item", "manual")


def component_label(c: Component) -> str:
    return t(f"evaluation.component.{c.value}")


def missing_rule(c: Component) -> str:
    return t(f"evaluation.missing_rule.{c.value}", days=OPPORTUNITY_DAYS)


def treatment_cell(row: pd.Series, c: Component) -> str:
    """How one component entered a unit's index: its share (measured or neutral), 0, or left out."""
    how = Treatment(row[f"{c.value}_treatment"])
    share = fmt_percent(_num(row[c.value]))
    if how == Treatment.MEASURED:
        return t("evaluation.share_measured", share=share)
    if how == Treatment.NEUTRAL:
        return f"{t('evaluation.treatment.neutral')}（{t('evaluation.share_neutral', share=share)}）"
    return t(f"evaluation.treatment.{how.value}")


def treatments(rows: pd.DataFrame) -> None:
    """The formula page's table: for each unit, how each component was treated."""
    st.subheader(t("evaluation.treatments_title"))
    st.caption(t("evaluation.treatments_caption"))
    if rows.empty:
        st.caption(t("common.none"))
        return
    table = pd.DataFrame({t("evaluation.fields.unit"): rows["unit"], t("evaluation.credit_index"): rows["index"]})
    for c in Component:
        table[component_label(c)] = [treatment_cell(r, c) for _, r in rows.iterrows()]
    st.dataframe(tables.page_of(table, key="evaluation_treatment_page", page_size=20), hide_index=True, width="stretch")
    tables.pager_under(len(table), key="evaluation_treatment_page", page_size=20)


def breakdown(row: pd.Series, formula: Formula) -> None:
    """One unit's index, each component's share, weight and the points it adds."""
    index = row["index"]
    cols = st.columns(3)
    cols[0].metric(t("evaluation.credit_index"), "–" if index != index or index is None else f"{index:.1f}")
    cols[1].metric(t("evaluation.rank"), f"{int(row['rank'])} / {int(row['of'])}")
    cols[2].metric(t("evaluation.formula_version"), formula.version)
    raw = {
        Component.COMMITMENTS: t(
            "evaluation.raw_commitments", kept=f"{row['kept_weight']:g}", due=f"{row['due_weight']:g}"
        ),
        Component.PROJECTS: t(
            "evaluation.raw_projects", done=int(row["projects_done"]), total=int(row["projects_total"])
        ),
    }
    table = pd.DataFrame(
        [
            {
                t("evaluation.fields.component"): component_label(c),
                t("evaluation.fields.weight"): f"{formula.weights[c]:g}",
                t("evaluation.fields.share"): fmt_percent(_num(row[c.value])),
                t("evaluation.fields.points"): f"{row[f'{c.value}_points']:.1f}",
                t("evaluation.fields.treatment"): t(f"evaluation.treatment.{row[f'{c.value}_treatment']}"),
                t("evaluation.fields.basis"): raw.get(c, ""),
            }
            for c in Component
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")
    chart = pd.DataFrame(
        {
            "component": [component_label(c) for c in Component],
            "points": [float(row[f"{c.value}_points"]) for c in Component],
        }
    )
    st.altair_chart(
        charts.bar(
            chart,
            x="component",
            y="points",
            title=t("evaluation.chart_breakdown"),
            x_title=t("evaluation.fields.component"),
            y_title=t("evaluation.fields.points"),
            sort=list(chart["component"]),
            tr=t,
        ),
        width="stretch",
    )


def _num(v: object) -> float | None:
    return None if v is None or v != v else float(v)  # type: ignore[arg-type]


def ranking(rows: pd.DataFrame) -> None:
    shown = rows.dropna(subset=["index"]).head(charts.UNITS_NAMED)
    st.altair_chart(
        charts.bar(
            shown,
            x="unit",
            y="index",
            title=t("evaluation.chart_ranking"),
            x_title=t("evaluation.fields.unit"),
            y_title=t("evaluation.credit_index"),
            sort="-x",
            horizontal=True,
            tr=t,
        ),
        width="stretch",
    )
    if len(rows) > charts.UNITS_NAMED:
        st.caption(t("evaluation.chart_top_note", n=charts.UNITS_NAMED))
    table = pd.DataFrame(
        {
            t("evaluation.rank"): rows["rank"],
            t("evaluation.fields.unit"): rows["unit"],
            t("evaluation.credit_index"): rows["index"],
        }
    )
    for c in Component:
        table[component_label(c)] = rows[c.value].map(lambda v: fmt_percent(_num(v)))
    st.dataframe(tables.page_of(table, key="evaluation_rank_page", page_size=20), hide_index=True, width="stretch")
    tables.pager_under(len(table), key="evaluation_rank_page", page_size=20)


GRID_PAGE = 50


def score_editor(actor: Actor, rnd: RoundInfo, grid: pd.DataFrame, evaluator: str) -> None:
    """The admin's grid: units × criteria for one evaluator, saved in one action."""
    config = {"unit_id": None, "unit": st.column_config.TextColumn(t("evaluation.fields.unit"), disabled=True)}
    for c in rnd.criteria:
        config[str(c.id)] = st.column_config.NumberColumn(
            f"{c.name}（{c.weight:g}）", min_value=0, max_value=100, step=1
        )
    total, page_key = len(grid), f"evaluation_grid_page_{rnd.id}"
    if total > GRID_PAGE:  # a county's units go a page at a time; saving writes the page shown
        st.caption(t("evaluation.grid_page_note", n=GRID_PAGE))
        grid = tables.page_of(grid, key=page_key, page_size=GRID_PAGE)
    first = int(grid["unit_id"].iloc[0]) if not grid.empty else 0
    edited = st.data_editor(
        grid,
        column_config=config,
        hide_index=True,
        width="stretch",
        num_rows="fixed",
        disabled=rnd.is_closed,
        key=f"evaluation_grid_{rnd.id}_{evaluator}_{first}",
    )
    tables.pager_under(total, key=page_key, page_size=GRID_PAGE)
    if rnd.is_closed:
        return
    if st.button(t("evaluation.save_scores"), key="evaluation_save_scores", type="primary"):
        scores = {(int(r["unit_id"]), c.id): r[str(c.id)] for _, r in edited.iterrows() for c in rnd.criteria}
        run_write(
            lambda s: ev.save_scores(s, actor, round_id=rnd.id, evaluator=evaluator, scores=scores),
            lambda n: t("evaluation.scores_saved", n=n),
        )


def new_round_form(actor: Actor, today: date, template: RoundInfo | None) -> None:
    with st.form("evaluation_new_round"):
        c1, c2, c3 = st.columns([3, 2, 1])
        title = c1.text_input(
            t("evaluation.fields.round_title"),
            value=t("evaluation.default_round", year=today.year),
            key="evaluation_new_title",
        )
        period = c2.text_input(
            t("evaluation.fields.period"),
            value=t("evaluation.default_period", year=today.year),
            key="evaluation_new_period",
        )
        year = c3.number_input(t("evaluation.fields.year"), value=today.year, step=1, key="evaluation_new_year")
        rubric = pd.DataFrame(
            [(c.name, c.weight) for c in (template.criteria if template else [])], columns=["name", "weight"]
        )
        crit = st.data_editor(
            rubric,
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            key="evaluation_new_crit",
            column_config={
                "name": t("evaluation.fields.criterion"),
                "weight": st.column_config.NumberColumn(t("evaluation.fields.weight")),
            },
        )
        if st.form_submit_button(t("evaluation.create_round"), type="primary"):
            run_write(
                lambda s: ev.create_round(
                    s,
                    actor,
                    title=title,
                    period=period,
                    year=year,
                    criteria=[(r["name"], r["weight"]) for _, r in crit.iterrows()],
                ),
                t("evaluation.round_created"),
            )


def formula_editor(actor: Actor, formula: Formula) -> None:
    with st.form("evaluation_formula"):
        cols = st.columns(3)
        weights = {
            c.value: cols[i % 3].number_input(
                component_label(c),
                value=float(formula.weights[c]),
                min_value=0.0,
                max_value=100.0,
                step=0.05,
                key=f"evaluation_w_{c.value}",
            )
            for i, c in enumerate(Component)
        }
        if st.form_submit_button(t("evaluation.save_formula"), type="primary"):
            run_write(
                lambda s: ev.set_formula(s, actor, weights=dict(weights)),
                lambda version: t("evaluation.formula_saved", version=version),
            )


def tasks_table(actor: Actor, tasks: pd.DataFrame, today: date) -> None:
    """Contract tasks; the admin sets their status in the grid and saves once."""
    if tasks.empty:
        st.caption(t("common.none"))
        return
    lang = current_language()
    shown = pd.DataFrame(
        {
            "id": tasks["id"],
            "unit": tasks["unit"],
            "title": tasks["title"],
            "source": tasks["source_type"].map(lambda v: t(f"evaluation.source.{v}") if v in SOURCES else v),
            "weight": tasks["credit_weight"],
            "due_on": tasks["due_on"].map(lambda v: fmt_date(v, lang)),
            "status": tasks["status"],
            "done_on": tasks["done_on"].map(lambda v: fmt_date(v, lang) if v == v else ""),
        }
    )
    statuses = list(ev.TASK_STATUSES)
    config = {
        "id": None,
        "unit": st.column_config.TextColumn(t("evaluation.fields.unit")),
        "title": st.column_config.TextColumn(t("evaluation.fields.task")),
        "source": st.column_config.TextColumn(t("evaluation.fields.source")),
        "weight": st.column_config.NumberColumn(t("evaluation.fields.credit_weight"), format="%.1f"),
        "due_on": st.column_config.TextColumn(t("evaluation.fields.due_on")),
        "status": st.column_config.SelectboxColumn(
            t("evaluation.fields.status"),
            options=statuses,
            format_func=lambda v: t(f"evaluation.status.{v}"),
            required=True,
        )
        if actor.is_admin
        else st.column_config.TextColumn(t("evaluation.fields.status")),
        "done_on": st.column_config.TextColumn(t("evaluation.fields.done_on")),
    }
    if not actor.is_admin:
        shown["status"] = shown["status"].map(lambda v: t(f"evaluation.status.{v}"))
        st.dataframe(shown, column_config=config, hide_index=True, width="stretch")
        return
    edited = st.data_editor(
        shown,
        column_config=config,
        hide_index=True,
        width="stretch",
        num_rows="fixed",
        disabled=["unit", "title", "source", "weight", "due_on", "done_on"],
        key="evaluation_tasks_grid",
    )
    changes = {
        int(i): str(new)
        for i, old, new in zip(shown["id"], shown["status"], edited["status"], strict=True)
        if old != new
    }
    if st.button(t("evaluation.save_tasks"), key="evaluation_save_tasks", type="primary", disabled=not changes):
        run_write(
            lambda s: ev.set_task_statuses(s, actor, changes=changes, today=today),
            lambda n: t("evaluation.tasks_saved", n=n),
        )
