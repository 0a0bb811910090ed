"""吹哨报到: a community raises a matter, summoned units answer stage by stage against the clock."""

import streamlit as st

from domain.enums import Role, WhistleKind, WhistleStage
from domain.errors import AppError
from exports.format import today_local
from services import reference
from services import whistle as ws
from ui.kit import tables
from ui.kit.auth import require_role
from ui.kit.i18n import current_language, error_message, label, t
from ui.kit.state import cached_read, minute, session_scope
from ui.kit.tabs import lazy_tabs, show_open
from ui.whistle import panels, view

actor = require_role()
lang, today, now = current_language(), today_local(), minute(view.now_utc())  # clocks to the minute: cached
st.title(t("whistle.title"))
st.caption(t("whistle.subtitle"))
if flash := st.session_state.pop("whistle_flash", None):
    st.success(flash)

# Reads are cached by their arguments until a write to an area they read (ui.kit.state.cached_read, db/areas.py).
communities = cached_read(reference.list_communities)
units = cached_read(ws.summoned_unit_options)
queue = cached_read(ws.my_queue, actor, now=now)
overdue_n = cached_read(ws.overdue_count, now=now)
limits = cached_read(ws.get_limits)

if actor.role != Role.LEADER:
    view.show_queue(queue)
if overdue_n:
    st.warning(t("whistle.overdue_banner", n=overdue_n))

# Only the open tab runs: the scorecard and the rates each read every matter of the year.
tabs = lazy_tabs(["list", "raise", "score", "stats", "limits"], key="whistle_tab", prefix="whistle.tab_")


def list_tab() -> None:
    names = {c.id: c.name for c in communities}
    f1, f2, f3 = st.columns([2, 2, 1])
    own = actor.community_id if actor.role == Role.COMMUNITY else None
    community_id = f1.selectbox(
        t("whistle.fields.community"),
        [None, *names],
        key="whistle_f_community",
        index=[None, *names].index(own) if own in names else 0,
        format_func=lambda i: t("common.all") if i is None else names[i],
    )
    kind = f2.selectbox(
        t("whistle.fields.kind"),
        [None, *WhistleKind],
        key="whistle_f_kind",
        format_func=lambda k: t("common.all") if k is None else label(k),
    )
    open_only = f3.toggle(t("whistle.open_only"), key="whistle_f_open")
    mine = (
        actor.unit_id
        if actor.role == Role.LIAISON and st.toggle(t("whistle.mine_only"), key="whistle_f_mine")
        else None
    )
    total = cached_read(
        ws.count_whistles, actor, community_id=community_id, kind=kind, open_only=open_only, unit_id=mine
    )
    table = st.container()  # the table above its pager
    offset, limit = tables.pager(total, key="whistle_page", page_size=15)
    matters, _ = cached_read(
        ws.list_whistles,
        actor,
        community_id=community_id,
        kind=kind,
        open_only=open_only,
        unit_id=mine,
        offset=offset,
        limit=limit,
        now=now,
    )
    if matters.empty:
        table.caption(t("common.none"))
    else:
        shown = matters.assign(overdue=matters["overdue"].map(view.overdue_label))
        with table:
            tables.show(
                shown,
                {
                    "raised_at": "whistle.fields.raised_at",
                    "community": "whistle.fields.community",
                    "kind": "whistle.fields.kind",
                    "title": "whistle.fields.title",
                    "stage": "whistle.fields.stage",
                    "units": "whistle.fields.units_n",
                    "overdue": "whistle.fields.overdue",
                    "closed_at": "whistle.fields.closed_at",
                },
                enums={"kind": WhistleKind, "stage": WhistleStage},
            )
        titles = dict(zip(matters["id"].astype(int), matters["title"], strict=True))
        chosen = st.selectbox(t("whistle.pick"), list(titles), format_func=titles.__getitem__, key="whistle_pick")
        detail = cached_read(ws.get_whistle, actor, whistle_id=int(chosen), now=now)
        with st.container(border=True):
            view.show_detail(detail)
            for r in detail.responses:
                if r.can_advance:
                    view.answer_form(r, actor)
                if r.can_rate:
                    view.rate_form(r, actor)


def limits_tab() -> None:
    st.markdown(t("whistle.limits_rule"))
    new_limits = view.limits_editor(limits, editable=actor.is_admin)
    if new_limits is not None:
        try:
            with session_scope(write=True) as s:
                ws.set_limits(s, actor, limits=new_limits)
        except AppError as err:
            st.error(error_message(err))
        else:
            st.session_state["whistle_flash"] = t("common.saved")
            st.rerun()


bodies = {
    "list": list_tab,
    "raise": lambda: panels.raise_panel(actor, communities, units),
    "score": lambda: panels.score_panel(actor, today, now),
    "stats": lambda: panels.stats_panel(today),
    "limits": limits_tab,
}
show_open(tabs, bodies)
