"""The public board (/wall): what residents see and send, with no login.

Everything here returns dataclasses of public fields only — titles, categories, claim status, a
unit's name, a project's stage, progress and milestones, a 公示's period — never a phone number, a
contact, an address or a resident's name they did not choose to show (tests/services/test_wall.py
walks these types). The public pages import no other service.

Writes (a submission, an objection) take no actor: they are audited as 居民 with their time and
client address, and counted in ``public_write`` against the rate limits of domain/residents.py,
under a lock so that two processes cannot both take the last place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from db.areas import areas
from db.models import (
    Category,
    Community,
    Milestone,
    Need,
    Project,
    Publicity,
    PublicWrite,
    ResidentSubmission,
    Unit,
    utcnow,
)
from domain import residents as rules
from domain.enums import AuditAction, NeedStatus, ProjectStage, PublicityKind, SubmissionKind
from domain.errors import AppError, NotFound, ValidationError
from services.audit import record
from services.live import is_live, live

# the data areas its reads depend on (db/areas.py): a cached read's key holds their versions
READS = areas("lists", "org", "residents")

RESIDENT = "居民"  # the audit log's name for a public write
HONEYPOT_FIELD = "wall.fields.honeypot"


@dataclass(frozen=True)
class PublicCommunity:
    id: int
    name: str
    street: str


@dataclass(frozen=True)
class PublicCategory:
    id: int
    name: str


@dataclass(frozen=True)
class PublicNeed:
    title: str
    category: str
    is_micro_wish: bool
    status: NeedStatus
    claimed_by: str  # the unit's name, "" while unclaimed


@dataclass(frozen=True)
class PublicMilestone:
    title: str
    due_on: date
    done: bool


@dataclass(frozen=True)
class PublicProject:
    title: str
    stage: ProjectStage
    progress: int
    milestones: tuple[PublicMilestone, ...]


@dataclass(frozen=True)
class PublicPublicity:
    id: int
    kind: PublicityKind
    title: str
    note: str
    starts_on: date
    ends_on: date
    projects: tuple[str, ...]
    open_now: bool  # objections may be lodged today


@dataclass(frozen=True)
class PublicBoard:
    community: PublicCommunity
    needs: tuple[PublicNeed, ...]
    projects: tuple[PublicProject, ...]
    publicities: tuple[PublicPublicity, ...]


@dataclass(frozen=True)
class Client:
    """Who is writing: the browser session's token and the client address (domain.residents)."""

    session_key: str
    address: str


@dataclass(frozen=True)
class Receipt:
    number: int  # the submission's number, for the resident to quote


class RateLimited(AppError):
    """Too many public writes; ``until`` says when the next is allowed."""

    code = "wall.errors.rate_limited"

    def __init__(self, until: datetime) -> None:
        super().__init__(self.code, until=until)
        self.until = until


def list_public_communities(session: Session) -> list[PublicCommunity]:
    from domain.text import pinyin_key

    rows = session.execute(select(Community.id, Community.name, Community.street).where(*live(Community))).all()
    return sorted((PublicCommunity(r.id, r.name, r.street) for r in rows), key=lambda c: pinyin_key(c.name))


def list_public_categories(session: Session) -> list[PublicCategory]:
    rows = session.execute(
        select(Category.id, Category.name).where(*live(Category)).order_by(Category.sort_order)
    ).all()
    return [PublicCategory(r.id, r.name) for r in rows]


def _community(session: Session, community_id: int | None) -> Community:
    community = session.get(Community, community_id) if community_id is not None else None
    if not is_live(community):
        raise NotFound("wall.errors.no_community")
    return community


def public_board(session: Session, *, community_id: int, today: date) -> PublicBoard:
    """One community's board: its needs and 微心愿 flagged 公开, its projects, its 公示 (running or
    ended within 30 days)."""
    community = _community(session, community_id)
    needs = session.execute(
        select(Need.title, Category.name, Need.is_micro_wish, Need.status, Unit.name)
        .join(Category, Category.id == Need.category_id)
        .outerjoin(Unit, Unit.id == Need.claimed_by_unit_id)
        .where(Need.community_id == community.id, *live(Need))
        .where(Need.is_public.is_(True))
        .order_by(Need.id.desc())
        .limit(200)
    ).all()
    projects = session.scalars(
        select(Project)
        .where(Project.community_id == community.id, *live(Project))
        .order_by(Project.id.desc())
        .limit(100)
    ).all()
    milestones: dict[int, list[PublicMilestone]] = {}
    if projects:
        for m in session.scalars(
            select(Milestone).where(Milestone.project_id.in_([p.id for p in projects])).order_by(Milestone.due_on)
        ):
            milestones.setdefault(m.project_id, []).append(PublicMilestone(m.title, m.due_on, m.done))
    since = date.fromordinal(today.toordinal() - 30)
    publicities = session.scalars(
        select(Publicity)
        .where(Publicity.community_id == community.id, Publicity.starts_on <= today, Publicity.ends_on >= since)
        .order_by(Publicity.starts_on.desc(), Publicity.id.desc())
    ).all()
    return PublicBoard(
        community=PublicCommunity(community.id, community.name, community.street),
        needs=tuple(PublicNeed(r[0], r[1], bool(r[2]), NeedStatus(r[3]), r[4] or "") for r in needs),
        projects=tuple(
            PublicProject(p.title, ProjectStage(p.stage), int(p.progress or 0), tuple(milestones.get(p.id, [])))
            for p in projects
        ),
        publicities=tuple(
            PublicPublicity(
                p.id,
                PublicityKind(p.kind),
                p.title,
                p.note,
                p.starts_on,
                p.ends_on,
                tuple(pr.title for pr in p.projects if is_live(pr)),
                rules.is_on_publicity(p.starts_on, p.ends_on, today),
            )
            for p in publicities
        ),
    )


