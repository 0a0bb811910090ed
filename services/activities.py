"""活动联办: logging, editing, deleting and browsing the activities units hold with communities.

A liaison logs and edits their own unit's activities; the admin any unit's; others read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from config import load_settings
from db.areas import areas
from db.models import Activity, Community, Member, Need, Project, Unit, User, project_unit, utcnow
from domain import calendar
from domain.actor import Actor
from domain.enums import ActivityKind, AttachmentOwner, AuditAction
from domain.errors import NotFound, PermissionDenied, ValidationError
from domain.pairing import Placement, place_activity
from services import attachments, audit, metrics, validate
from services.live import is_live, live
from services.reference import Option, list_communities, paired_community_ids, reported_community_ids

# the data areas its reads depend on (db/areas.py): a cached read's key holds their versions
READS = areas("activities", "lists", "org")

F = "activities.fields."  # field labels live in the page's namespace
EARLIEST = date(2000, 1, 1)
PHOTO_KINDS = ("image",)


@dataclass(frozen=True)
class ActivityFilter:
    """What the browse table and the charts are narrowed to (all optional)."""

    start: date | None = None
    end: date | None = None
    community_id: int | None = None
    unit_id: int | None = None
    kind: ActivityKind | None = None
    text: str = ""


@dataclass(frozen=True)
class ActivityDetail:
    """One activity as the detail view and the edit form show it."""

    id: int
    unit_id: int
    unit: str
    community_id: int
    community: str
    held_on: date
    kind: ActivityKind
    title: str
    description: str
    participants: int
    volunteer_hours: float
    beneficiaries: int
    project_id: int | None
    project: str
    member_id: int | None
    member: str
    logged_by: str
    photos: list[attachments.AttachmentInfo] = field(default_factory=list)
    can_edit: bool = False
    need_id: int | None = None
    off_pairing_reason: str = ""


@dataclass(frozen=True)
class FormOptions:
    """Choices for the logging form of one unit: the communities it may log in first (paired, or
    where a member reported), the wishes it holds (for a 认领微心愿 activity)."""

    communities: list[Option]
    paired_ids: frozenset[int]
    projects: list[Option]
    members: list[Option]
    reported_ids: frozenset[int] = frozenset()
    wishes: list[Option] = field(default_factory=list)

    @property
    def allowed_ids(self) -> frozenset[int]:
        """Where a liaison may log this unit's activities (``domain.pairing``)."""
        return self.paired_ids | self.reported_ids


def _require_unit(actor: Actor, unit_id: int | None) -> None:
    if not actor.keeps_unit(unit_id):
        raise PermissionDenied()


def can_log(actor: Actor) -> bool:
    """Whether the actor logs activities at all (a liaison with a unit, or the admin)."""
    return actor.is_admin or (actor.unit_id is not None and actor.keeps_unit(actor.unit_id))


@dataclass(frozen=True)
class _Clean:
    unit_id: int
    community_id: int
    held_on: date
    kind: ActivityKind
    title: str
    description: str
    participants: int
    volunteer_hours: float
    beneficiaries: int
    project_id: int | None
    member_id: int | None
    need_id: int | None
    off_pairing_reason: str | None


def allowed_community_ids(session: Session, unit_id: int) -> frozenset[int]:
    """Where the unit's activities may be logged: paired communities and its members' (双报到)."""
    return frozenset(paired_community_ids(session, unit_id)) | frozenset(reported_community_ids(session, unit_id))


