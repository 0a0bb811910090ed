"""联席会议: meetings, their attendance, minutes and action items; the 上次决议落实情况 review.

An action item's ``carried_to_meeting_id`` names the later meeting whose agenda took it up
(上次决议落实情况). Creating a meeting carries every open item of earlier meetings in its scope
onto it (an alliance-wide meeting takes up all of them, a community meeting its community's);
there each is closed, dropped or carried over again to the next meeting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from db.areas import areas
from db.models import ActionItem, Community, Meeting, MeetingAttendance, Pairing, Unit, utcnow
from domain.actor import Actor
from domain.enums import ActionStatus, AuditAction, MeetingKind
from domain.errors import NotFound, ValidationError
from domain.meetings import (
    DISPOSITION_FIELD,
    DISPOSITION_NOTE_FIELD,
    MOVE_TO_FIELD,
    Disposition,
    QuarterCoverage,
    check_disposition,
    quarterly_coverage,
)
from domain.text import pinyin_key
from services import audit, chairs, metrics, scope, validate
from services.live import is_live, live

# the data areas its reads depend on (db/areas.py): a cached read's key holds their versions
READS = areas("meetings", "org")

F = "meetings.fields."


@dataclass(frozen=True)
class ActionRow:
    """One action item as screens and documents show it."""

    id: int
    meeting_id: int
    meeting_title: str
    meeting_held_on: date
    content: str
    owner_unit_id: int
    owner_name: str
    meeting_community_id: int | None  # with owner_unit_id, what ``Actor.may_close_action`` asks
    due_on: date | None
    status: ActionStatus
    closed_on: date | None
    closing_note: str
    carried_to_meeting_id: int | None
    overdue: bool
    can_close: bool


@dataclass(frozen=True)
class Attendee:
    unit_id: int
    name: str
    attended: bool


@dataclass(frozen=True)
class MeetingDetail:
    """A meeting with everything its page and its minutes (.docx) need."""

    id: int
    kind: MeetingKind
    title: str
    held_on: date
    place: str
    community_id: int | None
    community_name: str
    convenor_unit_id: int | None
    convenor_name: str
    agenda: str
    minutes: str
    decisions: str
    attendance: list[Attendee] = field(default_factory=list)
    actions: list[ActionRow] = field(default_factory=list)
    review: list[ActionRow] = field(default_factory=list)
    can_write: bool = False

    @property
    def attended_names(self) -> list[str]:
        return [a.name for a in self.attendance if a.attended]

    @property
    def absent_names(self) -> list[str]:
        return [a.name for a in self.attendance if not a.attended]


# --- reading ------------------------------------------------------------------------------------


def _search_filter(query: str) -> ColumnElement[bool]:
    q = query.strip()
    return or_(
        Meeting.title.contains(q, autoescape=True),
        Meeting.minutes.contains(q, autoescape=True),
        Meeting.decisions.contains(q, autoescape=True),
        Meeting.agenda.contains(q, autoescape=True),
    )


def _meeting_conds(
    year: int | None, kind: MeetingKind | None, community_id: int | None, query: str
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [*live(Meeting)]
    if year is not None:
        conds += [Meeting.held_on >= date(year, 1, 1), Meeting.held_on <= date(year, 12, 31)]
    if kind is not None:
        conds.append(Meeting.kind == kind)
    if community_id is not None:
        conds.append(Meeting.community_id == community_id)
    if query and query.strip():
        conds.append(_search_filter(query))
    return conds


def count_meetings(
    session: Session,
    *,
    year: int | None = None,
    kind: MeetingKind | None = None,
    community_id: int | None = None,
    query: str = "",
) -> int:
    """How many meetings the filters and the search (title, agenda, minutes, decisions) find."""
    conds = _meeting_conds(year, kind, community_id, query)
    return int(session.scalar(select(func.count(Meeting.id)).where(*conds)) or 0)


def list_meetings(
    session: Session,
    *,
    year: int | None = None,
    kind: MeetingKind | None = None,
    community_id: int | None = None,
    query: str = "",
    offset: int = 0,
    limit: int = 20,
) -> pd.DataFrame:
    """A page of meetings, newest first, filtered and searched in SQL (LIKE on title, agenda,
    minutes and decisions)."""
    conds = _meeting_conds(year, kind, community_id, query)
    open_items = (
        select(ActionItem.meeting_id, func.count(ActionItem.id).label("n"))
        .where(ActionItem.status == ActionStatus.OPEN)
        .group_by(ActionItem.meeting_id)
        .subquery()
    )
    attended = (
        select(MeetingAttendance.meeting_id, func.count(MeetingAttendance.id).label("n"))
        .where(MeetingAttendance.attended.is_(True))
        .group_by(MeetingAttendance.meeting_id)
        .subquery()
    )
    stmt = (
        select(
            Meeting.id,
            Meeting.held_on,
            Meeting.kind,
            Meeting.title,
            Community.name.label("community"),
            Meeting.place,
            Unit.name.label("convenor"),
            func.coalesce(attended.c.n, 0).label("attended"),
            func.coalesce(open_items.c.n, 0).label("open_items"),
        )
        .outerjoin(Community, Community.id == Meeting.community_id)
        .outerjoin(Unit, Unit.id == Meeting.convenor_unit_id)
        .outerjoin(open_items, open_items.c.meeting_id == Meeting.id)
        .outerjoin(attended, attended.c.meeting_id == Meeting.id)
        .where(*conds)
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        .offset(offset)
        .limit(limit)
    )
    cols = ["id", "held_on", "kind", "title", "community", "place", "convenor", "attended", "open_items"]
    return pd.DataFrame(session.execute(stmt).all(), columns=cols)


def meeting_years(session: Session) -> list[int]:
    """Years that have meetings, newest first."""
    days = session.execute(select(func.min(Meeting.held_on), func.max(Meeting.held_on)).where(*live(Meeting))).one()
    if days[0] is None:
        return []
    return list(range(days[1].year, days[0].year - 1, -1))


def _meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if not is_live(meeting):
        raise NotFound()
    return meeting


def _rows(session: Session, actor: Actor, items: Sequence[ActionItem], today: date) -> list[ActionRow]:
    if not items:
        return []
    unit_ids = {i.owner_unit_id for i in items}
    meeting_ids = {i.meeting_id for i in items}
    names = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).tuples().all())
    meetings = {
        r.id: r
        for r in session.execute(
            select(Meeting.id, Meeting.title, Meeting.held_on, Meeting.community_id).where(Meeting.id.in_(meeting_ids))
        )
    }
    out = []
    for i in items:
        m = meetings[i.meeting_id]
        out.append(
            ActionRow(
                id=i.id,
                meeting_id=i.meeting_id,
                meeting_title=m.title,
                meeting_held_on=m.held_on,
                content=i.content,
                owner_unit_id=i.owner_unit_id,
                owner_name=names.get(i.owner_unit_id, ""),
                meeting_community_id=m.community_id,
                due_on=i.due_on,
                status=i.status,
                closed_on=i.closed_on,
                closing_note=i.closing_note,
                carried_to_meeting_id=i.carried_to_meeting_id,
                overdue=i.is_overdue(today),
                can_close=i.status == ActionStatus.OPEN
                and actor.may_close_action(
                    owner_unit_id=i.owner_unit_id, meeting_community_id=m.community_id, status=ActionStatus.DONE
                ),
            )
        )
    return out


def _scope_of_earlier(community_id: int | None, held_on: date) -> list[ColumnElement[bool]]:
    """Open items of standing meetings (``services.live``) before ``held_on`` that a meeting of this
    scope takes up."""
    conds: list[ColumnElement[bool]] = [
        *live(ActionItem),
        ActionItem.status == ActionStatus.OPEN,
        Meeting.held_on < held_on,
    ]
    if community_id is not None:
        conds.append(Meeting.community_id == community_id)
    return conds


def _open_earlier_items(
    session: Session, community_id: int | None, held_on: date, exclude_meeting_id: int | None = None
) -> list[ActionItem]:
    carried = aliased(Meeting)
    stmt = (
        select(ActionItem)
        .join(Meeting, Meeting.id == ActionItem.meeting_id)
        .outerjoin(carried, carried.id == ActionItem.carried_to_meeting_id)
        .where(
            *_scope_of_earlier(community_id, held_on),
            # carried to a later meeting: that one takes it up; carried to a deleted one: nobody did
            or_(ActionItem.carried_to_meeting_id.is_(None), carried.held_on < held_on, carried.deleted_at.is_not(None)),
        )
        .order_by(ActionItem.due_on, ActionItem.id)
    )
    if exclude_meeting_id is not None:
        stmt = stmt.where(ActionItem.meeting_id != exclude_meeting_id)
    return list(session.scalars(stmt))


def open_items_for_new_meeting(
    session: Session, actor: Actor, *, community_id: int | None, held_on: date, today: date
) -> list[ActionRow]:
    """What a new meeting on ``held_on`` would take up under 上次决议落实情况."""
    return _rows(session, actor, _open_earlier_items(session, community_id, held_on), today)


def get_meeting(session: Session, actor: Actor, *, meeting_id: int, today: date) -> MeetingDetail:
    """One meeting with its attendance, its own action items and the earlier items it reviews.

    A meeting still to come also shows the open items it will take up."""
    m = _meeting(session, meeting_id)
    attendance = [
        Attendee(r.unit_id, r.name, bool(r.attended))
        for r in session.execute(
            select(MeetingAttendance.unit_id, Unit.name, MeetingAttendance.attended)
            .join(Unit, Unit.id == MeetingAttendance.unit_id)
            .where(MeetingAttendance.meeting_id == m.id)
        )
    ]
    attendance.sort(key=lambda a: (not a.attended, pinyin_key(a.name)))
    own = list(
        session.scalars(
            select(ActionItem).where(ActionItem.meeting_id == m.id).order_by(ActionItem.due_on, ActionItem.id)
        )
    )
    review = list(
        session.scalars(
            select(ActionItem)
            .where(*live(ActionItem), ActionItem.carried_to_meeting_id == m.id)
            .order_by(ActionItem.due_on, ActionItem.id)
        )
    )
    if m.held_on >= today:
        seen = {i.id for i in review}
        review += [i for i in _open_earlier_items(session, m.community_id, m.held_on, m.id) if i.id not in seen]
    return MeetingDetail(
        id=m.id,
        kind=m.kind,
        title=m.title,
        held_on=m.held_on,
        place=m.place,
        community_id=m.community_id,
        community_name=_name(session, Community, m.community_id),
        convenor_unit_id=m.convenor_unit_id,
        convenor_name=_name(session, Unit, m.convenor_unit_id),
        agenda=m.agenda,
        minutes=m.minutes,
        decisions=m.decisions,
        attendance=attendance,
        actions=_rows(session, actor, own, today),
        review=_rows(session, actor, review, today),
        can_write=actor.may_manage_meeting(m.community_id),
    )


def _name(session: Session, model: type[Community] | type[Unit], id_: int | None) -> str:
    if id_ is None:
        return ""
    name = session.scalar(select(model.name).where(model.id == id_))
    return name or ""


def _action_conds(
    actor: Actor, today: date, status: ActionStatus | None, unit_id: int | None, overdue_only: bool
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = live(ActionItem)
    if actor.is_liaison:
        conds.append(ActionItem.owner_unit_id == actor.unit_id)
    elif unit_id is not None:
        conds.append(ActionItem.owner_unit_id == unit_id)
    if status is not None:
        conds.append(ActionItem.status == status)
    if overdue_only:  # the definition of metrics.overdue_actions
        conds += [ActionItem.status == ActionStatus.OPEN, ActionItem.due_on < today]
    return conds


def count_action_items(
    session: Session,
    actor: Actor,
    *,
    today: date,
    status: ActionStatus | None = ActionStatus.OPEN,
    unit_id: int | None = None,
    overdue_only: bool = False,
) -> int:
    """How many action items the filters find (a liaison: only their own unit's)."""
    conds = _action_conds(actor, today, status, unit_id, overdue_only)
    return int(session.scalar(select(func.count(ActionItem.id)).where(*conds)) or 0)


def list_action_items(
    session: Session,
    actor: Actor,
    *,
    today: date,
    status: ActionStatus | None = ActionStatus.OPEN,
    unit_id: int | None = None,
    overdue_only: bool = False,
    offset: int = 0,
    limit: int = 20,
) -> list[ActionRow]:
    """A page of action items, open ones first, soonest due first. A liaison sees only their own unit's."""
    conds = _action_conds(actor, today, status, unit_id, overdue_only)
    items = list(
        session.scalars(
            select(ActionItem)
            .where(*conds)
            .order_by(case((ActionItem.status == ActionStatus.OPEN, 0), else_=1), ActionItem.due_on, ActionItem.id)
            .offset(offset)
            .limit(limit)
        )
    )
    return _rows(session, actor, items, today)


def overdue_count(session: Session, *, today: date) -> int:
    """The overview's KPI, from the metric dictionary."""
    return metrics.overdue_actions(session, today=today)


def attendance_rates(session: Session, *, start: date, end: date, community_id: int | None = None) -> pd.DataFrame:
    """Per unit: meetings it was invited to and attended between ``start`` and ``end``, and the rate."""
    conds = [*live(Meeting), Meeting.held_on >= start, Meeting.held_on <= end]
    if community_id is not None:
        conds.append(Meeting.community_id == community_id)
    stmt = (
        select(
            Unit.name.label("unit"),
            func.count(MeetingAttendance.id).label("invited"),
            func.sum(case((MeetingAttendance.attended.is_(True), 1), else_=0)).label("attended"),
        )
        .join(Meeting, Meeting.id == MeetingAttendance.meeting_id)
        .join(Unit, Unit.id == MeetingAttendance.unit_id)
        .where(*conds)
        .group_by(Unit.name)
    )
    df = pd.DataFrame(session.execute(stmt).all(), columns=["unit", "invited", "attended"])
    if df.empty:
        return df.assign(rate=pd.Series(dtype=float))
    df["attended"] = df["attended"].astype(int)
    df["rate"] = (df["attended"] / df["invited"]).round(3)
    return df.sort_values(["rate", "unit"], ascending=[True, True], key=None).reset_index(drop=True)


def quarter_coverage(
    session: Session, *, year: int, today: date, community_id: int | None = None
) -> list[QuarterCoverage]:
    """Each quarter of ``year``: its 季度联席会议 and whether it is flagged as missing.

    A community's quarters count its own joint meetings and the alliance-wide ones."""
    conds = [
        *live(Meeting),
        Meeting.kind == MeetingKind.QUARTERLY,
        Meeting.held_on >= date(year, 1, 1),
        Meeting.held_on <= date(year, 12, 31),
    ]
    if community_id is not None:
        conds.append(or_(Meeting.community_id.is_(None), Meeting.community_id == community_id))
    days = session.scalars(select(Meeting.held_on).where(*conds)).all()
    return quarterly_coverage(days, year=year, today=today)


def calendar_entries(session: Session, *, start: date, end: date) -> list[dict[str, object]]:
    """Meetings between two dates, for the .ics calendar."""
    stmt = (
        select(
            Meeting.id,
            Meeting.kind,
            Meeting.title,
            Meeting.held_on,
            Meeting.place,
            Community.name.label("community"),
            Unit.name.label("convenor"),
        )
        .outerjoin(Community, Community.id == Meeting.community_id)
        .outerjoin(Unit, Unit.id == Meeting.convenor_unit_id)
        .where(*live(Meeting), Meeting.held_on >= start, Meeting.held_on <= end)
        .order_by(Meeting.held_on)
    )
    return [dict(r._mapping) for r in session.execute(stmt)]


def scope_units(session: Session, *, community_id: int | None) -> list[int]:
    """Active units expected at a meeting of this scope: the community's paired units, or all."""
    stmt = select(Unit.id, Unit.name).where(*live(Unit), Unit.active.is_(True))
    if community_id is not None:
        stmt = stmt.join(Pairing, Pairing.unit_id == Unit.id).where(Pairing.community_id == community_id)
    rows = session.execute(stmt).all()
    return [r.id for r in sorted(rows, key=lambda r: pinyin_key(r.name))]


# --- writing ------------------------------------------------------------------------------------


def _unit_ids(session: Session, field: str, ids: Iterable[int]) -> list[int]:
    wanted = sorted({int(validate.record_id(field, i) or 0) for i in ids})
    if not wanted:
        return []
    known = set(session.scalars(select(Unit.id).where(Unit.id.in_(wanted), *live(Unit))))
    for i in wanted:
        if i not in known:
            raise ValidationError(field, "error.unknown_choice", value=str(i))
    return wanted


@dataclass(frozen=True)
class MeetingInput:
    """What the meeting form collects."""

    kind: MeetingKind | str
    title: str
    held_on: date | str | None
    place: str = ""
    community_id: int | None = None
    convenor_unit_id: int | None = None
    invited_unit_ids: Sequence[int] = ()
    attended_unit_ids: Sequence[int] = ()
    agenda: str = ""
    minutes: str = ""
    decisions: str = ""


def _clean(session: Session, data: MeetingInput) -> dict[str, object]:
    kind = validate.choice(F + "kind", data.kind, MeetingKind)
    title = validate.text(F + "title", data.title, required=True, max_len=200)
    held_on = validate.parse_date(F + "held_on", data.held_on, required=True)
    place = validate.text(F + "place", data.place, max_len=200)
    agenda = validate.text(F + "agenda", data.agenda, max_len=10_000)
    minutes = validate.text(F + "minutes", data.minutes, max_len=50_000)
    decisions = validate.text(F + "decisions", data.decisions, max_len=10_000)
    if data.community_id is not None and session.get(Community, data.community_id) is None:
        raise ValidationError(F + "community", "error.unknown_choice", value=str(data.community_id))
    convenor = data.convenor_unit_id
    if convenor is not None:
        _unit_ids(session, F + "convenor", [convenor])
    else:
        assert held_on is not None
        convenor = chairs.chair_of(session, held_on.year, held_on.month, data.community_id).unit_id
    attended = _unit_ids(session, F + "attended", data.attended_unit_ids)
    invited = sorted(set(_unit_ids(session, F + "invited", data.invited_unit_ids)) | set(attended))
    return dict(
        kind=kind,
        title=title,
        held_on=held_on,
        place=place,
        community_id=data.community_id,
        convenor_unit_id=convenor,
        agenda=agenda,
        minutes=minutes,
        decisions=decisions,
        invited=invited,
        attended=attended,
    )


def _write_attendance(
    session: Session, actor: Actor, meeting: Meeting, invited: list[int], attended: list[int]
) -> None:
    existing = {
        a.unit_id: a
        for a in session.scalars(select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id))
    }
    for unit_id, row in existing.items():
        if unit_id not in invited:
            audit.record(session, actor, AuditAction.DELETE, "meeting_attendance", row.id, before=audit.snapshot(row))
            session.delete(row)
    for unit_id in invited:
        came = unit_id in attended
        current = existing.get(unit_id)
        if current is None:
            added = MeetingAttendance(meeting_id=meeting.id, unit_id=unit_id, attended=came)
            session.add(added)
            audit.record_change(session, actor, added, None, entity="meeting_attendance")
        elif current.attended != came:
            before = audit.snapshot(current)
            current.attended = came
            audit.record_change(session, actor, current, before, entity="meeting_attendance")


