"""The /lists page's projects tab: the table, the open pool (领办大厅), the progress grid, one
project's path, milestones and history, and the project form."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from domain.actor import Actor
from domain.enums import ProjectStage
from domain.project_path import allowed_moves, progress_bound
from exports.format import fmt_date
from services import needs, projects, resources
from ui.kit import tables
from ui.kit.actions import run_write
from ui.kit.i18n import current_language, label, t
from ui.kit.safe import md_escape
from ui.kit.state import cached_read
from ui.kit.tabs import lazy_expander
from ui.kit.widgets import PAGE_SIZE, fetch_page, names, own_community_first, pick, pick_enum, sorter
from ui.lists import delete as lists_delete
from ui.lists.view import reference

HEADERS = {
    "title": "lists.fields.project_title",
    "community": "lists.fields.community",
    "lead_unit": "lists.fields.lead_unit",
    "participants": "lists.fields.participants",
    "stage": "lists.fields.stage",
    "progress_pct": "lists.fields.progress",
    "claim_deadline": "lists.fields.claim_deadline",
    "started_on": "lists.fields.started_on",
    "satisfaction": "lists.fields.satisfaction",
}


def projects_tab(actor: Actor, today: date) -> None:
    communities, units, _ = reference()
    lists_delete.undo_bar(actor, "project")
    own_community_first(actor, "lists_prj_f_community")
    c = st.columns(4)
    with c[0]:
        community_id = pick("lists.fields.community", names(communities), key="lists_prj_f_community")
    with c[1]:
        stage = pick_enum("lists.fields.stage", ProjectStage, key="lists_prj_f_stage")
    with c[2]:
        unit_id = pick("lists.fields.unit", names(units), key="lists_prj_f_unit")
    with c[3]:
        text = st.text_input(t("common.search"), key="lists_prj_f_text", placeholder=t("lists.search_hint"))
    sort, desc = sorter(
        {
            "stage": "lists.fields.stage",
            "title": "lists.fields.project_title",
            "community": "lists.fields.community",
            "progress": "lists.fields.progress",
            "started_on": "lists.fields.started_on",
        },
        key="lists_prj_sort",
    )
    page = fetch_page(
        "lists_prj_page",
        lambda s, offset, limit: projects.list_projects(
            s,
            actor,
            community_id=community_id,
            stage=stage,
            unit_id=unit_id,
            text=text,
            sort=sort,
            descending=desc,
            offset=offset,
            limit=limit,
        ),
    )
    if page.rows.empty:
        st.info(t("lists.no_rows"))
    else:
        rows = page.rows.assign(progress_pct=page.rows["progress"].map(lambda v: f"{int(v)}%"))
        tables.show(rows, HEADERS, enums={"stage": ProjectStage}, key="lists_prj_table")
    tables.pager(page.total, key="lists_prj_page", page_size=PAGE_SIZE)

    open_pool(actor, today)
    if actor.can_write:
        progress_grid(actor)
    if not page.rows.empty:
        detail(actor, today, page.rows)
    if actor.keeps_community_records:
        box = lazy_expander(t("lists.projects.add"), key="lists_prj_new_open", icon=":material/add:")
        if box.open:
            with box:
                allowed = (
                    names(communities)
                    if actor.is_admin
                    else {i: n for i, n in names(communities).items() if i == actor.community_id}
                )
                data = project_form(actor, "lists_prj_new", None, allowed, names(units))
                if data is not None:
                    run_write(
                        lambda s: projects.create_project(s, actor, data=data, note=t("lists.projects.created_note")),
                        t("lists.saved"),
                    )
    if actor.is_admin:
        lists_delete.recent_panel(actor, "project")


def open_pool(actor: Actor, today: date) -> None:
    """Projects and micro-wishes unclaimed past their deadline, which any unit may claim."""
    pool = cached_read(projects.list_projects, actor, open_pool_on=today, sort="claim_deadline", limit=50).rows
    wishes = cached_read(needs.list_needs, open_pool_on=today, sort="claim_deadline", descending=False, limit=50).rows
    st.subheader(t("lists.pool.title"))
    st.caption(t("lists.pool.caption"))
    if pool.empty and wishes.empty:
        st.info(t("lists.pool.empty"))
        return
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('lists.pool.projects')}**")
        if pool.empty:
            st.caption(t("lists.pool.none"))
        else:
            tables.show(
                pool,
                {
                    "title": "lists.fields.project_title",
                    "community": "lists.fields.community",
                    "participants": "lists.fields.participants",
                    "claim_deadline": "lists.fields.claim_deadline",
                },
                key="lists_pool_projects",
            )
    with right:
        st.markdown(f"**{t('lists.pool.wishes')}**")
        if wishes.empty:
            st.caption(t("lists.pool.none"))
        else:
            tables.show(
                wishes,
                {
                    "title": "lists.fields.need_title",
                    "community": "lists.fields.community",
                    "claim_deadline": "lists.fields.claim_deadline",
                },
                key="lists_pool_wishes",
            )
    if not actor.may_claim:
        return
    with st.form("lists_pool_claim"):
        options = [("p", int(r.id), r.title) for r in pool.itertuples()] + [
            ("n", int(r.id), r.title) for r in wishes.itertuples()
        ]
        choice = st.selectbox(t("lists.pool.pick"), options, format_func=lambda o: o[2], key="lists_pool_pick")
        how = st.radio(
            t("lists.pool.how"),
            ["lead", "join"],
            horizontal=True,
            key="lists_pool_how",
            format_func=lambda v: t(f"lists.pool.{v}"),
            help=t("lists.pool.how_help"),
        )
        if st.form_submit_button(t("lists.pool.claim"), type="primary") and choice:
            kind, rid, _ = choice
            if kind == "p":
                run_write(
                    lambda s: projects.claim_project(s, actor, project_id=rid, today=today, join=how == "join"),
                    t("lists.pool.claimed"),
                )
            else:
                run_write(lambda s: needs.claim_need(s, actor, need_id=rid, today=today), t("lists.pool.claimed"))


def bound_text(stage: ProjectStage) -> str:
    """The progress a project at ``stage`` may show, as the grid's 可填范围 column reads it."""
    bound = progress_bound(stage)
    if bound.fixed:
        return t("lists.projects.bound_fixed", n=bound.low)
    return t("lists.projects.bound_range", low=bound.low, high=bound.high)


