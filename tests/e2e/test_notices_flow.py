"""Issue 14 in the browser: community1 blows the whistle on /whistle summoning liaison1's unit →
liaison1, in a browser of their own, sees the unread badge and the notice in the sidebar's 站内消息;
the badge comes by the inbox's own refresh (a fragment, every ``COBUILD_INBOX_REFRESH`` seconds — 2 here),
while liaison1 is half-way through typing an activity, and leaves the typed text alone. One scheduler
pass (``manage.py notify``, a process of its own on the app's database) mails it, and the message is in
a real SMTP server on localhost (aiosmtpd), to liaison1, its Chinese subject intact."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import make_engine
from db.models import Community, User
from services import notices
from services.users import actor_for
from tests.conftest import TODAY
from tests.e2e.conftest import ROOT, Server, assert_no_exception, start_server
from tests.e2e.flows import choose, eventually, settle, sign_in
from tests.smtp import SmtpServer

pytestmark = pytest.mark.e2e

UNIT = "安居物业服务有限公司"  # liaison1's unit
TITLE = "幸福里7号楼电梯停运（通知测试）"
PUBLIC = "https://cobuild.example.org"
REFRESH = 2  # seconds between the inbox's own refreshes (30 by default)
TYPED_TITLE = "楼道微更新议事会"
TYPED_TEXT = "居民代表与物业一起商量楼道灯"
MORE_TEXT = "和扶手的更换方案。"
BADGE = re.compile(r"站内消息 · (\d+) 条未读")
FAILURES = Path(tempfile.gettempdir()) / "cobuild-e2e-failures"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_server(tmp_path: Path, sqlite_template: Path, smtp: SmtpServer) -> Iterator[Server]:
    """The app with e-mail on: COBUILD_SMTP_URL points at the local SMTP server."""
    srv = start_server(
        tmp_path,
        sqlite_template,
        {"COBUILD_SMTP_URL": smtp.url, "COBUILD_PUBLIC_URL": PUBLIC, "COBUILD_INBOX_REFRESH": str(REFRESH)},
    )
    yield srv
    srv.stop()
    assert "Traceback" not in srv.log.read_text(errors="replace"), srv.log.read_text(errors="replace")[-3000:]


def inbox_summary(page):  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="stSidebar"] [data-testid="stExpander"] summary').filter(has_text="站内消息")


def unread(page) -> int:  # type: ignore[no-untyped-def]
    """The unread count the sidebar shows (0 when its label carries none)."""
    text = inbox_summary(page).inner_text(timeout=10_000)
    found = BADGE.search(text)
    return int(found.group(1)) if found else 0


def blow_the_whistle(page, url: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, url, "community1", "/whistle")
    page.get_by_role("tab", name="我要吹哨").click()
    settle(page)
    form = page.get_by_role("tabpanel", name="我要吹哨")
    form.get_by_label("事项名称", exact=True).fill(TITLE)
    form.get_by_label("情况说明", exact=True).fill("7号楼两部电梯同时停运，高层老人出行困难，请物业即刻报到处置。")
    choose(page, form, "召集单位", UNIT)
    page.keyboard.press("Escape")
    form.get_by_role("button", name="吹哨", exact=True).click()
    page.get_by_text("已吹哨").wait_for()
    settle(page)
    assert_no_exception(page)


def run_notify(srv: Server, smtp: SmtpServer) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{srv.db}",
        COBUILD_SMTP_URL=smtp.url,
        COBUILD_PUBLIC_URL=PUBLIC,
        COBUILD_TODAY=TODAY.isoformat(),
    )
    env.pop("COBUILD_MAIL_FROM", None)
    return subprocess.run(
        [sys.executable, "manage.py", "notify"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def read_elsewhere(srv: Server) -> None:
    """liaison1 marks every notice read in another session (as from a phone)."""
    engine = make_engine(f"sqlite:///{srv.db}")
    with Session(engine) as s:
        notices.mark_all_read(s, actor_for(s.scalars(select(User).where(User.username == "liaison1")).one()))
        s.commit()
    engine.dispose()


def _facts(srv: Server) -> tuple[str, str]:
    """liaison1's address and community1's community name, from the app's database."""
    engine = make_engine(f"sqlite:///{srv.db}")
    with Session(engine) as s:
        liaison = s.scalars(select(User).where(User.username == "liaison1")).one()
        worker = s.scalars(select(User).where(User.username == "community1")).one()
        community = s.get(Community, worker.community_id)
        assert community is not None and liaison.email
        facts = (liaison.email, community.name)
    engine.dispose()
    return facts


