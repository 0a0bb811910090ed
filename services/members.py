"""在职党员双报到: in-service Party members of each unit and the community each reported to.

A liaison keeps their own unit's members; the admin any unit's; others read."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import pandas as pd
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Community, Member, Unit, utcnow
from domain.actor import Actor
from domain.enums import AuditAction
from domain.errors import NotFound, PermissionDenied, ValidationError
from services import audit, scope, validate
from services.live import live
from workbook.archive import check_upload
from workbook.cells import append_row, new_workbook, to_bytes

F = "activities.members."
IMPORT_HEADERS = ("姓名", "所在单位", "报到社区", "报到日期")
MAX_IMPORT_ROWS = 5000


def _require_unit(actor: Actor, unit_id: int | None) -> None:
    if not actor.keeps_unit(unit_id):
        raise PermissionDenied()


def _check(
    session: Session,
    actor: Actor,
    *,
    name: object,
    unit_id: object,
    community_id: object,
    reported_on: object,
    phone: object,
) -> tuple[str, int, int | None, date | None, str]:
    clean_name = validate.text(F + "name", name, required=True, max_len=50)
    if unit_id in (None, ""):
        raise ValidationError("fields.unit", "error.required")
    uid = validate.record_id("fields.unit", unit_id)
    assert uid is not None
    _require_unit(actor, uid)
    unit = session.get(Unit, uid)
    if unit is None or unit.deleted_at is not None:
        raise ValidationError("fields.unit", "error.unknown_choice", value=str(unit_id))
    cid: int | None = None
    if community_id not in (None, "", 0):
        cid = validate.record_id(F + "community", community_id)
        community = session.get(Community, cid)
        if community is None or community.deleted_at is not None:
            raise ValidationError(F + "community", "error.unknown_choice", value=str(community_id))
        scope.require_read(actor, scope.community_place(session, cid))
    day = validate.parse_date(F + "reported_on", reported_on)
    clean_phone = validate.text(F + "phone", phone, max_len=30)
    return clean_name, uid, cid, day, clean_phone


def create_member(
    session: Session,
    actor: Actor,
    *,
    name: str,
    unit_id: int | None,
    community_id: int | None = None,
    reported_on: date | str | None = None,
    phone: str = "",
) -> int:
    """Record an in-service Party member of a unit the actor keeps."""
    clean = _check(
        session, actor, name=name, unit_id=unit_id, community_id=community_id, reported_on=reported_on, phone=phone
    )
    member = Member(name=clean[0], unit_id=clean[1], community_id=clean[2], reported_on=clean[3], phone=clean[4])
    session.add(member)
    audit.record_change(session, actor, member, None, entity="member")
    return member.id


def _load(session: Session, actor: Actor, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None or member.deleted_at is not None:
        raise NotFound()
    _require_unit(actor, member.unit_id)
    return member


def update_member(
    session: Session,
    actor: Actor,
    member_id: int,
    *,
    name: str,
    unit_id: int | None,
    community_id: int | None = None,
    reported_on: date | str | None = None,
    phone: str = "",
) -> None:
    """Change a member; moving them to another unit needs the right to both units (the admin).
    The activities logged under a member stay theirs after a move."""
    member = _load(session, actor, member_id)
    clean = _check(
        session, actor, name=name, unit_id=unit_id, community_id=community_id, reported_on=reported_on, phone=phone
    )
    before = audit.snapshot(member)
    member.name, member.unit_id, member.community_id, member.reported_on, member.phone = clean
    audit.record_change(session, actor, member, before, entity="member")


def delete_member(session: Session, actor: Actor, member_id: int) -> None:
    """Soft-delete a member (activities logged under them keep pointing at the record)."""
    member = _load(session, actor, member_id)
    before = audit.snapshot(member)
    member.deleted_at = utcnow()
    session.flush()
    audit.record(session, actor, AuditAction.DELETE, "member", member_id, before=before)


def count_members(session: Session, *, unit_id: int | None = None) -> int:
    stmt = select(func.count(Member.id)).where(*live(Member))
    if unit_id is not None:
        stmt = stmt.where(Member.unit_id == unit_id)
    return session.scalar(stmt) or 0


MEMBER_COLUMNS = ["id", "name", "unit_id", "unit", "community_id", "community", "reported_on", "phone"]


def list_members(session: Session, *, unit_id: int | None = None, offset: int = 0, limit: int = 50) -> pd.DataFrame:
    """One page of members, by unit then name."""
    stmt = (
        select(
            Member.id,
            Member.name,
            Member.unit_id,
            Unit.name,
            Member.community_id,
            Community.name,
            Member.reported_on,
            Member.phone,
        )
        .join(Unit, Unit.id == Member.unit_id)
        .outerjoin(Community, Community.id == Member.community_id)
        .where(*live(Member))
        .order_by(Unit.name, Member.name, Member.id)
        .offset(max(0, offset))
        .limit(max(1, min(limit, 500)))
    )
    if unit_id is not None:
        stmt = stmt.where(Member.unit_id == unit_id)
    return pd.DataFrame(session.execute(stmt).all(), columns=MEMBER_COLUMNS)


@dataclass(frozen=True)
class ImportProblem:
    """One cell that does not fit: row (as Excel counts), column header, value, message key and params."""

    row: int
    column: str
    value: str
    code: str
    params: dict[str, str]


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    problems: list[ImportProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


def _norm(header: object) -> str:
    return "" if header is None else str(header).replace("\u3000", " ").strip()


def import_members(session: Session, actor: Actor, data: bytes, *, dry_run: bool = False) -> ImportResult:
    """Members from a sheet with columns 姓名, 所在单位, 报到社区, 报到日期 (first sheet, header row first).
    All or nothing: any problem and nothing is written. A row matching a member by name and unit
    updates it, so importing the same file twice creates nothing new."""
    if not (actor.is_admin or actor.unit_id is not None) or not actor.can_write:
        raise PermissionDenied()
    check_upload(data, field=F + "file", not_a_workbook="activities.error.not_a_workbook")  # before parsing
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError(F + "file", "activities.error.not_a_workbook") from None
    sheet = wb.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_norm(h) for h in next(rows, ())]
    missing = [h for h in IMPORT_HEADERS[:2] if h not in header]
    if missing:
        wb.close()
        raise ValidationError(F + "file", "activities.error.missing_columns", columns="、".join(missing))
    col = {h: header.index(h) for h in IMPORT_HEADERS if h in header}
    units = {name: uid for uid, name in session.execute(select(Unit.id, Unit.name).where(*live(Unit)))}
    communities = {
        name: cid for cid, name in session.execute(select(Community.id, Community.name).where(*live(Community)))
    }
    problems: list[ImportProblem] = []
    parsed: list[tuple[str, int, int | None, date | None]] = []
    for n, values in enumerate(rows, start=2):
        if n - 1 > MAX_IMPORT_ROWS:
            problems.append(ImportProblem(n, "", "", "activities.error.too_many_rows", {"max": str(MAX_IMPORT_ROWS)}))
            break

        def cell(h: str, values: tuple[object, ...] = values) -> object:
            i = col.get(h)
            return values[i] if i is not None and i < len(values) else None

        if all(v is None or str(v).strip() == "" for v in values):
            continue
        name = _norm(cell("姓名"))
        unit_name = _norm(cell("所在单位"))
        community_name = _norm(cell("报到社区"))
        if not name:
            problems.append(ImportProblem(n, "姓名", "", "activities.error.cell_required", {}))
        elif len(name) > 50:
            problems.append(ImportProblem(n, "姓名", name, "activities.error.cell_too_long", {"max": "50"}))
        uid = units.get(unit_name)
        if uid is None:
            problems.append(ImportProblem(n, "所在单位", unit_name, "activities.error.cell_unknown_unit", {}))
        elif not actor.keeps_unit(uid):
            problems.append(ImportProblem(n, "所在单位", unit_name, "activities.error.cell_not_your_unit", {}))
        cid = communities.get(community_name) if community_name else None
        if community_name and cid is None:
            problems.append(ImportProblem(n, "报到社区", community_name, "activities.error.cell_unknown_community", {}))
        raw_day = cell("报到日期")
        day: date | None = None
        try:
            day = validate.parse_date(F + "reported_on", raw_day)
        except ValidationError:
            problems.append(ImportProblem(n, "报到日期", _norm(raw_day), "activities.error.cell_bad_date", {}))
        if name and uid is not None:
            parsed.append((name, uid, cid, day))
    wb.close()
    parsed = list({(name, uid): (name, uid, cid, day) for name, uid, cid, day in parsed}.values())
    if problems or dry_run:
        return ImportResult(0, 0, problems) if problems else _count_only(session, parsed)
    created = updated = 0
    for name, uid, cid, day in parsed:
        existing = session.scalar(select(Member).where(Member.name == name, Member.unit_id == uid, *live(Member)))
        if existing is None:
            member = Member(name=name, unit_id=uid, community_id=cid, reported_on=day)
            session.add(member)
            audit.record_change(session, actor, member, None, entity="member")
            created += 1
        elif (existing.community_id, existing.reported_on) != (cid, day):
            before = audit.snapshot(existing)
            existing.community_id, existing.reported_on = cid, day
            audit.record_change(session, actor, existing, before, entity="member")
            updated += 1
    audit.record(session, actor, AuditAction.IMPORT, "member", None, after={"created": created, "updated": updated})
    return ImportResult(created, updated, [])


def _count_only(session: Session, parsed: list[tuple[str, int, int | None, date | None]]) -> ImportResult:
    created = sum(
        1
        for name, uid, _, _ in parsed
        if session.scalar(
            select(func.count(Member.id)).where(Member.name == name, Member.unit_id == uid, *live(Member))
        )
        == 0
    )
    return ImportResult(created, len(parsed) - created, [])


def import_template() -> bytes:
    """An empty sheet with the four headers, for users to fill in."""
    wb = new_workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "在职党员"
    append_row(ws, IMPORT_HEADERS)
    for letter in "ABCD":
        ws.column_dimensions[letter].width = 22
    return to_bytes(wb)