def progress_grid(actor: Actor) -> None:
    """Progress of the projects the actor may edit, in one grid saved in one action."""
    rows = cached_read(projects.list_projects, actor, editable_only=True, limit=200).rows
    rows = rows[~rows["stage"].isin([ProjectStage.DONE, ProjectStage.EVALUATED])] if not rows.empty else rows
    if rows.empty:
        return
    box = lazy_expander(t("lists.projects.grid_title"), key="lists_prj_grid_open", icon=":material/table_edit:")
    if not box.open:  # up to 200 editable rows: sent only while the grid is open
        return
    with box:
        st.caption(t("lists.projects.grid_caption"))
        frame = pd.DataFrame(
            {
                "id": rows["id"].astype(int),
                "title": rows["title"],
                "stage": rows["stage"].map(lambda v: label(ProjectStage(v))),
                "bound": rows["stage"].map(lambda v: bound_text(ProjectStage(v))),
                "progress": rows["progress"].astype(int),
            }
        )
        edited = st.data_editor(
            frame,
            hide_index=True,
            width="stretch",
            key="lists_prj_grid",
            disabled=["id", "title", "stage", "bound"],
            column_config={
                "id": None,
                "title": st.column_config.TextColumn(t("lists.fields.project_title")),
                "stage": st.column_config.TextColumn(t("lists.fields.stage")),
                "bound": st.column_config.TextColumn(t("lists.fields.progress_bound")),
                "progress": st.column_config.NumberColumn(
                    t("lists.fields.progress"), min_value=0, max_value=100, step=5, format="%d%%"
                ),
            },
        )
        if st.button(t("lists.projects.grid_save"), key="lists_prj_grid_save", type="primary"):
            changes = {
                int(i): v
                for i, old, v in zip(frame["id"], frame["progress"], edited["progress"], strict=True)
                if old != v
            }
            if not changes:
                st.info(t("lists.projects.grid_nothing"))
            else:
                run_write(
                    lambda s: projects.save_progress(s, actor, changes=changes),
                    t("lists.projects.grid_saved", n=len(changes)),
                )


