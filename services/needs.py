"""需求清单: a community's needs and residents' micro-wishes, and units claiming them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from config import load_settings
from db.areas import areas
from db.models import Category, Community, Need, Unit, utcnow
from domain import calendar
from domain.actor import Actor
from domain.enums import AuditAction, NeedSource, NeedStatus, Priority
from domain.errors import Conflict
from services import scope, validate
from services.audit import record, record_change, snapshot
from services.lists import (
    Page,
    acting_unit,
    check_category,
    check_community,
    get_live,
    page_of,
    require_community_keeper,
    require_writer,
    sort_columns,
)
from services.live import live

# the data areas its reads depend on (db/areas.py): a cached read's key holds their versions
READS = areas("lists", "org")

CLAIM_PERIOD_DAYS = 30  # a new need's 认领截止 is proposed this many days after its 提出日期

COLUMNS = [
    "id",
    "community",
    "category",
    "title",
    "description",
    "priority",
    "source",
    "raised_on",
    "status",
    "is_micro_wish",
    "claimed_by",
    "claim_deadline",
    "community_id",
    "category_id",
    "claimed_by_unit_id",
]
_SORTS = {
    "raised_on": Need.raised_on,
    "title": Need.title,
    "priority": Need.priority,
    "status": Need.status,
    "community": Community.name,
    "category": Category.sort_order,
    "claim_deadline": Need.claim_deadline,
}


@dataclass(frozen=True)
class NeedInput:
    """A need as the form edits it."""

    community_id: int | None
    category_id: int | None
    title: str
    description: str = ""
    priority: Priority | str = Priority.MEDIUM
    source: NeedSource | str | None = None
    raised_on: date | None = None
    is_micro_wish: bool = False
    claim_deadline: date | None = None
    status: NeedStatus | str = NeedStatus.OPEN


def list_needs(
    session: Session,
    *,
    community_id: int | None = None,
    category_id: int | None = None,
    status: NeedStatus | None = None,
    unit_id: int | None = None,
    priority: Priority | None = None,
    text: str = "",
    micro_wish: bool | None = None,
    open_pool_on: date | None = None,
    sort: str = "raised_on",
    descending: bool = True,
    offset: int = 0,
    limit: int = 20,
) -> Page:
    """Needs matching the filters, one page; ``unit_id`` = claimed by that unit; ``open_pool_on`` =
    only wishes unclaimed past their deadline on that day (领办大厅)."""
    claimer = aliased(Unit)
    stmt = (
        select(
            Need.id,
            Community.name,
            Category.name,
            Need.title,
            Need.description,
            Need.priority,
            Need.source,
            Need.raised_on,
            Need.status,
            Need.is_micro_wish,
            claimer.name,
            Need.claim_deadline,
            Need.community_id,
            Need.category_id,
            Need.claimed_by_unit_id,
        )
        .join(Community, Community.id == Need.community_id)
        .join(Category, Category.id == Need.category_id)
        .outerjoin(claimer, claimer.id == Need.claimed_by_unit_id)
        .where(*live(Need))
    )
    if community_id is not None:
        stmt = stmt.where(Need.community_id == community_id)
    if category_id is not None:
        stmt = stmt.where(Need.category_id == category_id)
    if status is not None:
        stmt = stmt.where(Need.status == status)
    if unit_id is not None:
        stmt = stmt.where(Need.claimed_by_unit_id == unit_id)
    if priority is not None:
        stmt = stmt.where(Need.priority == priority)
    if micro_wish is not None:
        stmt = stmt.where(Need.is_micro_wish.is_(micro_wish))
    if text.strip():
        needle = text.strip()
        stmt = stmt.where(
            or_(Need.title.contains(needle, autoescape=True), Need.description.contains(needle, autoescape=True))
        )
    if open_pool_on is not None:
        stmt = stmt.where(
            and_(Need.claimed_by_unit_id.is_(None), Need.claim_deadline < open_pool_on, Need.status == NeedStatus.OPEN)
        )
    order = sort_columns(sort, descending, _SORTS, "raised_on", Need.id)
    return page_of(session, stmt, COLUMNS, order_by=order, offset=offset, limit=limit)


def get_need(session: Session, *, need_id: int) -> NeedInput:
    need = get_live(session, Need, need_id)
    return NeedInput(
        need.community_id,
        need.category_id,
        need.title,
        need.description,
        need.priority,
        need.source,
        need.raised_on,
        need.is_micro_wish,
        need.claim_deadline,
        need.status,
    )


def _today() -> date:
    return calendar.today(load_settings().today)


def default_claim_deadline(raised_on: date) -> date:
    """The 认领截止 a new need is proposed: CLAIM_PERIOD_DAYS after it was raised."""
    return raised_on + timedelta(days=CLAIM_PERIOD_DAYS)


def _clean(session: Session, data: NeedInput, *, raised_before: date | None = None) -> dict[str, object]:
    """The checked values; a need is never saved without its 提出日期 (left blank: the one it had, or
    today in China)."""
    raised_on = validate.parse_date("lists.fields.raised_on", data.raised_on) or raised_before or _today()
    return {
        "community_id": check_community(session, data.community_id),
        "category_id": check_category(session, data.category_id),
        "title": validate.text("lists.fields.need_title", data.title, required=True, max_len=200),
        "description": validate.text("lists.fields.description", data.description, max_len=2000),
        "priority": validate.choice("lists.fields.priority", data.priority, Priority, default=Priority.MEDIUM),
        "source": (validate.choice("lists.fields.source", data.source, NeedSource) if data.source else None),
        "raised_on": raised_on,
        "is_micro_wish": bool(data.is_micro_wish),
        "claim_deadline": validate.parse_date("lists.fields.claim_deadline", data.claim_deadline),
        "status": validate.choice("lists.fields.status", data.status, NeedStatus, default=NeedStatus.OPEN),
    }


def create_need(session: Session, actor: Actor, *, data: NeedInput) -> int:
    """Record a need of a community (its community worker, or the admin)."""
    require_writer(actor)
    require_community_keeper(session, actor, data.community_id)
    values = _clean(session, data)
    need = Need(**values)
    session.add(need)
    record_change(session, actor, need, None, entity="need")
    return need.id


def update_need(session: Session, actor: Actor, *, need_id: int, data: NeedInput) -> None:
    """Change a need; a community worker may neither touch nor move it to another community."""
    require_writer(actor)
    need = get_live(session, Need, need_id)
    require_community_keeper(session, actor, need.community_id)
    require_community_keeper(session, actor, data.community_id)
    values = _clean(session, data, raised_before=need.raised_on)
    before = snapshot(need)
    for key, value in values.items():
        setattr(need, key, value)
    record_change(session, actor, need, before, entity="need")


def delete_need(session: Session, actor: Actor, *, need_id: int) -> None:
    """Soft-delete a need (projects that link it keep the link)."""
    require_writer(actor)
    need = get_live(session, Need, need_id)
    require_community_keeper(session, actor, need.community_id)
    before = snapshot(need)
    need.deleted_at = utcnow()
    session.flush()
    record(session, actor, AuditAction.DELETE, "need", need.id, before=before, after=snapshot(need))


def claim_need(
    session: Session, actor: Actor, *, need_id: int, unit_id: int | None = None, today: date | None = None
) -> None:
    """A unit claims (认领) an open need or micro-wish: the liaison for their own unit; the admin for
    the unit they name. The claim is dated ``today`` (China's calendar day by default): a claimed
    微心愿 counts for 六个一 in that year."""
    require_writer(actor)
    uid = acting_unit(session, actor, unit_id)
    need = get_live(session, Need, need_id)
    scope.require_read(actor, scope.community_place(session, need.community_id))
    if need.claimed_by_unit_id is not None or need.status != NeedStatus.OPEN:
        raise Conflict("lists.errors.already_claimed")
    before = snapshot(need)
    need.claimed_by_unit_id = uid
    need.claimed_on = today or _today()
    need.status = NeedStatus.CLAIMED
    record_change(session, actor, need, before, entity="need")
