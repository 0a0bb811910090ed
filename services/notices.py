"""The outbox of notices (issue 14): enqueue what fell due, deliver it by e-mail, the inbox.

* **Enqueue** — a notice is written in the transaction of the change that causes it (吹哨 raised:
  ``services.whistle.raise_whistle``) or of the scheduler's pass (the rules of ``domain.notices``).
  Every recipient gets an inbox row (站内消息, delivered at once) and, when ``COBUILD_SMTP_URL`` is set
  and the user has an address, an e-mail row (pending). The key ``<topic>:u<user>:<channel>`` is
  unique and inserted with ON CONFLICT DO NOTHING: a notice is never created twice.
* **Deliver** — ``claim_deliveries`` takes pending e-mail rows whose next attempt is due (``FOR UPDATE
  SKIP LOCKED`` on PostgreSQL, under ``BEGIN IMMEDIATE`` on SQLite) and marks them in flight in its
  own short transaction, so two senders never take the same row; the caller sends them outside any
  transaction and ``record_delivery`` keeps the attempt (time, status, error) and the next try
  (``domain.notices.retry_delay``, on the pass's own clock) or gives the notice up (failed).
* **Inbox** — who sees what: a liaison their unit's and their own notices, a community worker their
  community's, an admin those of their scope, a leader only their own (``domain.notices.may_see``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, and_, false, func, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from channels.mail import MailConfigError, SmtpConfig, build_message, parse_smtp_url
from config import load_settings
from db.models import (
    ActionItem,
    Community,
    Meeting,
    Notice,
    NoticeAttempt,
    RotationSlot,
    SchedulerState,
    Unit,
    User,
    Whistle,
    WhistleResponse,
    utcnow,
)
from domain import calendar, dates
from domain import notices as rules
from domain import whistle_clock as clock
from domain.actor import Actor
from domain.enums import (
    ActionStatus,
    AuditAction,
    NoticeChannel,
    NoticeEvent,
    NoticeStatus,
    WhistleKind,
    WhistleStage,
)
from domain.errors import NotFound, PermissionDenied, ValidationError
from domain.scope import Level
from locales import translate
from services import audit, scope, settings_store, validate
from services.live import live

CHAIR_DAYS_KEY = "notices.chair_days_before"
LEASE = timedelta(minutes=10)
IN_FLIGHT = timedelta(days=1)  # a claimed row is not due again until then (a sender that died mid-send)
CLAIM_BATCH = 20
STATE_ID = 1


# --- settings ----------------------------------------------------------------------------------


def get_chair_days_before(session: Session) -> int:
    """How many days before the month the chair is reminded (default 3)."""
    value = settings_store.get_setting(session, CHAIR_DAYS_KEY, rules.DEFAULT_CHAIR_DAYS_BEFORE)
    try:
        return max(0, min(int(value), rules.MAX_CHAIR_DAYS_BEFORE))
    except (TypeError, ValueError):
        return rules.DEFAULT_CHAIR_DAYS_BEFORE


def set_chair_days_before(session: Session, actor: Actor, *, days: object) -> int:
    """The admin sets how many days before the month the chair is reminded (0–28)."""
    scope.require_administer(actor)
    value = validate.integer(
        "notices.fields.chair_days", days, required=True, min_value=0, max_value=rules.MAX_CHAIR_DAYS_BEFORE
    )
    assert value is not None
    before = settings_store.get_setting(session, CHAIR_DAYS_KEY)
    settings_store.put_setting(session, CHAIR_DAYS_KEY, value)
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "setting",
        None,
        before={CHAIR_DAYS_KEY: before},
        after={CHAIR_DAYS_KEY: value},
    )
    return value


def mail_on() -> bool:
    """Whether e-mail is configured (``COBUILD_SMTP_URL`` set)."""
    return bool(load_settings().smtp_url)


def smtp_config() -> SmtpConfig:
    """The SMTP settings from the environment (``MailConfigError`` when unset or unusable)."""
    settings = load_settings()
    if not settings.smtp_url:
        raise MailConfigError("COBUILD_SMTP_URL is not set")
    return parse_smtp_url(settings.smtp_url, settings.mail_from)


# --- recipients --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    user_id: int
    username: str
    display_name: str
    email: str
    language: str
    actor: Actor


def _recipients(session: Session) -> list[Recipient]:
    from services.users import actor_for

    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)).all()
    return [
        Recipient(u.id, u.username, u.display_name, u.email or "", u.language or "zh_CN", actor_for(u)) for u in users
    ]


def resolve(session: Session, audiences: Iterable[rules.Audience], users: Sequence[Recipient]) -> list[Recipient]:
    """The users an event reaches: a unit's liaisons, a community's workers, the admins whose scope
    holds the place — each once."""
    out: dict[int, Recipient] = {}
    for aud in audiences:
        for u in users:
            a = u.actor
            if aud.kind == rules.AudienceKind.UNIT:
                hit = aud.unit_id is not None and a.home_unit_id == aud.unit_id
            elif aud.kind == rules.AudienceKind.COMMUNITY:
                hit = aud.community_id is not None and a.home_community_id == aud.community_id
            else:
                hit = a.may_administer(scope.community_place(session, aud.community_id))
            if hit:
                out.setdefault(u.user_id, u)
    return list(out.values())


# --- enqueue -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """A notice row a due event makes (before it is written)."""

    key: str
    topic: str
    event: NoticeEvent
    channel: NoticeChannel
    recipient: Recipient
    due: rules.Due


def plan(session: Session, dues: Iterable[rules.Due], *, mail: bool | None = None) -> list[Planned]:
    """Every row the due events make: an inbox row per recipient, and an e-mail row when mail is on
    and the recipient has an address."""
    mail = mail_on() if mail is None else mail
    users = _recipients(session)
    out: list[Planned] = []
    for due in dues:
        for r in resolve(session, due.audiences, users):
            channels = [NoticeChannel.INBOX] + ([NoticeChannel.EMAIL] if mail and r.email else [])
            for ch in channels:
                out.append(Planned(rules.notice_key(due.topic, r.user_id, ch), due.topic, due.event, ch, r, due))
    return out


def existing_keys(session: Session, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(keys), 500):
        found.update(session.scalars(select(Notice.key).where(Notice.key.in_(keys[i : i + 500]))))
    return found


def enqueue(session: Session, planned: Sequence[Planned], *, now: datetime) -> int:
    """Write the planned rows that do not exist yet (ON CONFLICT DO NOTHING on the key); how many."""
    if not planned:
        return 0
    dialect = session.get_bind().dialect.name
    insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    written = 0
    for p in planned:
        inbox = p.channel == NoticeChannel.INBOX
        values = {
            "key": p.key,
            "topic": p.topic,
            "event": p.event,
            "channel": p.channel,
            "recipient_user_id": p.recipient.user_id,
            "unit_id": p.due.unit_id,
            "community_id": p.due.community_id,
            "params": json.dumps(dict(p.due.params), ensure_ascii=False, default=str),
            "link": p.due.link,
            "due_at": p.due.due_at,
            "status": NoticeStatus.SENT if inbox else NoticeStatus.PENDING,  # the inbox holds it at once
            "attempts": 0,
            "next_attempt_at": None,
            "sent_at": now if inbox else None,
            "last_error": "",
            "created_at": now,
            "updated_at": now,
        }
        stmt = insert_fn(Notice).values(**values).on_conflict_do_nothing(index_elements=["key"]).returning(Notice.id)
        written += session.execute(stmt).first() is not None
    return written


def enqueue_dues(session: Session, dues: Sequence[rules.Due], *, now: datetime) -> int:
    """Plan and write the rows of ``dues``; how many were new."""
    return enqueue(session, plan(session, dues), now=now)


def whistle_facts(session: Session, whistles: Sequence[Whistle]) -> list[rules.WhistleFacts]:
    if not whistles:
        return []
    ids = [w.id for w in whistles]
    names = dict(session.execute(select(Community.id, Community.name)).tuples().all())
    rows = session.execute(
        select(WhistleResponse, Unit.name)
        .join(Unit, Unit.id == WhistleResponse.unit_id)
        .where(WhistleResponse.whistle_id.in_(ids))
        .order_by(WhistleResponse.id)
    ).all()
    by_whistle: dict[int, list[rules.ResponseFacts]] = {}
    for resp, unit_name in rows:
        reached = {
            WhistleStage.SIGNED: resp.signed_at,
            WhistleStage.CONTACTED: resp.contacted_at,
            WhistleStage.REPORTED: resp.reported_at,
            WhistleStage.HANDLED: resp.handled_at,
            WhistleStage.CLOSED: resp.closed_at,
        }
        done = WhistleStage(resp.stage) in (WhistleStage.CLOSED, WhistleStage.RATED)
        by_whistle.setdefault(resp.whistle_id, []).append(rules.ResponseFacts(resp.unit_id, unit_name, reached, done))
    return [
        rules.WhistleFacts(
            id=w.id,
            community_id=w.community_id,
            community=names.get(w.community_id, ""),
            title=w.title,
            kind=WhistleKind(w.kind),
            raised_at=w.raised_at,
            responses=tuple(by_whistle.get(w.id, [])),
            closed=w.closed_at is not None or w.deleted_at is not None,
        )
        for w in whistles
    ]


def enqueue_whistle_raised(session: Session, *, whistle_id: int, now: datetime) -> int:
    """吹哨 raised: every summoned unit is told at once, in the raising transaction."""
    whistle = session.get(Whistle, whistle_id)
    if whistle is None:
        raise NotFound()
    session.flush()
    return enqueue_dues(session, rules.whistle_raised_notices(whistle_facts(session, [whistle])[0]), now=now)


def _limits(session: Session) -> clock.Limits:
    from services.whistle import LIMITS_KEY

    return clock.limits_from_json(settings_store.get_setting(session, LIMITS_KEY))


def collect_due(session: Session, window: rules.Window) -> list[rules.Due]:
    """Every notice the rules make due in ``window``, from the records as they stand."""
    since_day, until_day = rules.local_day(window.since), rules.local_day(window.until)
    names = dict(session.execute(select(Community.id, Community.name)).tuples().all())
    # 轮值主席
    days_before = get_chair_days_before(session)
    slot_rows = session.execute(
        select(RotationSlot, Unit.name)
        .join(Unit, Unit.id == RotationSlot.chair_unit_id)
        .where(RotationSlot.year.between(since_day.year, until_day.year + 1))
    ).all()
    slots = [
        rules.SlotFacts(
            id=s.id,
            year=s.year,
            month=s.month,
            community_id=s.community_id,
            chair_unit_id=s.chair_unit_id,
            chair=unit_name,
            theme=s.theme or "",
            plan=s.plan or "",
            community=names.get(s.community_id, "") if s.community_id is not None else "",
        )
        for s, unit_name in slot_rows
    ]
    dues = rules.chair_notices(slots, window, days_before=days_before)
    years: dict[int | None, set[int]] = {}
    for community_id, year in session.execute(select(RotationSlot.community_id, RotationSlot.year).distinct()):
        years.setdefault(community_id, set()).add(year)
    dues += rules.chair_missing_notices(years, window, names=names)
    # 吹哨: the longest chain is a stage overdue by its whole limit (twice the longest limit)
    horizon = window.since - timedelta(days=180)
    whistles = session.scalars(
        select(Whistle).where(*live(Whistle), Whistle.closed_at.is_(None), Whistle.raised_at >= horizon)
    ).all()
    dues += rules.whistle_clock_notices(whistle_facts(session, whistles), window, limits=_limits(session))
    # 待办
    lo, hi = since_day - timedelta(days=2), until_day + timedelta(days=rules.ACTION_DAYS_BEFORE + 1)
    item_rows = session.execute(
        select(ActionItem, Unit.name, Meeting.title, Meeting.community_id)
        .join(Unit, Unit.id == ActionItem.owner_unit_id)
        .join(Meeting, Meeting.id == ActionItem.meeting_id)
        .where(
            ActionItem.status == ActionStatus.OPEN,
            ActionItem.due_on.between(lo, hi),
            *live(ActionItem),  # its meeting standing (services.live)
        )
    ).all()
    items = [
        rules.ActionFacts(
            id=i.id,
            owner_unit_id=i.owner_unit_id,
            owner=unit_name,
            content=i.content,
            due_on=i.due_on,
            community_id=community_id,
            meeting=title,
        )
        for i, unit_name, title, community_id in item_rows
    ]
    dues += rules.action_notices(items, window)
    return dues


def mark_chairs_reminded(session: Session, dues: Iterable[rules.Due], *, day: Any) -> None:
    """The chair's reminder is recorded on its slot (``reminded_on``); who was told are the rows."""
    ids = [
        int(d.topic.rsplit("slot", 1)[1])
        for d in dues
        if d.event in (NoticeEvent.CHAIR_UPCOMING, NoticeEvent.CHAIR_START)
    ]
    if ids:
        session.execute(update(RotationSlot).where(RotationSlot.id.in_(ids)).values(reminded_on=day))