def create_meeting(session: Session, actor: Actor, *, data: MeetingInput) -> int:
    """Record a meeting; its agenda takes up every open item of earlier meetings in its scope.

    The convenor defaults to the month's rotating chair."""
    scope.require(actor.may_manage_meeting(data.community_id))
    v = _clean(session, data)
    invited, attended = v.pop("invited"), v.pop("attended")
    meeting = Meeting(**v)
    session.add(meeting)
    audit.record_change(session, actor, meeting, None, entity="meeting")
    _write_attendance(session, actor, meeting, invited, attended)  # type: ignore[arg-type]
    for item in _open_earlier_items(session, meeting.community_id, meeting.held_on, meeting.id):
        before = audit.snapshot(item)
        item.carried_to_meeting_id = meeting.id
        audit.record_change(session, actor, item, before, entity="action_item")
    session.flush()
    return meeting.id


def update_meeting(session: Session, actor: Actor, *, meeting_id: int, data: MeetingInput) -> None:
    """Change a meeting's details, minutes, decisions and attendance."""
    meeting = _meeting(session, meeting_id)
    scope.require(actor.may_manage_meeting(meeting.community_id))
    scope.require(actor.may_manage_meeting(data.community_id))
    v = _clean(session, data)
    invited, attended = v.pop("invited"), v.pop("attended")
    before = audit.snapshot(meeting)
    for key, value in v.items():
        setattr(meeting, key, value)
    audit.record_change(session, actor, meeting, before, entity="meeting")
    _write_attendance(session, actor, meeting, invited, attended)  # type: ignore[arg-type]


