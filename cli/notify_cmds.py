"""notify (contracts.md): one pass of the scheduler — what fell due since the last pass is enqueued
once and the pending e-mails are delivered — or, with ``--every``, a pass every so many seconds.

A pass takes the lease in the database first (two machines never run the same pass), covers the
window since the last recorded pass (a database's first pass: since 00:00 China time of its day),
enqueues in one transaction with the new last-pass moment, then delivers in small claimed batches:
no transaction is open while talking to the SMTP server."""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from channels.mail import MailConfigError, SmtpMailer
from cli.common import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, fail, msg
from config import load_settings
from domain import calendar
from domain import notices as rules
from domain.enums import NoticeStatus

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

# Errors after which the server is not tried again in this pass (it is down or refuses us).
_CONNECTION_ERRORS = (
    OSError,
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPAuthenticationError,
    MailConfigError,
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("notify", help="one pass of the scheduler: enqueue what fell due, deliver the e-mails")
    p.add_argument("--at", metavar="ISO_DATETIME", help="run the pass as of this moment (naive = China time)")
    p.add_argument("--every", metavar="SECONDS", help="keep passing every SECONDS until stopped")
    p.add_argument("--dry-run", action="store_true", help="write nothing; print each notice the pass would send")
    p.set_defaults(func=cmd_notify)


def parse_at(value: str) -> datetime:
    """``--at``: an ISO moment; a naive one is China time. UTC out."""
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=rules.LOCAL_TZ)
    return moment.astimezone(UTC)


def default_at() -> datetime:
    """Now; with ``COBUILD_TODAY`` pinned, that day at the current China time (``--at`` wins over it)."""
    from db.models import utcnow

    return calendar.now_on(load_settings().today, at=utcnow())


@dataclass
class PassResult:
    due: int = 0
    enqueued: int = 0
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    skipped: bool = False
    earlier: datetime | None = None  # the last pass's moment, when this one was earlier
    lines: list[str] = field(default_factory=list)  # --dry-run

    def summary(self) -> str:
        return msg(
            "notices.cli.summary",
            due=self.due,
            enqueued=self.enqueued,
            sent=self.sent,
            failed=self.failed,
            deferred=self.deferred,
        )


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _dry_run(factory: sessionmaker[Session], window: rules.Window, at: datetime) -> PassResult:
    from db.engine import session_scope
    from services import notices

    result = PassResult()
    with session_scope(factory) as s:
        planned = notices.plan(s, notices.collect_due(s, window))
        known = notices.existing_keys(s, [p.key for p in planned])
        result.due = len(planned)
        for p in planned:
            if p.key not in known:
                result.lines.append(
                    msg(
                        "notices.cli.dry_line",
                        recipient=p.recipient.username,
                        channel=p.channel.value,
                        event=p.event.value,
                        notice=p.key,
                    )
                )
        result.deferred = notices.count_due_deliveries(s, at=at)
        s.rollback()
    return result


def deliver(factory: sessionmaker[Session], *, at: datetime, result: PassResult) -> None:
    """Send the due e-mails in claimed batches; stop at a connection failure (the rest stay due)."""
    from db.engine import session_scope
    from services import notices

    settings = load_settings()
    if not settings.smtp_url:
        with session_scope(factory) as s:
            result.deferred += notices.count_due_deliveries(s, at=at)
        return
    try:
        config = notices.smtp_config()
    except MailConfigError as err:
        config, config_error = None, f"MailConfigError: {err}"
    else:
        config_error = ""
    down = False
    while not down:
        with session_scope(factory, write=True) as s:
            batch = notices.claim_deliveries(s, at=at)
        if not batch:
            break
        outcomes: list[tuple[int, str | None]] = []
        if config is None:
            outcomes = [(o.notice_id, config_error) for o in batch]
            down = True
        else:
            error = ""
            with SmtpMailer(config) as mailer:
                for o in batch:
                    if down:
                        outcomes.append((o.notice_id, error))
                        continue
                    try:
                        mailer.send(notices.message_for(config, o))
                        outcomes.append((o.notice_id, None))
                    except _CONNECTION_ERRORS as err:
                        error = f"{type(err).__name__}: {err}"
                        down = True
                        outcomes.append((o.notice_id, error))
                    except smtplib.SMTPException as err:  # this message refused (a bad address …)
                        outcomes.append((o.notice_id, f"{type(err).__name__}: {err}"))
        with session_scope(factory, write=True) as s:
            for notice_id, outcome in outcomes:
                status = notices.record_delivery(s, notice_id=notice_id, at=at, error=outcome)
                if status == NoticeStatus.SENT:
                    result.sent += 1
                elif status == NoticeStatus.FAILED:
                    result.failed += 1
                else:
                    result.deferred += 1
    if down:
        with session_scope(factory) as s:
            result.deferred += notices.count_due_deliveries(s, at=at)