# --- the scheduler's state ---------------------------------------------------------------------


@dataclass(frozen=True)
class Lease:
    """What taking the lease found: ``window`` to cover, or ``held_by`` another pass, or ``last``
    later than this pass's moment (refused)."""

    window: rules.Window | None
    held_by: str = ""
    last: datetime | None = None
    earlier: bool = False


def _state(session: Session) -> SchedulerState:
    dialect = session.get_bind().dialect.name
    insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert_fn(SchedulerState)
        .values(id=STATE_ID, lease_holder="", created_at=utcnow(), updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["id"])
    )
    state = session.get(SchedulerState, STATE_ID, with_for_update=True, populate_existing=True)
    assert state is not None
    return state


def take_lease(session: Session, *, holder: str, at: datetime, wall_now: datetime, dry_run: bool = False) -> Lease:
    """Take the scheduler's lease for one pass at ``at`` (in a write transaction): another live
    lease → held; ``at`` earlier than the last pass → refused; otherwise the window to cover —
    since the last pass, or on a database's first pass since 00:00 China time of its day."""
    state = session.get(SchedulerState, STATE_ID) if dry_run else _state(session)  # a dry run writes nothing
    if state is None:
        return Lease(rules.Window(rules.start_of_local_day(at), at))
    last = state.last_pass_at
    if state.lease_holder and state.lease_holder != holder and state.lease_until and state.lease_until > wall_now:
        return Lease(None, held_by=state.lease_holder, last=last)
    if last is not None and at < last:
        return Lease(None, last=last, earlier=True)
    since = last if last is not None else rules.start_of_local_day(at)
    if not dry_run:
        state.lease_holder, state.lease_until = holder, wall_now + LEASE
    return Lease(rules.Window(since, at), last=last)


