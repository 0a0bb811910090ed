"""最近删除 (issue 20, item 1): a deleted need, 微心愿, resource or project can be brought back by
whoever may delete it, as they may delete it; the restore is audit logged and the row counts again."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEntry, Need, Project, Resource, utcnow
from domain.actor import Actor
from domain.enums import AuditAction
from domain.errors import PermissionDenied, ValidationError
from services import lists_trash, needs, projects, resources


def _need_of(session: Session, community_id: int, *, wish: bool | None = None) -> Need:
    stmt = select(Need).where(Need.community_id == community_id, Need.deleted_at.is_(None))
    if wish is not None:
        stmt = stmt.where(Need.is_micro_wish.is_(wish))
    return session.scalars(stmt.order_by(Need.id)).first()


def _listed(session: Session, actor: Actor, need_id: int) -> bool:
    return need_id in set(needs.list_needs(session, limit=200).rows["id"])


def _audits(session: Session, entity: str, row_id: int) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == entity, AuditEntry.entity_id == row_id)
            .order_by(AuditEntry.id)
        )
    )


def test_a_community_worker_deletes_and_restores_their_need(session: Session, community_worker: Actor) -> None:
    need = _need_of(session, community_worker.community_id)
    needs.delete_need(session, community_worker, need_id=need.id)
    assert not _listed(session, community_worker, need.id)
    recent = lists_trash.recently_deleted(session, community_worker, kind="need")
    assert [r.id for r in recent] == [need.id] and recent[0].title == need.title
    title = lists_trash.restore(session, community_worker, kind="need", row_id=need.id)
    assert title == need.title and need.deleted_at is None
    assert _listed(session, community_worker, need.id)
    assert lists_trash.recently_deleted(session, community_worker, kind="need") == []
    last = _audits(session, "need", need.id)[-2:]
    assert [a.action for a in last] == [AuditAction.DELETE, AuditAction.UPDATE]
    assert json.loads(last[1].before)["deleted_at"] and json.loads(last[1].after)["deleted_at"] is None


def test_a_micro_wish_comes_back_marked_as_one(session: Session, admin: Actor) -> None:
    wish = session.scalars(select(Need).where(Need.is_micro_wish.is_(True), Need.deleted_at.is_(None))).first()
    needs.delete_need(session, admin, need_id=wish.id)
    (row,) = [r for r in lists_trash.recently_deleted(session, admin, kind="need") if r.id == wish.id]
    assert row.micro_wish
    lists_trash.restore(session, admin, kind="need", row_id=wish.id)
    assert session.get(Need, wish.id).deleted_at is None


def test_restoring_follows_the_delete_permission(
    session: Session, admin: Actor, community_worker: Actor, liaison: Actor, leader: Actor, other_community_id: int
) -> None:
    other = _need_of(session, other_community_id)
    needs.delete_need(session, admin, need_id=other.id)
    # another community's need: neither listed nor restorable by this community's worker
    assert other.id not in [r.id for r in lists_trash.recently_deleted(session, community_worker, kind="need")]
    for actor in (community_worker, liaison, leader):
        with pytest.raises(PermissionDenied):
            lists_trash.restore(session, actor, kind="need", row_id=other.id)
    assert session.get(Need, other.id).deleted_at is not None
    lists_trash.restore(session, admin, kind="need", row_id=other.id)
    with pytest.raises(ValidationError) as err:  # not deleted any more
        lists_trash.restore(session, admin, kind="need", row_id=other.id)
    assert err.value.code == "lists.errors.not_deleted"


def test_a_liaison_restores_their_units_resource_only(
    session: Session, liaison: Actor, other_unit_id: int, admin: Actor
) -> None:
    own = session.scalars(
        select(Resource).where(Resource.unit_id == liaison.unit_id, Resource.deleted_at.is_(None))
    ).first()
    theirs = session.scalars(
        select(Resource).where(Resource.unit_id == other_unit_id, Resource.deleted_at.is_(None))
    ).first()
    resources.delete_resource(session, liaison, resource_id=own.id)
    resources.delete_resource(session, admin, resource_id=theirs.id)
    assert [r.id for r in lists_trash.recently_deleted(session, liaison, kind="resource")] == [own.id]
    with pytest.raises(PermissionDenied):
        lists_trash.restore(session, liaison, kind="resource", row_id=theirs.id)
    lists_trash.restore(session, liaison, kind="resource", row_id=own.id)
    assert session.get(Resource, own.id).deleted_at is None


def test_only_the_admin_restores_a_project(session: Session, admin: Actor, community_worker: Actor) -> None:
    project = session.scalars(
        select(Project).where(Project.community_id == community_worker.community_id, Project.deleted_at.is_(None))
    ).first()
    projects.delete_project(session, admin, project_id=project.id)
    assert lists_trash.recently_deleted(session, community_worker, kind="project") == []
    with pytest.raises(PermissionDenied):
        lists_trash.restore(session, community_worker, kind="project", row_id=project.id)
    lists_trash.restore(session, admin, kind="project", row_id=project.id)
    assert project.id in set(projects.list_projects(session, admin, limit=200).rows["id"])


def test_older_deletions_are_no_longer_offered(session: Session, admin: Actor) -> None:
    need = _need_of(session, admin.community_id or 1)
    needs.delete_need(session, admin, need_id=need.id)
    later = utcnow() + timedelta(days=lists_trash.RECENT_DAYS + 1)
    assert need.id not in [r.id for r in lists_trash.recently_deleted(session, admin, kind="need", now=later)]


# ---- item 2: a need is never saved without its 提出日期 -------------------------------------


def test_a_new_need_without_a_date_is_raised_today_and_an_edit_keeps_its_date(
    session: Session, community_worker: Actor
) -> None:
    cid = community_worker.community_id
    nid = needs.create_need(session, community_worker, data=needs.NeedInput(cid, 1, "楼道灯不亮"))
    need = session.get(Need, nid)
    assert need.raised_on is not None and abs((need.raised_on - date.today()).days) <= 1
    need.raised_on = date(2026, 3, 5)
    needs.update_need(session, community_worker, need_id=nid, data=needs.NeedInput(cid, 1, "楼道灯还是不亮"))
    assert session.get(Need, nid).raised_on == date(2026, 3, 5)


def test_the_claim_period_is_stated() -> None:
    assert needs.CLAIM_PERIOD_DAYS == 30
    assert needs.default_claim_deadline(date(2026, 12, 3)) == date(2027, 1, 2)


def test_an_agreement_is_restored_by_its_communitys_worker(
    session: Session, community_worker: Actor, admin: Actor, other_community_id: int
) -> None:
    from db.models import Agreement
    from services import agreements

    own = session.scalars(
        select(Agreement).where(Agreement.community_id == community_worker.community_id, Agreement.deleted_at.is_(None))
    ).first()
    agreements.delete_agreement(session, community_worker, agreement_id=own.id)
    (row,) = lists_trash.recently_deleted(session, community_worker, kind="agreement")
    assert row.id == own.id and " · " in row.title  # named by its community and unit
    assert lists_trash.restore(session, community_worker, kind="agreement", row_id=own.id) == row.title
    assert session.get(Agreement, own.id).deleted_at is None
    theirs = session.scalars(
        select(Agreement).where(Agreement.community_id == other_community_id, Agreement.deleted_at.is_(None))
    ).first()
    if theirs is not None:
        agreements.delete_agreement(session, admin, agreement_id=theirs.id)
        with pytest.raises(PermissionDenied):
            lists_trash.restore(session, community_worker, kind="agreement", row_id=theirs.id)