def add_action_item(
    session: Session,
    actor: Actor,
    *,
    meeting_id: int,
    content: str,
    owner_unit_id: int | None,
    due_on: date | str | None,
) -> int:
    """Give one unit a task from a meeting."""
    meeting = _meeting(session, meeting_id)
    scope.require(actor.may_manage_meeting(meeting.community_id))
    text = validate.text(F + "content", content, required=True, max_len=2000)
    if owner_unit_id is None:
        raise ValidationError(F + "owner", "error.required")
    owner = _unit_ids(session, F + "owner", [owner_unit_id])[0]
    due = validate.parse_date(F + "due_on", due_on)
    if due is not None and due < meeting.held_on:
        raise ValidationError(F + "due_on", "meetings.error.due_before_meeting")
    item = ActionItem(meeting_id=meeting.id, owner_unit_id=owner, content=text, due_on=due)
    session.add(item)
    audit.record_change(session, actor, item, None, entity="action_item")
    return item.id


def _item_and_meeting(session: Session, item_id: int) -> tuple[ActionItem, Meeting]:
    item = session.get(ActionItem, item_id)
    if item is None:
        raise NotFound()
    return item, _meeting(session, item.meeting_id)


def close_action_item(
    session: Session,
    actor: Actor,
    *,
    item_id: int,
    status: ActionStatus | str,
    note: str = "",
    closed_on: date | str | None,
    in_meeting_id: int | None = None,
) -> None:
    """Mark an item done or dropped, with a closing note. Meeting writers close any item of their
    meetings; a liaison marks their own unit's items done. ``in_meeting_id``: closed in that meeting's
    review (上次决议落实情况)."""
    item, meeting = _item_and_meeting(session, item_id)
    target = validate.choice(F + "status", status, ActionStatus)
    if target == ActionStatus.OPEN:
        raise ValidationError(F + "status", "error.unknown_choice", value=target.value)
    scope.require(
        actor.may_close_action(
            owner_unit_id=item.owner_unit_id, meeting_community_id=meeting.community_id, status=target
        )
    )
    text = validate.text(F + "closing_note", note, required=target == ActionStatus.DROPPED, max_len=2000)
    closed = validate.parse_date(F + "closed_on", closed_on, required=True)
    if item.status != ActionStatus.OPEN:
        raise ValidationError(F + "status", "meetings.error.already_closed")
    before = audit.snapshot(item)
    item.status, item.closed_on, item.closing_note = target, closed, text
    if in_meeting_id is not None:
        _review_meeting(session, actor, in_meeting_id)
        item.carried_to_meeting_id = in_meeting_id
    audit.record_change(session, actor, item, before, entity="action_item")


