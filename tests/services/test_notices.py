"""The outbox, the scheduler's pass and e-mail through a real SMTP server on localhost (aiosmtpd):
each event reaches the right people once; a second pass sends nothing; an outage loses nothing;
two senders never deliver one notice twice; the first pass on an old database sends nothing of the past."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from cli.notify_cmds import PassResult, deliver, run_pass
from db.engine import make_engine, make_session_factory, session_scope
from db.migrate import upgrade
from db.models import ActionItem, Notice, NoticeAttempt, RotationSlot, SchedulerState, User
from domain import notices as rules
from domain.enums import NoticeChannel, NoticeEvent, NoticeStatus, WhistleKind
from services import notices, whistle
from services.users import actor_for
from tests.conftest import PG_URL, TODAY
from tests.smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
CN = rules.LOCAL_TZ
PG_SCHEMA = "cobuild_notices"
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def cn(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=CN).astimezone(UTC)


@dataclass
class Db:
    url: str
    engine: Engine
    factory: sessionmaker[Session]

    def session(self, *, write: bool = False):  # type: ignore[no-untyped-def]
        return session_scope(self.factory, write=write)


def _pg_url() -> str:
    assert PG_URL
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{PG_SCHEMA}"


def _seeded_pg() -> str:
    url = _pg_url()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    upgrade(engine)
    from seed.demo import seed_demo

    with Session(engine) as s:
        seed_demo(s, today=TODAY)
        s.commit()
    engine.dispose()
    return url


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Db]:
    """A demo database of the test's own that passes can commit to."""
    if request.param == "sqlite":
        shutil.copy(sqlite_template, tmp_path / "n.db")
        url = f"sqlite:///{tmp_path / 'n.db'}"
    else:
        url = _seeded_pg()
    engine = make_engine(url)
    with engine.begin() as conn:  # the machinery starts from no notice: the demo's own are the seed's test
        for table in ("notice_attempt", "notice", "scheduler_state"):
            conn.execute(text(f"DELETE FROM {table}"))
    yield Db(url, engine, make_session_factory(engine))
    engine.dispose()
    if request.param == "postgresql":
        cleanup = make_engine(_pg_url())
        with cleanup.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        cleanup.dispose()


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    monkeypatch.setenv("COBUILD_SMTP_URL", server.url)
    monkeypatch.setenv("COBUILD_PUBLIC_URL", "https://cobuild.example.org")
    monkeypatch.delenv("COBUILD_MAIL_FROM", raising=False)
    yield server
    server.stop()


def _user(s: Session, username: str) -> User:
    user = s.scalar(select(User).where(User.username == username))
    assert user is not None
    return user


def _raise(db: Db, at: datetime, *, units: list[int] | None = None) -> int:
    with db.session(write=True) as s:
        worker = actor_for(_user(s, "community1"))
        liaison_unit = _user(s, "liaison1").unit_id
        assert worker.community_id is not None and liaison_unit is not None
        return whistle.raise_whistle(
            s,
            worker,
            community_id=worker.community_id,
            kind=WhistleKind.PROGRESS,
            title="楼道堆物清理",
            unit_ids=units or [liaison_unit],
            now=at,
        )


def _baseline(db: Db, at: datetime, smtp: SmtpServer | None = None) -> None:
    """A first pass just before ``at`` (the demo's own events of the day), then a clean mailbox."""
    run_pass(db.factory, at=at - timedelta(minutes=1))
    if smtp is not None:
        smtp.messages.clear()


def _rows(db: Db, **where: object) -> list[Notice]:
    with db.session() as s:
        stmt = select(Notice).order_by(Notice.id)
        for k, v in where.items():
            stmt = stmt.where(getattr(Notice, k) == v)
        return list(s.scalars(stmt))


def _usernames(db: Db, rows: list[Notice]) -> list[str]:
    with db.session() as s:
        names = dict(s.execute(select(User.id, User.username)).tuples().all())
    return sorted(names[r.recipient_user_id] for r in rows)


# --- each event, its recipients, once ----------------------------------------------------------