def _lock(session: Session, key: str) -> None:
    """Serialise the writes of one client address (PostgreSQL: an advisory lock for the
    transaction; SQLite's writes are serialised already by BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})


def _check_rate(session: Session, client: Client, now: datetime) -> None:
    since = now - rules.ADDRESS_WINDOW
    session.execute(delete(PublicWrite).where(PublicWrite.at < now - rules.PUBLIC_WRITE_KEEP))
    for key, limit in (
        (f"session:{client.session_key}", rules.SESSION_LIMIT),
        (f"address:{client.address}", rules.ADDRESS_LIMIT),
    ):
        times = list(
            session.scalars(
                select(PublicWrite.at).where(PublicWrite.key == key, PublicWrite.at > since).order_by(PublicWrite.at)
            )
        )
        until = rules.retry_at(times, limit=limit, window=rules.ADDRESS_WINDOW)
        if until is not None:
            raise RateLimited(until)


def _count(session: Session, client: Client, now: datetime) -> None:
    session.add_all(
        [
            PublicWrite(key=f"session:{client.session_key}", at=now),
            PublicWrite(key=f"address:{client.address}", at=now),
        ]
    )


def _admit(session: Session, client: Client, honeypot: str, now: datetime) -> None:
    if not client.session_key or len(client.session_key) > 64:
        raise ValidationError(HONEYPOT_FIELD, "wall.errors.rejected")
    if honeypot.strip():  # a field no person sees: only a program fills it in
        raise ValidationError(HONEYPOT_FIELD, "wall.errors.rejected")
    _lock(session, f"address:{client.address}")
    _check_rate(session, client, now)


def submit_request(
    session: Session,
    *,
    community_id: int,
    client: Client,
    text: str,
    category_id: int | None,
    micro_wish: bool,
    display_name: str = "",
    show_name: bool = False,
    phone: str = "",
    honeypot: str = "",
    now: datetime | None = None,
) -> Receipt:
    """A resident's need or 微心愿 for a community's queue (居民提交). Refused, with nothing written,
    when a field does not fit or the session or address has reached its limit."""
    now = now or utcnow()
    community = _community(session, community_id)
    body = rules.plain_text("wall.fields.text", text, required=True)
    name = rules.plain_text("wall.fields.name", display_name, max_len=rules.NAME_MAX)
    tel = rules.phone_number("wall.fields.phone", phone)
    cid: int | None = None
    if category_id is not None:
        cid = session.scalar(select(Category.id).where(Category.id == category_id, *live(Category)))
        if cid is None:
            raise ValidationError("wall.fields.category", "error.unknown_choice", value=str(category_id))
    _admit(session, client, honeypot, now)
    sub = ResidentSubmission(
        community_id=community.id,
        kind=SubmissionKind.WISH if micro_wish else SubmissionKind.NEED,
        text=body,
        category_id=cid,
        display_name=name,
        show_name=bool(show_name and name),
        phone=tel,
        client_address=client.address[:64],
        submitted_at=now,
    )
    session.add(sub)
    _count(session, client, now)
    session.flush()
    _audit(session, sub)
    return Receipt(sub.id)


def lodge_objection(
    session: Session,
    *,
    publicity_id: int,
    client: Client,
    text: str,
    display_name: str = "",
    phone: str = "",
    honeypot: str = "",
    today: date,
    now: datetime | None = None,
) -> Receipt:
    """A resident's objection (异议) to a 公示 while it runs; it lands in the community's queue."""
    now = now or utcnow()
    pub = session.get(Publicity, publicity_id)
    if pub is None:
        raise NotFound("wall.errors.no_publicity")
    if not rules.is_on_publicity(pub.starts_on, pub.ends_on, today):
        raise ValidationError("wall.fields.objection", "wall.errors.publicity_closed")
    body = rules.plain_text("wall.fields.objection", text, required=True)
    name = rules.plain_text("wall.fields.name", display_name, max_len=rules.NAME_MAX)
    tel = rules.phone_number("wall.fields.phone", phone)
    _admit(session, client, honeypot, now)
    sub = ResidentSubmission(
        community_id=pub.community_id,
        kind=SubmissionKind.OBJECTION,
        text=body,
        display_name=name,
        phone=tel,
        publicity_id=pub.id,
        client_address=client.address[:64],
        submitted_at=now,
    )
    session.add(sub)
    _count(session, client, now)
    session.flush()
    _audit(session, sub)
    return Receipt(sub.id)


def _audit(session: Session, sub: ResidentSubmission) -> None:
    record(
        session,
        None,
        AuditAction.CREATE,
        "resident_submission",
        sub.id,
        after={
            "kind": sub.kind.value,
            "community_id": sub.community_id,
            "publicity_id": sub.publicity_id,
            "text": sub.text,
            "client_address": sub.client_address,
            "submitted_at": sub.submitted_at.isoformat(),
        },
        username=RESIDENT,
    )


def count_public_writes(session: Session, *, key: str) -> int:
    """How many writes a rate-limit key holds (tests, the admin's curiosity)."""
    return int(session.scalar(select(func.count(PublicWrite.id)).where(PublicWrite.key == key)) or 0)