def _review_meeting(session: Session, actor: Actor, meeting_id: int) -> Meeting:
    meeting = _meeting(session, meeting_id)
    scope.require(actor.may_manage_meeting(meeting.community_id))
    return meeting


def carry_over_action_item(
    session: Session,
    actor: Actor,
    *,
    item_id: int,
    in_meeting_id: int,
    due_on: date | str | None = None,
    note: str = "",
) -> None:
    """Keep an open item open past the meeting that reviewed it (it returns at the next one),
    optionally with a new due date."""
    item, source = _item_and_meeting(session, item_id)
    scope.require(
        actor.may_manage_meeting(source.community_id)
    )  # the item's own meeting, as well as the one reviewing it
    meeting = _review_meeting(session, actor, in_meeting_id)
    if item.status != ActionStatus.OPEN:
        raise ValidationError(F + "status", "meetings.error.already_closed")
    due = validate.parse_date(F + "due_on", due_on)
    text = validate.text(F + "closing_note", note, max_len=2000)
    before = audit.snapshot(item)
    item.carried_to_meeting_id = meeting.id
    if due is not None:
        item.due_on = due
    if text:
        item.closing_note = text
    audit.record_change(session, actor, item, before, entity="action_item")


def _open_own_items(session: Session, meeting_id: int) -> list[ActionItem]:
    return list(
        session.scalars(
            select(ActionItem)
            .where(ActionItem.meeting_id == meeting_id, ActionItem.status == ActionStatus.OPEN)
            .order_by(ActionItem.due_on, ActionItem.id)
        )
    )


