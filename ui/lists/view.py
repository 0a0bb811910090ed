"""The /lists page's needs and resources tabs, and the lists' reference options (widgets only; services
work). The generic widgets they use — pick, sorter, the pager's page — are in ui.kit.widgets."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st
from sqlalchemy.orm import Session
from streamlit.delta_generator import DeltaGenerator

from domain.actor import Actor
from domain.enums import NeedSource, NeedStatus, Priority, ResourceStatus
from exports.format import today_local
from services import needs, resources
from services import reference as reference_service
from services.reference import Option, list_categories, list_communities, list_units
from ui.kit import tables
from ui.kit.actions import run_write
from ui.kit.i18n import label, t
from ui.kit.state import cached_read, session_scope
from ui.kit.widgets import PAGE_SIZE, fetch_page, names, own_community_first, pick, pick_enum, sorter
from ui.lists import delete as lists_delete

NEED_HEADERS = {
    "community": "lists.fields.community",
    "category": "lists.fields.category",
    "title": "lists.fields.need_title",
    "priority": "lists.fields.priority",
    "source": "lists.fields.source",
    "raised_on": "lists.fields.raised_on",
    "status": "lists.fields.status",
    "wish": "lists.fields.is_micro_wish",
    "claimed_by": "lists.fields.claimed_by",
    "claim_deadline": "lists.fields.claim_deadline",
}
RESOURCE_HEADERS = {
    "unit": "lists.fields.unit",
    "category": "lists.fields.category",
    "title": "lists.fields.resource_title",
    "capacity": "lists.fields.capacity",
    "in_use": "lists.fields.in_use",
    "available_when": "lists.fields.available_when",
    "status": "lists.fields.status",
    "description": "lists.fields.description",
}


READS = reference_service.READS


def reference_lists(session: Session) -> tuple[list[Option], list[Option], list[Option]]:
    return list_communities(session), list_units(session), list_categories(session)


def reference() -> tuple[list[Option], list[Option], list[Option]]:
    """Communities, units (pinyin order) and categories."""
    return cached_read(reference_lists)


# ---- 需求清单 ----------------------------------------------------------------------------------


def needs_tab(actor: Actor, today: date) -> None:
    communities, units, categories = reference()
    lists_delete.undo_bar(actor, "need")
    own_community_first(actor, "lists_need_f_community")
    c = st.columns(6)
    with c[0]:
        community_id = pick("lists.fields.community", names(communities), key="lists_need_f_community")
    with c[1]:
        category_id = pick("lists.fields.category", names(categories), key="lists_need_f_category")
    with c[2]:
        status = pick_enum("lists.fields.status", NeedStatus, key="lists_need_f_status")
    with c[3]:
        unit_id = pick("lists.fields.claimed_by", names(units), key="lists_need_f_unit")
    with c[4]:
        priority = pick_enum("lists.fields.priority", Priority, key="lists_need_f_priority")
    with c[5]:
        text = st.text_input(t("common.search"), key="lists_need_f_text", placeholder=t("lists.search_hint"))
    wish_only = st.toggle(t("lists.needs.wishes_only"), key="lists_need_f_wish")
    sort, desc = sorter(
        {
            "raised_on": "lists.fields.raised_on",
            "priority": "lists.fields.priority",
            "title": "lists.fields.need_title",
            "community": "lists.fields.community",
            "status": "lists.fields.status",
            "claim_deadline": "lists.fields.claim_deadline",
        },
        key="lists_need_sort",
        descending=True,  # the newest need first
    )
    page = fetch_page(
        "lists_need_page",
        lambda s, offset, limit: needs.list_needs(
            s,
            community_id=community_id,
            category_id=category_id,
            status=status,
            unit_id=unit_id,
            priority=priority,
            text=text,
            micro_wish=True if wish_only else None,
            sort=sort,
            descending=desc,
            offset=offset,
            limit=limit,
        ),
    )
    rows = page.rows.assign(wish=page.rows["is_micro_wish"].map(lambda v: "✓" if v else ""))
    if rows.empty:
        st.info(t("lists.no_rows"))
    else:
        tables.show(
            rows,
            NEED_HEADERS,
            enums={"priority": Priority, "source": NeedSource, "status": NeedStatus},
            key="lists_need_table",
        )
    tables.pager(page.total, key="lists_need_page", page_size=PAGE_SIZE)
    if actor.may_claim:
        _claim_need(actor, rows)
    if actor.keeps_community_records:
        _need_forms(actor, rows, communities, categories, today)
        lists_delete.recent_panel(actor, "need")


def _claim_need(actor: Actor, rows: Any) -> None:
    open_rows = (
        rows[(rows["status"] == NeedStatus.OPEN) & rows["claimed_by_unit_id"].isna()] if not rows.empty else rows
    )
    if open_rows.empty:
        return
    with st.form("lists_need_claim_form", border=True):
        st.markdown(f"**{t('lists.needs.claim_heading')}**")
        titles = dict(zip(open_rows["id"].astype(int), open_rows["title"], strict=True))
        need_id = st.selectbox(
            t("lists.fields.need_title"), list(titles), format_func=titles.__getitem__, key="lists_need_claim_pick"
        )
        if st.form_submit_button(t("lists.needs.claim"), type="primary"):
            run_write(
                lambda s: needs.claim_need(s, actor, need_id=int(need_id), today=today_local()),
                t("lists.needs.claimed"),
            )


def _need_forms(actor: Actor, rows: Any, communities: list[Option], categories: list[Option], today: date) -> None:
    allowed = (
        names(communities)
        if actor.is_admin
        else {i: n for i, n in names(communities).items() if i == actor.community_id}
    )
    with st.expander(t("lists.needs.add"), icon=":material/add:"):
        fresh = needs.NeedInput(
            next(iter(allowed), None),
            None,
            "",
            raised_on=today,
            claim_deadline=needs.default_claim_deadline(today),
        )
        new = _need_form("lists_need_new", fresh, allowed, names(categories))
        if new is not None:
            run_write(lambda s: needs.create_need(s, actor, data=new), t("lists.saved"))
    mine = rows[rows["community_id"].isin(list(allowed))] if not rows.empty else rows
    if mine.empty:
        return
    with st.expander(t("lists.needs.edit"), icon=":material/edit:"):
        titles = dict(zip(mine["id"].astype(int), mine["title"], strict=True))
        need_id = st.selectbox(
            t("lists.pick_row"), list(titles), format_func=titles.__getitem__, key="lists_need_edit_pick"
        )
        with session_scope() as s:
            current = needs.get_need(s, need_id=int(need_id))
        data = _need_form(f"lists_need_edit_{need_id}", current, allowed, names(categories), with_status=True)
        if data is not None:
            run_write(lambda s: needs.update_need(s, actor, need_id=int(need_id), data=data), t("lists.saved"))
        lists_delete.delete_button(
            actor,
            "need",
            int(need_id),
            titles[need_id],
            lambda s: needs.delete_need(s, actor, need_id=int(need_id)),
            ask="lists.trash.ask_wish" if current.is_micro_wish else None,
        )


def _need_form(
    key: str, d: needs.NeedInput, communities: dict[int, str], categories: dict[int, str], *, with_status: bool = False
) -> needs.NeedInput | None:
    with st.form(key, clear_on_submit=not with_status):
        c: tuple[DeltaGenerator, ...] = st.columns(3)  # later rows reuse `c` with other widths
        community_id = c[0].selectbox(
            t("lists.fields.community"),
            list(communities),
            format_func=communities.__getitem__,
            index=_index(list(communities), d.community_id),
            key=f"{key}_community",
        )
        category_id = c[1].selectbox(
            t("lists.fields.category"),
            list(categories),
            format_func=categories.__getitem__,
            index=_index(list(categories), d.category_id),
            key=f"{key}_category",
        )
        priority = c[2].selectbox(
            t("lists.fields.priority"),
            list[Priority](Priority),
            format_func=label,
            index=list(Priority).index(Priority(d.priority)),
            key=f"{key}_priority",
        )
        title = st.text_input(t("lists.fields.need_title"), value=d.title, max_chars=200, key=f"{key}_title")
        description = st.text_area(t("lists.fields.description"), value=d.description, key=f"{key}_description")
        c = st.columns(4)
        sources: list[NeedSource | None] = [None, *NeedSource]
        source = c[0].selectbox(
            t("lists.fields.source"),
            sources,
            format_func=lambda v: label(v) if v else "—",
            index=sources.index(NeedSource(d.source) if d.source else None),
            key=f"{key}_source",
        )
        raised_on = c[1].date_input(
            t("lists.fields.raised_on"),
            value=d.raised_on or today_local(),
            key=f"{key}_raised_on",
            help=t("lists.needs.raised_help"),
        )
        deadline = c[2].date_input(
            t("lists.fields.claim_deadline"),
            value=d.claim_deadline,
            key=f"{key}_deadline",
            help=t("lists.needs.deadline_help", days=needs.CLAIM_PERIOD_DAYS),
        )
        wish = c[3].checkbox(t("lists.fields.is_micro_wish"), value=d.is_micro_wish, key=f"{key}_wish")
        status = d.status
        if with_status:
            status = st.selectbox(
                t("lists.fields.status"),
                list[NeedStatus](NeedStatus),
                format_func=label,
                index=list(NeedStatus).index(NeedStatus(d.status)),
                key=f"{key}_status",
            )
        if not st.form_submit_button(t("lists.save"), type="primary"):
            return None
    return needs.NeedInput(
        community_id, category_id, title, description, priority, source, raised_on, wish, deadline, status
    )


def _index(values: list[Any], value: Any) -> int:
    return values.index(value) if value in values else 0


# ---- 资源清单 ----------------------------------------------------------------------------------


def resources_tab(actor: Actor) -> None:
    _, units, categories = reference()
    lists_delete.undo_bar(actor, "resource")
    c = st.columns(5)
    with c[0]:
        unit_id = pick("lists.fields.unit", names(units), key="lists_res_f_unit")
    with c[1]:
        category_id = pick("lists.fields.category", names(categories), key="lists_res_f_category")
    with c[2]:
        status = pick_enum("lists.fields.status", ResourceStatus, key="lists_res_f_status")
    with c[3]:
        text = st.text_input(t("common.search"), key="lists_res_f_text", placeholder=t("lists.search_hint"))
    with c[4]:
        idle = st.toggle(t("lists.resources.idle_only"), key="lists_res_f_idle", help=t("lists.resources.idle_help"))
    sort, desc = sorter(
        {
            "unit": "lists.fields.unit",
            "title": "lists.fields.resource_title",
            "category": "lists.fields.category",
            "capacity": "lists.fields.capacity",
            "in_use": "lists.fields.in_use",
        },
        key="lists_res_sort",
    )
    page = fetch_page(
        "lists_res_page",
        lambda s, offset, limit: resources.list_resources(
            s,
            unit_id=unit_id,
            category_id=category_id,
            status=status,
            text=text,
            idle_only=idle,
            sort=sort,
            descending=desc,
            offset=offset,
            limit=limit,
        ),
    )
    if page.rows.empty:
        st.info(t("lists.no_rows"))
    else:
        tables.show(page.rows, RESOURCE_HEADERS, enums={"status": ResourceStatus}, key="lists_res_table")
    tables.pager(page.total, key="lists_res_page", page_size=PAGE_SIZE)
    if actor.keeps_unit_records:
        _resource_forms(actor, page.rows, units, categories)
        lists_delete.recent_panel(actor, "resource")


def _resource_forms(actor: Actor, rows: Any, units: list[Option], categories: list[Option]) -> None:
    allowed = names(units) if actor.is_admin else {i: n for i, n in names(units).items() if i == actor.unit_id}
    with st.expander(t("lists.resources.add"), icon=":material/add:"):
        new = _resource_form(
            "lists_res_new", resources.ResourceInput(next(iter(allowed), None), None, ""), allowed, names(categories)
        )
        if new is not None:
            run_write(lambda s: resources.create_resource(s, actor, data=new), t("lists.saved"))
    mine = rows[rows["unit_id"].isin(list(allowed))] if not rows.empty else rows
    if mine.empty:
        return
    with st.expander(t("lists.resources.edit"), icon=":material/edit:"):
        titles = dict(zip(mine["id"].astype(int), mine["title"], strict=True))
        rid = st.selectbox(t("lists.pick_row"), list(titles), format_func=titles.__getitem__, key="lists_res_edit_pick")
        with session_scope() as s:
            current = resources.get_resource(s, resource_id=int(rid))
        data = _resource_form(f"lists_res_edit_{rid}", current, allowed, names(categories))
        if data is not None:
            run_write(lambda s: resources.update_resource(s, actor, resource_id=int(rid), data=data), t("lists.saved"))
        lists_delete.delete_button(
            actor,
            "resource",
            int(rid),
            titles[rid],
            lambda s: resources.delete_resource(s, actor, resource_id=int(rid)),
        )


def _resource_form(
    key: str, d: resources.ResourceInput, units: dict[int, str], categories: dict[int, str]
) -> resources.ResourceInput | None:
    with st.form(key):
        c: tuple[DeltaGenerator, ...] = st.columns(3)  # later rows reuse `c` with other widths
        unit_id = c[0].selectbox(
            t("lists.fields.unit"),
            list(units),
            format_func=units.__getitem__,
            index=_index(list(units), d.unit_id),
            key=f"{key}_unit",
        )
        category_id = c[1].selectbox(
            t("lists.fields.category"),
            list(categories),
            format_func=categories.__getitem__,
            index=_index(list(categories), d.category_id),
            key=f"{key}_category",
        )
        status = c[2].selectbox(
            t("lists.fields.status"),
            list[ResourceStatus](ResourceStatus),
            format_func=label,
            index=list(ResourceStatus).index(ResourceStatus(d.status)),
            key=f"{key}_status",
        )
        title = st.text_input(t("lists.fields.resource_title"), value=d.title, max_chars=200, key=f"{key}_title")
        description = st.text_area(t("lists.fields.description"), value=d.description, key=f"{key}_description")
        c = st.columns(2)
        capacity = c[0].text_input(
            t("lists.fields.capacity"),
            value="" if d.capacity is None else str(d.capacity),
            key=f"{key}_capacity",
            help=t("lists.resources.capacity_help"),
        )
        when = c[1].text_input(t("lists.fields.available_when"), value=d.available_when, key=f"{key}_when")
        if not st.form_submit_button(t("lists.save"), type="primary"):
            return None
    return resources.ResourceInput(unit_id, category_id, title, description, capacity, when, status)