def detail(actor: Actor, today: date, rows: pd.DataFrame) -> None:
    lang = current_language()
    st.subheader(t("lists.projects.detail"))
    titles = dict(zip(rows["id"].astype(int), rows["title"], strict=True))
    pid = st.selectbox(t("lists.pick_row"), list(titles), format_func=titles.__getitem__, key="lists_prj_detail_pick")
    d = cached_read(projects.get_project, actor, project_id=int(pid), today=today)
    c = st.columns(4)
    c[0].metric(t("lists.fields.stage"), label(d.stage))
    c[1].metric(t("lists.fields.progress"), f"{d.progress}%")
    c[2].metric(t("lists.fields.beneficiaries"), d.beneficiaries)
    c[3].metric(t("lists.fields.satisfaction"), "–" if d.satisfaction is None else d.satisfaction)
    st.progress(d.progress / 100)
    lines = [
        f"**{t('lists.fields.community')}**：{md_escape(d.community)}",
        f"**{t('lists.fields.lead_unit')}**：{md_escape(d.lead_unit) or t('lists.projects.no_lead')}",
        f"**{t('lists.fields.participants')}**：{md_escape('、'.join(n for _, n in d.participants)) or '—'}",
        f"**{t('lists.fields.needs')}**：{md_escape('、'.join(n for _, n in d.needs)) or '—'}",
        f"**{t('lists.fields.resources')}**：{md_escape('、'.join(n for _, n in d.resources)) or '—'}",
        f"**{t('lists.fields.started_on')}**：{fmt_date(d.started_on, lang) or '—'}　"
        f"**{t('lists.fields.ended_on')}**：{fmt_date(d.ended_on, lang) or '—'}",
    ]
    st.markdown("  \n".join(lines))
    if d.description:
        st.caption(md_escape(d.description))
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('lists.projects.milestones')}**")
        if d.milestones.empty:
            st.caption(t("lists.projects.no_milestones"))
        else:
            ms = d.milestones.assign(state=d.milestones["done"].map(lambda v: "✓" if v else ""))
            tables.show(
                ms,
                {
                    "due_on": "lists.fields.milestone_date",
                    "title": "lists.fields.milestone_title",
                    "state": "lists.fields.done",
                },
                key="lists_prj_milestones",
            )
    with right:
        st.markdown(f"**{t('lists.projects.history')}**")
        tables.show(
            d.history,
            {
                "at": "lists.fields.at",
                "user": "lists.fields.by",
                "from_stage": "lists.fields.from",
                "to_stage": "lists.fields.to",
                "note": "lists.fields.note",
            },
            enums={"from_stage": ProjectStage, "to_stage": ProjectStage},
            key="lists_prj_history",
        )
    if d.editable and actor.can_write:
        _edit_project(actor, d)


def _edit_project(actor: Actor, d: projects.ProjectDetail) -> None:
    with st.expander(t("lists.projects.move"), icon=":material/arrow_forward:"):
        with st.form(f"lists_prj_move_{d.id}"):
            target = st.selectbox(
                t("lists.projects.move_to"),
                list(allowed_moves(d.stage)),
                format_func=label,
                key=f"lists_prj_move_to_{d.id}",
            )
            satisfaction = st.number_input(
                t("lists.fields.satisfaction"),
                min_value=0,
                max_value=100,
                value=None,
                step=1,
                key=f"lists_prj_move_sat_{d.id}",
                help=t("lists.projects.sat_help"),
            )
            note = st.text_input(t("lists.fields.note"), key=f"lists_prj_move_note_{d.id}")
            if st.form_submit_button(t("lists.projects.move_button"), type="primary"):
                run_write(
                    lambda s: projects.move_project(
                        s, actor, project_id=d.id, to_stage=target, note=note, satisfaction=satisfaction
                    ),
                    t("lists.projects.moved"),
                )
    with st.expander(t("lists.projects.add_milestone"), icon=":material/flag:"):
        with st.form(f"lists_prj_ms_{d.id}", clear_on_submit=True):
            c = st.columns([1, 2])
            due_on = c[0].date_input(t("lists.fields.milestone_date"), value=None, key=f"lists_prj_ms_date_{d.id}")
            title = c[1].text_input(t("lists.fields.milestone_title"), key=f"lists_prj_ms_title_{d.id}")
            if st.form_submit_button(t("lists.save")):
                run_write(
                    lambda s: projects.add_milestone(s, actor, project_id=d.id, due_on=due_on, title=title),
                    t("lists.saved"),
                )
        open_ms = d.milestones[~d.milestones["done"]] if not d.milestones.empty else d.milestones
        if not open_ms.empty:
            ms_titles = dict(zip(open_ms["id"].astype(int), open_ms["title"], strict=True))
            mid = st.selectbox(
                t("lists.projects.mark_done"),
                list(ms_titles),
                format_func=ms_titles.__getitem__,
                key=f"lists_prj_ms_done_pick_{d.id}",
            )
            if st.button(t("lists.projects.mark_done_button"), key=f"lists_prj_ms_done_{d.id}"):
                run_write(
                    lambda s: projects.set_milestone_done(s, actor, milestone_id=int(mid), done=True), t("lists.saved")
                )
    communities, units, _ = reference()
    box = lazy_expander(t("lists.projects.edit"), key=f"lists_prj_edit_open_{d.id}", icon=":material/edit:")
    if not box.open:
        return
    with box:
        allowed = names(communities) if actor.is_admin else {d.community_id: d.community}
        data = project_form(actor, f"lists_prj_edit_{d.id}", d, allowed, names(units), lock_lead=not actor.is_admin)
        if data is not None:
            run_write(lambda s: projects.update_project(s, actor, project_id=d.id, data=data), t("lists.saved"))
        if actor.is_admin:
            lists_delete.delete_button(
                actor, "project", d.id, d.title, lambda s: projects.delete_project(s, actor, project_id=d.id)
            )


