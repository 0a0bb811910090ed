"""What the activities add up to: 六个一 progress, monthly figures for the charts, a unit's ledger.

Everything aggregates in SQL; the 六个一 unit counts come from the metric dictionary
(``metrics.six_items_counts``) so the grid and the overview show the same completion."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from db.areas import areas
from db.models import Activity, Attachment, Community, Member, Pairing, Project, Unit
from domain.enums import SIX_ITEMS, ActivityKind, AttachmentOwner
from domain.errors import NotFound
from domain.six_items import SixItemsRow, assess, counting_since, micro_wish_count, overall_completion
from domain.text import pinyin_key
from services import metrics
from services.activities import ActivityFilter, _filtered
from services.live import is_live, live

# the data areas its reads depend on (db/areas.py): a cached read's key holds their versions
READS = areas("activities", "lists", "org")


@dataclass(frozen=True)
class ProgressRow:
    """One row of the 六个一 grid: a unit, or a member (with the unit they belong to now)."""

    id: int
    name: str
    unit: str
    since: date | None
    row: SixItemsRow


@dataclass(frozen=True)
class Progress:
    year: int
    as_of: date
    by: str  # "unit" or "member"
    rows: list[ProgressRow]

    @property
    def completion(self) -> float | None:
        return overall_completion(r.row for r in self.rows)

    @property
    def behind(self) -> int:
        return sum(1 for r in self.rows if r.row.behind)

    def frame(self) -> pd.DataFrame:
        """The grid as a table: one column per item with its count, then done, completion, behind."""
        records = []
        for r in self.rows:
            rec: dict[str, object] = {"id": r.id, "name": r.name, "unit": r.unit}
            for kind in SIX_ITEMS:
                rec[kind.value] = r.row.counts[kind]
            rec.update(
                done=r.row.done,
                completion=r.row.completion,
                behind=r.row.behind,
                missing=list(r.row.missing),
                since=r.since,
            )
            records.append(rec)
        cols = ["id", "name", "unit", *[k.value for k in SIX_ITEMS], "done", "completion", "behind", "missing", "since"]
        return pd.DataFrame(records, columns=cols)


def six_items_progress(session: Session, *, year: int, as_of: date, by: str = "unit") -> Progress:
    """The 六个一 grid for ``year`` as of ``as_of``: active units (counts from the metric dictionary,
    the year counted from ``joined_on``), or recorded members (each keeps the activities logged under
    them, whichever unit they belong to now; the year counted from ``reported_on``)."""
    if by == "member":
        return _member_progress(session, year=year, as_of=as_of)
    counts = metrics.six_items_counts(session, year=year, as_of=as_of)
    units = (
        session.execute(select(Unit.id, Unit.name, Unit.joined_on).where(Unit.id.in_(list(counts)))).all()
        if counts
        else []
    )
    rows = []
    for uid, name, joined_on in units:
        since = counting_since(year, joined_on)
        rows.append(ProgressRow(uid, name, name, since, assess(counts[uid], year=year, as_of=as_of, since=since)))
    rows.sort(key=lambda r: pinyin_key(r.name))
    return Progress(year, as_of, "unit", rows)


def _member_progress(session: Session, *, year: int, as_of: date) -> Progress:
    start, end = date(year, 1, 1), min(date(year, 12, 31), as_of)
    # a member's 认领微心愿 activities naming the same wish count once (the unit's claims have no member)
    counted = session.execute(
        select(
            Activity.member_id,
            Activity.kind,
            func.count() - func.count(Activity.need_id) + func.count(func.distinct(Activity.need_id)),
        )
        .where(
            *live(Activity),
            Activity.member_id.is_not(None),
            Activity.held_on >= start,
            Activity.held_on <= end,
            Activity.kind.in_(SIX_ITEMS),
        )
        .group_by(Activity.member_id, Activity.kind)
    ).all()
    per_member: dict[int, dict[str, int]] = {}
    for member_id, kind, n in counted:
        if member_id is None:
            continue
        per_member.setdefault(int(member_id), {})[ActivityKind(kind).value] = int(n)
    members = session.execute(
        select(Member.id, Member.name, Unit.name, Member.reported_on)
        .join(Unit, Unit.id == Member.unit_id)
        .where(*live(Member), *live(Unit))
    ).all()
    rows = []
    for mid, name, unit, reported_on in members:
        since = counting_since(year, reported_on)
        rows.append(
            ProgressRow(mid, name, unit, since, assess(per_member.get(mid, {}), year=year, as_of=as_of, since=since))
        )
    rows.sort(key=lambda r: (pinyin_key(r.unit), pinyin_key(r.name)))
    return Progress(year, as_of, "member", rows)


def has_members(session: Session) -> bool:
    return session.scalar(select(func.count(Member.id)).where(*live(Member))) != 0


# ---- charts --------------------------------------------------------------------------------------


def monthly_by_kind(session: Session, *, flt: ActivityFilter) -> pd.DataFrame:
    """Per month and kind: activities, volunteer hours, participants, beneficiaries (≤ 12 × 10 rows a year)."""
    month = metrics.month_of(session, Activity.held_on)
    stmt = (
        _filtered(
            select(
                month.label("m"),
                Activity.kind,
                func.count(),
                func.coalesce(func.sum(Activity.volunteer_hours), 0.0),
                func.coalesce(func.sum(Activity.participants), 0),
                func.coalesce(func.sum(Activity.beneficiaries), 0),
            ),
            flt,
        )
        .group_by(month, Activity.kind)
        .order_by(month)
    )
    rows = [
        (metrics.month_key(m), ActivityKind(kind).value, int(n), float(h), int(p), int(b))
        for m, kind, n, h, p, b in session.execute(stmt)
    ]
    return pd.DataFrame(rows, columns=["month", "kind", "activities", "hours", "participants", "beneficiaries"])


def top_units(session: Session, *, flt: ActivityFilter, limit: int = 10) -> pd.DataFrame:
    """The units with the most activities in the filter, with their volunteer hours."""
    unit_id = metrics.activity_unit()
    per_unit = (
        _filtered(
            select(
                unit_id,
                func.count().label("n"),
                func.coalesce(func.sum(Activity.volunteer_hours), 0.0).label("h"),
            ),
            flt,
        )
        .group_by(unit_id)
        .subquery()
    )  # aggregated by unit id first; the names join the ~1,500 sums, not the activities
    stmt = (
        select(Unit.name, per_unit.c.n, per_unit.c.h)
        .join(per_unit, per_unit.c.unit_id == Unit.id)
        .order_by(per_unit.c.n.desc(), Unit.name)
        .limit(limit)
    )
    rows = [(name, int(c), float(h)) for name, c, h in session.execute(stmt)]
    return pd.DataFrame(rows, columns=["unit", "activities", "hours"])


# ---- the ledger (台账) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerPhoto:
    filename: str
    mime_type: str
    data: bytes


@dataclass(frozen=True)
class LedgerActivity:
    held_on: date
    community: str
    kind: ActivityKind
    title: str
    description: str
    participants: int
    volunteer_hours: float
    beneficiaries: int
    project: str
    member: str
    photos: list[LedgerPhoto] = field(default_factory=list)


@dataclass(frozen=True)
class Ledger:
    """A unit's annual ledger: who it is, what it did, and how it stands on the six items."""

    unit: str
    unit_kind: str
    contact: str
    phone: str
    party_members: int
    communities: list[str]
    year: int
    as_of: date
    activities: list[LedgerActivity]
    six_items: SixItemsRow

    @property
    def totals(self) -> dict[str, float]:
        return {
            "activities": len(self.activities),
            "participants": sum(a.participants for a in self.activities),
            "volunteer_hours": round(sum(a.volunteer_hours for a in self.activities), 1),
            "beneficiaries": sum(a.beneficiaries for a in self.activities),
        }

    def by_kind(self) -> list[tuple[ActivityKind, int, int, float, int]]:
        """(kind, activities, participants, hours, beneficiaries) for every kind held, in enum order."""
        out = []
        for kind in ActivityKind:
            items = [a for a in self.activities if a.kind == kind]
            if items:
                out.append(
                    (
                        kind,
                        len(items),
                        sum(a.participants for a in items),
                        round(sum(a.volunteer_hours for a in items), 1),
                        sum(a.beneficiaries for a in items),
                    )
                )
        return out