def test_raised_whistle_is_in_the_inbox_at_once_and_mailed_once(db: Db, smtp: SmtpServer) -> None:
    at = cn(2026, 11, 24, 10)
    _baseline(db, at, smtp)
    whistle_id = _raise(db, at)
    inbox = _rows(db, channel=NoticeChannel.INBOX, event=NoticeEvent.WHISTLE_RAISED)
    assert _usernames(db, inbox) == ["liaison1"]  # in the raising transaction, before any pass
    assert (
        inbox[0].status == NoticeStatus.SENT and inbox[0].topic == f"whistle_raised:w{whistle_id}:u{inbox[0].unit_id}"
    )
    first = run_pass(db.factory, at=at + timedelta(seconds=30))
    assert first.sent == 1
    mails = smtp.to("liaison1@cobuild.invalid")
    assert len(mails) == 1
    assert "楼道堆物清理" in str(mails[0]["Subject"]) and "1 小时内签收" in str(mails[0]["Subject"])
    body = mails[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "https://cobuild.example.org/whistle" in body
    html = mails[0].get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert 'href="https://cobuild.example.org/whistle"' in html
    again = run_pass(db.factory, at=at + timedelta(seconds=30))
    assert (again.due, again.enqueued, again.sent, again.failed) == (0, 0, 0, 0)
    assert len(smtp.messages) == 1


def test_whistle_clock_warns_unit_and_community_then_admins(db: Db, smtp: SmtpServer) -> None:
    at = cn(2026, 11, 24, 10)
    _baseline(db, at)
    _raise(db, at)
    run_pass(db.factory, at=at)
    smtp.messages.clear()
    run_pass(db.factory, at=at + timedelta(minutes=48))  # 80 % of the hour to sign
    warned = [
        r for r in _rows(db, event=NoticeEvent.WHISTLE_WARNING, channel=NoticeChannel.INBOX) if ":signed" in r.topic
    ]
    assert _usernames(db, warned) == ["community1", "liaison1"]
    run_pass(db.factory, at=at + timedelta(minutes=61))
    passed = [
        r for r in _rows(db, event=NoticeEvent.WHISTLE_PASSED, channel=NoticeChannel.INBOX) if ":signed" in r.topic
    ]
    assert _usernames(db, passed) == ["community1", "liaison1"]
    run_pass(db.factory, at=at + timedelta(minutes=121))
    overdue = [
        r for r in _rows(db, event=NoticeEvent.WHISTLE_OVERDUE, channel=NoticeChannel.INBOX) if ":signed" in r.topic
    ]
    assert _usernames(db, overdue) == ["admin"]
    subjects = Counter((r.rcpt[0], str(r.message["Subject"])[:6]) for r in smtp.messages)
    assert all(n == 1 for n in subjects.values()), subjects
    assert {a for a, _ in subjects} == {
        "liaison1@cobuild.invalid",
        "community1@cobuild.invalid",
        "admin@cobuild.invalid",
    }


def test_chair_is_reminded_three_days_before_and_recorded(db: Db, smtp: SmtpServer) -> None:
    at = cn(2026, 11, 28, 8, 0, 30)  # 08:00 three days before December
    result = run_pass(db.factory, at=at)
    rows = _rows(db, event=NoticeEvent.CHAIR_UPCOMING, channel=NoticeChannel.INBOX)
    with db.session() as s:
        slot = s.scalar(select(RotationSlot).where(RotationSlot.year == 2026, RotationSlot.month == 12))
        assert slot is not None
        admins = sorted(u.username for u in s.scalars(select(User).where(User.role == "admin")))
        chair_liaisons = sorted(
            u.username
            for u in s.scalars(select(User).where(User.role == "liaison", User.unit_id == slot.chair_unit_id))
        )
        assert slot.reminded_on == datetime(2026, 11, 28).date()
    assert _usernames(db, rows) == sorted(admins + chair_liaisons)
    assert {r.topic for r in rows} == {f"chair_upcoming:slot{slot.id}"}
    assert result.sent == len(smtp.messages) >= len(rows)
    assert any("轮值主席" in str(m.message["Subject"]) for m in smtp.messages)


def test_missing_rotation_reminds_admins_once_a_day_in_december(db: Db, smtp: SmtpServer) -> None:
    with db.session() as s:
        assert not s.scalar(select(func.count(RotationSlot.id)).where(RotationSlot.year == 2027))
    run_pass(db.factory, at=cn(2026, 12, 1, 8, 1))
    run_pass(db.factory, at=cn(2026, 12, 1, 20))
    run_pass(db.factory, at=cn(2026, 12, 2, 8, 1))
    rows = _rows(db, event=NoticeEvent.CHAIR_MISSING, channel=NoticeChannel.INBOX)
    assert _usernames(db, rows) == ["admin", "admin"]
    assert sorted(r.topic.rsplit(":", 1)[1] for r in rows) == ["2026-12-01", "2026-12-02"]


def test_action_item_owner_is_reminded_three_days_before(db: Db, smtp: SmtpServer) -> None:
    with db.session(write=True) as s:
        item = s.scalar(select(ActionItem).where(ActionItem.status == "open").order_by(ActionItem.id))
        assert item is not None
        item.owner_unit_id = _user(s, "liaison1").unit_id  # type: ignore[assignment]
        item.due_on = datetime(2026, 12, 10).date()
        item_id = item.id
    run_pass(db.factory, at=cn(2026, 12, 7, 9))
    run_pass(db.factory, at=cn(2026, 12, 11, 9))
    rows = [r for r in _rows(db, channel=NoticeChannel.INBOX) if f":a{item_id}:" in r.topic]
    assert sorted(r.event for r in rows) == [NoticeEvent.ACTION_OVERDUE, NoticeEvent.ACTION_UPCOMING]
    assert _usernames(db, rows) == ["liaison1", "liaison1"]


# --- never twice, never lost -------------------------------------------------------------------


def test_smtp_outage_loses_nothing_and_delivers_exactly_once_later(db: Db, smtp: SmtpServer) -> None:
    at = cn(2026, 11, 24, 10)
    _baseline(db, at, smtp)
    smtp.stop()
    _raise(db, at)
    down = run_pass(db.factory, at=at + timedelta(seconds=5))
    assert (down.sent, down.deferred, down.failed) == (0, 1, 0)
    pending = _rows(db, channel=NoticeChannel.EMAIL, event=NoticeEvent.WHISTLE_RAISED)[0]
    assert pending.status == NoticeStatus.PENDING and pending.attempts == 1
    assert pending.next_attempt_at == at + timedelta(seconds=5) + timedelta(minutes=1)  # the pass's own clock
    early = run_pass(db.factory, at=at + timedelta(seconds=30))  # before the backoff: not tried
    assert early.sent == 0
    assert _rows(db, id=pending.id)[0].attempts == 1
    smtp.start()
    back = run_pass(db.factory, at=at + timedelta(minutes=2))
    assert back.sent == 1
    run_pass(db.factory, at=at + timedelta(minutes=30))
    assert len(smtp.to("liaison1@cobuild.invalid")) == 1
    with db.session() as s:
        attempts = s.scalars(select(NoticeAttempt.status).where(NoticeAttempt.notice_id == pending.id)).all()
    assert attempts == [NoticeStatus.FAILED, NoticeStatus.SENT]


def test_after_two_days_of_failures_a_notice_is_given_up(db: Db, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COBUILD_SMTP_URL", "smtp://127.0.0.1:9")  # nothing listens there
    at = cn(2026, 11, 24, 10)
    _baseline(db, at)
    _raise(db, at)
    moment = at
    for _ in range(40):
        moment += timedelta(hours=6, minutes=1)
        run_pass(db.factory, at=moment)
        row = _rows(db, channel=NoticeChannel.EMAIL, event=NoticeEvent.WHISTLE_RAISED)[0]
        if row.status != NoticeStatus.PENDING:
            break
    assert row.status == NoticeStatus.FAILED and row.attempts == len(rules.RETRY_MINUTES) + 1
    assert "ConnectionRefused" in row.last_error or "Errno" in row.last_error


def test_first_pass_on_an_old_database_sends_nothing_of_the_past(db: Db, smtp: SmtpServer) -> None:
    at = cn(2026, 11, 24, 9, 30)
    run_pass(db.factory, at=at)
    start = rules.start_of_local_day(at)
    rows = _rows(db)
    assert all(start < r.due_at <= at for r in rows), [(r.topic, r.due_at) for r in rows]
    with db.session() as s:
        state = s.get(SchedulerState, notices.STATE_ID)
        assert state is not None and state.last_pass_at == at and state.lease_holder == ""


def test_dry_run_writes_nothing_and_lists_each_notice(db: Db, smtp: SmtpServer) -> None:
    at = cn(2026, 11, 28, 8, 30)
    result = run_pass(db.factory, at=at, dry_run=True)
    assert result.lines and all(line.count("\t") == 3 for line in result.lines)
    with db.session() as s:
        assert s.scalar(select(func.count(Notice.id))) == 0
        assert s.get(SchedulerState, notices.STATE_ID) is None
        slot = s.scalar(select(RotationSlot).where(RotationSlot.year == 2026, RotationSlot.month == 12))
        assert slot is not None and slot.reminded_on != datetime(2026, 11, 28).date()
    assert smtp.messages == []
    real = run_pass(db.factory, at=at)
    assert real.enqueued == len(result.lines)


def test_a_live_lease_skips_the_pass_and_an_earlier_pass_is_refused(db: Db, smtp: SmtpServer) -> None:
    at = cn(2026, 11, 24, 10)
    run_pass(db.factory, at=at)
    with db.session(write=True) as s:
        state = s.get(SchedulerState, notices.STATE_ID)
        assert state is not None
        state.lease_holder, state.lease_until = "other-machine:1", datetime.now(UTC) + timedelta(minutes=5)
    assert run_pass(db.factory, at=at + timedelta(minutes=1)).skipped
    with db.session(write=True) as s:
        state = s.get(SchedulerState, notices.STATE_ID)
        assert state is not None
        state.lease_until = datetime.now(UTC) - timedelta(seconds=1)  # it died: its lease ran out
    assert not run_pass(db.factory, at=at + timedelta(minutes=1)).skipped
    refused = run_pass(db.factory, at=at)
    assert refused.earlier == at + timedelta(minutes=1)


def _pending_mails(db: Db, n: int) -> None:
    with db.session(write=True) as s:
        liaison = _user(s, "liaison1")
        for i in range(n):
            s.add(
                Notice(
                    key=f"test_load:{i}:u{liaison.id}:email",
                    topic=f"test_load:{i}",
                    event=NoticeEvent.TEST,
                    channel=NoticeChannel.EMAIL,
                    recipient_user_id=liaison.id,
                    due_at=cn(2026, 11, 24, 9),
                )
            )


def test_two_senders_at_once_deliver_each_notice_exactly_once(db: Db, smtp: SmtpServer) -> None:
    """Two senders without the lease (it ran out, or the admin resends meanwhile): the claim —
    FOR UPDATE SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite — hands each row to one."""
    _pending_mails(db, 60)
    engines = [make_engine(db.url) for _ in range(2)]
    results = [PassResult(), PassResult()]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sender(i: int) -> None:
        try:
            barrier.wait()
            deliver(make_session_factory(engines[i]), at=cn(2026, 11, 24, 10), result=results[i])
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for e in engines:
        e.dispose()
    assert not errors, errors
    subjects = Counter(str(r.message["Subject"]) for r in smtp.messages)
    assert len(smtp.messages) == 60 == results[0].sent + results[1].sent
    assert all(n == 60 for n in subjects.values())  # one subject (test), sixty messages
    with db.session() as s:
        assert s.scalar(select(func.count(NoticeAttempt.id))) == 60
        assert s.scalar(select(func.count(Notice.id)).where(Notice.status == NoticeStatus.SENT)) == 60


def test_two_notify_processes_started_together_deliver_once(db: Db, smtp: SmtpServer, tmp_path: Path) -> None:
    _raise(db, cn(2026, 11, 24, 9, 50))
    _pending_mails(db, 20)
    env = dict(os.environ, DATABASE_URL=db.url, COBUILD_SMTP_URL=smtp.url)
    args = [sys.executable, "manage.py", "notify", "--at", "2026-11-24T10:00:00+08:00"]
    procs = [
        subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    emails = _rows(db, channel=NoticeChannel.EMAIL)
    assert all(r.status == NoticeStatus.SENT for r in emails)
    per_key = Counter((r.rcpt[0], str(r.message["Subject"])) for r in smtp.messages)
    assert len(smtp.messages) == len(emails)
    assert sum(per_key.values()) == len(emails)
    lines = [o[0].strip().splitlines()[-1] for o in outs]
    assert all("到期" in line or line.startswith("skipped:") for line in lines), lines


# --- the admin's deliveries ---------------------------------------------------------------------


def test_deliveries_are_counted_per_status_in_sql_and_filtered_by_china_days(db: Db, smtp: SmtpServer) -> None:
    """A summons raised at 23:30 China time on 24 November (15:30 UTC) belongs to the 24th: the day
    range is of China days, and the counts per status agree with the listed rows."""
    late = cn(2026, 11, 24, 23, 30)
    _raise(db, late)
    with db.session() as s:
        admin = actor_for(_user(s, "admin"))
        day = rules.local_day(late)
        counts = notices.count_deliveries(s, admin, date_from=day, date_to=day)
        rows, total = notices.list_deliveries(s, admin, date_from=day, date_to=day, limit=100)
        assert sum(counts.values()) == total == len(rows)
        assert counts == {NoticeStatus(st): int((rows["status"] == st).sum()) for st in NoticeStatus}
        assert counts[NoticeStatus.PENDING] == 1  # liaison1's e-mail, not yet sent
        nxt = notices.count_deliveries(s, admin, date_from=day + timedelta(days=1))
        assert nxt[NoticeStatus.PENDING] == 0
        mails = notices.count_deliveries(s, admin, channel=NoticeChannel.EMAIL, query="liaison1")
        assert mails == {NoticeStatus.PENDING: 1, NoticeStatus.SENT: 0, NoticeStatus.FAILED: 0}
        with pytest.raises(notices.ValidationError):
            notices.count_deliveries(s, admin, date_from=day, date_to=day - timedelta(days=1))
        with pytest.raises(notices.PermissionDenied):
            notices.count_deliveries(s, actor_for(_user(s, "community1")))


def test_test_email_is_refused_naming_the_variable_when_mail_is_off(db: Db, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COBUILD_SMTP_URL", raising=False)
    with db.session(write=True) as s:
        admin = actor_for(_user(s, "admin"))
        with pytest.raises(notices.ValidationError) as refused:
            notices.send_test_email(s, admin, to_addr="a@example.org")
        assert refused.value.field == "notices.fields.smtp_url"
    monkeypatch.setenv("COBUILD_SMTP_URL", "http://mail.example.org")
    with db.session(write=True) as s:
        with pytest.raises(notices.ValidationError) as refused:
            notices.send_test_email(s, admin, to_addr="a@example.org")
        assert refused.value.code == "notices.errors.smtp_bad"
    assert _rows(db, event=NoticeEvent.TEST) == []


@pytest.mark.parametrize(
    ("event", "params", "lang", "shown", "not_shown"),
    [
        (
            NoticeEvent.ACTION_UPCOMING,
            {"due_on": "2026-12-10", "content": "修长椅"},
            "zh_CN",
            "2026年12月10日",
            "2026-12-10",
        ),
        (NoticeEvent.ACTION_OVERDUE, {"due_on": "2026-12-10", "content": "修长椅"}, "en", "2026-12-10", "年"),
        (
            NoticeEvent.WHISTLE_WARNING,
            {"due_at": "2026-12-10T06:30:00+00:00", "title": "井盖", "kind": "tough", "stage": "signed"},
            "zh_CN",
            "2026年12月10日 14:30",
            "2026-12-10",
        ),
        (
            NoticeEvent.WHISTLE_WARNING,
            {"due_at": "2026-12-09T16:00:00+00:00", "title": "井盖", "kind": "tough", "stage": "signed"},
            "zh_CN",
            "2026年12月10日",
            "00:00",
        ),
    ],
)
def test_a_notice_says_its_dates_as_the_screens_do(event, params, lang, shown, not_shown) -> None:  # type: ignore[no-untyped-def]
    """Chinese notices read 2026年12月10日 (a day's deadline at midnight without 00:00), not ISO dates."""
    subject, body = notices.render(event, params, lang)
    assert shown in subject + body
    assert not_shown not in subject + body
