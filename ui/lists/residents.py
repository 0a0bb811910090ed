"""/lists › 居民提交: the residents' queue (accept, merge, decline), the needs shown on the public
board, and posting a 公示 — for the admins and the community's own workers."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from domain.actor import Actor
from domain.enums import PublicityKind, SubmissionKind, SubmissionStatus
from exports.format import fmt_datetime
from services import residents
from services.reference import list_communities
from ui.kit.actions import run_write
from ui.kit.i18n import current_language, label, t
from ui.kit.safe import md_escape
from ui.kit.state import session_scope
from ui.lists.view import reference


def residents_tab(actor: Actor, today: date) -> None:
    st.caption(t("residents.caption"))
    community_id = _community(actor)
    if community_id is None:
        return
    with session_scope() as s:
        pending = residents.list_submissions(s, actor, community_id=community_id)
        choices = residents.list_need_choices(s, actor, community_id=community_id)
        projects = residents.list_project_choices(s, actor, community_id=community_id)
    _queue(actor, pending, choices, today)
    st.divider()
    _public_needs(actor, choices)
    st.divider()
    _post_publicity(actor, community_id, projects, today)
    with st.expander(t("residents.decided_heading")):
        with session_scope() as s:
            decided = [
                x
                for x in residents.list_submissions(s, actor, community_id=community_id, status=None)
                if x.status != SubmissionStatus.PENDING
            ]
        for sub in decided[-50:]:
            reason = f"：{md_escape(sub.decline_reason)}" if sub.decline_reason else ""
            st.markdown(f"{label(sub.status)} · {label(sub.kind)} · {md_escape(sub.text[:80])}{reason}")


def _community(actor: Actor) -> int | None:
    if not actor.is_admin:
        return actor.community_id
    with session_scope() as s:
        options = {o.id: o.name for o in list_communities(s)}
    if not options:
        return None
    return st.selectbox(
        t("residents.community"), list(options), format_func=options.__getitem__, key="lists_res_community"
    )


def _queue(actor: Actor, pending: list[residents.Submission], choices: list[residents.NeedChoice], today: date) -> None:
    lang = current_language()
    if not pending:
        st.info(t("residents.none_pending"))
        return
    by_id = {p.id: p for p in pending}

    def caption(i: int) -> str:
        p = by_id[i]
        return f"#{p.id} · {label(p.kind)} · {p.text[:40]}"

    sub_id = st.selectbox(t("residents.pick"), list(by_id), format_func=caption, key="lists_res_pick")
    sub = by_id[int(sub_id)]
    with st.container(border=True):
        st.markdown(f"**{label(sub.kind)}** · {t('residents.submitted_at')}：{fmt_datetime(sub.submitted_at, lang)}")
        st.text(sub.text)
        details = []
        if sub.category:
            details.append(f"{t('wall.fields.category')}：{md_escape(sub.category)}")
        if sub.display_name:
            shown = t("residents.shows_name") if sub.show_name else ""
            details.append(f"{t('residents.name')}：{md_escape(sub.display_name)}{shown}")
        if sub.phone:
            details.append(f"{t('residents.phone')}：{md_escape(sub.phone)}")
        if sub.publicity_title:
            details.append(f"{t('residents.publicity')}：{md_escape(sub.publicity_title)}")
        if details:
            st.markdown("  \n".join(details))
    if sub.kind == SubmissionKind.OBJECTION:
        if st.button(t("residents.acknowledge"), key=f"lists_res_ack_{sub.id}", type="primary"):
            run_write(
                lambda s: residents.accept_submission(s, actor, submission_id=sub.id, title="", category_id=None),
                t("residents.acknowledged"),
            )
    else:
        _accept_form(actor, sub, today)
        _merge_form(actor, sub, choices)
    _decline_form(actor, sub)


def _accept_form(actor: Actor, sub: residents.Submission, today: date) -> None:
    _, _, categories = reference()
    names = {c.id: c.name for c in categories}
    with st.form(f"lists_res_accept_{sub.id}", border=True):
        st.markdown(f"**{t('residents.accept_heading')}**")
        title = st.text_input(t("lists.fields.need_title"), value=sub.text[:60], key=f"lists_res_title_{sub.id}")
        ids = list(names)
        index = ids.index(sub.category_id) if sub.category_id in ids else 0
        category = st.selectbox(
            t("lists.fields.category"), ids, index=index, format_func=names.__getitem__, key=f"lists_res_cat_{sub.id}"
        )
        description = st.text_area(t("lists.fields.description"), value=sub.text, key=f"lists_res_desc_{sub.id}")
        public = st.checkbox(t("residents.fields.public"), value=True, key=f"lists_res_public_{sub.id}")
        if st.form_submit_button(t("residents.accept"), type="primary"):
            run_write(
                lambda s: residents.accept_submission(
                    s,
                    actor,
                    submission_id=sub.id,
                    title=title,
                    category_id=category,
                    description=description,
                    is_public=public,
                    raised_on=today,
                ),
                t("residents.accepted"),
            )


def _merge_form(actor: Actor, sub: residents.Submission, choices: list[residents.NeedChoice]) -> None:
    if not choices:
        return
    titles = {c.id: c.title for c in choices}
    with st.form(f"lists_res_merge_{sub.id}", border=True):
        st.markdown(f"**{t('residents.merge_heading')}**")
        need_id = st.selectbox(
            t("residents.fields.merge_into"),
            list(titles),
            format_func=titles.__getitem__,
            key=f"lists_res_into_{sub.id}",
        )
        if st.form_submit_button(t("residents.merge")):
            run_write(
                lambda s: residents.merge_submission(s, actor, submission_id=sub.id, need_id=int(need_id)),
                t("residents.merged"),
            )


def _decline_form(actor: Actor, sub: residents.Submission) -> None:
    with st.form(f"lists_res_decline_{sub.id}", border=True):
        st.markdown(f"**{t('residents.decline_heading')}**")
        reason = st.text_input(t("residents.fields.reason"), key=f"lists_res_reason_{sub.id}")
        if st.form_submit_button(t("residents.decline")):
            run_write(
                lambda s: residents.decline_submission(s, actor, submission_id=sub.id, reason=reason),
                t("residents.declined"),
            )


def _public_needs(actor: Actor, choices: list[residents.NeedChoice]) -> None:
    st.markdown(f"**{t('residents.public_heading')}**")
    st.caption(t("residents.public_caption"))
    if not choices:
        st.caption(t("lists.no_rows"))
        return
    titles = {c.id: c.title for c in choices}
    current = [c.id for c in choices if c.is_public]
    with st.form("lists_res_public_form", border=True):
        chosen = st.multiselect(
            t("residents.fields.public"),
            list(titles),
            default=current,
            format_func=titles.__getitem__,
            key="lists_res_public",
        )
        if st.form_submit_button(t("lists.save")):
            changes = {c.id: c.id in chosen for c in choices if (c.id in chosen) != c.is_public}

            def save(s) -> None:  # type: ignore[no-untyped-def]
                for need_id, public in changes.items():
                    residents.set_need_public(s, actor, need_id=need_id, public=public)

            run_write(save, t("residents.public_saved"))


def _post_publicity(actor: Actor, community_id: int, projects: list[residents.ProjectChoice], today: date) -> None:
    st.markdown(f"**{t('residents.publicity_heading')}**")
    st.caption(t("residents.publicity_caption"))
    if not projects:
        st.caption(t("residents.no_projects"))
        return
    titles = {p.id: p.title for p in projects}
    with st.form("lists_res_publicity_form", border=True):
        kind = st.selectbox(
            t("residents.fields.kind"), list[PublicityKind](PublicityKind), format_func=label, key="lists_res_pub_kind"
        )
        title = st.text_input(t("residents.fields.title"), key="lists_res_pub_title")
        chosen = st.multiselect(
            t("residents.fields.projects"), list(titles), format_func=titles.__getitem__, key="lists_res_pub_projects"
        )
        c = st.columns(2)
        starts = c[0].date_input(t("residents.fields.starts_on"), value=today, key="lists_res_pub_start")
        ends = c[1].date_input(t("residents.fields.ends_on"), value=today + timedelta(days=7), key="lists_res_pub_end")
        note = st.text_area(t("residents.fields.note"), key="lists_res_pub_note")
        if st.form_submit_button(t("residents.post"), type="primary"):
            run_write(
                lambda s: residents.post_publicity(
                    s,
                    actor,
                    community_id=community_id,
                    kind=kind,
                    title=title,
                    project_ids=chosen,
                    starts_on=starts,
                    ends_on=ends,
                    note=note,
                ),
                t("residents.posted"),
            )
