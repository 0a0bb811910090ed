"""The /lists page's matrix tab: categories (or one category's needs) × units as a heat map with
totals, uncovered needs and idle resources, and the match suggestions the secretariat accepts."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from domain.actor import Actor
from domain.enums import Priority, ProjectStage
from domain.errors import AppError
from exports import charts
from services import matrix, resources
from ui.kit import tables
from ui.kit.actions import FAILED, run_write
from ui.kit.i18n import error_message, label, t
from ui.kit.safe import md_escape
from ui.kit.state import cached_read, session_scope
from ui.kit.widgets import names, pick
from ui.lists.view import reference

READS = matrix.READS


def matrix_and_projects(
    session: Session, community_id: int | None, category_id: int | None
) -> tuple[matrix.Matrix, pd.DataFrame]:
    return (
        matrix.matrix(session, community_id=community_id, category_id=category_id),
        matrix.cell_projects(session, community_id=community_id, category_id=category_id),
    )


def _matrix(community_id: int | None, category_id: int | None) -> tuple[matrix.Matrix, pd.DataFrame]:
    return cached_read(matrix_and_projects, community_id, category_id)


def matrix_tab(actor: Actor) -> None:
    communities, _, categories = reference()
    c = st.columns(2)
    with c[0]:
        community_id = pick("lists.fields.community", names(communities), key="lists_mx_community")
    with c[1]:
        category_id = pick("lists.matrix.drill", names(categories), key="lists_mx_category")
    m, links = _matrix(community_id, category_id)
    k = st.columns(3)
    k[0].metric(t("lists.matrix.links"), int(m.cells["projects"].sum()) if not m.cells.empty else 0)
    k[1].metric(t("lists.matrix.uncovered"), m.uncovered_needs, help=t("lists.matrix.uncovered_help"))
    k[2].metric(t("lists.matrix.idle"), m.idle_resources, help=t("lists.matrix.idle_help"))
    row_title = t("lists.fields.need_title") if category_id else t("lists.fields.category")
    if m.cells.empty:
        st.info(t("lists.matrix.empty"))
    else:
        chart = charts.heatmap(
            m.cells,
            x="unit",
            y="row",
            value="projects",
            title=t("lists.matrix.chart_title"),
            x_title=t("lists.fields.unit"),
            y_title=row_title,
            value_title=t("lists.matrix.projects"),
        )
        st.altair_chart(chart, width="stretch", key="lists_mx_chart")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('lists.matrix.row_totals')}**")
        tables.show(
            m.row_totals,
            {
                "row": "lists.matrix.row",
                "needs": "lists.matrix.needs",
                "covered": "lists.matrix.covered",
                "uncovered": "lists.matrix.uncovered",
                "projects": "lists.matrix.projects",
            },
            key="lists_mx_rows",
        )
    with right:
        st.markdown(f"**{t('lists.matrix.unit_totals')}**")
        tables.show(
            m.unit_totals,
            {"unit": "lists.fields.unit", "projects": "lists.matrix.projects"},
            key="lists_mx_units",
            page_key="lists_mx_units_page",
            page_size=10,
        )
    with st.expander(t("lists.matrix.cells"), icon=":material/grid_on:"):
        if links.empty:
            st.caption(t("common.none"))
        else:
            tables.show(
                links.assign(pct=links["progress"].map(lambda v: f"{int(v)}%")),
                {
                    "category": "lists.fields.category",
                    "need": "lists.fields.need_title",
                    "unit": "lists.fields.unit",
                    "project": "lists.fields.project_title",
                    "stage": "lists.fields.stage",
                    "pct": "lists.fields.progress",
                },
                enums={"stage": ProjectStage},
                key="lists_mx_links",
            )
    uncovered = cached_read(matrix.uncovered_needs, community_id=community_id, category_id=category_id)
    idle = cached_read(resources.list_resources, category_id=category_id, idle_only=True, limit=50).rows
    left, right = st.columns(2)
    with left:
        st.markdown(f"**:red[{t('lists.matrix.uncovered_list')}]**")
        if uncovered.empty:
            st.caption(t("common.none"))
        else:
            tables.show(
                uncovered,
                {
                    "community": "lists.fields.community",
                    "category": "lists.fields.category",
                    "title": "lists.fields.need_title",
                    "priority": "lists.fields.priority",
                },
                enums={"priority": Priority},
                key="lists_mx_uncovered",
            )
    with right:
        st.markdown(f"**:orange[{t('lists.matrix.idle_list')}]**")
        if idle.empty:
            st.caption(t("common.none"))
        else:
            tables.show(
                idle,
                {
                    "unit": "lists.fields.unit",
                    "category": "lists.fields.category",
                    "title": "lists.fields.resource_title",
                },
                key="lists_mx_idle",
            )
    suggestions(actor, community_id, category_id)


def _suggest(community_id: int | None, category_id: int | None) -> list[matrix.NeedSuggestions]:
    return cached_read(matrix.suggest_matches, community_id=community_id, category_id=category_id)


def _reason(part: object) -> str:
    key, params = matrix.reason(part)  # type: ignore[arg-type]
    return f"{t(key, **params)}（{params['points']}/{params['max_points']}）"


def suggestions(actor: Actor, community_id: int | None, category_id: int | None) -> None:
    st.subheader(t("lists.match.title"))
    st.caption(t("lists.match.caption"))
    items = _suggest(community_id, category_id)
    if not items:
        st.info(t("lists.match.none"))
        return
    for item in items:
        head = f"{md_escape(item.need)} · {md_escape(item.community)} · {md_escape(item.category)} · {label(item.priority)}"
        with st.expander(head):
            if not item.suggestions:
                st.caption(t("lists.match.no_resource"))
            for n, sug in enumerate(item.suggestions):
                cols = st.columns([5, 1])
                reasons = "；".join(_reason(p) for p in sug.parts)
                cols[0].markdown(
                    f"**{md_escape(sug.resource)}**（{md_escape(sug.unit)} · {md_escape(sug.category)}）"
                    f" — **{t('lists.match.score', score=sug.score)}**  \n{md_escape(reasons)}"
                )
                pair = (item.need_id, sug.resource_id)
                if actor.is_admin and cols[1].button(
                    t("lists.match.accept"), key=f"lists_mx_accept_{item.need_id}_{n}"
                ):
                    st.session_state[REVIEW] = pair  # first the pre-filled project, to review
                    st.rerun()
                if actor.is_admin and st.session_state.get(REVIEW) == pair:
                    review_form(actor, *pair)


REVIEW = "lists_mx_review"  # (need id, resource id) whose pre-filled project is under review


def review_form(actor: Actor, need_id: int, resource_id: int) -> None:
    """采纳立项 shows the project it would create — community, lead unit, need, resource, stage, and the
    title, description and start to settle — before anything is written."""
    try:
        with session_scope() as s:
            draft = matrix.match_draft(s, actor, need_id=need_id, resource_id=resource_id)
    except AppError as err:
        st.session_state.pop(REVIEW, None)
        st.error(error_message(err))
        return
    with st.form(f"lists_mx_review_{need_id}_{resource_id}", border=True):
        st.markdown(f"**{t('lists.match.review_title')}**")
        st.caption(t("lists.match.review_help"))
        st.markdown(
            "  \n".join(
                [
                    f"**{t('lists.fields.community')}**：{md_escape(draft.community)}",
                    f"**{t('lists.fields.lead_unit')}**：{md_escape(draft.lead_unit)}",
                    f"**{t('lists.fields.needs')}**：{md_escape(draft.need)}",
                    f"**{t('lists.fields.resources')}**：{md_escape(draft.resource)}",
                    f"**{t('lists.fields.stage')}**：{label(ProjectStage.DECIDED)}",
                ]
            )
        )
        title = st.text_input(
            t("lists.fields.project_title"), value=draft.data.title, max_chars=200, key=f"{REVIEW}_title"
        )
        description = st.text_area(t("lists.fields.description"), value=draft.data.description, key=f"{REVIEW}_desc")
        started_on = st.date_input(t("lists.fields.started_on"), value=None, key=f"{REVIEW}_start")
        go, stop = st.columns(2)
        confirm = go.form_submit_button(t("lists.match.review_confirm"), type="primary")
        cancel = stop.form_submit_button(t("common.cancel"))
    if cancel:
        st.session_state.pop(REVIEW, None)
        st.rerun()
    if confirm:
        st.session_state.pop(REVIEW, None)  # done once written (write reruns); kept open on an error
        done = run_write(
            lambda s: matrix.accept_match(
                s,
                actor,
                need_id=need_id,
                resource_id=resource_id,
                note=t("lists.match.note"),
                title=title,
                description=description,
                started_on=started_on,
            ),
            t("lists.match.accepted"),
        )
        if done is FAILED:
            st.session_state[REVIEW] = (need_id, resource_id)
