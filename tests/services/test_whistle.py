"""吹哨报到 services: who raises, who answers, who rates; the matter's stage; the clock; audit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditEntry, Unit, Whistle, WhistleResponse
from domain.actor import Actor
from domain.enums import Role, WhistleKind, WhistleStage
from domain.errors import Conflict, PermissionDenied, ValidationError
from domain.whistle_clock import LimitUnit, StageLimit
from services import whistle as ws

RAISED = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday, 20:00 Beijing time


def _audit_rows(session: Session) -> int:
    return session.scalar(select(func.count(AuditEntry.id))) or 0


@pytest.fixture
def other_unit_id(session: Session, liaison: Actor) -> int:
    """An active unit that is not the liaison's (summoning needs an active unit)."""
    uid = session.scalar(
        select(Unit.id)
        .where(Unit.active.is_(True), Unit.deleted_at.is_(None), Unit.id != liaison.unit_id)
        .order_by(Unit.id)
    )
    assert uid is not None
    return uid


@pytest.fixture
def matter(session: Session, community_worker: Actor, liaison: Actor, other_unit_id: int) -> int:
    """A matter of the worker's community summoning the liaison's unit and one other."""
    assert community_worker.community_id is not None and liaison.unit_id is not None
    return ws.raise_whistle(
        session,
        community_worker,
        community_id=community_worker.community_id,
        kind=WhistleKind.PROGRESS,
        title="楼道堆物清理",
        description="消防通道堵塞",
        unit_ids=[liaison.unit_id, other_unit_id],
        now=RAISED,
    )


def _response_id(session: Session, whistle_id: int, unit_id: int) -> int:
    rid = session.scalar(
        select(WhistleResponse.id).where(WhistleResponse.whistle_id == whistle_id, WhistleResponse.unit_id == unit_id)
    )
    assert rid is not None
    return rid


def _walk_to_closed(session: Session, liaison: Actor, rid: int, start: datetime) -> None:
    for i in range(5):
        ws.advance_response(
            session,
            liaison,
            response_id=rid,
            action_taken="清运堆物，张贴告示",
            now=start + timedelta(minutes=30 * (i + 1)),
        )


def test_community_worker_raises_for_own_community_with_audit(
    session: Session, community_worker: Actor, liaison: Actor, matter: int
) -> None:
    w = session.get(Whistle, matter)
    assert w is not None and w.stage == WhistleStage.RAISED and w.raised_by_user_id == community_worker.user_id
    assert session.scalar(select(func.count(WhistleResponse.id)).where(WhistleResponse.whistle_id == matter)) == 2
    assert (
        session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.entity == "whistle", AuditEntry.entity_id == matter)
        )
        == 1
    )


def test_community_worker_cannot_raise_for_another_community(
    session: Session, community_worker: Actor, other_community_id: int, liaison: Actor
) -> None:
    with pytest.raises(PermissionDenied):
        ws.raise_whistle(
            session,
            community_worker,
            community_id=other_community_id,
            kind="progress",
            title="x",
            unit_ids=[liaison.unit_id or 0],
        )


@pytest.mark.parametrize("who", ["liaison", "leader"])
def test_liaison_and_leader_cannot_raise(
    session: Session, who: str, request: pytest.FixtureRequest, community_worker: Actor, other_unit_id: int
) -> None:
    actor: Actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        ws.raise_whistle(
            session,
            actor,
            community_id=community_worker.community_id or 0,
            kind="progress",
            title="x",
            unit_ids=[other_unit_id],
        )


def test_admin_raises_for_any_community(
    session: Session, admin: Actor, other_community_id: int, other_unit_id: int
) -> None:
    wid = ws.raise_whistle(
        session,
        admin,
        community_id=other_community_id,
        kind=WhistleKind.TOUGH,
        title="排水管网改造",
        unit_ids=[other_unit_id],
    )
    assert session.get(Whistle, wid) is not None