def _clean(
    session: Session,
    actor: Actor,
    *,
    unit_id: object,
    community_id: object,
    held_on: object,
    kind: object,
    title: object,
    description: object,
    participants: object,
    volunteer_hours: object,
    beneficiaries: object,
    project_id: object,
    member_id: object,
    today: date,
    need_id: object = None,
    off_pairing_reason: object = None,
    current: Activity | None = None,
) -> _Clean:
    """Every field checked in form order (the first bad one is named); primary-key look-ups only."""
    if unit_id is None or unit_id == "":
        raise ValidationError("fields.unit", "error.required")
    uid = validate.record_id("fields.unit", unit_id)
    assert uid is not None
    _require_unit(actor, uid)
    unit = session.get(Unit, uid)
    if not is_live(unit):
        raise ValidationError("fields.unit", "error.unknown_choice", value=str(unit_id))
    day = validate.parse_date(F + "held_on", held_on, required=True)
    assert day is not None
    if day < EARLIEST:
        raise ValidationError(F + "held_on", "error.bad_date", value=day.isoformat())
    if day > today:
        raise ValidationError(F + "held_on", "activities.error.future_date")
    if community_id is None or community_id == "":
        raise ValidationError("fields.community", "error.required")
    cid = validate.record_id("fields.community", community_id)
    assert cid is not None
    community = session.get(Community, cid)
    if not is_live(community):
        raise ValidationError("fields.community", "error.unknown_choice", value=str(community_id))
    reason = _off_pairing_reason(session, actor, unit, community, off_pairing_reason, current)
    activity_kind = validate.choice("fields.kind", kind, ActivityKind)
    clean_title = validate.text(F + "title", title, required=True, max_len=200)
    clean_description = validate.text(F + "description", description, max_len=5000)
    n_participants = validate.integer(F + "participants", participants, max_value=100_000) or 0
    hours = validate.number(F + "volunteer_hours", volunteer_hours, max_value=1_000_000) or 0.0
    n_beneficiaries = validate.integer(F + "beneficiaries", beneficiaries, max_value=10_000_000) or 0
    pid: int | None = None
    if project_id not in (None, "", 0):
        pid = validate.record_id(F + "project", project_id)
        project = session.get(Project, pid)
        if not is_live(project):
            raise ValidationError(F + "project", "error.unknown_choice", value=str(project_id))
        if project.lead_unit_id != uid and uid not in {u.id for u in project.participants}:
            raise ValidationError(F + "project", "activities.error.project_other_unit")
    mid: int | None = None
    if member_id not in (None, "", 0):
        mid = validate.record_id(F + "member", member_id)
        member = session.get(Member, mid)
        if not is_live(member):
            raise ValidationError(F + "member", "error.unknown_choice", value=str(member_id))
        if member.unit_id != uid:
            raise ValidationError(F + "member", "activities.error.member_other_unit")
    wish = _held_wish(session, uid, activity_kind, need_id)
    return _Clean(
        uid,
        cid,
        day,
        activity_kind,
        clean_title,
        clean_description,
        n_participants,
        round(float(hours), 1),
        n_beneficiaries,
        pid,
        mid,
        wish,
        reason,
    )


def _off_pairing_reason(
    session: Session, actor: Actor, unit: Unit, community: Community, given: object, current: Activity | None
) -> str | None:
    """A liaison logs where the unit is paired or a member reported; the admin elsewhere only with a
    reason (returned, to be kept). An edit that keeps an activity's community keeps it allowed."""
    placement = place_activity(actor, community_id=community.id, allowed=allowed_community_ids(session, unit.id))
    if placement == Placement.ALLOWED:
        return None
    reason = validate.text(F + "off_pairing_reason", given, max_len=500) if placement == Placement.WITH_REASON else ""
    if current is not None and current.community_id == community.id:  # what was accepted stays accepted
        return reason or current.off_pairing_reason
    if placement == Placement.REFUSED:
        raise ValidationError(
            "fields.community", "activities.error.not_paired", community=community.name, unit=unit.name
        )
    if not reason:
        raise ValidationError(
            F + "off_pairing_reason", "activities.error.reason_required", community=community.name, unit=unit.name
        )
    return reason


