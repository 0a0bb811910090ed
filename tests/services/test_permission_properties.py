"""The scope rule as a property: for any actor (every role, bound to any community or unit, or to
none) writing for any community or unit, the service refuses exactly when the actor's named
predicate (domain/actor.py) says no — and when it says yes, the write succeeds and is stored as
asked. Both paths, drawn at random, on the demo data."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditEntry, Category, Community, Need, Resource, Unit
from domain.actor import Actor
from domain.enums import Role
from domain.errors import PermissionDenied
from services import needs, resources

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def _ids(session: Session, model: Any) -> list[int]:
    return list(session.scalars(select(model.id).where(model.deleted_at.is_(None)).order_by(model.id).limit(4)))


def _actor(data: st.DataObject, communities: list[int], units: list[int]) -> Actor:
    """Any role, bound (or not) to any of the communities and units — also the mismatched bindings."""
    return Actor(
        user_id=None,
        username="drawn",
        role=data.draw(st.sampled_from(list(Role)), label="role"),
        community_id=data.draw(st.one_of(st.none(), st.sampled_from(communities)), label="community"),
        unit_id=data.draw(st.one_of(st.none(), st.sampled_from(units)), label="unit"),
    )


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _write(session: Session, allowed: bool, call: Any, model: Any) -> Any:
    """Run ``call`` in a savepoint: refused (nothing written) exactly when not ``allowed``; otherwise
    the stored row it created. The savepoint is rolled back by the caller's ``finally``."""
    event("allowed" if allowed else "refused")  # both paths are drawn (--hypothesis-show-statistics)
    before = (_count(session, model), _count(session, AuditEntry))
    try:
        new_id = call()
    except PermissionDenied:
        assert not allowed, "the predicate allows what the service refuses"
        session.flush()
        assert (_count(session, model), _count(session, AuditEntry)) == before, "a refused write wrote something"
        return None
    assert allowed, "the service allows what the predicate refuses"
    session.flush()
    row = session.get(model, new_id)
    assert row is not None, "an allowed write stored nothing"
    assert _count(session, AuditEntry) > before[1], "an allowed write left no audit row"
    return row


@SETTINGS
@given(data=st.data())
def test_a_need_is_written_exactly_by_who_keeps_its_community(session: Session, data: st.DataObject) -> None:
    communities, units, categories = _ids(session, Community), _ids(session, Unit), _ids(session, Category)
    actor = _actor(data, communities, units)
    community_id = data.draw(st.sampled_from(communities), label="for community")
    allowed = actor.keeps_community(community_id)
    savepoint = session.begin_nested()
    try:
        row = _write(
            session,
            allowed,
            lambda: needs.create_need(
                session, actor, data=needs.NeedInput(community_id, categories[0], "楼道加装扶手")
            ),
            Need,
        )
        if row is not None:
            assert (row.community_id, row.title, row.deleted_at) == (community_id, "楼道加装扶手", None)
            assert row.id in set(needs.list_needs(session, community_id=community_id, limit=500).rows["id"])
    finally:
        savepoint.rollback()
        session.expire_all()


@SETTINGS
@given(data=st.data())
def test_a_resource_is_written_exactly_by_who_keeps_its_unit(session: Session, data: st.DataObject) -> None:
    communities, units, categories = _ids(session, Community), _ids(session, Unit), _ids(session, Category)
    actor = _actor(data, communities, units)
    unit_id = data.draw(st.sampled_from(units), label="for unit")
    allowed = actor.keeps_unit(unit_id)
    savepoint = session.begin_nested()
    try:
        row = _write(
            session,
            allowed,
            lambda: resources.create_resource(
                session, actor, data=resources.ResourceInput(unit_id, categories[0], "活动室周末开放")
            ),
            Resource,
        )
        if row is not None:
            assert (row.unit_id, row.title, row.deleted_at) == (unit_id, "活动室周末开放", None)
    finally:
        savepoint.rollback()
        session.expire_all()