@dataclass(frozen=True)
class MoveTarget:
    """A meeting a deleted meeting's open items may be moved to."""

    id: int
    title: str
    held_on: date


def destinations_for_items(session: Session, actor: Actor, *, meeting_id: int) -> list[MoveTarget]:
    """The standing meetings of the same scope (the same community, or alliance-wide) that the actor
    keeps, the meeting's open items could move to: the first one after it first, then the later ones,
    then the earlier ones, newest first."""
    meeting = _meeting(session, meeting_id)
    stmt = select(Meeting.id, Meeting.title, Meeting.held_on, Meeting.community_id).where(
        *live(Meeting), Meeting.id != meeting.id
    )
    stmt = stmt.where(
        Meeting.community_id.is_(None) if meeting.community_id is None else Meeting.community_id == meeting.community_id
    )
    rows = [r for r in session.execute(stmt) if actor.may_manage_meeting(r.community_id)]
    later = sorted((r for r in rows if r.held_on >= meeting.held_on), key=lambda r: (r.held_on, r.id))
    earlier = sorted((r for r in rows if r.held_on < meeting.held_on), key=lambda r: (r.held_on, r.id), reverse=True)
    return [MoveTarget(r.id, r.title, r.held_on) for r in [*later, *earlier]]


def open_item_count(session: Session, *, meeting_id: int) -> int:
    """How many of a meeting's own action items are still open (what its deletion must dispose of)."""
    _meeting(session, meeting_id)
    return len(_open_own_items(session, meeting_id))


