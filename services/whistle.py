"""社区吹哨、部门报到: raising matters, units answering stage by stage, the community's rating,
the time limits, the per-unit scorecard and the monthly 吹哨率."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from db.areas import areas
from db.models import Community, Unit, User, Whistle, WhistleResponse, utcnow
from domain import calendar
from domain import whistle_clock as clock
from domain.actor import Actor
from domain.enums import AuditAction, WhistleKind, WhistleStage
from domain.errors import Conflict, NotFound, ValidationError
from domain.scope import Place
from services import audit, notices, scope, settings_store, validate
from services.audit import snapshot
from services.live import is_live, live

# the data areas its reads depend on (db/areas.py): a cached read's key holds their versions
READS = areas("org", "settings", "whistle")

LIMITS_KEY = "whistle.time_limits"
STAGE_FIELD: dict[WhistleStage, str] = {
    WhistleStage.SIGNED: "signed_at",
    WhistleStage.CONTACTED: "contacted_at",
    WhistleStage.REPORTED: "reported_at",
    WhistleStage.HANDLED: "handled_at",
    WhistleStage.CLOSED: "closed_at",
    WhistleStage.RATED: "rated_at",
}
DONE_STAGES = (WhistleStage.CLOSED, WhistleStage.RATED)
MAX_LIMIT = {clock.LimitUnit.HOURS: 24 * 30, clock.LimitUnit.WORKING_DAYS: 250}


# --- time limits ---------------------------------------------------------------------------


def get_limits(session: Session) -> clock.Limits:
    """The time limit of each stage by kind of whistle (stored by the admin, else the defaults)."""
    return clock.limits_from_json(settings_store.get_setting(session, LIMITS_KEY))


def set_limits(session: Session, actor: Actor, *, limits: clock.Limits) -> None:
    """The admin sets the time limits; each must be a whole number ≥ 1 within reason."""
    scope.require_administer(actor)
    for stages in limits.values():
        for lim in stages.values():
            validate.integer(
                "whistle.fields.limit", lim.amount, required=True, min_value=1, max_value=MAX_LIMIT[lim.unit]
            )
    before = settings_store.get_setting(session, LIMITS_KEY)
    after = clock.limits_to_json(limits)
    settings_store.put_setting(session, LIMITS_KEY, after)
    audit.record(
        session, actor, AuditAction.UPDATE, "setting", None, before={LIMITS_KEY: before}, after={LIMITS_KEY: after}
    )


# --- reading -------------------------------------------------------------------------------


def _clock_of(row: Any, limits: clock.Limits) -> clock.ResponseClock:
    reached = {stage: getattr(row, STAGE_FIELD[stage]) for stage in clock.CLOCKED_STAGES}
    return clock.response_clock(row.raised_at, WhistleKind(row.kind), reached, limits)


def _response_columns() -> list[Any]:
    return [
        WhistleResponse.id,
        WhistleResponse.whistle_id,
        WhistleResponse.unit_id,
        Unit.name.label("unit"),
        WhistleResponse.stage,
        WhistleResponse.signed_at,
        WhistleResponse.contacted_at,
        WhistleResponse.reported_at,
        WhistleResponse.handled_at,
        WhistleResponse.closed_at,
        WhistleResponse.action_taken,
        WhistleResponse.rating,
        WhistleResponse.rating_comment,
        WhistleResponse.rated_at,
        Whistle.raised_at,
        Whistle.kind,
        Whistle.title,
        Whistle.community_id,
        Community.name.label("community"),
    ]


def _responses(session: Session) -> Select[Any]:
    return (
        select(*_response_columns())
        .join(Whistle, Whistle.id == WhistleResponse.whistle_id)
        .join(Unit, Unit.id == WhistleResponse.unit_id)
        .join(Community, Community.id == Whistle.community_id)
        .where(*live(Whistle))
    )


@dataclass(frozen=True)
class ResponseView:
    """One summoned unit's answer, with its clock, as the page shows it."""

    id: int
    unit_id: int
    unit: str
    stage: WhistleStage
    reached: dict[WhistleStage, datetime | None]
    due: dict[WhistleStage, datetime]
    action_taken: str
    rating: int | None
    rating_comment: str
    next_stage: WhistleStage | None
    next_due: datetime | None
    overdue: bool
    estimated: bool
    can_advance: bool
    can_rate: bool