def record_pass(session: Session, *, holder: str, at: datetime, wall_now: datetime) -> bool:
    """The pass's moment becomes the last pass (with its enqueued rows, in one transaction), if the
    lease is still this pass's; False when another took it over meanwhile."""
    state = _state(session)
    if state.lease_holder != holder:
        return False
    state.last_pass_at = at
    state.lease_until = wall_now + LEASE
    return True


def release_lease(session: Session, *, holder: str) -> None:
    state = _state(session)
    if state.lease_holder == holder:
        state.lease_holder, state.lease_until = "", None


# --- delivery ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """A claimed e-mail, rendered in its recipient's language, ready to send."""

    notice_id: int
    attempts: int
    to_name: str
    to_addr: str
    subject: str
    text: str
    link: str | None
    link_label: str
    footer: str


def _due_deliveries(at: datetime) -> ColumnElement[bool]:
    return and_(
        Notice.channel == NoticeChannel.EMAIL,
        Notice.status == NoticeStatus.PENDING,
        or_(Notice.next_attempt_at.is_(None), Notice.next_attempt_at <= at),
    )


def count_due_deliveries(session: Session, *, at: datetime) -> int:
    return session.scalar(select(func.count(Notice.id)).where(_due_deliveries(at))) or 0


def claim_deliveries(session: Session, *, at: datetime, limit: int = CLAIM_BATCH) -> list[Outgoing]:
    """Take up to ``limit`` due e-mails for this sender (in a write transaction): rows another sender
    holds are skipped (``FOR UPDATE SKIP LOCKED``; SQLite's ``BEGIN IMMEDIATE`` serializes), and the
    taken rows are marked in flight, so no other sender takes them after this commits."""
    stmt = select(Notice).where(_due_deliveries(at)).order_by(Notice.due_at, Notice.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    notices = session.scalars(stmt).all()
    if not notices:
        return []
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_({n.recipient_user_id for n in notices})))}
    public = load_settings().public_url
    out: list[Outgoing] = []
    for n in notices:
        n.attempts += 1
        n.next_attempt_at = at + IN_FLIGHT
        user = users.get(n.recipient_user_id)
        lang = (user.language if user else "") or "zh_CN"
        subject, body = render(n.event, n.params, lang)
        link = f"{public}{n.link}" if public and n.link else None
        out.append(
            Outgoing(
                notice_id=n.id,
                attempts=n.attempts,
                to_name=user.display_name if user else "",
                to_addr=(user.email if user else "") or "",
                subject=subject,
                text=body,
                link=link,
                link_label=translate(lang, "notices.mail.open_link", url=link or ""),
                footer=translate(lang, "notices.mail.footer"),
            )
        )
    session.flush()
    return out


