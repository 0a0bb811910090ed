"""The 吹哨报到 page's tabs: the matters with their answers, raising a matter, the scorecard, the monthly
charts and the time limits."""

from __future__ import annotations

from datetime import date, datetime

import streamlit as st

from domain import whistle_clock as clock
from domain.actor import Actor
from domain.enums import WhistleKind, WhistleStage
from exports import charts
from exports.format import fmt_percent
from services import whistle as ws
from services.reference import Option
from ui.kit import tables
from ui.kit.actions import run_write
from ui.kit.i18n import label, t
from ui.kit.state import cached_read
from ui.whistle import view


def list_panel(actor: Actor, communities: list[Option], now: datetime) -> None:
    """The matters, filtered, and the one picked with its responses' forms."""
    names = {c.id: c.name for c in communities}
    f1, f2, f3 = st.columns([2, 2, 1])
    own = actor.home_community_id
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
    mine = actor.unit_id if actor.is_liaison and st.toggle(t("whistle.mine_only"), key="whistle_f_mine") else None
    total = cached_read(ws.count_whistles, community_id=community_id, kind=kind, open_only=open_only, unit_id=mine)
    table = st.container()  # the table above its pager
    offset, limit = tables.pager(total, key="whistle_page", page_size=15)
    matters, _ = cached_read(
        ws.list_whistles,
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


def limits_panel(actor: Actor, limits: clock.Limits) -> None:
    """The time limits of each stage; the admin edits them."""
    st.markdown(t("whistle.limits_rule"))
    new_limits = view.limits_editor(limits, editable=actor.is_admin)
    if new_limits is not None:
        run_write(
            lambda s: ws.set_limits(s, actor, limits=new_limits),
            t("common.saved"),
        )


def raise_panel(actor: Actor, communities: list[Option], units: list[tuple[int, str]]) -> None:
    """The form a community worker (or the admin) blows a whistle with."""
    names = {c.id: c.name for c in communities}
    if not actor.keeps_community_records:
        st.info(t("whistle.raise_who"))
    else:
        choices = [c.id for c in communities if actor.keeps_community(c.id)]
        unit_names = dict(units)
        with st.form("whistle_raise_form", clear_on_submit=True):
            c_id = st.selectbox(
                t("whistle.fields.community"), choices, format_func=lambda i: names[i], key="whistle_new_community"
            )
            new_kind = st.radio(
                t("whistle.fields.kind"),
                list[WhistleKind](WhistleKind),
                format_func=label,
                horizontal=True,
                key="whistle_new_kind",
            )
            title = st.text_input(t("whistle.fields.title"), key="whistle_new_title", max_chars=200)
            desc = st.text_area(t("whistle.fields.description"), key="whistle_new_desc")
            summoned = st.multiselect(
                t("whistle.fields.units"),
                list(unit_names),
                format_func=unit_names.__getitem__,
                placeholder=t("common.choose_many"),
                key="whistle_new_units",
            )
            if st.form_submit_button(t("whistle.raise"), type="primary"):
                run_write(
                    lambda s: ws.raise_whistle(
                        s, actor, community_id=c_id, kind=new_kind, title=title, description=desc, unit_ids=summoned
                    ),
                    t("whistle.raised"),
                )


@st.fragment  # its filters rerun only this panel, not the page
def score_panel(actor: Actor, today: date, now: datetime) -> None:
    """Each unit's response times, on-time share and rating, for a year."""
    year = st.selectbox(t("common.year"), list(range(today.year, today.year - 5, -1)), key="whistle_score_year")
    card = cached_read(ws.scorecard, year=int(year), now=now)
    if card.empty:
        st.caption(t("common.none"))
    else:
        card_shown = card.assign(on_time=card["on_time"].map(fmt_percent))
        tables.show(
            card_shown,
            {
                "unit": "whistle.fields.unit",
                "responses": "whistle.fields.responses",
                "closed": "whistle.fields.closed",
                "sign_hours": "whistle.fields.sign_hours",
                "report_hours": "whistle.fields.report_hours",
                "on_time": "whistle.fields.on_time",
                "rating": "whistle.fields.avg_rating",
            },
            page_key="whistle_score_page",
        )
        chart_df = card.dropna(subset=["on_time"]).assign(on_time=lambda d: (d["on_time"] * 100).round(0))
        many = len(chart_df) > charts.UNITS_NAMED  # the chart names the units that most need a reminder
        st.altair_chart(
            charts.bar(
                chart_df.nsmallest(charts.UNITS_NAMED, "on_time") if many else chart_df,
                x="unit",
                y="on_time",
                title=t("whistle.chart_on_time"),
                x_title=t("whistle.fields.unit"),
                y_title=t("whistle.fields.on_time_pct"),
                sort="-x",
                horizontal=True,
                tr=t,
            ),
            width="stretch",
        )
        if many:
            st.caption(t("whistle.lowest_note", n=charts.UNITS_NAMED))


def stats_panel(today: date) -> None:
    """The 吹哨率 and closing time by month over the last year."""
    start = date(today.year - 1, today.month, 1)
    monthly = cached_read(ws.monthly, start=start, end=today)
    left, right = st.columns(2)
    left.altair_chart(
        charts.line(
            monthly,
            x="month",
            y="rate",
            title=t("whistle.chart_rate"),
            x_title=t("whistle.fields.month"),
            y_title=t("whistle.fields.rate"),
            tr=t,
        ),
        width="stretch",
    )
    right.altair_chart(
        charts.bar(
            monthly.fillna({"close_days": 0}),
            x="month",
            y="close_days",
            title=t("whistle.chart_close_days"),
            x_title=t("whistle.fields.month"),
            y_title=t("whistle.fields.close_days"),
            tr=t,
        ),
        width="stretch",
    )
    st.caption(t("whistle.rate_def"))