def _held_wish(session: Session, unit_id: int, kind: ActivityKind, need_id: object) -> int | None:
    """The 微心愿 a 认领微心愿 activity is about: one the unit holds (it then counts once with the claim)."""
    if need_id in (None, "", 0):
        return None
    nid = validate.record_id(F + "need", need_id)
    if kind != ActivityKind.MICRO_WISH:
        raise ValidationError(F + "need", "activities.error.need_kind")
    held = session.scalar(
        select(Need.id).where(Need.id == nid, *metrics.held_wish_conditions(), Need.claimed_by_unit_id == unit_id)
    )
    if held is None:
        raise ValidationError(F + "need", "activities.error.need_not_held", value=str(need_id))
    return nid


def _photo_files(photos: Sequence[tuple[str, bytes]], existing: int = 0) -> list[attachments.CheckedUpload]:
    return attachments.check_uploads(
        F + "photos", photos, PHOTO_KINDS, max_files=max(0, attachments.MAX_FILES - existing)
    )


def _store_photos(
    session: Session, actor: Actor, activity_id: int, photos: Sequence[attachments.CheckedUpload]
) -> None:
    for photo in photos:
        attachments.store_attachment(
            session,
            actor,
            AttachmentOwner.ACTIVITY,
            activity_id,
            photo.filename,
            photo,
            field=F + "photos",
            kinds=PHOTO_KINDS,
        )


def log_activity(
    session: Session,
    actor: Actor,
    *,
    unit_id: int | None,
    community_id: int | None,
    held_on: date | str | None,
    kind: ActivityKind | str | None,
    title: str,
    description: str = "",
    participants: int | str | None = 0,
    volunteer_hours: float | str | None = 0.0,
    beneficiaries: int | str | None = 0,
    project_id: int | None = None,
    member_id: int | None = None,
    photos: Sequence[tuple[str, bytes]] = (),
    today: date | None = None,
    need_id: int | None = None,
    off_pairing_reason: str | None = None,
) -> int:
    """Log one activity (and its photos) for a unit; returns its id. Nothing is written on bad input."""
    if unit_id is None and actor.unit_id is not None:
        unit_id = actor.unit_id
    c = _clean(
        session,
        actor,
        unit_id=unit_id,
        community_id=community_id,
        held_on=held_on,
        kind=kind,
        title=title,
        description=description,
        participants=participants,
        volunteer_hours=volunteer_hours,
        beneficiaries=beneficiaries,
        project_id=project_id,
        member_id=member_id,
        today=today or calendar.today(load_settings().today),
        need_id=need_id,
        off_pairing_reason=off_pairing_reason,
    )
    checked = _photo_files(photos)
    activity = Activity(
        unit_id=c.unit_id,
        community_id=c.community_id,
        held_on=c.held_on,
        kind=c.kind,
        title=c.title,
        description=c.description,
        participants=c.participants,
        volunteer_hours=c.volunteer_hours,
        beneficiaries=c.beneficiaries,
        project_id=c.project_id,
        member_id=c.member_id,
        need_id=c.need_id,
        off_pairing_reason=c.off_pairing_reason,
        logged_by_user_id=actor.user_id,
    )
    session.add(activity)
    audit.record_change(session, actor, activity, None, entity="activity")
    _store_photos(session, actor, activity.id, checked)
    return activity.id


def _load_for_change(session: Session, actor: Actor, activity_id: int) -> Activity:
    activity = session.get(Activity, activity_id)
    if not is_live(activity):
        raise NotFound()
    _require_unit(actor, activity.unit_id)
    return activity


