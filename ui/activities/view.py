"""The /activities page's log form, browse table and detail view (widgets only; services do the work)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from domain.actor import Actor
from domain.enums import ActivityKind
from domain.errors import AppError
from exports.format import fmt_date, fmt_number
from services import activities, reference
from services.reference import Option, list_communities, list_units
from ui.kit import tables
from ui.kit.actions import FAILED, run_write
from ui.kit.i18n import current_language, error_message, label, t
from ui.kit.safe import md_escape
from ui.kit.state import cached_read, session_scope

PHOTO_TYPES = ["jpg", "jpeg", "png", "gif", "webp"]
KINDS = list(ActivityKind)
SAVED_KEY = "activities_log_saved"
RESET_KEY = "activities_log_reset"
PHOTOS_ROUND = "activities_log_photos_round"  # a new uploader after each save: the browser keeps files otherwise
LOG_KEYS = [
    f"activities_log_{k}"
    for k in (
        "held_on",
        "community",
        "kind",
        "title",
        "description",
        "participants",
        "hours",
        "beneficiaries",
        "project",
        "member",
        "need",
        "reason",
    )
]
LIST_HEADERS = {
    "held_on": "activities.fields.held_on",
    "unit": "activities.fields.unit",
    "community": "activities.fields.community",
    "kind": "activities.fields.kind",
    "title": "activities.fields.title",
    "participants": "activities.fields.participants",
    "volunteer_hours": "activities.browse.hours",
    "photos": "activities.fields.photo_count",
}


def names_by_id(options: list[Option]) -> dict[int, str]:
    return {o.id: o.name for o in options}


def _files(uploaded: list | None) -> list[tuple[str, bytes]]:  # type: ignore[type-arg]
    return [(f.name, f.getvalue()) for f in uploaded or []]


READS = activities.READS | reference.READS


def units_and_communities(session: Session) -> tuple[list[Option], list[Option]]:
    return list_units(session), list_communities(session)


def reference_lists() -> tuple[list[Option], list[Option]]:
    return cached_read(units_and_communities)


def _options(unit_id: int | None) -> activities.FormOptions:
    with session_scope() as s:
        return activities.form_options(s, unit_id=unit_id)


def community_names(opts: activities.FormOptions, *, liaison: bool, keep: int | None = None) -> dict[int, str]:
    """The communities offered for a unit's activity, each marked paired / member reported / not
    paired. A liaison is offered only those the unit may log in (and ``keep``, an edit's current one)."""

    def mark(cid: int) -> str:
        if cid in opts.paired_ids:
            return t("activities.log.paired")
        return t("activities.log.reported") if cid in opts.reported_ids else t("activities.log.off_pairing")

    return {
        c.id: c.name + mark(c.id) for c in opts.communities if not liaison or c.id in opts.allowed_ids or c.id == keep
    }


def log_form(actor: Actor, today: date) -> None:
    """The single-column logging form (fits a phone); the admin first picks the unit."""
    saved = st.session_state.get(SAVED_KEY)
    if isinstance(saved, LoggedSummary):  # in the form's place, where the eye is after 提交登记
        _logged_panel(saved)
        return
    st.subheader(t("activities.log.heading"))
    units, _ = reference_lists()
    unit_id = actor.unit_id
    if actor.is_admin:
        unit_names = names_by_id(units)
        unit_id = st.selectbox(
            t("activities.log.unit_hint"),
            list(unit_names),
            format_func=unit_names.__getitem__,
            key="activities_log_unit",
        )
    if unit_id is None:
        st.info(t("activities.log.no_unit"))
        return
    opts = _options(unit_id)
    # a community chosen before its pairing ended stays on offer, so that the save says why it is refused
    places = community_names(opts, liaison=not actor.is_admin, keep=st.session_state.get("activities_log_community"))
    if not places:
        st.info(t("activities.log.no_allowed", unit=md_escape(names_by_id(units).get(unit_id, ""))))
        return
    projects = {0: t("activities.log.no_project"), **names_by_id(opts.projects)}
    members = {0: t("activities.log.no_member"), **names_by_id(opts.members)}
    wishes = {0: t("activities.log.no_wish"), **names_by_id(opts.wishes)}
    if st.session_state.pop(RESET_KEY, False):
        _blank_form()
    community_id: int | None = None
    if actor.is_admin:  # picked outside the form, so that the reason field shows when it is not paired
        community_id = st.selectbox(
            t("activities.fields.community"),
            list(places),
            format_func=places.__getitem__,
            key="activities_log_community",
        )
    # Enter in a text field does not send a half-filled form (a phone's keyboard has Enter at hand)
    with st.container(key="noenter_activities_log"), st.form("activities_log_form", enter_to_submit=False):
        held_on = st.date_input(
            t("activities.fields.held_on"),
            value=today,
            max_value=today,
            format="YYYY-MM-DD",
            key="activities_log_held_on",
        )
        reason = ""
        if not actor.is_admin:
            community_id = st.selectbox(
                t("activities.fields.community"),
                list(places),
                format_func=places.__getitem__,
                key="activities_log_community",
                help=t("activities.log.allowed_note"),
            )
        elif community_id not in opts.allowed_ids:
            reason = st.text_area(
                t("activities.fields.off_pairing_reason"),
                key="activities_log_reason",
                help=t("activities.log.reason_help"),
                max_chars=500,
                height=80,
            )
        kind = st.selectbox(t("activities.fields.kind"), KINDS, format_func=label, key="activities_log_kind")
        title = st.text_input(t("activities.fields.title"), max_chars=200, key="activities_log_title")
        description = st.text_area(
            t("activities.fields.description"),
            key="activities_log_description",
            placeholder=t("activities.log.description_placeholder"),
            height=100,
        )
        participants = st.number_input(
            t("activities.fields.participants"), min_value=0, step=1, key="activities_log_participants"
        )
        hours = st.number_input(
            t("activities.fields.volunteer_hours"), min_value=0.0, step=0.5, key="activities_log_hours"
        )
        beneficiaries = st.number_input(
            t("activities.fields.beneficiaries"), min_value=0, step=1, key="activities_log_beneficiaries"
        )
        project_id = st.selectbox(
            t("activities.fields.project"),
            list(projects),
            format_func=projects.__getitem__,
            key="activities_log_project",
        )
        member_id = 0
        if opts.members:
            member_id = st.selectbox(
                t("activities.fields.member"),
                list(members),
                format_func=members.__getitem__,
                key="activities_log_member",
            )
        need_id = 0
        if opts.wishes:
            need_id = st.selectbox(
                t("activities.fields.need"),
                list(wishes),
                format_func=wishes.__getitem__,
                key="activities_log_need",
                help=t("activities.log.wish_help"),
            )
        photos = st.file_uploader(
            t("activities.fields.photos"),
            type=PHOTO_TYPES,
            accept_multiple_files=True,
            help=t("activities.log.photos_help"),
            key=f"activities_log_photos_{st.session_state.get(PHOTOS_ROUND, 0)}",
        )
        submitted = st.form_submit_button(
            t("activities.log.submit"), type="primary", width="stretch", key="activities_log_submit"
        )
    if submitted:
        saved = run_write(
            lambda s: activities.log_activity(
                s,
                actor,
                unit_id=unit_id,
                community_id=community_id,
                held_on=held_on,
                kind=kind,
                title=title,
                description=description,
                participants=participants,
                volunteer_hours=hours,
                beneficiaries=beneficiaries,
                project_id=project_id or None,
                member_id=member_id or None,
                photos=_files(photos),
                today=today,
                need_id=need_id or None,
                off_pairing_reason=reason or None,
            ),
            rerun=False,
        )
        if saved is not FAILED:  # on an error the form keeps what was typed
            for key in LOG_KEYS:
                st.session_state.pop(key, None)
            st.session_state[SAVED_KEY] = LoggedSummary(
                title=title.strip(),
                held_on=held_on,
                community=names_by_id(opts.communities).get(community_id, "") if community_id is not None else "",
                kind=kind,
                participants=int(participants),
                hours=float(hours),
                beneficiaries=int(beneficiaries),
                photos=len(photos or []),
            )
            st.session_state[RESET_KEY] = True
            st.session_state[PHOTOS_ROUND] = st.session_state.get(PHOTOS_ROUND, 0) + 1
            st.rerun()


@dataclass(frozen=True)
class LoggedSummary:
    """What the liaison just logged, shown in the form's place until they log another."""

    title: str
    held_on: date
    community: str
    kind: ActivityKind
    participants: int
    hours: float
    beneficiaries: int
    photos: int


def _logged_panel(saved: LoggedSummary) -> None:
    """The success panel: what was logged, and a button back to a blank form."""
    lang = current_language()
    with st.container(border=True, key="activities_logged"):
        st.success(t("activities.log.saved", title=md_escape(saved.title)), icon=":material/check_circle:")
        st.markdown(
            " · ".join(md_escape(x) for x in (fmt_date(saved.held_on, lang), saved.community, label(saved.kind)) if x)
        )
        st.markdown(
            t(
                "activities.log.saved_figures",
                participants=fmt_number(saved.participants),
                hours=fmt_number(saved.hours, 1),
                beneficiaries=fmt_number(saved.beneficiaries),
                photos=fmt_number(saved.photos),
            )
        )
        st.caption(t("activities.log.saved_where"))
        if st.button(
            t("activities.log.another"),
            type="primary",
            width="stretch",
            icon=":material/add:",
            key="activities_log_another",
        ):
            st.session_state.pop(SAVED_KEY, None)
            st.rerun()


def _blank_form() -> None:
    """Empty the activity's own fields for the next one. Values set through session_state before
    the widgets are drawn reach the browser too (only dropping the keys leaves the old entry on
    screen); the date, community and kind stay as chosen."""
    st.session_state.update(
        {
            "activities_log_title": "",
            "activities_log_description": "",
            "activities_log_participants": 0,
            "activities_log_hours": 0.0,
            "activities_log_beneficiaries": 0,
            "activities_log_project": 0,
            "activities_log_member": 0,
            "activities_log_need": 0,
            "activities_log_reason": "",
        }
    )


def filters(today: date, *, prefix: str) -> activities.ActivityFilter:
    """The browse filters: period, community, unit, kind, words (two rows; they stack on a phone)."""
    units, communities = reference_lists()
    start, end = activities.default_period(today)
    row1 = st.columns([2, 1, 1])
    period = row1[0].date_input(
        t("activities.browse.period"), value=(start, end), format="YYYY-MM-DD", key=f"{prefix}_period"
    )
    community_names = {0: t("activities.browse.all_communities"), **names_by_id(communities)}
    community_id = row1[1].selectbox(
        t("activities.fields.community"),
        list(community_names),
        format_func=community_names.__getitem__,
        key=f"{prefix}_community",
    )
    unit_names = {0: t("activities.browse.all_units"), **names_by_id(units)}
    unit_id = row1[2].selectbox(
        t("activities.fields.unit"), list(unit_names), format_func=unit_names.__getitem__, key=f"{prefix}_unit"
    )
    row2 = st.columns([1, 2])
    kinds = ["", *[k.value for k in KINDS]]
    kind = row2[0].selectbox(
        t("activities.fields.kind"),
        kinds,
        key=f"{prefix}_kind",
        format_func=lambda k: label(ActivityKind(k)) if k else t("activities.browse.all_kinds"),
    )
    words = row2[1].text_input(t("activities.browse.text"), key=f"{prefix}_text", max_chars=100)
    chosen = list(period) if isinstance(period, tuple | list) else [period]
    return activities.ActivityFilter(
        start=chosen[0] if chosen else None,
        end=chosen[1] if len(chosen) > 1 else None,
        community_id=community_id or None,
        unit_id=unit_id or None,
        kind=ActivityKind(kind) if kind else None,
        text=words or "",
    )


def _count(flt: activities.ActivityFilter) -> int:
    return cached_read(activities.count_activities, flt=flt)


def _page(flt: activities.ActivityFilter, offset: int, limit: int) -> pd.DataFrame:
    return cached_read(activities.list_activities, flt=flt, offset=offset, limit=limit)


def browse(actor: Actor, today: date) -> None:
    """The filtered, paged table and the chosen activity's detail (with edit and delete).
    Counts and pages are cached until an activity (or an area they read) is written."""
    flt = filters(today, prefix="activities_browse")
    total = _count(flt)
    if total == 0:
        st.info(t("activities.browse.empty"))
        return
    table = st.container()
    offset, limit = tables.pager(total, key="activities_browse_page", page_size=20)
    page = _page(flt, offset, limit)
    with table:
        tables.show(page, LIST_HEADERS, enums={"kind": ActivityKind}, key="activities_browse_table")
    lang = current_language()
    choices = {0: t("activities.browse.pick_none")}
    choices.update({int(r.id): f"{fmt_date(r.held_on, lang)} · {r.unit} · {r.title}" for r in page.itertuples()})
    picked = st.selectbox(
        t("activities.browse.pick"), list(choices), format_func=choices.__getitem__, key="activities_browse_pick"
    )
    if picked:
        detail(actor, int(picked), today)


def detail(actor: Actor, activity_id: int, today: date) -> None:
    try:
        with session_scope() as s:
            d = activities.get_activity(s, actor, activity_id)
    except AppError as err:
        st.warning(error_message(err))
        return
    lang = current_language()
    with st.container(border=True):
        st.markdown(f"#### {md_escape(d.title)}")
        st.caption(" · ".join(md_escape(x) for x in (fmt_date(d.held_on, lang), d.unit, d.community, label(d.kind))))
        cols = st.columns(3)
        cols[0].metric(t("activities.fields.participants"), fmt_number(d.participants))
        cols[1].metric(t("activities.fields.volunteer_hours"), fmt_number(d.volunteer_hours, 1))
        cols[2].metric(t("activities.fields.beneficiaries"), fmt_number(d.beneficiaries))
        if d.description:
            st.markdown(md_escape(d.description))
        extra = [
            (t("activities.fields.project"), d.project),
            (t("activities.fields.member"), d.member),
            (t("activities.fields.off_pairing_reason"), d.off_pairing_reason),
        ]
        for name, value in extra:
            if value:
                st.markdown(f"**{name}**：{md_escape(value)}")
        if d.logged_by:
            st.caption(t("activities.browse.logged_by", name=md_escape(d.logged_by)))
        thumbs = [p for p in d.photos if p.thumbnail]
        if thumbs:
            st.image([p.thumbnail for p in thumbs if p.thumbnail], caption=[p.filename for p in thumbs], width=160)
        else:
            st.caption(t("activities.browse.no_photos"))
    if d.can_edit:
        edit_form(actor, d, today)


def edit_form(actor: Actor, d: activities.ActivityDetail, today: date) -> None:
    """Edit or soft-delete an activity the actor keeps (both kept in the audit log)."""
    key = f"activities_edit_{d.id}"
    opts = _options(d.unit_id)
    communities = community_names(opts, liaison=not actor.is_admin, keep=d.community_id)
    projects = {0: t("activities.log.no_project"), **names_by_id(opts.projects)}
    if d.project_id and d.project_id not in projects:
        projects[d.project_id] = d.project
    members = {0: t("activities.log.no_member"), **names_by_id(opts.members)}
    if d.member_id and d.member_id not in members:
        members[d.member_id] = d.member
    wishes = {0: t("activities.log.no_wish"), **names_by_id(opts.wishes)}
    photo_names = {p.id: p.filename for p in d.photos}
    with st.expander(t("activities.browse.edit")), st.form(f"{key}_form"):
        held_on = st.date_input(
            t("activities.fields.held_on"),
            value=d.held_on,
            max_value=max(today, d.held_on),
            format="YYYY-MM-DD",
            key=f"{key}_held_on",
        )
        community_id = st.selectbox(
            t("activities.fields.community"),
            list(communities),
            index=list(communities).index(d.community_id) if d.community_id in communities else 0,
            format_func=communities.__getitem__,
            key=f"{key}_community",
        )
        kind = st.selectbox(
            t("activities.fields.kind"), KINDS, index=KINDS.index(d.kind), format_func=label, key=f"{key}_kind"
        )
        title = st.text_input(t("activities.fields.title"), value=d.title, max_chars=200, key=f"{key}_title")
        description = st.text_area(t("activities.fields.description"), value=d.description, key=f"{key}_desc")
        participants = st.number_input(
            t("activities.fields.participants"), min_value=0, value=d.participants, step=1, key=f"{key}_participants"
        )
        hours = st.number_input(
            t("activities.fields.volunteer_hours"),
            min_value=0.0,
            value=float(d.volunteer_hours),
            step=0.5,
            key=f"{key}_hours",
        )
        beneficiaries = st.number_input(
            t("activities.fields.beneficiaries"), min_value=0, value=d.beneficiaries, step=1, key=f"{key}_beneficiaries"
        )
        project_id = st.selectbox(
            t("activities.fields.project"),
            list(projects),
            format_func=projects.__getitem__,
            index=list(projects).index(d.project_id or 0),
            key=f"{key}_project",
        )
        member_id = st.selectbox(
            t("activities.fields.member"),
            list(members),
            format_func=members.__getitem__,
            index=list(members).index(d.member_id or 0),
            key=f"{key}_member",
        )
        need_id = 0
        if opts.wishes or d.need_id:
            need_id = st.selectbox(
                t("activities.fields.need"),
                list(wishes),
                format_func=wishes.__getitem__,
                index=list(wishes).index(d.need_id) if d.need_id in wishes else 0,
                key=f"{key}_need",
                help=t("activities.log.wish_help"),
            )
        reason = d.off_pairing_reason
        if actor.is_admin:
            reason = st.text_area(
                t("activities.fields.off_pairing_reason"),
                value=d.off_pairing_reason,
                key=f"{key}_reason",
                help=t("activities.log.reason_help"),
                max_chars=500,
                height=80,
            )
        remove = (
            st.multiselect(
                t("activities.browse.remove_photos"),
                list(photo_names),
                format_func=photo_names.__getitem__,
                placeholder=t("common.choose_many"),
                key=f"{key}_remove",
            )
            if photo_names
            else []
        )
        add = st.file_uploader(
            t("activities.browse.add_photos"),
            type=PHOTO_TYPES,
            accept_multiple_files=True,
            help=t("activities.log.photos_help"),
            key=f"{key}_add",
        )
        save = st.form_submit_button(t("activities.browse.save"), type="primary")
        confirm = st.checkbox(t("activities.browse.delete_confirm"), key=f"{key}_confirm")
        delete = st.form_submit_button(t("activities.browse.delete"))
    if save:
        run_write(
            lambda s: activities.update_activity(
                s,
                actor,
                d.id,
                community_id=community_id,
                held_on=held_on,
                kind=kind,
                title=title,
                description=description,
                participants=participants,
                volunteer_hours=hours,
                beneficiaries=beneficiaries,
                project_id=project_id or None,
                member_id=member_id or None,
                add_photos=_files(add),
                remove_photo_ids=remove,
                today=max(today, d.held_on),
                need_id=need_id or None,
                off_pairing_reason=reason or None,
            ),
            t("activities.browse.saved"),
        )
    if delete and confirm:
        run_write(lambda s: activities.delete_activity(s, actor, d.id), t("activities.browse.deleted"))
