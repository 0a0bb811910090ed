"""The 消息投递 tab of the 管理 page: the outbox filtered, counted and paged on the server, one
delivery's attempts and its resend, a test e-mail, and the chair reminder's days before the month."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import streamlit as st

from domain.actor import Actor
from domain.enums import NoticeChannel, NoticeEvent, NoticeStatus
from domain.errors import AppError
from exports.format import fmt_datetime, today_local
from services import notices
from ui.admin import view as admin_view
from ui.kit import tables
from ui.kit.actions import FAILED, run_write
from ui.kit.i18n import current_language, error_message, label, t
from ui.kit.safe import md_escape
from ui.kit.state import session_scope

PAGE_SIZE = 20
TEST_RESULT_KEY = "admin_notice_test_result"
COLUMNS = {
    "due_at": "notices.admin.due_at",
    "event": "notices.admin.event",
    "channel": "notices.admin.channel",
    "recipient": "notices.admin.recipient",
    "email": "fields.email",
    "status": "fields.status",
    "attempts": "notices.admin.attempts",
    "next_attempt_at": "notices.admin.next_attempt_at",
    "sent_at": "notices.admin.sent_at",
    "last_error": "notices.admin.last_error",
}


def _all(value: Any) -> str:
    return t("common.all") if value is None else label(value)


def _filters() -> dict[str, Any]:
    today = today_local()
    c1, c2, c3, c4 = st.columns(4)
    status = c1.selectbox(t("fields.status"), [None, *NoticeStatus], key="admin_notice_status", format_func=_all)
    channel = c2.selectbox(
        t("notices.admin.channel"), [None, *NoticeChannel], key="admin_notice_channel", format_func=_all
    )
    event = c3.selectbox(t("notices.admin.event"), [None, *NoticeEvent], key="admin_notice_event", format_func=_all)
    query = c4.text_input(
        t("notices.admin.recipient"), key="admin_notice_recipient", placeholder=t("notices.admin.recipient_hint")
    )
    c5, c6, _ = st.columns([1, 1, 2])
    date_from = c5.date_input(
        t("common.from_date"), value=today - timedelta(days=30), key="admin_notice_from", format="YYYY-MM-DD"
    )
    date_to = c6.date_input(t("common.to_date"), value=None, key="admin_notice_to", format="YYYY-MM-DD")
    return {
        "status": status,
        "channel": channel,
        "event": event,
        "query": query,
        "date_from": date_from,
        "date_to": date_to,
    }


def notices_tab(actor: Actor) -> None:
    st.caption(t("notices.admin.intro"))
    _mail_state()
    filters = _filters()
    try:
        with session_scope() as s:
            counts = notices.count_deliveries(s, actor, **filters)
    except AppError as err:
        st.error(error_message(err))
        return
    cols = st.columns(len(counts))
    for col, (status, n) in zip(cols, counts.items(), strict=True):
        col.metric(label(status), n)
    total = sum(counts.values())
    if total == 0:
        st.info(t("notices.admin.empty"))
    else:
        _deliveries(actor, filters, total)
    left, right = st.columns(2)
    with left:
        _test_email(actor)
    with right:
        _chair_days(actor)


def _mail_state() -> None:
    if not notices.mail_on():
        st.warning(t("notices.admin.mail_off"), icon=":material/mail_lock:")
        return
    try:
        cfg = notices.smtp_config()
    except ValueError as err:
        st.error(t("notices.errors.smtp_bad", field=t("notices.fields.smtp_url"), error=str(err)))
        return
    st.caption(t("notices.admin.mail_on", server=f"{cfg.host}:{cfg.port}"))


def _deliveries(actor: Actor, filters: dict[str, Any], total: int) -> None:
    lang = current_language()
    table = st.container()
    offset, limit = tables.pager(total, key="admin_notice_page", page_size=PAGE_SIZE)
    with session_scope() as s:
        page, _ = notices.list_deliveries(s, actor, offset=offset, limit=limit, **filters)
    with table:
        tables.show(
            page,
            COLUMNS,
            enums={"event": NoticeEvent, "channel": NoticeChannel, "status": NoticeStatus},
            key="admin_notice_table",
            height=admin_view.table_height(len(page)),
        )
    if page.empty:
        return
    rows = {int(r.id): r for r in page.itertuples(index=False)}

    def describe(notice_id: int) -> str:
        r = rows[notice_id]
        return " · ".join(
            [
                fmt_datetime(r.due_at, lang),
                label(NoticeEvent(r.event)),
                label(NoticeChannel(r.channel)),
                str(r.recipient),
                label(NoticeStatus(r.status)),
            ]
        )

    notice_id = st.selectbox(t("notices.admin.pick"), list(rows), format_func=describe, key="admin_notice_pick")
    if notice_id is not None:
        _attempts(actor, int(notice_id), rows[int(notice_id)])


def _attempts(actor: Actor, notice_id: int, row: Any) -> None:
    with session_scope() as s:
        attempts = notices.list_attempts(s, actor, notice_id=notice_id)
    if attempts.empty:
        st.caption(t("notices.admin.no_attempts"))
    else:
        attempts = attempts.assign(at=attempts["at"].astype(object))
        tables.show(
            attempts,
            {"at": "notices.admin.at", "status": "fields.status", "error": "notices.admin.error"},
            enums={"status": NoticeStatus},
            key=f"admin_notice_attempts_{notice_id}",
            height=admin_view.table_height(len(attempts)),
        )
    failed = row.channel == NoticeChannel.EMAIL and row.status == NoticeStatus.FAILED
    if failed and st.button(
        t("notices.admin.resend"), key=f"admin_notice_resend_{notice_id}", icon=":material/forward_to_inbox:"
    ):
        run_write(
            lambda s: notices.resend_notice(s, actor, notice_id=notice_id), admin_view.done("notices.admin.resent")
        )


def _test_email(actor: Actor) -> None:
    st.markdown(f"**{t('notices.admin.test_title')}**")
    result = st.session_state.pop(TEST_RESULT_KEY, None)
    if result is not None:
        ok, message = result
        (st.success if ok else st.error)(message)
    with st.form("admin_notice_test"):
        addr = st.text_input(t("notices.fields.test_to"), key="admin_notice_test_to", value=actor_email(actor))
        if not st.form_submit_button(t("notices.admin.test_button"), icon=":material/outgoing_mail:"):
            return
    error = run_write(lambda s: notices.send_test_email(s, actor, to_addr=addr), rerun=False)
    if error is FAILED:
        return
    shown = md_escape(addr.strip())
    if error is None:
        st.session_state[TEST_RESULT_KEY] = (True, t("notices.admin.test_sent", addr=shown))
    else:
        st.session_state[TEST_RESULT_KEY] = (False, t("notices.admin.test_failed", addr=shown, error=md_escape(error)))
    st.rerun()


def actor_email(actor: Actor) -> str:
    """The admin's own address, to send the test to by default."""
    from services import users

    if actor.user_id is None:
        return ""
    with session_scope() as s:
        return users.get_user_detail(s, actor, user_id=actor.user_id).email or ""


def _chair_days(actor: Actor) -> None:
    st.markdown(f"**{t('notices.admin.chair_title')}**")
    with session_scope() as s:
        current = notices.get_chair_days_before(s)
    with st.form("admin_notice_chair"):
        days = st.number_input(
            t("notices.fields.chair_days"),
            min_value=0,
            max_value=28,
            step=1,
            value=current,
            key="admin_notice_chair_days",
            help=t("notices.admin.chair_help"),
        )
        if st.form_submit_button(t("common.save"), type="primary"):
            run_write(
                lambda s: notices.set_chair_days_before(s, actor, days=days),
                admin_view.done("notices.admin.chair_saved", days=int(days)),
            )