def message_for(config: SmtpConfig, out: Outgoing) -> Any:
    return build_message(
        config,
        to_name=out.to_name,
        to_addr=out.to_addr,
        subject=out.subject,
        text=out.text,
        link=out.link,
        link_label=out.link_label,
        footer=out.footer,
    )


def record_delivery(session: Session, *, notice_id: int, at: datetime, error: str | None) -> NoticeStatus:
    """Keep one attempt's outcome: sent; or pending with the next try after the backoff; or failed
    when the tries are used up. Returns the notice's status."""
    notice = session.get(Notice, notice_id, with_for_update=True)
    if notice is None:
        raise NotFound()
    if error is None:
        notice.status, notice.sent_at, notice.next_attempt_at, notice.last_error = NoticeStatus.SENT, at, None, ""
        status = NoticeStatus.SENT
    else:
        delay = rules.retry_delay(notice.attempts)
        notice.last_error = error[:1000]
        if delay is None:
            notice.status, notice.next_attempt_at = NoticeStatus.FAILED, None
        else:
            notice.next_attempt_at = at + delay
        status = NoticeStatus.FAILED
    session.add(NoticeAttempt(notice_id=notice.id, at=at, status=status, error=(error or "")[:1000]))
    return notice.status


# --- rendering ---------------------------------------------------------------------------------