def update_activity(
    session: Session,
    actor: Actor,
    activity_id: int,
    *,
    unit_id: int | None = None,
    community_id: int | None,
    held_on: date | str | None,
    kind: ActivityKind | str | None,
    title: str,
    description: str = "",
    participants: int | str | None = 0,
    volunteer_hours: float | str | None = 0.0,
    beneficiaries: int | str | None = 0,
    project_id: int | None = None,
    member_id: int | None = None,
    add_photos: Sequence[tuple[str, bytes]] = (),
    remove_photo_ids: Sequence[int] = (),
    today: date | None = None,
    need_id: int | None = None,
    off_pairing_reason: str | None = None,
) -> None:
    """Change an activity of a unit the actor keeps; the before/after goes to the audit log."""
    activity = _load_for_change(session, actor, activity_id)
    c = _clean(
        session,
        actor,
        unit_id=activity.unit_id if unit_id is None else unit_id,
        community_id=community_id,
        held_on=held_on,
        kind=kind,
        title=title,
        description=description,
        participants=participants,
        volunteer_hours=volunteer_hours,
        beneficiaries=beneficiaries,
        project_id=project_id,
        member_id=member_id,
        today=today or calendar.today(load_settings().today),
        need_id=need_id,
        off_pairing_reason=off_pairing_reason,
        current=activity,
    )
    current = attachments.list_attachments(
        session, owner_type=AttachmentOwner.ACTIVITY, owner_id=activity_id, with_thumbnails=False
    )
    current_ids = {a.id for a in current}
    removing = [pid for pid in remove_photo_ids if pid in current_ids]
    checked = _photo_files(add_photos, existing=len(current) - len(removing))
    before = audit.snapshot(activity)
    for name in _Clean.__dataclass_fields__:
        setattr(activity, name, getattr(c, name))
    audit.record_change(session, actor, activity, before, entity="activity")
    for photo_id in removing:
        attachments.delete_attachment(session, actor, photo_id)
    _store_photos(session, actor, activity_id, checked)


def delete_activity(session: Session, actor: Actor, activity_id: int) -> None:
    """Soft-delete an activity (kept, with the deletion in the audit log)."""
    activity = _load_for_change(session, actor, activity_id)
    before = audit.snapshot(activity)
    activity.deleted_at = utcnow()
    session.flush()
    audit.record(
        session, actor, AuditAction.DELETE, "activity", activity_id, before=before, after=audit.snapshot(activity)
    )


def _filtered(stmt: Select, flt: ActivityFilter) -> Select:  # type: ignore[type-arg]
    stmt = stmt.where(*live(Activity))
    if flt.start is not None:
        stmt = stmt.where(Activity.held_on >= flt.start)
    if flt.end is not None:
        stmt = stmt.where(Activity.held_on <= flt.end)
    if flt.community_id is not None:
        stmt = stmt.where(Activity.community_id == flt.community_id)
    if flt.unit_id is not None:
        stmt = stmt.where(Activity.unit_id == flt.unit_id)
    if flt.kind is not None:
        stmt = stmt.where(Activity.kind == ActivityKind(flt.kind))
    words = flt.text.strip()[:100]
    if words:
        stmt = stmt.where(
            or_(
                Activity.title.icontains(words, autoescape=True), Activity.description.icontains(words, autoescape=True)
            )
        )
    return stmt


LIST_COLUMNS = [
    "id",
    "held_on",
    "unit",
    "community",
    "kind",
    "title",
    "participants",
    "volunteer_hours",
    "beneficiaries",
    "photos",
]


def count_activities(session: Session, *, flt: ActivityFilter) -> int:
    return session.scalar(_filtered(select(func.count()), flt)) or 0


def list_activities(session: Session, *, flt: ActivityFilter, offset: int = 0, limit: int = 20) -> pd.DataFrame:
    """One page of activities, newest first (the filter applied in SQL). The page's ids come from
    the activity table alone (its indexes); joined first, SQLite plans a scan by community."""
    page_ids = list(
        session.scalars(
            _filtered(select(Activity.id), flt)
            .order_by(Activity.held_on.desc(), Activity.id.desc())
            .offset(max(0, offset))
            .limit(max(1, min(limit, 200)))
        )
    )
    stmt = (
        select(
            Activity.id,
            Activity.held_on,
            Unit.name,
            Community.name,
            Activity.kind,
            Activity.title,
            Activity.participants,
            Activity.volunteer_hours,
            Activity.beneficiaries,
        )
        .join(Unit, Unit.id == Activity.unit_id)
        .join(Community, Community.id == Activity.community_id)
        .where(Activity.id.in_(page_ids))
        .order_by(Activity.held_on.desc(), Activity.id.desc())
    )
    rows = session.execute(stmt).all()
    counts = attachments.attachment_counts(session, owner_type=AttachmentOwner.ACTIVITY, owner_ids=[r[0] for r in rows])
    data = [(*r, counts.get(r[0], 0)) for r in rows]
    return pd.DataFrame(data, columns=LIST_COLUMNS)


