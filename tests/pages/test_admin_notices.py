"""/admin's 消息投递 tab in AppTest: the deliveries counted, filtered and paged; one delivery's attempts
and its resend; a test e-mail through a real SMTP server on localhost (and a clear refusal naming
COBUILD_SMTP_URL when it is unset); the chair reminder's days; no other role reaches it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from cli.notify_cmds import PassResult, deliver
from db.engine import make_engine, make_session_factory
from db.models import Notice, NoticeAttempt, User
from domain import notices as rules
from domain.enums import NoticeChannel, NoticeEvent, NoticeStatus, WhistleKind
from services import notices, whistle
from services.users import actor_for
from tests.pages.conftest import OpenPage, assert_clean, open_tab
from tests.smtp import SmtpServer, free_port

PAGE = "app_pages/admin.py"
TAB = "消息投递"
TITLE = "二号楼电梯困人演练"
T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 China time on the seed's day


def _engine(db: Path):  # type: ignore[no-untyped-def]
    return make_engine(f"sqlite:///{db}")


def _failed_mail_to_liaison1(db: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """A 吹哨 summons to liaison1 whose e-mail failed every try (the SMTP server never answered):
    the real raise, the real sender, an unreachable port."""
    monkeypatch.setenv("COBUILD_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    engine = _engine(db)
    with Session(engine) as s:
        worker = actor_for(s.scalars(select(User).where(User.username == "community1")).one())
        unit = s.scalars(select(User.unit_id).where(User.username == "liaison1")).one()
        whistle.raise_whistle(
            s,
            worker,
            community_id=worker.community_id or 0,
            kind=WhistleKind.PROGRESS,
            title=TITLE,
            unit_ids=[unit],
        )
        s.commit()
    factory = make_session_factory(engine)
    at = T0
    for _ in range(len(rules.RETRY_MINUTES) + 1):
        deliver(factory, at=at, result=PassResult())
        at += timedelta(days=1)
    with Session(engine) as s:
        mail = s.scalars(
            select(Notice).where(Notice.channel == NoticeChannel.EMAIL, Notice.event == NoticeEvent.WHISTLE_RAISED)
        ).one()
        assert mail.status == NoticeStatus.FAILED, (mail.status, mail.attempts)
        notice_id = mail.id
    engine.dispose()
    monkeypatch.delenv("COBUILD_SMTP_URL")
    return notice_id


def _tab(open_page: OpenPage) -> AppTest:
    at = open_tab(open_page("admin", PAGE), "admin_tab", TAB)
    assert_clean(at)
    return at


def _metrics(at: AppTest) -> dict[str, int]:
    return {m.label: int(m.value) for m in at.metric}


def _table(at: AppTest):  # type: ignore[no-untyped-def]
    return next(df.value for df in at.dataframe if "收件人" in df.value.columns)


def test_deliveries_are_counted_by_status_and_filtered(
    open_page: OpenPage, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _failed_mail_to_liaison1(app_env, monkeypatch)
    at = _tab(open_page)
    counts = _metrics(at)
    assert set(counts) == {"待发送", "已送达", "发送失败"}
    assert counts["发送失败"] == 1 and counts["已送达"] >= 1  # the summons' inbox row and the demo notices
    at.selectbox(key="admin_notice_channel").select(NoticeChannel.EMAIL).run()
    assert_clean(at)
    table = _table(at)
    assert set(table["渠道"]) == {"电子邮件"} and set(table["状态"]) == {"发送失败"}
    assert _metrics(at) == {"待发送": 0, "已送达": 0, "发送失败": 1}
    at.selectbox(key="admin_notice_channel").select(None).run()
    at.text_input(key="admin_notice_recipient").input("liaison1").run()
    assert_clean(at)
    table = _table(at)
    assert len(set(table["收件人"])) == 1  # liaison1's rows alone
    at.selectbox(key="admin_notice_event").select(NoticeEvent.WHISTLE_RAISED).run()
    table = _table(at)
    assert set(table["事件"]) == {"吹哨报到"} and TITLE not in set(table["收件人"])
    assert {"电子邮件", "站内消息"} <= set(table["渠道"])
    # a day range before anything was sent holds nothing
    at.date_input(key="admin_notice_from").set_value(datetime(2020, 1, 1).date())
    at.date_input(key="admin_notice_to").set_value(datetime(2020, 1, 2).date()).run()
    assert_clean(at)
    assert any(i.value == "没有符合条件的投递记录。" for i in at.info)
    # the end before the start: the message names the field, nothing is listed
    at.date_input(key="admin_notice_to").set_value(datetime(2019, 12, 1).date()).run()
    assert [e.value for e in at.error] == ["“截止日期”不能早于“起始日期”。"]


def test_a_failed_delivery_shows_its_attempts_and_is_sent_again(
    open_page: OpenPage, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notice_id = _failed_mail_to_liaison1(app_env, monkeypatch)
    at = _tab(open_page)
    at.selectbox(key="admin_notice_status").select(NoticeStatus.FAILED).run()
    assert at.selectbox(key="admin_notice_pick").value == notice_id
    attempts = next(df.value for df in at.dataframe if "尝试时间" in df.value.columns)
    assert len(attempts) == len(rules.RETRY_MINUTES) + 1
    assert set(attempts["状态"]) == {"发送失败"}
    assert all("Connection refused" in e or "ConnectionRefused" in e for e in attempts["错误"])
    at.button(key=f"admin_notice_resend_{notice_id}").click().run()
    assert_clean(at)
    assert [s.value for s in at.success] == ["已重新排入发送队列，调度程序下一次执行时发送。"]
    engine = _engine(app_env)
    with Session(engine) as s:
        mail = s.get(Notice, notice_id)
        assert mail is not None and mail.status == NoticeStatus.PENDING and mail.attempts == 0
    engine.dispose()
    # and the next pass delivers it once the server answers
    server = SmtpServer().start()
    try:
        monkeypatch.setenv("COBUILD_SMTP_URL", server.url)
        engine = _engine(app_env)
        result = PassResult()
        deliver(make_session_factory(engine), at=T0 + timedelta(days=30), result=result)
        engine.dispose()
        assert result.sent == 1
        got = server.to("liaison1@cobuild.invalid")
        assert len(got) == 1 and TITLE in got[0]["Subject"]
    finally:
        server.stop()


def test_a_delivered_notice_has_no_resend(open_page: OpenPage, app_env: Path) -> None:
    at = _tab(open_page)
    picked = at.selectbox(key="admin_notice_pick").value
    assert picked is not None
    assert not [b for b in at.button if b.key == f"admin_notice_resend_{picked}"]
    assert any(c.value.startswith("这条消息还没有投递尝试") for c in at.caption)


def test_test_email_without_smtp_names_the_variable_and_writes_nothing(
    open_page: OpenPage, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COBUILD_SMTP_URL", raising=False)
    at = _tab(open_page)
    assert any("COBUILD_SMTP_URL" in w.value for w in at.warning)
    at.text_input(key="admin_notice_test_to").input("secretariat@county.example")
    next(b for b in at.button if b.label == "发送测试邮件").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "COBUILD_SMTP_URL" in errors[0] and "未设置" not in errors[0], errors
    engine = _engine(app_env)
    with Session(engine) as s:
        assert s.scalar(select(func.count(Notice.id)).where(Notice.event == NoticeEvent.TEST)) == 0
    engine.dispose()


def test_test_email_bad_address_names_the_field(open_page: OpenPage, app_env: Path) -> None:
    at = _tab(open_page)
    at.text_input(key="admin_notice_test_to").input("not an address")
    next(b for b in at.button if b.label == "发送测试邮件").click().run()
    assert [e.value for e in at.error] == ["“测试邮件收件地址”不是有效的邮件地址：not an address"]


def test_test_email_reaches_a_real_smtp_server(
    open_page: OpenPage, app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = SmtpServer().start()
    try:
        monkeypatch.setenv("COBUILD_SMTP_URL", server.url)
        at = _tab(open_page)
        assert any(f"127.0.0.1:{server.port}" in c.value for c in at.caption)
        at.text_input(key="admin_notice_test_to").input("secretariat@county.example")
        next(b for b in at.button if b.label == "发送测试邮件").click().run()
        assert_clean(at)
        shown = [s.value.replace("\\", "") for s in at.success]  # the address is escaped as Markdown
        assert shown == ["测试邮件已发送至 secretariat@county.example。"]
        got = server.to("secretariat@county.example")
        assert len(got) == 1 and got[0]["Subject"] == "共建看板测试邮件"
        engine = _engine(app_env)
        with Session(engine) as s:
            test = s.scalars(select(Notice).where(Notice.event == NoticeEvent.TEST)).one()
            assert test.status == NoticeStatus.SENT
            assert s.scalar(select(func.count(NoticeAttempt.id)).where(NoticeAttempt.notice_id == test.id)) == 1
        engine.dispose()
        # the server goes away: the failure is shown with its reason, and kept as a failed delivery
        server.stop()
        at.text_input(key="admin_notice_test_to").input("secretariat@county.example")
        next(b for b in at.button if b.label == "发送测试邮件").click().run()
        assert not at.exception
        errors = [e.value for e in at.error]
        assert len(errors) == 1 and errors[0].replace("\\", "").startswith(
            "测试邮件未能发送至 secretariat@county.example：ConnectionRefusedError"
        ), errors
    finally:
        server.stop()


def test_chair_reminder_days_are_set_and_kept(open_page: OpenPage, app_env: Path) -> None:
    at = _tab(open_page)
    assert at.number_input(key="admin_notice_chair_days").value == 3
    at.number_input(key="admin_notice_chair_days").set_value(5)
    next(b for b in at.button if b.label == "保存" and "admin_notice_chair" in b.form_id).click().run()
    assert_clean(at)
    assert [s.value for s in at.success] == ["已保存：每月开始前 5 天提醒轮值主席。"]
    engine = _engine(app_env)
    with Session(engine) as s:
        assert notices.get_chair_days_before(s) == 5
    engine.dispose()
    assert at.number_input(key="admin_notice_chair_days").value == 5


@pytest.mark.parametrize("username", ["community1", "liaison1", "leader"])
def test_other_roles_never_see_the_deliveries(open_page: OpenPage, username: str) -> None:
    at = open_page(username)
    assert_clean(at)
    with pytest.raises(ValueError):
        at.switch_page(PAGE).run()
    assert "admin_notice_status" not in at.session_state
    assert not [t for t in at.tabs if t.label == TAB]