@pytest.mark.parametrize(
    ("title", "units", "field"),
    [
        ("", "one", "whistle.fields.title"),
        ("x" * 201, "one", "whistle.fields.title"),
        ("占道经营", "none", "whistle.fields.units"),
        ("占道经营", "unknown", "whistle.fields.units"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    session: Session, community_worker: Actor, other_unit_id: int, title: str, units: str, field: str
) -> None:
    unit_ids = {"one": [other_unit_id], "none": [], "unknown": [999_999]}[units]
    before = (_audit_rows(session), session.scalar(select(func.count(Whistle.id))))
    with pytest.raises(ValidationError) as err:
        ws.raise_whistle(
            session,
            community_worker,
            community_id=community_worker.community_id or 0,
            kind="progress",
            title=title,
            unit_ids=unit_ids,
        )
    assert err.value.field == field
    assert (_audit_rows(session), session.scalar(select(func.count(Whistle.id)))) == before


def test_summoned_liaison_moves_own_response_along_the_path(session: Session, liaison: Actor, matter: int) -> None:
    rid = _response_id(session, matter, liaison.unit_id or 0)
    got = [
        ws.advance_response(
            session, liaison, response_id=rid, action_taken="已安排人员", now=RAISED + timedelta(minutes=10 * (i + 1))
        )
        for i in range(5)
    ]
    assert got == [
        WhistleStage.SIGNED,
        WhistleStage.CONTACTED,
        WhistleStage.REPORTED,
        WhistleStage.HANDLED,
        WhistleStage.CLOSED,
    ]
    r = session.get(WhistleResponse, rid)
    assert r is not None and r.signed_at and r.closed_at and r.action_taken == "已安排人员"
    with pytest.raises(Conflict):
        ws.advance_response(session, liaison, response_id=rid)


def test_handling_needs_the_action_taken(session: Session, liaison: Actor, matter: int) -> None:
    rid = _response_id(session, matter, liaison.unit_id or 0)
    for _ in range(3):
        ws.advance_response(session, liaison, response_id=rid)
    with pytest.raises(ValidationError) as err:
        ws.advance_response(session, liaison, response_id=rid, action_taken="  ")
    assert err.value.field == "whistle.fields.action_taken"


def test_liaison_cannot_answer_for_another_units_response(
    session: Session, liaison: Actor, matter: int, other_unit_id: int
) -> None:
    rid = _response_id(session, matter, other_unit_id)
    with pytest.raises(PermissionDenied):
        ws.advance_response(session, liaison, response_id=rid)


def test_unsummoned_units_liaison_cannot_answer(
    session: Session, community_worker: Actor, liaison: Actor, other_unit_id: int
) -> None:
    wid = ws.raise_whistle(
        session,
        community_worker,
        community_id=community_worker.community_id or 0,
        kind="tough",
        title="外墙脱落",
        unit_ids=[other_unit_id],
    )
    rid = _response_id(session, wid, other_unit_id)
    with pytest.raises(PermissionDenied):
        ws.advance_response(session, liaison, response_id=rid)
    assert not ws.get_whistle(session, liaison, whistle_id=wid).responses[0].can_advance


@pytest.mark.parametrize("who", ["admin", "community_worker", "leader"])
def test_only_the_summoned_liaison_answers(
    session: Session, who: str, request: pytest.FixtureRequest, liaison: Actor, matter: int
) -> None:
    actor: Actor = request.getfixturevalue(who)
    rid = _response_id(session, matter, liaison.unit_id or 0)
    with pytest.raises(PermissionDenied):
        ws.advance_response(session, actor, response_id=rid)


def test_matter_stands_where_its_slowest_unit_stands_and_closes_with_the_last(
    session: Session, liaison: Actor, matter: int, other_unit_id: int
) -> None:
    own = _response_id(session, matter, liaison.unit_id or 0)
    _walk_to_closed(session, liaison, own, RAISED)
    w = session.get(Whistle, matter)
    assert w is not None and w.stage == WhistleStage.RAISED and w.closed_at is None
    other = session.get(WhistleResponse, _response_id(session, matter, other_unit_id))
    assert other is not None
    other_liaison = Actor(user_id=None, username="x", role=Role.LIAISON, unit_id=other_unit_id)
    _walk_to_closed(session, other_liaison, other.id, RAISED + timedelta(hours=5))
    session.refresh(w)
    assert w.stage == WhistleStage.CLOSED and w.closed_at is not None


def test_only_the_raising_community_rates_a_closed_response(
    session: Session,
    liaison: Actor,
    community_worker: Actor,
    leader: Actor,
    matter: int,
    other_community_id: int,
) -> None:
    rid = _response_id(session, matter, liaison.unit_id or 0)
    with pytest.raises(Conflict):  # not closed yet
        ws.rate_response(session, community_worker, response_id=rid, rating=5)
    _walk_to_closed(session, liaison, rid, RAISED)
    other_worker = Actor(user_id=None, username="y", role=Role.COMMUNITY, community_id=other_community_id)
    for actor in (liaison, leader, other_worker):
        with pytest.raises(PermissionDenied):
            ws.rate_response(session, actor, response_id=rid, rating=5)
    with pytest.raises(ValidationError) as err:
        ws.rate_response(session, community_worker, response_id=rid, rating=6)
    assert err.value.field == "whistle.fields.rating"
    ws.rate_response(session, community_worker, response_id=rid, rating=4, comment="响应及时")
    r = session.get(WhistleResponse, rid)
    assert r is not None and r.stage == WhistleStage.RATED and r.rating == 4 and r.rated_at is not None
    with pytest.raises(Conflict):
        ws.rate_response(session, community_worker, response_id=rid, rating=3)


def test_admin_may_rate(session: Session, admin: Actor, liaison: Actor, matter: int) -> None:
    rid = _response_id(session, matter, liaison.unit_id or 0)
    _walk_to_closed(session, liaison, rid, RAISED)
    later = RAISED + timedelta(hours=4)
    before = ws.get_whistle(session, admin, whistle_id=matter, now=later)
    assert next(r for r in before.responses if r.id == rid).can_rate  # offered to the admin ...
    audit_before = _audit_rows(session)
    ws.rate_response(session, admin, response_id=rid, rating=5, comment="处置到位", now=later)
    # ... stored: the response is rated, with its comment, and the rating is audited
    r = session.get(WhistleResponse, rid)
    assert r is not None and r.stage == WhistleStage.RATED and r.rating == 5 and r.rated_at is not None
    assert r.rating_comment == "处置到位"
    assert _audit_rows(session) == audit_before + 1
    # ... and read back as the page shows it: on the matter, no longer offered, and on the scorecard
    shown = next(x for x in ws.get_whistle(session, admin, whistle_id=matter, now=later).responses if x.id == rid)
    assert (shown.stage, shown.rating, shown.rating_comment, shown.can_rate) == (
        WhistleStage.RATED,
        5,
        "处置到位",
        False,
    )
    card = ws.scorecard(session, year=2026, now=later)
    assert float(card[card["unit_id"] == liaison.unit_id]["rating"].iloc[0]) == 5.0


def test_overdue_response_appears_in_the_liaisons_queue_first(session: Session, liaison: Actor, matter: int) -> None:
    later = RAISED + timedelta(hours=2)  # signing was due after 1 hour
    queue = ws.my_queue(session, liaison, now=later)
    row = queue[queue["whistle_id"] == matter].iloc[0]
    assert bool(row["overdue"]) and row["next_stage"] == WhistleStage.SIGNED
    assert bool(queue.iloc[0]["overdue"])
    detail = ws.get_whistle(session, liaison, whistle_id=matter, now=later)
    mine = next(r for r in detail.responses if r.unit_id == liaison.unit_id)
    assert mine.overdue and mine.can_advance and not mine.can_rate
    listed, _ = ws.list_whistles(session, unit_id=liaison.unit_id, now=later)
    assert bool(listed[listed["id"] == matter]["overdue"].iloc[0])


def test_community_queue_lists_closed_responses_to_rate(
    session: Session, liaison: Actor, community_worker: Actor, matter: int
) -> None:
    rid = _response_id(session, matter, liaison.unit_id or 0)
    _walk_to_closed(session, liaison, rid, RAISED)
    assert rid in set(ws.my_queue(session, community_worker)["response_id"])


def test_on_time_share_counts_late_stages(session: Session, liaison: Actor, matter: int) -> None:
    rid = _response_id(session, matter, liaison.unit_id or 0)
    ws.advance_response(session, liaison, response_id=rid, now=RAISED + timedelta(minutes=20))  # on time
    ws.advance_response(session, liaison, response_id=rid, now=RAISED + timedelta(hours=30))  # late
    share = ws.on_time_by_unit(session, year=2026, unit_id=liaison.unit_id, now=RAISED + timedelta(hours=31))[
        liaison.unit_id or 0
    ]
    assert share is not None and share < 1.0
    card = ws.scorecard(session, year=2026, now=RAISED + timedelta(hours=31))
    assert liaison.unit_id in set(card["unit_id"])


def test_only_admin_sets_time_limits_and_they_move_deadlines(
    session: Session, admin: Actor, community_worker: Actor, liaison: Actor, matter: int
) -> None:
    limits = ws.get_limits(session)
    limits[WhistleKind.PROGRESS][WhistleStage.SIGNED] = StageLimit(3, LimitUnit.HOURS)
    with pytest.raises(PermissionDenied):
        ws.set_limits(session, community_worker, limits=limits)
    ws.set_limits(session, admin, limits=limits)
    assert ws.get_limits(session)[WhistleKind.PROGRESS][WhistleStage.SIGNED].amount == 3
    detail = ws.get_whistle(session, liaison, whistle_id=matter, now=RAISED + timedelta(hours=2))
    assert not any(r.overdue for r in detail.responses)
    limits[WhistleKind.TOUGH][WhistleStage.REPORTED] = StageLimit(0, LimitUnit.WORKING_DAYS)
    with pytest.raises(ValidationError):
        ws.set_limits(session, admin, limits=limits)


def test_monthly_rate_is_aggregated_per_month(session: Session, community_worker: Actor, matter: int) -> None:
    df = ws.monthly(session, start=date(2026, 1, 1), end=date(2026, 11, 30))
    assert list(df["month"])[:2] == ["2026-01", "2026-02"] and len(df) == 11
    assert int(df[df["month"] == "2026-11"]["raised"].iloc[0]) >= 1
