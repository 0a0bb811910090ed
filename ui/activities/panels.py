"""The /activities page's 六个一 grid, charts, Party members and ledger tabs (widgets only)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from domain.actor import Actor
from domain.enums import SIX_ITEMS, ActivityKind
from domain.errors import AppError
from domain.six_items import ItemState
from exports import charts
from exports import ledger as ledger_export
from exports.format import fmt_date, fmt_percent
from exports.png import chart_png, cjk_font_available
from services import activities, activity_reports, members
from ui.activities.view import names_by_id, reference_lists
from ui.kit import tables
from ui.kit.actions import FAILED, run_write
from ui.kit.i18n import current_language, error_message, label, t
from ui.kit.safe import md_escape
from ui.kit.state import cached_read, session_scope

MARKS = {ItemState.DONE: "✔", ItemState.OPEN: "○", ItemState.BEHIND: "✘"}
STATE_TEXT = {
    ItemState.DONE: "activities.six.card_done",
    ItemState.OPEN: "activities.six.card_open",
    ItemState.BEHIND: "activities.six.card_behind",
}


READS = activities.READS | activity_reports.READS


def _years(today: date) -> list[int]:
    return cached_read(activities.activity_years, today=today)


def _progress(year: int, as_of: date, by: str) -> activity_reports.Progress:
    return cached_read(activity_reports.six_items_progress, year=year, as_of=as_of, by=by)


def _has_members() -> bool:
    return cached_read(activity_reports.has_members)


def _chart(chart, *, name: str, key: str, container=None) -> None:  # type: ignore[no-untyped-def]
    """An Altair chart with a PNG download beneath (drawn only when asked for)."""
    where = container or st
    where.altair_chart(chart, width="stretch", key=key)
    if cjk_font_available():
        where.download_button(
            t("common.download_png"),
            lambda: chart_png(chart),
            file_name=f"{name}.png",
            mime="image/png",
            key=f"{key}_png",
            on_click="ignore",
            icon=":material/image:",
        )


def _grid_table(progress: activity_reports.Progress) -> pd.DataFrame:
    """The grid as people read it: a mark and count per item, done, completion, pace."""
    lang = current_language()
    out: dict[str, list[object]] = {t("activities.six.name"): [r.name for r in progress.rows]}
    if progress.by == "member":
        out[t("activities.six.unit")] = [r.unit for r in progress.rows]
    for kind in SIX_ITEMS:
        out[label(kind)] = [
            f"{MARKS[r.row.state(kind)]} {r.row.counts[kind]}" if r.row.counts[kind] else MARKS[r.row.state(kind)]
            for r in progress.rows
        ]
    out[t("activities.six.done")] = [t("activities.six.done_of", done=r.row.done) for r in progress.rows]
    out[t("activities.six.row_completion")] = [round(r.row.completion * 100) for r in progress.rows]
    out[t("activities.six.behind")] = [
        t("activities.six.behind_yes") if r.row.behind else t("activities.six.behind_no") for r in progress.rows
    ]
    if any(r.since for r in progress.rows):
        out[t("activities.six.since")] = [fmt_date(r.since, lang) for r in progress.rows]
    return pd.DataFrame(out)


def sheet_table(session: Session, year: int, today: date, by: str, lang: str) -> pd.DataFrame:
    """The whole grid for the download (``lang`` keys the cache: its headers are translated)."""
    return _grid_table(activity_reports.six_items_progress(session, year=year, as_of=today, by=by))


def _sheet(year: int, today: date, by: str, lang: str) -> pd.DataFrame:
    return cached_read(sheet_table, year, today, by, lang)


OWN_ROW = "background-color: #fdecea; font-weight: 600"  # the liaison's own unit in the grid


def _own_card(progress: activity_reports.Progress, unit_id: int | None) -> None:
    """A unit's six items at a glance, as a phone shows it (no sideways swipe): the liaison's own
    unit preselected, any other unit to pick."""
    if progress.by != "unit":
        return
    names = {r.id: r.name for r in progress.rows}
    key = "activities_six_focus"
    if unit_id in names and key not in st.session_state:
        st.session_state[key] = unit_id  # preselected: the liaison's own unit
    chosen = st.selectbox(
        t("activities.six.focus"),
        list(names),
        format_func=names.__getitem__,
        index=None,
        placeholder=t("activities.six.focus_placeholder"),
        key=key,
    )
    row = next((r for r in progress.rows if r.id == chosen), None)
    if row is None:
        return
    with st.container(border=True, key="activities_six_card"):
        own = t("activities.six.own") if row.id == unit_id else ""
        pace = t("activities.six.behind_yes") if row.row.behind else t("activities.six.behind_no")
        st.markdown(
            f"**{md_escape(row.name)}**{own}  \n" + t("activities.six.card_summary", done=row.row.done, pace=pace)
        )
        lines = [f"| {t('activities.six.item')} | {t('activities.six.card_state')} |", "| :-- | :-- |"]
        for kind in SIX_ITEMS:
            state = row.row.state(kind)
            text = t(STATE_TEXT[state], count=row.row.counts[kind])
            lines.append(f"| {label(kind)} | {MARKS[state]} {text} |")
        st.markdown("\n".join(lines))


def _highlight(grid: pd.DataFrame, names: set[str]):  # type: ignore[no-untyped-def]
    """The grid with the liaison's own unit's row marked."""
    name_col = t("activities.six.name")
    if not names or name_col not in grid:
        return grid
    return grid.style.apply(lambda r: [OWN_ROW if r[name_col] in names else "" for _ in r], axis=1)


@st.fragment  # its filters rerun only this panel, not the page
def six_items(actor: Actor, today: date) -> None:
    """六个一 progress for a chosen year: the own unit's card, metrics, the sortable grid, a chart,
    an Excel export."""
    years = _years(today)
    cols = st.columns([1, 1, 2])
    year = cols[0].selectbox(t("activities.six.year"), years, key="activities_six_year")
    by = "unit"
    if _has_members():
        by = cols[1].radio(
            t("activities.six.by"),
            ["unit", "member"],
            horizontal=True,
            key="activities_six_by",
            format_func=lambda b: t(f"activities.six.by_{b}"),
        )
    sort = cols[2].selectbox(
        t("activities.six.sort"),
        ["behind", "completion", "name"],
        key="activities_six_sort",
        format_func=lambda s: t(f"activities.six.sort_{s}"),
    )
    progress = _progress(year, today, by)
    _own_card(progress, actor.unit_id)
    m = st.columns(3)
    m[0].metric(
        t("activities.six.completion"), fmt_percent(progress.completion), help=t("activities.six.completion_help")
    )
    m[1].metric(t("activities.six.behind_count"), progress.behind)
    m[2].metric(t("activities.six.rows"), len(progress.rows))
    if not progress.rows:
        st.info(t("activities.six.empty"))
        return
    only_behind = st.toggle(t("activities.six.only_behind"), key="activities_six_only_behind")
    rows = list(progress.rows)
    if sort == "behind":
        rows.sort(key=lambda r: (not r.row.behind, r.row.completion))
    elif sort == "completion":
        rows.sort(key=lambda r: r.row.completion)
    if only_behind:
        rows = [r for r in rows if r.row.behind]
    total, rows = len(rows), tables.page_of(rows, key="activities_six_page", page_size=50)  # ~1,500 units
    shown = activity_reports.Progress(progress.year, progress.as_of, progress.by, rows)
    grid = _grid_table(shown)
    completion_col = t("activities.six.row_completion")
    own = {r.name for r in shown.rows if by == "unit" and r.id == actor.unit_id}
    st.dataframe(
        _highlight(grid, own),
        hide_index=True,
        width="stretch",
        key="activities_six_table",
        height=min(35 * (len(grid) + 1) + 3, 630),
        column_config={
            completion_col: st.column_config.ProgressColumn(completion_col, min_value=0, max_value=100, format="%d%%"),
        },
    )
    tables.pager_under(total, key="activities_six_page", page_size=50)
    st.caption(t("activities.six.rule"))
    st.caption(t("activities.six.wish_rule"))
    sheet, sheet_name = _sheet(year, today, by, current_language()), t("activities.six.sheet")
    st.download_button(
        t("activities.six.download"),
        lambda: ledger_export.frame_xlsx(sheet, sheet_name),  # every row; the workbook is built when clicked
        on_click="ignore",
        file_name=f"six-items-{year}.xlsx",
        key="activities_six_xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    share = pd.DataFrame(
        {
            "item": [label(k) for k in SIX_ITEMS],
            "share": [
                round(100 * sum(1 for r in progress.rows if r.row.counts[k]) / len(progress.rows)) for k in SIX_ITEMS
            ],
        }
    )
    _chart(
        charts.bar(
            share,
            x="item",
            y="share",
            title=t("activities.six.chart_items"),
            x_title=t("activities.six.item"),
            y_title=t("activities.six.chart_share"),
            sort=list(share["item"]),
            tr=t,
        ),
        name=t("activities.six.chart_items"),
        key="activities_six_chart",
    )


def chart_data(session: Session, year: int, community_id: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    flt = activities.ActivityFilter(start=date(year, 1, 1), end=date(year, 12, 31), community_id=community_id)
    return (activity_reports.monthly_by_kind(session, flt=flt), activity_reports.top_units(session, flt=flt))


def _chart_data(year: int, community_id: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    return cached_read(chart_data, year, community_id)


@st.fragment  # its filters rerun only this panel, not the page
def charts_tab(today: date) -> None:
    """Activities per month by kind, hours and participants per month, the most active units."""
    _, communities = reference_lists()
    cols = st.columns(2)
    year = cols[0].selectbox(t("activities.charts.year"), _years(today), key="activities_charts_year")
    names = {0: t("activities.charts.all"), **names_by_id(communities)}
    community_id = cols[1].selectbox(
        t("activities.charts.community"), list(names), format_func=names.__getitem__, key="activities_charts_community"
    )
    monthly, top = _chart_data(year, community_id or None)
    if monthly.empty:
        st.info(t("activities.charts.empty"))
        return
    monthly = monthly.assign(kind_label=[label(ActivityKind(k)) for k in monthly["kind"]])
    _chart(
        charts.stacked_bar(
            monthly,
            x="month",
            y="activities",
            color="kind_label",
            title=t("activities.charts.by_month_kind"),
            x_title=t("activities.charts.month"),
            y_title=t("activities.charts.activities"),
            color_sort=[label(k) for k in ActivityKind],
            tr=t,
        ),
        name=t("activities.charts.by_month_kind"),
        key="activities_chart_kinds",
    )
    per_month = monthly.groupby("month", as_index=False)[["hours", "participants"]].sum()
    left, right = st.columns(2)
    _chart(
        charts.line(
            per_month,
            x="month",
            y="hours",
            title=t("activities.charts.hours"),
            x_title=t("activities.charts.month"),
            y_title=t("activities.charts.hours_axis"),
            tr=t,
        ),
        name=t("activities.charts.hours"),
        key="activities_chart_hours",
        container=left,
    )
    _chart(
        charts.line(
            per_month,
            x="month",
            y="participants",
            title=t("activities.charts.participants"),
            x_title=t("activities.charts.month"),
            y_title=t("activities.charts.participants_axis"),
            tr=t,
        ),
        name=t("activities.charts.participants"),
        key="activities_chart_participants",
        container=right,
    )
    _chart(
        charts.bar(
            top,
            x="unit",
            y="activities",
            title=t("activities.charts.top_units"),
            x_title=t("activities.charts.unit"),
            y_title=t("activities.charts.activities"),
            sort="-x",
            horizontal=True,
            tr=t,
        ),
        name=t("activities.charts.top_units"),
        key="activities_chart_top",
    )


MEMBER_HEADERS = {
    "name": "activities.members.name",
    "unit": "activities.fields.unit",
    "community": "activities.members.community",
    "reported_on": "activities.members.reported_on",
    "phone": "activities.members.phone",
}


def members_tab(actor: Actor, today: date) -> None:
    """Members per unit with the community each reported to; the keepers add, edit and import."""
    units, communities = reference_lists()
    unit_names = {0: t("activities.members.all_units"), **names_by_id(units)}
    default = list(unit_names).index(actor.unit_id) if actor.unit_id in unit_names else 0
    unit_id = st.selectbox(
        t("activities.members.unit_filter"),
        list(unit_names),
        index=default,
        format_func=unit_names.__getitem__,
        key="activities_members_unit",
    )
    with session_scope() as s:
        total = members.count_members(s, unit_id=unit_id or None)
    table = st.container()
    offset, limit = tables.pager(total, key="activities_members_page", page_size=20)
    with session_scope() as s:
        page = members.list_members(s, unit_id=unit_id or None, offset=offset, limit=limit)
    with table:
        if page.empty:
            st.caption(t("activities.members.none"))
        else:
            tables.show(page, MEMBER_HEADERS, key="activities_members_table")
    if not activities.can_log(actor):
        return
    keep_unit = unit_id if unit_id and actor.keeps_unit(unit_id) else actor.unit_id
    community_names = {0: t("activities.members.no_community"), **names_by_id(communities)}
    mine = {u.id: u.name for u in units if actor.keeps_unit(u.id)}
    with st.expander(t("activities.members.add")), st.form("activities_member_add", clear_on_submit=True):
        new_unit = st.selectbox(
            t("activities.fields.unit"),
            list(mine),
            format_func=mine.__getitem__,
            index=list(mine).index(keep_unit) if keep_unit in mine else 0,
            key="activities_member_add_unit",
        )
        name = st.text_input(t("activities.members.name"), max_chars=50, key="activities_member_add_name")
        community = st.selectbox(
            t("activities.members.community"),
            list(community_names),
            format_func=community_names.__getitem__,
            key="activities_member_add_community",
        )
        reported = st.date_input(
            t("activities.members.reported_on"),
            value=None,
            max_value=today,
            format="YYYY-MM-DD",
            key="activities_member_add_reported",
        )
        phone = st.text_input(t("activities.members.phone"), max_chars=30, key="activities_member_add_phone")
        if st.form_submit_button(t("activities.members.add_submit"), type="primary"):
            run_write(
                lambda s: members.create_member(
                    s,
                    actor,
                    name=name,
                    unit_id=new_unit,
                    community_id=community or None,
                    reported_on=reported,
                    phone=phone,
                ),
                t("activities.members.added", name=md_escape(name.strip())),
            )
    editable = page[[actor.keeps_unit(int(u)) for u in page["unit_id"]]] if not page.empty else page
    if not editable.empty:
        with st.expander(t("activities.members.edit")):
            names = {int(r.id): f"{r.name} · {r.unit}" for r in editable.itertuples()}
            mid = st.selectbox(
                t("activities.members.pick"), list(names), format_func=names.__getitem__, key="activities_member_pick"
            )
            row = editable[editable["id"] == mid].iloc[0]
            with st.form(f"activities_member_edit_{mid}"):
                unit_choice = st.selectbox(
                    t("activities.fields.unit"),
                    list(mine),
                    format_func=mine.__getitem__,
                    index=list(mine).index(int(row["unit_id"])),
                    key=f"activities_member_unit_{mid}",
                )
                name = st.text_input(
                    t("activities.members.name"), value=row["name"], key=f"activities_member_name_{mid}"
                )
                cid = int(row["community_id"]) if pd.notna(row["community_id"]) else 0
                community = st.selectbox(
                    t("activities.members.community"),
                    list(community_names),
                    index=list(community_names).index(cid) if cid in community_names else 0,
                    format_func=community_names.__getitem__,
                    key=f"activities_member_comm_{mid}",
                )
                reported = st.date_input(
                    t("activities.members.reported_on"),
                    value=row["reported_on"] if pd.notna(row["reported_on"]) else None,
                    format="YYYY-MM-DD",
                    key=f"activities_member_rep_{mid}",
                )
                phone = st.text_input(
                    t("activities.members.phone"), value=row["phone"] or "", key=f"activities_member_phone_{mid}"
                )
                save = st.form_submit_button(t("activities.members.save"), type="primary")
                confirm = st.checkbox(t("activities.members.delete_confirm"), key=f"activities_member_confirm_{mid}")
                delete = st.form_submit_button(t("activities.members.delete"))
            if save:
                run_write(
                    lambda s: members.update_member(
                        s,
                        actor,
                        mid,
                        name=name,
                        unit_id=unit_choice,
                        community_id=community or None,
                        reported_on=reported,
                        phone=phone,
                    ),
                    t("activities.members.saved"),
                )
            if delete and confirm:
                run_write(lambda s: members.delete_member(s, actor, mid), t("activities.members.deleted"))
    with st.expander(t("activities.members.import")):
        import_panel(actor)


def import_panel(actor: Actor) -> None:
    st.caption(t("activities.members.import_help"))
    st.download_button(
        t("activities.members.template"),
        members.import_template(),
        file_name="在职党员导入模板.xlsx",
        key="activities_member_template",
    )
    upload = st.file_uploader(t("activities.members.file"), type=["xlsx"], key="activities_member_file")
    cols = st.columns(2)
    check = cols[0].button(t("activities.members.check"), key="activities_member_check", disabled=upload is None)
    run = cols[1].button(
        t("activities.members.run_import"), key="activities_member_import", type="primary", disabled=upload is None
    )
    if upload is None or not (check or run):
        return
    if run:  # written only when every row is valid; then the message, after the rerun
        result = run_write(
            lambda s: members.import_members(s, actor, upload.getvalue(), dry_run=False),
            lambda r: "" if r.problems else t("activities.members.import_ok", created=r.created, updated=r.updated),
            rerun=False,
        )
        if result is FAILED:
            return
        if not result.problems:
            st.rerun()
    else:
        try:
            with session_scope() as s:
                result = members.import_members(s, actor, upload.getvalue(), dry_run=True)
        except AppError as err:
            st.error(error_message(err))
            return
    if result.problems:
        st.error(t("activities.members.import_failed", n=len(result.problems)))
        st.dataframe(
            pd.DataFrame(
                {
                    t("activities.members.row"): [p.row for p in result.problems],
                    t("activities.members.column"): [p.column for p in result.problems],
                    t("activities.members.value"): [p.value for p in result.problems],
                    t("activities.members.reason"): [t(p.code, **p.params) for p in result.problems],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.info(t("activities.members.check_ok", created=result.created, updated=result.updated))


def ledger_tab(actor: Actor, today: date) -> None:
    """A unit's annual ledger (台账) as Word and Excel, built on request."""
    units, _ = reference_lists()
    unit_names = names_by_id(units)
    cols = st.columns([2, 1])
    default = list(unit_names).index(actor.unit_id) if actor.unit_id in unit_names else 0
    unit_id = cols[0].selectbox(
        t("activities.ledger.unit"),
        list(unit_names),
        index=default,
        format_func=unit_names.__getitem__,
        key="activities_ledger_unit",
    )
    year = cols[1].selectbox(t("activities.ledger.year"), _years(today), key="activities_ledger_year")
    # one click per file: each is built when its button is pressed (the button shows it is busy meanwhile)
    name = f"{unit_names[unit_id]}-{year}-台账"
    lang = current_language()
    st.caption(t("activities.ledger.one_click", unit=md_escape(unit_names[unit_id]), year=year))
    c = st.columns(2)
    c[0].download_button(
        t("activities.ledger.docx"),
        lambda: ledger_export.ledger_docx(_ledger(unit_id, year, today), lang=lang),
        file_name=f"{name}.docx",
        key="activities_ledger_docx",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        on_click="ignore",
        icon=":material/description:",
    )
    c[1].download_button(
        t("activities.ledger.xlsx"),
        lambda: ledger_export.ledger_xlsx(_ledger(unit_id, year, today), lang=lang),
        file_name=f"{name}.xlsx",
        key="activities_ledger_xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        icon=":material/grid_on:",
    )


def _ledger(unit_id: int, year: int, today: date) -> activity_reports.Ledger:
    with session_scope() as s:
        return activity_reports.build_ledger(s, unit_id=unit_id, year=year, as_of=today)
