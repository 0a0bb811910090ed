"""The residents' queue (居民提交) for the community's workers and the admins: accept a submission
into the needs list (source 居民提, 公开 by default), merge it into an existing need, or decline it
with a reason; post a 公示; choose which needs are 公开; erase residents' phones and addresses after
180 days (``manage.py erase-personal``, run by the scheduler)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEntry, Category, Need, Project, Publicity, ResidentSubmission, utcnow
from domain import residents as rules
from domain.actor import Actor
from domain.enums import AuditAction, NeedSource, NeedStatus, PublicityKind, SubmissionKind, SubmissionStatus
from domain.errors import Conflict, NotFound, ValidationError
from services import validate
from services.audit import record, record_change, snapshot
from services.lists import check_category, require_community_keeper, require_writer
from services.live import live


@dataclass(frozen=True)
class Submission:
    """A queue row as the workers see it (private: the resident's name and phone)."""

    id: int
    kind: SubmissionKind
    text: str
    category_id: int | None
    category: str
    display_name: str
    show_name: bool
    phone: str
    submitted_at: datetime
    status: SubmissionStatus
    decline_reason: str
    need_id: int | None
    publicity_title: str


@dataclass(frozen=True)
class NeedChoice:
    id: int
    title: str
    is_micro_wish: bool
    is_public: bool


def list_submissions(
    session: Session, actor: Actor, *, community_id: int, status: SubmissionStatus | None = SubmissionStatus.PENDING
) -> list[Submission]:
    """The community's queue, oldest first (the admins and the community's own workers only)."""
    require_community_keeper(session, actor, community_id)
    stmt = (
        select(ResidentSubmission, Category.name, Publicity.title)
        .outerjoin(Category, Category.id == ResidentSubmission.category_id)
        .outerjoin(Publicity, Publicity.id == ResidentSubmission.publicity_id)
        .where(ResidentSubmission.community_id == community_id)
    )
    if status is not None:
        stmt = stmt.where(ResidentSubmission.status == status)
    stmt = stmt.order_by(ResidentSubmission.submitted_at, ResidentSubmission.id).limit(500)
    return [
        Submission(
            s.id,
            SubmissionKind(s.kind),
            s.text,
            s.category_id,
            cat or "",
            s.display_name,
            s.show_name,
            s.phone,
            s.submitted_at,
            SubmissionStatus(s.status),
            s.decline_reason,
            s.need_id,
            title or "",
        )
        for s, cat, title in session.execute(stmt)
    ]


def list_need_choices(session: Session, actor: Actor, *, community_id: int) -> list[NeedChoice]:
    """The community's live needs, newest first: targets of a merge and of the 公开 switch."""
    require_community_keeper(session, actor, community_id)
    rows = session.execute(
        select(Need.id, Need.title, Need.is_micro_wish, Need.is_public)
        .where(Need.community_id == community_id, *live(Need))
        .order_by(Need.id.desc())
        .limit(500)
    ).all()
    return [NeedChoice(r.id, r.title, bool(r.is_micro_wish), bool(r.is_public)) for r in rows]


def _pending(session: Session, actor: Actor, submission_id: int) -> ResidentSubmission:
    require_writer(actor)
    sub = session.get(ResidentSubmission, submission_id)
    if sub is None:
        raise NotFound()
    require_community_keeper(session, actor, sub.community_id)
    if sub.status != SubmissionStatus.PENDING:
        raise Conflict("residents.errors.decided")
    return sub


def _decide(session: Session, actor: Actor, sub: ResidentSubmission, status: SubmissionStatus) -> None:
    sub.status = status
    sub.decided_at = utcnow()
    sub.decided_by_user_id = actor.user_id


def accept_submission(
    session: Session,
    actor: Actor,
    *,
    submission_id: int,
    title: str,
    category_id: int | None,
    description: str = "",
    is_public: bool = True,
    raised_on: date | None = None,
) -> int | None:
    """Take a need or 微心愿 into the community's needs list (source 居民提, 公开 unless unticked);
    returns the new need's id. An objection is taken up (受理) and creates no need."""
    sub = _pending(session, actor, submission_id)
    before = snapshot(sub)
    need_id: int | None = None
    if sub.kind != SubmissionKind.OBJECTION:
        need = Need(
            community_id=sub.community_id,
            category_id=check_category(session, category_id, "lists.fields.category"),
            title=validate.text("lists.fields.need_title", title, required=True, max_len=200),
            description=validate.text("lists.fields.description", description, max_len=2000),
            source=NeedSource.RESIDENT,
            raised_on=raised_on or sub.submitted_at.date(),
            status=NeedStatus.OPEN,
            is_micro_wish=sub.kind == SubmissionKind.WISH,
            is_public=bool(is_public),
        )
        session.add(need)
        record_change(session, actor, need, None, entity="need")
        need_id = need.id
        sub.need_id = need_id
    _decide(session, actor, sub, SubmissionStatus.ACCEPTED)
    record_change(session, actor, sub, before, entity="resident_submission")
    return need_id


def merge_submission(session: Session, actor: Actor, *, submission_id: int, need_id: int) -> None:
    """Count a submission as part of an existing need of the same community (merged, no new row)."""
    sub = _pending(session, actor, submission_id)
    need = session.get(Need, need_id)
    if need is None or need.deleted_at is not None or need.community_id != sub.community_id:
        raise ValidationError("residents.fields.merge_into", "error.unknown_choice", value=str(need_id))
    before = snapshot(sub)
    sub.need_id = need.id
    _decide(session, actor, sub, SubmissionStatus.MERGED)
    record_change(session, actor, sub, before, entity="resident_submission")


def decline_submission(session: Session, actor: Actor, *, submission_id: int, reason: str) -> None:
    """Decline a submission, with the reason the community gives."""
    sub = _pending(session, actor, submission_id)
    before = snapshot(sub)
    sub.decline_reason = validate.text("residents.fields.reason", reason, required=True, max_len=rules.REASON_MAX)
    _decide(session, actor, sub, SubmissionStatus.DECLINED)
    record_change(session, actor, sub, before, entity="resident_submission")


def set_need_public(session: Session, actor: Actor, *, need_id: int, public: bool) -> None:
    """Show a need on (or take it off) its community's public board: title, category, claim status."""
    require_writer(actor)
    need = session.get(Need, need_id)
    if need is None or need.deleted_at is not None:
        raise NotFound()
    require_community_keeper(session, actor, need.community_id)
    before = snapshot(need)
    need.is_public = bool(public)
    record_change(session, actor, need, before, entity="need")


def post_publicity(
    session: Session,
    actor: Actor,
    *,
    community_id: int,
    kind: PublicityKind | str,
    title: str,
    project_ids: Iterable[int],
    starts_on: date | None,
    ends_on: date | None,
    note: str = "",
) -> int:
    """Put a shortlist or a result of the community's projects on 公示 from ``starts_on`` to
    ``ends_on``; residents may lodge an objection meanwhile. The projects themselves are unchanged."""
    require_writer(actor)
    require_community_keeper(session, actor, community_id)
    ids = sorted({int(i) for i in project_ids})
    projects = list(session.scalars(select(Project).where(Project.id.in_(ids), *live(Project))))
    if not ids:
        raise ValidationError("residents.fields.projects", "error.required")
    if len(projects) != len(ids) or any(p.community_id != community_id for p in projects):
        raise ValidationError("residents.fields.projects", "error.unknown_choice", value=",".join(map(str, ids)))
    start = validate.parse_date("residents.fields.starts_on", starts_on)
    end = validate.parse_date("residents.fields.ends_on", ends_on)
    if start is None:
        raise ValidationError("residents.fields.starts_on", "error.required")
    if end is None:
        raise ValidationError("residents.fields.ends_on", "error.required")
    if end < start:
        raise ValidationError("residents.fields.ends_on", "residents.errors.end_before_start")
    pub = Publicity(
        community_id=community_id,
        kind=validate.choice("residents.fields.kind", kind, PublicityKind, default=PublicityKind.SHORTLIST),
        title=rules.plain_text("residents.fields.title", title, required=True, max_len=200),
        note=rules.plain_text("residents.fields.note", note, max_len=1000),
        starts_on=start,
        ends_on=end,
        posted_by_user_id=actor.user_id,
    )
    pub.projects = projects
    session.add(pub)
    record_change(session, actor, pub, None, entity="publicity")
    return pub.id


def erase_personal(session: Session, *, now: datetime | None = None) -> int:
    """Blank the phone numbers and client addresses of submissions older than 180 days, also in
    their audit rows; returns how many submissions were erased. The scheduler runs it each pass."""
    now = now or utcnow()
    cutoff = now - rules.ERASE_AFTER
    subs = list(
        session.scalars(
            select(ResidentSubmission).where(
                ResidentSubmission.submitted_at < cutoff, ResidentSubmission.personal_erased_at.is_(None)
            )
        )
    )
    for sub in subs:
        sub.phone = ""
        sub.client_address = ""
        sub.personal_erased_at = now
        for entry in session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "resident_submission", AuditEntry.entity_id == sub.id)
        ):
            for side in ("before", "after"):
                raw = getattr(entry, side)
                if not raw:
                    continue
                data = json.loads(raw)
                for key in ("phone", "client_address"):
                    if key in data:
                        data[key] = ""
                setattr(entry, side, json.dumps(data, ensure_ascii=False, default=str))
    if subs:
        record(
            session,
            None,
            AuditAction.UPDATE,
            "resident_submission",
            None,
            after={"erased": len(subs)},
            username="system",
        )
    return len(subs)


@dataclass(frozen=True)
class ProjectChoice:
    id: int
    title: str


def list_project_choices(session: Session, actor: Actor, *, community_id: int) -> list[ProjectChoice]:
    """The community's live projects, newest first: what a 公示 can show."""
    require_community_keeper(session, actor, community_id)
    rows = session.execute(
        select(Project.id, Project.title)
        .where(Project.community_id == community_id, *live(Project))
        .order_by(Project.id.desc())
        .limit(500)
    ).all()
    return [ProjectChoice(r.id, r.title) for r in rows]
