"""Each named permission predicate of ``Actor`` (domain/actor.py) against the service that asks it:
the actor it allows writes and the write is stored; the actor it refuses is refused and nothing is
written. (``may_rate``: tests/services/test_whistle.py, both paths; the whole write × role table:
tests/services/test_audit_coverage.py and test_write_scope.py.)"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import ActionItem, AuditEntry, Meeting, Need, Project, Resource
from domain.actor import Actor
from domain.enums import ActionStatus, MeetingKind, NeedStatus, Role
from domain.errors import PermissionDenied
from services import audit_log, meetings, needs, projects, resources
from tests.conftest import TODAY


def _audit_rows(session: Session) -> int:
    return session.scalar(select(func.count(AuditEntry.id))) or 0


def _refused(session: Session, call: object) -> None:
    before = _audit_rows(session)
    with pytest.raises(PermissionDenied):
        call()  # type: ignore[operator]
    assert _audit_rows(session) == before


def _worker_of(community_id: int) -> Actor:
    return Actor(user_id=None, username="other", role=Role.COMMUNITY, community_id=community_id)


# --- is_admin: the secretariat's business ---------------------------------------------------------


def test_is_admin(session: Session, admin: Actor, community_worker: Actor) -> None:
    assert admin.is_admin and not community_worker.is_admin
    assert "admin" in audit_log.audit_usernames(session, admin)
    with pytest.raises(PermissionDenied):
        audit_log.audit_usernames(session, community_worker)


# --- keeps_community_records / keeps_community: a community's needs -------------------------------


def test_keeps_community_records_allows_the_worker_and_refuses_a_liaison_or_leader(
    session: Session, community_worker: Actor, liaison: Actor, leader: Actor
) -> None:
    cid = community_worker.home_community_id
    assert cid is not None and community_worker.keeps_community_records and community_worker.keeps_community(cid)
    nid = needs.create_need(session, community_worker, data=needs.NeedInput(cid, 1, "楼道扶手加装"))
    need = session.get(Need, nid)
    assert need is not None and (need.community_id, need.title) == (cid, "楼道扶手加装")
    for actor in (liaison, leader):
        assert not actor.keeps_community_records and not actor.keeps_community(cid)
        _refused(session, lambda a=actor: needs.create_need(session, a, data=needs.NeedInput(cid, 1, "x")))


# --- keeps_unit_records / keeps_unit: a unit's resources -------------------------------------------


def test_keeps_unit_records_allows_the_liaison_and_refuses_a_community_worker(
    session: Session, liaison: Actor, community_worker: Actor
) -> None:
    uid = liaison.home_unit_id
    assert uid is not None and liaison.keeps_unit_records and liaison.keeps_unit(uid)
    rid = resources.create_resource(session, liaison, data=resources.ResourceInput(uid, 1, "会议室周末开放"))
    res = session.get(Resource, rid)
    assert res is not None and (res.unit_id, res.title) == (uid, "会议室周末开放")
    assert not community_worker.keeps_unit_records and not community_worker.keeps_unit(uid)
    _refused(
        session,
        lambda: resources.create_resource(session, community_worker, data=resources.ResourceInput(uid, 1, "x")),
    )


# --- may_claim / home_unit_id: a liaison claims for their own unit ---------------------------------


def test_may_claim_lets_a_liaison_claim_for_their_unit_only(
    session: Session, liaison: Actor, community_worker: Actor, other_unit_id: int
) -> None:
    open_ids = list(
        session.scalars(
            select(Need.id)
            .where(Need.status == NeedStatus.OPEN, Need.claimed_by_unit_id.is_(None), Need.deleted_at.is_(None))
            .order_by(Need.id)
            .limit(2)
        )
    )
    assert len(open_ids) == 2
    assert liaison.may_claim and liaison.home_unit_id == liaison.unit_id
    _refused(session, lambda: needs.claim_need(session, liaison, need_id=open_ids[1], unit_id=other_unit_id))
    assert not community_worker.may_claim and community_worker.home_unit_id is None
    _refused(session, lambda: needs.claim_need(session, community_worker, need_id=open_ids[1]))
    needs.claim_need(session, liaison, need_id=open_ids[0], today=TODAY)
    need = session.get(Need, open_ids[0])
    assert need is not None and need.claimed_by_unit_id == liaison.unit_id


# --- may_manage_meeting: who writes a meeting -------------------------------------------------------


def _meeting(community_id: int | None) -> meetings.MeetingInput:
    return meetings.MeetingInput(
        kind=MeetingKind.QUARTERLY, title="第4季度联席会议", held_on=date(2026, 11, 26), community_id=community_id
    )


def test_may_manage_meeting_allows_a_worker_alliance_wide_and_refuses_elsewhere(
    session: Session, community_worker: Actor, liaison: Actor, other_community_id: int
) -> None:
    assert community_worker.may_manage_meeting(None)
    mid = meetings.create_meeting(session, community_worker, data=_meeting(None))
    m = session.get(Meeting, mid)
    assert m is not None and m.community_id is None and m.title == "第4季度联席会议"
    assert not community_worker.may_manage_meeting(other_community_id)
    _refused(session, lambda: meetings.create_meeting(session, community_worker, data=_meeting(other_community_id)))
    assert not liaison.may_manage_meeting(None)
    _refused(session, lambda: meetings.create_meeting(session, liaison, data=_meeting(None)))


# --- may_close_action: a liaison marks their own unit's item done, never drops it --------------------


def test_may_close_action_lets_a_liaison_mark_their_item_done_only(
    session: Session, admin: Actor, liaison: Actor, other_unit_id: int
) -> None:
    assert liaison.unit_id is not None
    mid = meetings.create_meeting(session, admin, data=_meeting(None))
    mine = meetings.add_action_item(
        session, admin, meeting_id=mid, content="加装扶手", owner_unit_id=liaison.unit_id, due_on=None
    )
    theirs = meetings.add_action_item(
        session, admin, meeting_id=mid, content="清运", owner_unit_id=other_unit_id, due_on=None
    )

    def close(item: int, status: ActionStatus) -> None:
        meetings.close_action_item(session, liaison, item_id=item, status=status, note="已完成", closed_on=TODAY)

    ask = {"meeting_community_id": None}
    assert not liaison.may_close_action(owner_unit_id=liaison.unit_id, status=ActionStatus.DROPPED, **ask)
    _refused(session, lambda: close(mine, ActionStatus.DROPPED))
    assert not liaison.may_close_action(owner_unit_id=other_unit_id, status=ActionStatus.DONE, **ask)
    _refused(session, lambda: close(theirs, ActionStatus.DONE))
    assert liaison.may_close_action(owner_unit_id=liaison.unit_id, status=ActionStatus.DONE, **ask)
    close(mine, ActionStatus.DONE)
    item = session.get(ActionItem, mine)
    assert item is not None and item.status == ActionStatus.DONE and item.closed_on == TODAY
    row = next(r for r in meetings.list_action_items(session, liaison, today=TODAY, status=None) if r.id == mine)
    assert row.meeting_community_id is None and not row.can_close  # closed: nothing left to offer


# --- may_edit_project: the project's community or its lead unit -----------------------------------


def test_may_edit_project_allows_its_community_and_refuses_another(
    session: Session, community_worker: Actor, liaison: Actor, other_community_id: int
) -> None:
    cid = community_worker.community_id
    pid = projects.create_project(session, community_worker, data=projects.ProjectInput("楼道照明改造", cid))
    assert community_worker.may_edit_project(lead_unit_id=None, community_id=cid)
    projects.update_project(
        session, community_worker, project_id=pid, data=projects.ProjectInput("楼道照明改造二期", cid)
    )
    p = session.get(Project, pid)
    assert p is not None and p.title == "楼道照明改造二期"
    for actor in (_worker_of(other_community_id), liaison):
        assert not actor.may_edit_project(lead_unit_id=None, community_id=cid)
        _refused(
            session,
            lambda a=actor: projects.update_project(session, a, project_id=pid, data=projects.ProjectInput("改", cid)),
        )


# --- home_community_id / home_unit_id: the rows an actor keeps ---------------------------------------


def test_home_scope_filters_editable_projects(
    session: Session, admin: Actor, community_worker: Actor, leader: Actor
) -> None:
    cid = community_worker.home_community_id
    assert cid is not None and admin.home_community_id is None and leader.home_unit_id is None
    mine = projects.list_projects(session, community_worker, editable_only=True, limit=500).rows
    assert not mine.empty and set(mine["community_id"]) == {cid}
    everything = projects.list_projects(session, admin, editable_only=True, limit=500).rows
    assert len(everything) > len(mine)
    assert projects.list_projects(session, leader, editable_only=True, limit=500).rows.empty