@dataclass(frozen=True)
class WhistleDetail:
    id: int
    community_id: int
    community: str
    raised_by: str
    raised_at: datetime
    kind: WhistleKind
    title: str
    description: str
    stage: WhistleStage
    closed_at: datetime | None
    responses: list[ResponseView]


def _view(row: Any, actor: Actor, limits: clock.Limits, now: datetime) -> ResponseView:
    rclock = _clock_of(row, limits)
    stage = WhistleStage(row.stage)
    nxt = clock.next_stage(stage)
    pending = rclock.pending()
    return ResponseView(
        id=row.id,
        unit_id=row.unit_id,
        unit=row.unit,
        stage=stage,
        reached={s: getattr(row, f) for s, f in STAGE_FIELD.items()},
        due={c.stage: c.due_at for c in rclock.checks},
        action_taken=row.action_taken or "",
        rating=row.rating,
        rating_comment=row.rating_comment or "",
        next_stage=nxt,
        next_due=pending.due_at if pending else None,
        overdue=rclock.overdue(now),
        estimated=rclock.estimated,
        can_advance=_may_answer(actor, row.unit_id) and stage not in DONE_STAGES,
        can_rate=actor.may_rate(Place(community_id=row.community_id)) and stage == WhistleStage.CLOSED,
    )


def get_whistle(session: Session, actor: Actor, *, whistle_id: int, now: datetime | None = None) -> WhistleDetail:
    """One matter with every summoned unit's response and clock (everyone may read)."""
    now = now or utcnow()
    row = session.execute(
        select(Whistle, Community.name, User.display_name)
        .join(Community, Community.id == Whistle.community_id)
        .outerjoin(User, User.id == Whistle.raised_by_user_id)
        .where(Whistle.id == whistle_id, *live(Whistle))
    ).first()
    if row is None:
        raise NotFound()
    w, community, raised_by = row
    limits = get_limits(session)
    rows = session.execute(_responses(session).where(WhistleResponse.whistle_id == whistle_id)).all()
    views = sorted((_view(r, actor, limits, now) for r in rows), key=lambda v: clock.stage_rank(v.stage))
    return WhistleDetail(
        id=w.id,
        community_id=w.community_id,
        community=community,
        raised_by=raised_by or "",
        raised_at=w.raised_at,
        kind=WhistleKind(w.kind),
        title=w.title,
        description=w.description or "",
        stage=WhistleStage(w.stage),
        closed_at=w.closed_at,
        responses=views,
    )


def _whistle_filters(
    *, community_id: int | None, kind: WhistleKind | None, open_only: bool, unit_id: int | None, year: int | None
) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [*live(Whistle)]
    if community_id is not None:
        conds.append(Whistle.community_id == community_id)
    if kind is not None:
        conds.append(Whistle.kind == kind)
    if open_only:
        conds.append(Whistle.closed_at.is_(None))
    if unit_id is not None:
        conds.append(Whistle.id.in_(select(WhistleResponse.whistle_id).where(WhistleResponse.unit_id == unit_id)))
    if year is not None:
        start, end = _year_bounds(year)
        conds.append(and_(Whistle.raised_at >= start, Whistle.raised_at < end))
    return conds


def count_whistles(
    session: Session,
    *,
    community_id: int | None = None,
    kind: WhistleKind | None = None,
    open_only: bool = False,
    unit_id: int | None = None,
    year: int | None = None,
) -> int:
    """How many matters the filters select (for the pager)."""
    conds = _whistle_filters(community_id=community_id, kind=kind, open_only=open_only, unit_id=unit_id, year=year)
    return session.scalar(select(func.count(Whistle.id)).where(*conds)) or 0