def test_a_summons_reaches_the_liaisons_inbox_and_mailbox(browser, mail_server: Server, smtp: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    address, community = _facts(mail_server)
    ctx_liaison = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    ctx_worker = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    liaison, worker = ctx_liaison.new_page(), ctx_worker.new_page()
    for p in (liaison, worker):
        p.set_default_timeout(30_000)
    step = "liaison signs in and starts typing an activity"
    try:
        sign_in(liaison, mail_server.url, "liaison1", "/activities")
        before = unread(liaison)
        liaison.get_by_role("tab", name="登记活动", exact=True).click()
        settle(liaison)
        form = liaison.get_by_role("tabpanel", name="登记活动").locator('[data-testid="stForm"]')
        title, content = form.get_by_label("活动名称"), form.get_by_label("活动内容")
        title.fill(TYPED_TITLE)
        content.fill(TYPED_TEXT)  # not submitted: the text lives in the browser only

        step = "community1 blows the whistle"
        blow_the_whistle(worker, mail_server.url)

        step = "liaison1's badge comes by the inbox's own refresh, the typing left alone"
        eventually(lambda: _assert_equal(unread(liaison), before + 1), timeout=10 * REFRESH + 20)
        expect(title).to_have_value(TYPED_TITLE)
        expect(content).to_have_value(TYPED_TEXT)
        content.press_sequentially(MORE_TEXT)  # and typing goes on where it was, across refreshes
        read_elsewhere(mail_server)  # liaison1 reads it on another device: the next refresh shows it
        eventually(lambda: _assert_equal(unread(liaison), 0), timeout=10 * REFRESH + 20)
        expect(content).to_have_value(TYPED_TEXT + MORE_TEXT)
        expect(title).to_have_value(TYPED_TITLE)
        inbox_summary(liaison).click()
        sidebar = liaison.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text(f"吹哨报到：{community}「{TITLE}」，请 1 小时内签收").wait_for()
        assert_no_exception(liaison)

        step = "one scheduler pass mails it"
        assert smtp.to(address) == []  # nothing leaves before the pass
        done = run_notify(mail_server, smtp)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "已发送" in done.stdout, done.stdout
        mails = [m for m in smtp.to(address) if TITLE in str(m["Subject"])]
        assert len(mails) == 1, [str(m["Subject"]) for m in smtp.to(address)]
        mail = mails[0]
        assert str(mail["Subject"]) == f"吹哨报到：{community}「{TITLE}」，请 1 小时内签收"
        assert address in str(mail["To"])
        text = mail.get_body(preferencelist=("plain",))
        assert text is not None and UNIT in text.get_content() and f"{PUBLIC}/whistle" in text.get_content()
        html = mail.get_body(preferencelist=("html",))
        assert html is not None and TITLE in html.get_content()

        step = "a second pass sends nothing more"
        again = run_notify(mail_server, smtp)
        assert again.returncode == 0, again.stdout + again.stderr
        assert len([m for m in smtp.to(address) if TITLE in str(m["Subject"])]) == 1
    except Exception as err:
        FAILURES.mkdir(exist_ok=True)
        for name, p in (("liaison", liaison), ("worker", worker)):
            p.screenshot(path=str(FAILURES / f"notices-{name}.png"), full_page=True)
        err.add_note(f"failed at: {step}")
        raise
    finally:
        ctx_liaison.close()
        ctx_worker.close()


def _assert_equal(got: int, wanted: int) -> None:
    assert got == wanted, (got, wanted)