def _when(value: Any, lang: str) -> str:
    """A stored ISO date or moment as the notice's reader reads dates (2026年12月10日 14:30; a day's
    deadline at midnight as the day alone), as on the screens."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if len(str(value)) == 10:  # a plain date
        return dates.fmt_date(moment.date(), lang)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return dates.fmt_moment(moment, lang)


def render(event: NoticeEvent | str, params: str | dict[str, Any], lang: str) -> tuple[str, str]:
    """A notice's subject and body in ``lang``, from its stored params."""
    p: dict[str, Any] = dict(json.loads(params) if isinstance(params, str) else params)
    event = NoticeEvent(event)
    alliance = translate(lang, "notices.mail.alliance")
    p.setdefault("community", "")
    p["scope"] = p["community"] or alliance
    if "kind" in p:
        p["kind"] = translate(lang, f"enum.WhistleKind.{p['kind']}")
    if "stage" in p:
        p["stage"] = translate(lang, f"enum.WhistleStage.{p['stage']}")
    if "due_at" in p:
        p["due"] = _when(p["due_at"], lang)
    if "due_on" in p:
        p["due_on"] = _when(p["due_on"], lang)
    for name in ("theme", "plan", "meeting"):
        p[name] = p.get(name) or "—"
    return translate(lang, f"notices.{event.value}.subject", **p), translate(lang, f"notices.{event.value}.body", **p)