def unit_id_by_name(session: Session, name: str) -> int:
    uid = session.scalar(select(Unit.id).where(Unit.name == name.strip(), *live(Unit)))
    if uid is None:
        raise NotFound("activities.error.unknown_unit", name=name)
    return int(uid)


def build_ledger(session: Session, *, unit_id: int, year: int, as_of: date, with_photos: bool = True) -> Ledger:
    """The ledger of one unit for one year (activities oldest first, with their photos)."""
    unit = session.get(Unit, unit_id)
    if not is_live(unit):
        raise NotFound()
    communities = sorted(
        session.scalars(
            select(Community.name).join(Pairing, Pairing.community_id == Community.id).where(Pairing.unit_id == unit_id)
        ),
        key=pinyin_key,
    )
    rows = session.execute(
        select(
            Activity.id,
            Activity.held_on,
            Community.name,
            Activity.kind,
            Activity.title,
            Activity.description,
            Activity.participants,
            Activity.volunteer_hours,
            Activity.beneficiaries,
            Project.title,
            Member.name,
        )
        .join(Community, Community.id == Activity.community_id)
        .outerjoin(Project, Project.id == Activity.project_id)
        .outerjoin(Member, Member.id == Activity.member_id)
        .where(
            Activity.unit_id == unit_id,
            *live(Activity),
            Activity.held_on >= date(year, 1, 1),
            Activity.held_on <= date(year, 12, 31),
        )
        .order_by(Activity.held_on, Activity.id)
    ).all()
    photos: dict[int, list[LedgerPhoto]] = {}
    if with_photos and rows:
        for att in session.scalars(
            select(Attachment)
            .options(undefer(Attachment.data))
            .where(Attachment.owner_type == AttachmentOwner.ACTIVITY, Attachment.owner_id.in_([r[0] for r in rows]))
            .order_by(Attachment.id)
        ):
            if att.mime_type.startswith("image/"):
                photos.setdefault(int(att.owner_id or 0), []).append(LedgerPhoto(att.filename, att.mime_type, att.data))
    activities = [
        LedgerActivity(
            r[1],
            r[2],
            ActivityKind(r[3]),
            r[4],
            r[5] or "",
            int(r[6] or 0),
            float(r[7] or 0),
            int(r[8] or 0),
            r[9] or "",
            r[10] or "",
            photos.get(r[0], []),
        )
        for r in rows
    ]
    counts: dict[str, int] = {}
    for a in activities:
        if a.kind in SIX_ITEMS and a.held_on <= as_of:
            counts[a.kind.value] = counts.get(a.kind.value, 0) + 1
    wish = ActivityKind.MICRO_WISH.value  # claimed wishes count, once with the activities about them
    start, end = date(year, 1, 1), min(date(year, 12, 31), as_of)
    claims, linked = metrics.micro_wish_parts(session, start=start, end=end, unit_id=unit_id).get(unit_id, (0, 0))
    counts[wish] = micro_wish_count(activities=counts.get(wish, 0), linked_to_claims=linked, claims=claims)
    six = assess(counts, year=year, as_of=as_of, since=counting_since(year, unit.joined_on))
    return Ledger(
        unit.name, unit.kind, unit.contact, unit.phone, unit.party_members, communities, year, as_of, activities, six
    )