def get_activity(session: Session, actor: Actor, activity_id: int) -> ActivityDetail:
    """One activity with its photos' thumbnails."""
    logger = aliased(User)
    row = session.execute(
        select(Activity, Unit.name, Community.name, Project.title, Member.name, logger.display_name)
        .join(Unit, Unit.id == Activity.unit_id)
        .join(Community, Community.id == Activity.community_id)
        .outerjoin(Project, Project.id == Activity.project_id)
        .outerjoin(Member, Member.id == Activity.member_id)
        .outerjoin(logger, logger.id == Activity.logged_by_user_id)
        .where(Activity.id == activity_id, *live(Activity))
    ).first()
    if row is None:
        raise NotFound()
    a, unit, community, project, member, logged_by = row
    photos = attachments.list_attachments(session, owner_type=AttachmentOwner.ACTIVITY, owner_id=a.id)
    return ActivityDetail(
        a.id,
        a.unit_id,
        unit,
        a.community_id,
        community,
        a.held_on,
        ActivityKind(a.kind),
        a.title,
        a.description or "",
        a.participants,
        float(a.volunteer_hours or 0),
        a.beneficiaries,
        a.project_id,
        project or "",
        a.member_id,
        member or "",
        logged_by or "",
        photos,
        actor.keeps_unit(a.unit_id),
        a.need_id,
        a.off_pairing_reason or "",
    )


def form_options(session: Session, *, unit_id: int | None) -> FormOptions:
    """Communities (the unit's paired ones first), the unit's projects and members."""
    communities = list_communities(session)
    paired = frozenset(paired_community_ids(session, unit_id)) if unit_id is not None else frozenset()
    reported = frozenset(reported_community_ids(session, unit_id)) if unit_id is not None else frozenset()
    allowed = paired | reported
    ordered = [c for c in communities if c.id in allowed] + [c for c in communities if c.id not in allowed]
    projects: list[Option] = []
    members: list[Option] = []
    wishes: list[Option] = []
    if unit_id is not None:
        wishes = [
            Option(r.id, r.title)
            for r in session.execute(
                select(Need.id, Need.title)
                .where(*metrics.held_wish_conditions(), Need.claimed_by_unit_id == unit_id)
                .order_by(Need.claimed_on.desc().nulls_last(), Need.id.desc())
                .limit(200)
            )
        ]
        joined = select(project_unit.c.project_id).where(project_unit.c.unit_id == unit_id)
        projects = [
            Option(r.id, r.title)
            for r in session.execute(
                select(Project.id, Project.title)
                .where(*live(Project), or_(Project.lead_unit_id == unit_id, Project.id.in_(joined)))
                .order_by(Project.id.desc())
                .limit(200)
            )
        ]
        members = [
            Option(r.id, r.name)
            for r in session.execute(
                select(Member.id, Member.name).where(Member.unit_id == unit_id, *live(Member)).order_by(Member.id)
            )
        ]
    return FormOptions(ordered, paired, projects, members, reported - paired, wishes)


def activity_years(session: Session, *, today: date) -> list[int]:
    """The years that hold activities, newest first (this year always among them)."""
    first = session.scalar(select(func.min(Activity.held_on)).where(*live(Activity)))
    start = first.year if first else today.year
    return list(range(today.year, min(start, today.year) - 1, -1))


def default_period(today: date) -> tuple[date, date]:
    """The browse table opens on the last twelve months."""
    return today - timedelta(days=365), today