def delete_meeting(
    session: Session,
    actor: Actor,
    *,
    meeting_id: int,
    today: date,
    disposition: Disposition | str | None = None,
    move_to_meeting_id: int | None = None,
    note: str = "",
) -> int:
    """Soft-delete a meeting. Its open action items do not linger unseen: they are moved to another
    meeting (they become its items, still open, the note kept with each) or dropped with the note;
    with open items and no disposition the delete is refused. Done and dropped items stay with the
    deleted meeting, for the record. Returns how many open items were moved or dropped."""
    meeting = _meeting(session, meeting_id)
    scope.require(actor.may_manage_meeting(meeting.community_id))
    how = None if disposition in (None, "") else validate.choice(DISPOSITION_FIELD, disposition, Disposition)
    text = validate.text(DISPOSITION_NOTE_FIELD, note, max_len=2000)
    items = _open_own_items(session, meeting.id)
    check_disposition(
        open_items=len(items),
        disposition=how,
        meeting_id=meeting.id,
        move_to_meeting_id=move_to_meeting_id,
        note=text,
    )
    target = None
    if items and how == Disposition.MOVE:
        assert move_to_meeting_id is not None
        target = session.get(Meeting, int(validate.record_id(MOVE_TO_FIELD, move_to_meeting_id) or 0))
        if not is_live(target):
            raise ValidationError(MOVE_TO_FIELD, "error.unknown_choice", value=str(move_to_meeting_id))
        scope.require(actor.may_manage_meeting(target.community_id))
    for item in items:
        before = audit.snapshot(item)
        item.disposed_from_meeting_id = meeting.id
        if target is not None:
            item.meeting_id = target.id
            item.carried_to_meeting_id = None  # an item of that meeting now, not one it reviews
            if text:
                item.closing_note = text
        else:
            item.status, item.closed_on, item.closing_note = ActionStatus.DROPPED, today, text
        audit.record_change(session, actor, item, before, entity="action_item")
    before = audit.snapshot(meeting)
    meeting.deleted_at = utcnow()
    audit.record_change(session, actor, meeting, before, entity="meeting")
    session.flush()
    return len(items)