# --- the inbox ---------------------------------------------------------------------------------


def _visible(actor: Actor) -> ColumnElement[bool]:
    """The inbox rule of ``domain.notices.may_see`` as SQL."""
    own = Notice.recipient_user_id == (actor.user_id if actor.user_id is not None else -1)
    if actor.home_unit_id is not None:
        return or_(own, Notice.unit_id == actor.home_unit_id)
    if actor.home_community_id is not None:
        return or_(own, Notice.community_id == actor.home_community_id)
    if actor.is_admin:  # a county admin holds every place; streets carry no notices yet
        return or_(own, true() if actor.scope.level == Level.COUNTY else false())
    return own


def unread_count(session: Session, actor: Actor) -> int:
    """The actor's own unread inbox notices (the sidebar's badge)."""
    if actor.user_id is None:
        return 0
    return (
        session.scalar(
            select(func.count(Notice.id)).where(
                Notice.recipient_user_id == actor.user_id,
                Notice.channel == NoticeChannel.INBOX,
                Notice.read_at.is_(None),
            )
        )
        or 0
    )


@dataclass(frozen=True)
class InboxItem:
    id: int
    event: NoticeEvent
    subject: str
    body: str
    link: str
    due_at: datetime
    own: bool  # the actor's own row (it can be marked read)
    unread: bool
    recipient: str


def list_inbox(
    session: Session, actor: Actor, *, lang: str, offset: int = 0, limit: int = 20, unread_only: bool = False
) -> tuple[list[InboxItem], int]:
    """The inbox notices the actor may see, newest first, one per event (the actor's own row when it
    has one), rendered in ``lang``; and how many there are."""
    me = actor.user_id if actor.user_id is not None else -1
    conds = [Notice.channel == NoticeChannel.INBOX, _visible(actor)]
    if unread_only:
        conds += [Notice.recipient_user_id == me, Notice.read_at.is_(None)]
    topics = (
        select(Notice.topic, func.max(Notice.due_at).label("due"), func.max(Notice.id).label("last"))
        .where(*conds)
        .group_by(Notice.topic)
    )
    total = session.scalar(select(func.count()).select_from(topics.subquery())) or 0
    page = session.execute(
        topics.order_by(func.max(Notice.due_at).desc(), func.max(Notice.id).desc()).offset(offset).limit(limit)
    ).all()
    wanted = [r.topic for r in page]
    if not wanted:
        return [], int(total)
    rows = session.execute(
        select(Notice, User.display_name)
        .join(User, User.id == Notice.recipient_user_id)
        .where(*conds, Notice.topic.in_(wanted))
        .order_by(Notice.id)
    ).all()
    chosen: dict[str, tuple[Notice, str]] = {}
    for n, name in rows:
        if n.topic not in chosen or n.recipient_user_id == me:
            chosen[n.topic] = (n, name)
    out = []
    for topic in wanted:
        n, name = chosen[topic]
        subject, body = render(n.event, n.params, lang)
        out.append(
            InboxItem(
                id=n.id,
                event=NoticeEvent(n.event),
                subject=subject,
                body=body,
                link=n.link,
                due_at=n.due_at,
                own=n.recipient_user_id == me,
                unread=n.recipient_user_id == me and n.read_at is None,
                recipient=name,
            )
        )
    return out, int(total)


def _own_notice(session: Session, actor: Actor, notice_id: int) -> Notice:
    notice = session.get(Notice, notice_id)
    if notice is None or notice.channel != NoticeChannel.INBOX:
        raise NotFound()
    scope.require(actor.user_id is not None and notice.recipient_user_id == actor.user_id)
    return notice