def run_pass(factory: sessionmaker[Session], *, at: datetime, dry_run: bool = False) -> PassResult:
    """One pass of the scheduler as of ``at``."""
    from db.engine import session_scope
    from db.models import utcnow
    from services import notices, residents

    holder, wall = _holder(), utcnow()
    with session_scope(factory, write=not dry_run) as s:
        lease = notices.take_lease(s, holder=holder, at=at, wall_now=wall, dry_run=dry_run)
    if lease.held_by:
        return PassResult(skipped=True)
    if lease.earlier:
        return PassResult(earlier=lease.last)
    assert lease.window is not None
    if dry_run:
        return _dry_run(factory, lease.window, at)
    result = PassResult()
    try:
        with session_scope(factory, write=True) as s:
            if not notices.record_pass(s, holder=holder, at=at, wall_now=utcnow()):
                return PassResult(skipped=True)
            dues = notices.collect_due(s, lease.window)
            planned = notices.plan(s, dues)
            result.due = len(planned)
            result.enqueued = notices.enqueue(s, planned, now=at)
            notices.mark_chairs_reminded(s, dues, day=rules.local_day(at))
            residents.erase_personal(s, now=at)  # residents' phones and addresses after 180 days
        deliver(factory, at=at, result=result)
    finally:
        with session_scope(factory, write=True) as s:
            notices.release_lease(s, holder=holder)
    return result


def _local(moment: datetime) -> str:
    return moment.astimezone(rules.LOCAL_TZ).isoformat(timespec="seconds")


def _one(factory: sessionmaker[Session], at: datetime, dry_run: bool) -> int:
    result = run_pass(factory, at=at, dry_run=dry_run)
    if result.skipped:
        print(msg("notices.cli.skipped"), flush=True)
        return EXIT_OK
    if result.earlier is not None:
        return fail(msg("notices.cli.earlier", at=_local(at), last=_local(result.earlier)), EXIT_USAGE)
    for line in result.lines:
        print(line)
    print(result.summary(), flush=True)
    return EXIT_OK


def cmd_notify(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

    from db.engine import make_engine, make_session_factory

    at: datetime | None = None
    if args.at is not None:
        try:
            at = parse_at(args.at)
        except ValueError:
            return fail(msg("notices.cli.bad_at", value=args.at), EXIT_USAGE)
    every: int | None = None
    if args.every is not None:
        try:
            every = int(args.every)
        except ValueError:
            every = 0
        if every <= 0 or at is not None:
            return fail(msg("notices.cli.bad_every", value=args.every), EXIT_USAGE)
    engine = make_engine(load_settings().database_url)
    factory = make_session_factory(engine)
    try:
        if every is None:
            return _one(factory, at or default_at(), args.dry_run)
        parent = os.getppid()
        while True:
            started = time.monotonic()
            try:
                _one(factory, default_at(), args.dry_run)
            except (OperationalError, ProgrammingError, DBAPIError) as err:
                print(msg("notices.cli.unreachable", error=str(err.orig or err).strip()), file=sys.stderr, flush=True)
            while time.monotonic() - started < every:
                if os.getppid() != parent:  # what started us (make run) is gone: stop with it
                    return EXIT_OK
                time.sleep(min(1.0, every))
    except (OperationalError, ProgrammingError, DBAPIError) as err:
        return fail(msg("notices.cli.unreachable", error=str(err.orig or err).strip().splitlines()[0]), EXIT_REJECTED)
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        engine.dispose()