@dataclass(frozen=True)
class Restored:
    """What undoing a meeting's deletion brought back, and what stayed where its deletion put it."""

    title: str
    moved: tuple[tuple[str, date, int], ...]  # (meeting title, held on, items) each still sits with
    dropped: int  # items its deletion dropped, still dropped


def restore_meeting(session: Session, actor: Actor, *, meeting_id: int) -> Restored:
    """Undo a meeting's deletion. The items its deletion moved stay with the meetings they were moved
    to (they may have been closed or carried there since) and the ones it dropped stay dropped; the
    answer says which, so the undo can tell the user."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound()
    scope.require(actor.may_manage_meeting(meeting.community_id))
    if meeting.deleted_at is None:
        raise ValidationError(F + "title", "meetings.error.not_deleted")
    before = audit.snapshot(meeting)
    meeting.deleted_at = None
    audit.record_change(session, actor, meeting, before, entity="meeting")
    disposed = session.execute(
        select(ActionItem.meeting_id, ActionItem.status, func.count(ActionItem.id))
        .where(ActionItem.disposed_from_meeting_id == meeting.id)
        .group_by(ActionItem.meeting_id, ActionItem.status)
    ).all()
    dropped = sum(int(n) for mid, status, n in disposed if mid == meeting.id and status == ActionStatus.DROPPED)
    moved_to: dict[int, int] = {}
    for mid, _status, n in disposed:
        if mid != meeting.id:
            moved_to[mid] = moved_to.get(mid, 0) + int(n)
    places = {
        r.id: r
        for r in session.execute(select(Meeting.id, Meeting.title, Meeting.held_on).where(Meeting.id.in_(moved_to)))
    }
    moved = tuple(
        (places[mid].title, places[mid].held_on, n)
        for mid, n in sorted(moved_to.items(), key=lambda kv: (places[kv[0]].held_on, kv[0]))
    )
    session.flush()
    return Restored(meeting.title, moved, dropped)