def list_whistles(
    session: Session,
    *,
    community_id: int | None = None,
    kind: WhistleKind | None = None,
    open_only: bool = False,
    unit_id: int | None = None,
    year: int | None = None,
    offset: int = 0,
    limit: int = 20,
    now: datetime | None = None,
) -> tuple[pd.DataFrame, int]:
    """A page of matters, newest first, with how many units answer and whether any is overdue."""
    now = now or utcnow()
    conds = _whistle_filters(community_id=community_id, kind=kind, open_only=open_only, unit_id=unit_id, year=year)
    total = session.scalar(select(func.count(Whistle.id)).where(*conds)) or 0
    units = select(func.count(WhistleResponse.id)).where(WhistleResponse.whistle_id == Whistle.id).scalar_subquery()
    rows = session.execute(
        select(
            Whistle.id,
            Whistle.raised_at,
            Community.name.label("community"),
            Whistle.kind,
            Whistle.title,
            Whistle.stage,
            units.label("units"),
            Whistle.closed_at,
        )
        .join(Community, Community.id == Whistle.community_id)
        .where(*conds)
        .order_by(Whistle.raised_at.desc(), Whistle.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    cols = ["id", "raised_at", "community", "kind", "title", "stage", "units", "closed_at"]
    df = _plain_times(pd.DataFrame([tuple(r) for r in rows], columns=cols), ["raised_at", "closed_at"])
    ids = [int(i) for i in df["id"]] if len(df) else []
    overdue: set[int] = set()
    if ids:
        limits = get_limits(session)
        for r in session.execute(_responses(session).where(WhistleResponse.whistle_id.in_(ids))).all():
            if _clock_of(r, limits).overdue(now):
                overdue.add(r.whistle_id)
    df["overdue"] = [i in overdue for i in ids]
    return df, int(total)


def _plain_times(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Keep timestamps as Python datetimes with None for blanks (not NaT), as ui.kit.tables expects."""
    for col in cols:
        df[col] = pd.Series(
            [None if v is None or v is pd.NaT or v != v else v for v in df[col].astype(object)],
            index=df.index,
            dtype=object,
        )
    return df


def my_queue(session: Session, actor: Actor, *, now: datetime | None = None, limit: int = 50) -> pd.DataFrame:
    """待我处理: a liaison's responses still to move on; a community worker's (or the admin's)
    closed responses still to rate; overdue first."""
    now = now or utcnow()
    stmt = _responses(session)
    if actor.home_unit_id is not None:
        stmt = stmt.where(WhistleResponse.unit_id == actor.home_unit_id, WhistleResponse.stage.not_in(DONE_STAGES))
    elif actor.home_community_id is not None:
        stmt = stmt.where(Whistle.community_id == actor.home_community_id, WhistleResponse.stage == WhistleStage.CLOSED)
    elif actor.is_admin:
        stmt = stmt.where(WhistleResponse.stage == WhistleStage.CLOSED)
    else:
        return pd.DataFrame(
            columns=[
                "response_id",
                "whistle_id",
                "title",
                "community",
                "unit",
                "stage",
                "next_stage",
                "due_at",
                "overdue",
            ]
        )
    limits = get_limits(session)
    out = []
    for r in session.execute(stmt.order_by(Whistle.raised_at).limit(limit)).all():
        rc = _clock_of(r, limits)
        pending = rc.pending()
        stage = WhistleStage(r.stage)
        out.append(
            {
                "response_id": r.id,
                "whistle_id": r.whistle_id,
                "title": r.title,
                "community": r.community,
                "unit": r.unit,
                "stage": stage,
                "next_stage": clock.next_stage(stage),
                "due_at": pending.due_at if pending else None,
                "overdue": rc.overdue(now),
            }
        )
    df = pd.DataFrame(
        out,
        columns=["response_id", "whistle_id", "title", "community", "unit", "stage", "next_stage", "due_at", "overdue"],
    )
    df = df.sort_values(["overdue", "due_at"], ascending=[False, True], na_position="last").reset_index(drop=True)
    return _plain_times(df, ["due_at"])


def overdue_count(session: Session, *, now: datetime | None = None) -> int:
    """Responses whose pending stage is past its deadline (open matters only)."""
    now = now or utcnow()
    limits = get_limits(session)
    rows = session.execute(
        _responses(session).where(WhistleResponse.stage.not_in(DONE_STAGES), Whistle.closed_at.is_(None))
    ).all()
    return sum(1 for r in rows if _clock_of(r, limits).overdue(now))


# --- writing -------------------------------------------------------------------------------


def _may_answer(actor: Actor, unit_id: int) -> bool:
    """Only the liaison of the summoned unit answers for it."""
    return actor.may_answer_for(Place(unit_id=unit_id))


def raise_whistle(
    session: Session,
    actor: Actor,
    *,
    community_id: int,
    kind: WhistleKind | str,
    title: str,
    description: str = "",
    unit_ids: list[int],
    now: datetime | None = None,
) -> int:
    """吹哨: a community worker (for their own community) or the admin raises a matter and
    summons units."""
    scope.require_keep(actor, scope.community_place(session, community_id))
    kind = validate.choice("whistle.fields.kind", kind, WhistleKind)
    title = validate.text("whistle.fields.title", title, required=True, max_len=200)
    description = validate.text("whistle.fields.description", description, max_len=2000)
    unique = list(dict.fromkeys(int(u) for u in unit_ids))
    if not unique:
        raise ValidationError("whistle.fields.units", "error.required")
    if session.get(Community, community_id) is None:
        raise ValidationError("whistle.fields.community", "error.unknown_choice", value=str(community_id))
    known = set(session.scalars(select(Unit.id).where(Unit.id.in_(unique), *live(Unit), Unit.active.is_(True))))
    for uid in unique:
        if uid not in known:
            raise ValidationError("whistle.fields.units", "error.unknown_choice", value=str(uid))
    scope.require_read(actor, *(scope.unit_place(session, uid) for uid in unique))
    raised_at = now or utcnow()
    whistle = Whistle(
        community_id=community_id,
        raised_by_user_id=actor.user_id,
        raised_at=raised_at,
        kind=kind,
        title=title,
        description=description,
        stage=WhistleStage.RAISED,
    )
    session.add(whistle)
    audit.record_change(session, actor, whistle, None, entity="whistle")
    for uid in unique:
        response = WhistleResponse(whistle_id=whistle.id, unit_id=uid, stage=WhistleStage.RAISED)
        session.add(response)
        audit.record_change(session, actor, response, None, entity="whistle_response")
    notices.enqueue_whistle_raised(session, whistle_id=whistle.id, now=raised_at)  # the outbox, same transaction
    return whistle.id


def _refresh(session: Session, whistle: Whistle) -> None:
    """A matter stands where its slowest unit stands; it is closed when every unit has closed."""
    rows = session.execute(
        select(WhistleResponse.stage, WhistleResponse.closed_at).where(WhistleResponse.whistle_id == whistle.id)
    ).all()
    whistle.stage = clock.least_advanced(WhistleStage(r.stage) for r in rows)
    done = bool(rows) and all(WhistleStage(r.stage) in DONE_STAGES for r in rows)
    whistle.closed_at = max((r.closed_at for r in rows if r.closed_at), default=None) if done else None


def _load_response(session: Session, response_id: int) -> tuple[WhistleResponse, Whistle]:
    response = session.get(WhistleResponse, response_id, with_for_update=True)
    if response is None:
        raise NotFound()
    whistle = session.get(Whistle, response.whistle_id)
    if not is_live(whistle):
        raise NotFound()
    return response, whistle


def advance_response(
    session: Session,
    actor: Actor,
    *,
    response_id: int,
    action_taken: str | None = None,
    now: datetime | None = None,
) -> WhistleStage:
    """The summoned unit's liaison moves its response one step: 签收 → 联系 → 报到 → 处置 → 办结.
    处置 and 办结 need the action taken."""
    response, whistle = _load_response(session, response_id)
    scope.require(actor.may_answer_for(scope.unit_place(session, response.unit_id)))  # the summoned unit's liaison
    stage = WhistleStage(response.stage)
    target = clock.next_stage(stage)
    if stage in DONE_STAGES or target is None:
        raise Conflict("whistle.errors.already_closed")
    text = validate.text("whistle.fields.action_taken", action_taken, max_len=2000)
    if target in (WhistleStage.HANDLED, WhistleStage.CLOSED) and not (text or response.action_taken):
        raise ValidationError("whistle.fields.action_taken", "error.required")
    before = snapshot(response)
    response.stage = target
    setattr(response, STAGE_FIELD[target], now or utcnow())
    if text:
        response.action_taken = text
    audit.record_change(session, actor, response, before, entity="whistle_response")
    w_before = snapshot(whistle)
    _refresh(session, whistle)
    if snapshot(whistle) != w_before:
        audit.record_change(session, actor, whistle, w_before, entity="whistle")
    return target


def rate_response(
    session: Session,
    actor: Actor,
    *,
    response_id: int,
    rating: object,
    comment: str = "",
    now: datetime | None = None,
) -> None:
    """评价: the raising community's worker (or the admin) rates a closed response 1–5."""
    response, whistle = _load_response(session, response_id)
    scope.require(actor.may_rate(scope.community_place(session, whistle.community_id)))
    if WhistleStage(response.stage) != WhistleStage.CLOSED:
        raise Conflict(
            "whistle.errors.not_closed"
            if WhistleStage(response.stage) != WhistleStage.RATED
            else "whistle.errors.already_rated"
        )
    score = validate.integer("whistle.fields.rating", rating, required=True, min_value=1, max_value=5)
    comment = validate.text("whistle.fields.rating_comment", comment, max_len=500)
    before = snapshot(response)
    response.rating = score
    response.rating_comment = comment
    response.rated_at = now or utcnow()
    response.stage = WhistleStage.RATED
    audit.record_change(session, actor, response, before, entity="whistle_response")
    w_before = snapshot(whistle)
    _refresh(session, whistle)
    if snapshot(whistle) != w_before:
        audit.record_change(session, actor, whistle, w_before, entity="whistle")


# --- scorecard and charts ------------------------------------------------------------------


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    """A China calendar year, as UTC moments: [its first midnight, the next year's)."""
    return calendar.local_midnight(date(year, 1, 1)), calendar.local_midnight(date(year + 1, 1, 1))


def _hours_between(session: Session, a: Any, b: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(b) - func.julianday(a)) * 24.0
    return func.extract("epoch", b - a) / 3600.0


def on_time_by_unit(
    session: Session, *, year: int | None = None, unit_id: int | None = None, now: datetime | None = None
) -> dict[int, float | None]:
    """Per unit, the share of judged stages reached within their limit (matters raised in ``year``)."""
    now = now or utcnow()
    stmt = _responses(session)
    if year is not None:
        start, end = _year_bounds(year)
        stmt = stmt.where(Whistle.raised_at >= start, Whistle.raised_at < end)
    if unit_id is not None:
        stmt = stmt.where(WhistleResponse.unit_id == unit_id)
    limits = get_limits(session)
    pairs: dict[int, list[tuple[int, int]]] = {}
    for r in session.execute(stmt).all():
        pairs.setdefault(r.unit_id, []).append(_clock_of(r, limits).judged(now))
    return {uid: clock.on_time_share(p) for uid, p in pairs.items()}


def scorecard(session: Session, *, year: int | None = None, now: datetime | None = None) -> pd.DataFrame:
    """Per summoned unit: responses, closed, average hours to sign and to report, average rating
    (aggregated in SQL), and the on-time share (each response against its clock)."""
    conds: list[ColumnElement[bool]] = [*live(Whistle)]
    if year is not None:
        start, end = _year_bounds(year)
        conds += [Whistle.raised_at >= start, Whistle.raised_at < end]
    sign_h = _hours_between(session, Whistle.raised_at, WhistleResponse.signed_at)
    report_h = _hours_between(session, Whistle.raised_at, WhistleResponse.reported_at)
    rows = session.execute(
        select(
            WhistleResponse.unit_id,
            Unit.name,
            func.count(WhistleResponse.id),
            func.sum(case((WhistleResponse.stage.in_(DONE_STAGES), 1), else_=0)),
            func.avg(sign_h),
            func.avg(report_h),
            func.avg(WhistleResponse.rating),
        )
        .join(Whistle, Whistle.id == WhistleResponse.whistle_id)
        .join(Unit, Unit.id == WhistleResponse.unit_id)
        .where(*conds)
        .group_by(WhistleResponse.unit_id, Unit.name)
    ).all()
    on_time = on_time_by_unit(session, year=year, now=now)
    cols = ["unit_id", "unit", "responses", "closed", "sign_hours", "report_hours", "rating", "on_time"]
    df = pd.DataFrame(
        [(r[0], r[1], int(r[2]), int(r[3] or 0), _num(r[4]), _num(r[5]), _num(r[6]), on_time.get(r[0])) for r in rows],
        columns=cols,
    )
    return df.sort_values(["on_time", "rating"], ascending=False, na_position="last").reset_index(drop=True)


def _num(v: Any) -> float | None:
    return None if v is None else round(float(v), 1)


def _month_expr(session: Session, col: Any) -> Any:
    """``YYYY-MM`` of a UTC timestamp in Beijing time, computed by the database."""
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m", col, f"+{calendar.UTC_OFFSET.total_seconds() / 3600:g} hours")
    return func.to_char(func.timezone(calendar.ZONE.key, col), "YYYY-MM")


def monthly(session: Session, *, start: date, end: date) -> pd.DataFrame:
    """Per month (Beijing time): matters raised, 吹哨率 (per community), matters closed and their
    average days from raising to closing. All aggregated in SQL; ≤ one row per month."""
    lo, hi = calendar.local_midnight(start), calendar.local_midnight(end + timedelta(days=1))
    base = [*live(Whistle)]
    m_raised = _month_expr(session, Whistle.raised_at)
    raised: dict[str, int] = dict(
        session.execute(
            select(m_raised, func.count(Whistle.id))
            .where(*base, Whistle.raised_at >= lo, Whistle.raised_at < hi)
            .group_by(m_raised)
        )
        .tuples()
        .all()
    )
    m_closed = _month_expr(session, Whistle.closed_at)
    days = _hours_between(session, Whistle.raised_at, Whistle.closed_at) / 24.0
    closed = {
        m: (n, d)
        for m, n, d in session.execute(
            select(m_closed, func.count(Whistle.id), func.avg(days))
            .where(*base, Whistle.closed_at.is_not(None), Whistle.closed_at >= lo, Whistle.closed_at < hi)
            .group_by(m_closed)
        )
        .tuples()
        .all()
    }
    n_comm = session.scalar(select(func.count(Community.id)).where(*live(Community))) or 0
    months = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        months.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    out = []
    for month in months:
        n = int(raised.get(month, 0))
        c_n, c_days = closed.get(month, (0, None))
        out.append(
            {
                "month": month,
                "raised": n,
                "rate": round(n / n_comm, 2) if n_comm else None,
                "closed": int(c_n),
                "close_days": _num(c_days),
            }
        )
    return pd.DataFrame(out, columns=["month", "raised", "rate", "closed", "close_days"])


def by_community(session: Session, *, year: int) -> pd.DataFrame:
    """Matters raised per community in ``year`` (for the 吹哨率 by community)."""
    start, end = _year_bounds(year)
    rows = session.execute(
        select(Community.name, func.count(Whistle.id))
        .join(
            Whistle,
            and_(
                Whistle.community_id == Community.id,
                *live(Whistle),
                Whistle.raised_at >= start,
                Whistle.raised_at < end,
            ),
            isouter=True,
        )
        .where(*live(Community))
        .group_by(Community.id, Community.name)
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["community", "raised"])


def summoned_unit_options(session: Session) -> list[tuple[int, str]]:
    """Active units that may be summoned (pinyin order comes from services.reference)."""
    from services.reference import list_units

    return [(o.id, o.name) for o in list_units(session, active_only=True)]