def mark_read(session: Session, actor: Actor, *, notice_id: int, now: datetime | None = None) -> None:
    """The reader marks one of their own notices read (a colleague's stays theirs to mark)."""
    notice = _own_notice(session, actor, notice_id)
    if notice.read_at is not None:
        return
    before = audit.snapshot(notice)
    notice.read_at = now or utcnow()
    audit.record_change(session, actor, notice, before, entity="notice")


def mark_all_read(session: Session, actor: Actor, *, now: datetime | None = None) -> int:
    """The reader marks all their own unread notices read; how many."""
    if actor.user_id is None:
        raise PermissionDenied()
    result = session.execute(
        update(Notice)
        .where(
            Notice.recipient_user_id == actor.user_id,
            Notice.channel == NoticeChannel.INBOX,
            Notice.read_at.is_(None),
        )
        .values(read_at=now or utcnow())
    )
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    audit.record(session, actor, AuditAction.UPDATE, "notice", None, after={"marked_read": count})
    return count


# --- the admin's deliveries --------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryQuery:
    """The admin's filters over the outbox: status, channel, event, recipient (name, username or
    address, in part) and a range of China-time days of the notice's moment (both ends included)."""

    status: NoticeStatus | None = None
    channel: NoticeChannel | None = None
    event: NoticeEvent | None = None
    query: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _delivery_conds(q: DeliveryQuery) -> list[ColumnElement[bool]]:
    if q.date_from and q.date_to and q.date_to < q.date_from:
        raise ValidationError("common.to_date", "admin.error.period_order")
    conds: list[ColumnElement[bool]] = []
    if q.status is not None:
        conds.append(Notice.status == q.status)
    if q.channel is not None:
        conds.append(Notice.channel == q.channel)
    if q.event is not None:
        conds.append(Notice.event == q.event)
    if q.query.strip():
        like = f"%{q.query.strip()}%"
        conds.append(or_(User.username.ilike(like), User.display_name.ilike(like), User.email.ilike(like)))
    if q.date_from:
        conds.append(Notice.due_at >= calendar.local_midnight(q.date_from))
    if q.date_to:
        conds.append(Notice.due_at < calendar.local_midnight(q.date_to + timedelta(days=1)))
    return conds