def _link_options(actor: Actor, community_id: int | None) -> tuple[dict[int, str], dict[int, str]]:
    need_rows = (
        cached_read(needs.list_needs, community_id=community_id, limit=200, sort="title").rows
        if community_id
        else pd.DataFrame(columns=["id", "title"])
    )
    res_rows = cached_read(resources.list_resources, limit=200, sort="unit").rows
    need_opts = {int(r.id): r.title for r in need_rows.itertuples()}
    res_opts = {int(r.id): f"{r.title}（{r.unit}）" for r in res_rows.itertuples()}
    return need_opts, res_opts


def project_form(
    actor: Actor,
    key: str,
    d: projects.ProjectDetail | None,
    communities: dict[int, str],
    units: dict[int, str],
    *,
    lock_lead: bool = False,
) -> projects.ProjectInput | None:
    """The project's facts and links; the community is chosen before the form (it filters the needs)."""
    community_ids = list(communities)
    default_c = d.community_id if d else (community_ids[0] if community_ids else None)
    community_id = st.selectbox(
        t("lists.fields.community"),
        community_ids,
        format_func=communities.__getitem__,
        index=community_ids.index(default_c) if default_c in community_ids else 0,
        key=f"{key}_community",
    )
    need_opts, res_opts = _link_options(actor, community_id)
    unit_ids: list[int | None] = [None, *units]
    with st.form(key):
        title = st.text_input(t("lists.fields.project_title"), value=d.title if d else "", key=f"{key}_title")
        c: tuple[DeltaGenerator, ...] = st.columns(2)  # later rows reuse `c` with other widths
        lead = c[0].selectbox(
            t("lists.fields.lead_unit"),
            unit_ids,
            disabled=lock_lead,
            format_func=lambda i: t("lists.projects.no_lead") if i is None else units[i],
            index=unit_ids.index(d.lead_unit_id) if d and d.lead_unit_id in unit_ids else 0,
            key=f"{key}_lead",
        )
        participants = c[1].multiselect(
            t("lists.fields.participants"),
            list(units),
            format_func=units.__getitem__,
            default=[i for i, _ in d.participants if i in units] if d else [],
            placeholder=t("common.choose_many"),
            key=f"{key}_participants",
        )
        c = st.columns(2)
        need_ids = c[0].multiselect(
            t("lists.fields.needs"),
            list(need_opts),
            format_func=need_opts.__getitem__,
            default=[i for i, _ in d.needs if i in need_opts] if d else [],
            placeholder=t("common.choose_many"),
            key=f"{key}_needs",
        )
        resource_ids = c[1].multiselect(
            t("lists.fields.resources"),
            list(res_opts),
            format_func=res_opts.__getitem__,
            default=[i for i, _ in d.resources if i in res_opts] if d else [],
            placeholder=t("common.choose_many"),
            key=f"{key}_resources",
        )
        description = st.text_area(
            t("lists.fields.description"), value=d.description if d else "", key=f"{key}_description"
        )
        c = st.columns(5)
        deadline = c[0].date_input(
            t("lists.fields.claim_deadline"), value=d.claim_deadline if d else None, key=f"{key}_deadline"
        )
        started = c[1].date_input(t("lists.fields.started_on"), value=d.started_on if d else None, key=f"{key}_start")
        ended = c[2].date_input(t("lists.fields.ended_on"), value=d.ended_on if d else None, key=f"{key}_end")
        beneficiaries = c[3].number_input(
            t("lists.fields.beneficiaries"),
            min_value=0,
            step=1,
            value=d.beneficiaries if d else 0,
            key=f"{key}_beneficiaries",
        )
        budget = c[4].number_input(
            t("lists.fields.budget"),
            min_value=0.0,
            step=100.0,
            value=float(d.budget_yuan) if d else 0.0,
            key=f"{key}_budget",
        )
        if not st.form_submit_button(t("lists.save"), type="primary"):
            return None
    if lock_lead and d is not None:
        lead = d.lead_unit_id
    return projects.ProjectInput(
        title=title,
        community_id=community_id,
        lead_unit_id=lead,
        participant_ids=participants,
        need_ids=need_ids,
        resource_ids=resource_ids,
        description=description,
        claim_deadline=deadline,
        started_on=started,
        ended_on=ended,
        beneficiaries=beneficiaries,
        budget_yuan=budget,
    )