def list_deliveries(
    session: Session,
    actor: Actor,
    *,
    status: NoticeStatus | None = None,
    channel: NoticeChannel | None = None,
    event: NoticeEvent | None = None,
    query: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[pd.DataFrame, int]:
    """The outbox for the admin: newest first, filtered by status, channel, event, recipient and
    days; one page of it and how many rows the filters hold (``limit=0``: the count alone)."""
    scope.require_administer(actor)
    q = DeliveryQuery(status, channel, event, query, date_from, date_to)
    conds = _delivery_conds(q)
    base = select(Notice.id).join(User, User.id == Notice.recipient_user_id).where(*conds)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    cols = [
        "id",
        "due_at",
        "event",
        "channel",
        "recipient",
        "email",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
        "key",
    ]
    if limit <= 0:
        return pd.DataFrame(columns=cols), int(total)
    rows = session.execute(
        select(
            Notice.id,
            Notice.due_at,
            Notice.event,
            Notice.channel,
            User.display_name,
            User.email,
            Notice.status,
            Notice.attempts,
            Notice.next_attempt_at,
            Notice.sent_at,
            Notice.last_error,
            Notice.key,
        )
        .join(User, User.id == Notice.recipient_user_id)
        .where(*conds)
        .order_by(Notice.due_at.desc(), Notice.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    df = pd.DataFrame([tuple(r) for r in rows], columns=cols)
    for col in ("due_at", "next_attempt_at", "sent_at"):
        df[col] = pd.Series([None if v is None or v != v else v for v in df[col].astype(object)], dtype=object)
    return df, int(total)


def count_deliveries(
    session: Session,
    actor: Actor,
    *,
    status: NoticeStatus | None = None,
    channel: NoticeChannel | None = None,
    event: NoticeEvent | None = None,
    query: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> dict[NoticeStatus, int]:
    """How many rows the filters hold per status (one GROUP BY; every status, zero included)."""
    scope.require_administer(actor)
    conds = _delivery_conds(DeliveryQuery(status, channel, event, query, date_from, date_to))
    rows = session.execute(
        select(Notice.status, func.count(Notice.id))
        .join(User, User.id == Notice.recipient_user_id)
        .where(*conds)
        .group_by(Notice.status)
    ).all()
    found = {NoticeStatus(s): int(n) for s, n in rows}
    return {s: found.get(s, 0) for s in NoticeStatus}


def list_attempts(session: Session, actor: Actor, *, notice_id: int) -> pd.DataFrame:
    """Every delivery attempt of one notice (time, status, error)."""
    scope.require_administer(actor)
    rows = session.execute(
        select(NoticeAttempt.at, NoticeAttempt.status, NoticeAttempt.error)
        .where(NoticeAttempt.notice_id == notice_id)
        .order_by(NoticeAttempt.at, NoticeAttempt.id)
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["at", "status", "error"])


def resend_notice(session: Session, actor: Actor, *, notice_id: int, now: datetime | None = None) -> None:
    """The admin sends a failed e-mail again: it is pending at once, with a fresh round of tries."""
    notice = session.get(Notice, notice_id, with_for_update=True)
    if notice is None:
        raise NotFound()
    scope.require_administer(actor, scope.community_place(session, notice.community_id))
    if notice.channel != NoticeChannel.EMAIL or notice.status != NoticeStatus.FAILED:
        raise ValidationError("notices.fields.delivery", "notices.errors.not_failed")
    before = audit.snapshot(notice)
    notice.status, notice.attempts, notice.next_attempt_at = NoticeStatus.PENDING, 0, None
    audit.record_change(session, actor, notice, before, entity="notice")


def send_test_email(
    session: Session, actor: Actor, *, to_addr: str, now: datetime | None = None, config: SmtpConfig | None = None
) -> str | None:
    """The admin sends a test e-mail to ``to_addr`` now (kept as a notice with its attempt); the
    error text when it could not be sent, else None. Without a usable ``COBUILD_SMTP_URL`` it is
    refused (naming the variable) and nothing is written."""
    scope.require_administer(actor)
    addr = validate.text("notices.fields.test_to", to_addr, required=True, max_len=120)
    if "@" not in addr or " " in addr:
        raise ValidationError("notices.fields.test_to", "notices.errors.bad_address", value=addr)
    if config is None:
        if not mail_on():
            raise ValidationError("notices.fields.smtp_url", "notices.errors.smtp_off")
        try:
            config = smtp_config()
        except MailConfigError as err:
            raise ValidationError("notices.fields.smtp_url", "notices.errors.smtp_bad", error=str(err)) from None
    now = now or utcnow()
    assert actor.user_id is not None
    notice = Notice(
        key=f"test:{now.isoformat()}:u{actor.user_id}:email",
        topic=f"test:{now.isoformat()}",
        event=NoticeEvent.TEST,
        channel=NoticeChannel.EMAIL,
        recipient_user_id=actor.user_id,
        params=json.dumps({"to": addr}, ensure_ascii=False),
        due_at=now,
        status=NoticeStatus.PENDING,
        attempts=1,
    )
    session.add(notice)
    session.flush()
    error: str | None = None
    try:
        from channels.mail import SmtpMailer

        cfg = config
        user = session.get(User, actor.user_id)
        lang = (user.language if user else "") or "zh_CN"
        subject, body = render(NoticeEvent.TEST, {}, lang)
        msg = build_message(cfg, to_name=actor.display_name, to_addr=addr, subject=subject, text=body)
        with SmtpMailer(cfg) as mailer:
            mailer.send(msg)
    except Exception as err:  # any failure is shown to the admin
        error = f"{type(err).__name__}: {err}"
    notice.status = NoticeStatus.SENT if error is None else NoticeStatus.FAILED
    notice.sent_at = now if error is None else None
    notice.last_error = error or ""
    session.add(NoticeAttempt(notice_id=notice.id, at=now, status=notice.status, error=error or ""))
    audit.record_change(session, actor, notice, None, entity="notice")
    return error
