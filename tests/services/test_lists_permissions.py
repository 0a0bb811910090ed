"""Who may change which list (product.md), enforced in the services, per role and write path."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Agreement, AuditEntry, Need, Project, Resource
from domain.actor import Actor
from domain.enums import NeedStatus, ProjectStage
from domain.errors import PermissionDenied, ValidationError
from services import agreements, matrix, needs, projects, resources
from tests.attack_files import pdf
from tests.conftest import TODAY


def _need_of(session: Session, community_id: int) -> int:
    return session.scalar(select(Need.id).where(Need.community_id == community_id, Need.deleted_at.is_(None)))


def _resource_of(session: Session, unit_id: int) -> int:
    return session.scalar(select(Resource.id).where(Resource.unit_id == unit_id))


def _need_input(community_id: int, category_id: int = 1, title: str = "小区健身器材维修") -> needs.NeedInput:
    return needs.NeedInput(community_id, category_id, title, "器材生锈松动", "high", "grid", date(2026, 11, 1))


def _audits(session: Session, entity: str) -> int:
    return session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.entity == entity)) or 0


# ---- needs ------------------------------------------------------------------------------------


def test_community_worker_records_a_need_for_own_community(session: Session, community_worker: Actor) -> None:
    before = _audits(session, "need")
    nid = needs.create_need(session, community_worker, data=_need_input(community_worker.community_id))
    assert session.get(Need, nid).title == "小区健身器材维修"
    assert _audits(session, "need") == before + 1


def test_community_worker_cannot_record_a_need_for_another_community(
    session: Session, community_worker: Actor, other_community_id: int
) -> None:
    with pytest.raises(PermissionDenied):
        needs.create_need(session, community_worker, data=_need_input(other_community_id))


def test_community_worker_cannot_edit_or_delete_another_communitys_need(
    session: Session, community_worker: Actor, other_community_id: int
) -> None:
    nid = _need_of(session, other_community_id)
    with pytest.raises(PermissionDenied):
        needs.update_need(session, community_worker, need_id=nid, data=_need_input(other_community_id))
    with pytest.raises(PermissionDenied):
        needs.delete_need(session, community_worker, need_id=nid)


@pytest.mark.parametrize("who", ["liaison", "leader"])
def test_liaison_and_leader_cannot_record_needs(
    session: Session, who: str, request: pytest.FixtureRequest, community_worker: Actor
) -> None:
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        needs.create_need(session, actor, data=_need_input(community_worker.community_id))


def test_admin_edits_and_soft_deletes_any_need(session: Session, admin: Actor, other_community_id: int) -> None:
    nid = _need_of(session, other_community_id)
    needs.update_need(session, admin, need_id=nid, data=_need_input(other_community_id, title="改过的需求"))
    needs.delete_need(session, admin, need_id=nid)
    need = session.get(Need, nid)
    assert need.title == "改过的需求" and need.deleted_at is not None
    assert nid not in set(needs.list_needs(session, limit=200).rows["id"])


@pytest.mark.parametrize(("title", "field"), [("", "lists.fields.need_title"), ("长" * 201, "lists.fields.need_title")])
def test_need_form_names_the_bad_field(session: Session, admin: Actor, title: str, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        needs.create_need(session, admin, data=_need_input(1, title=title))
    assert err.value.field == field


def test_need_with_unknown_priority_is_refused(session: Session, admin: Actor) -> None:
    data = needs.NeedInput(1, 1, "标题", priority="urgent")
    with pytest.raises(ValidationError) as err:
        needs.create_need(session, admin, data=data)
    assert err.value.field == "lists.fields.priority"


def test_liaison_claims_an_open_wish_for_own_unit(session: Session, liaison: Actor) -> None:
    nid = session.scalar(
        select(Need.id).where(
            Need.is_micro_wish.is_(True), Need.status == NeedStatus.OPEN, Need.claimed_by_unit_id.is_(None)
        )
    )
    needs.claim_need(session, liaison, need_id=nid)
    need = session.get(Need, nid)
    assert need.claimed_by_unit_id == liaison.unit_id and need.status == NeedStatus.CLAIMED


def test_liaison_cannot_claim_for_another_unit(session: Session, liaison: Actor, other_unit_id: int) -> None:
    nid = session.scalar(select(Need.id).where(Need.status == NeedStatus.OPEN))
    with pytest.raises(PermissionDenied):
        needs.claim_need(session, liaison, need_id=nid, unit_id=other_unit_id)


@pytest.mark.parametrize("who", ["community_worker", "leader"])
def test_only_units_claim_needs(session: Session, who: str, request: pytest.FixtureRequest) -> None:
    nid = session.scalar(select(Need.id).where(Need.status == NeedStatus.OPEN))
    with pytest.raises(PermissionDenied):
        needs.claim_need(session, request.getfixturevalue(who), need_id=nid)


def test_need_list_filters_on_the_server(session: Session, community_worker: Actor) -> None:
    page = needs.list_needs(session, community_id=community_worker.community_id, limit=5)
    assert page.total > 5 and len(page.rows) == 5
    second = needs.list_needs(session, community_id=community_worker.community_id, limit=5, offset=5)
    assert not set(page.rows["id"]) & set(second.rows["id"])
    assert set(page.rows["community_id"]) == {community_worker.community_id}
    assert needs.list_needs(session, text="收音机").total == 1


# ---- resources --------------------------------------------------------------------------------


def test_liaison_keeps_own_units_resources(session: Session, liaison: Actor) -> None:
    rid = resources.create_resource(
        session, liaison, data=resources.ResourceInput(liaison.unit_id, 1, "应急照明设备", capacity="5")
    )
    resources.update_resource(
        session, liaison, resource_id=rid, data=resources.ResourceInput(liaison.unit_id, 1, "应急照明设备", capacity=8)
    )
    assert session.get(Resource, rid).capacity == 8
    resources.delete_resource(session, liaison, resource_id=rid)
    assert session.get(Resource, rid).deleted_at is not None


def test_liaison_cannot_change_other_units_resource(session: Session, liaison: Actor, other_unit_id: int) -> None:
    rid = _resource_of(session, other_unit_id)
    data = resources.ResourceInput(other_unit_id, 1, "改名")
    with pytest.raises(PermissionDenied):
        resources.update_resource(session, liaison, resource_id=rid, data=data)
    with pytest.raises(PermissionDenied):
        resources.delete_resource(session, liaison, resource_id=rid)
    with pytest.raises(PermissionDenied):
        resources.create_resource(session, liaison, data=data)


def test_liaison_cannot_move_own_resource_to_another_unit(session: Session, liaison: Actor, other_unit_id: int) -> None:
    rid = _resource_of(session, liaison.unit_id)
    with pytest.raises(PermissionDenied):
        resources.update_resource(
            session, liaison, resource_id=rid, data=resources.ResourceInput(other_unit_id, 1, "转走")
        )


@pytest.mark.parametrize("who", ["community_worker", "leader"])
def test_community_worker_and_leader_cannot_keep_resources(
    session: Session, who: str, liaison: Actor, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(PermissionDenied):
        resources.create_resource(
            session, request.getfixturevalue(who), data=resources.ResourceInput(liaison.unit_id, 1, "x")
        )


def test_resource_capacity_must_be_a_number(session: Session, admin: Actor, liaison: Actor) -> None:
    with pytest.raises(ValidationError) as err:
        resources.create_resource(
            session, admin, data=resources.ResourceInput(liaison.unit_id, 1, "x", capacity="很多")
        )
    assert err.value.field == "lists.fields.capacity"


# ---- projects ---------------------------------------------------------------------------------


def _project(session: Session, **where: object) -> Project:
    stmt = select(Project).where(Project.deleted_at.is_(None))
    for key, value in where.items():
        stmt = stmt.where(getattr(Project, key) == value)
    return session.scalars(stmt.order_by(Project.id)).first()


def test_who_may_edit_a_project(
    session: Session, admin: Actor, liaison: Actor, community_worker: Actor, leader: Actor
) -> None:
    led = _project(session, lead_unit_id=liaison.unit_id, stage=ProjectStage.IN_PROGRESS)
    projects.save_progress(session, liaison, changes={led.id: 70})
    projects.save_progress(session, admin, changes={led.id: 75})
    assert session.get(Project, led.id).progress == 75
    with pytest.raises(PermissionDenied):
        projects.save_progress(session, leader, changes={led.id: 80})
    other = session.scalars(
        select(Project).where(
            Project.lead_unit_id != liaison.unit_id, Project.community_id != community_worker.community_id
        )
    ).first()
    with pytest.raises(PermissionDenied):
        projects.save_progress(session, liaison, changes={other.id: 10})
    with pytest.raises(PermissionDenied):
        projects.save_progress(session, community_worker, changes={other.id: 10})


def test_progress_grid_refuses_the_whole_save_for_one_foreign_row(session: Session, liaison: Actor) -> None:
    mine = _project(session, lead_unit_id=liaison.unit_id, stage=ProjectStage.IN_PROGRESS)
    other = session.scalars(select(Project).where(Project.lead_unit_id != liaison.unit_id)).first()
    before = mine.progress
    with pytest.raises(PermissionDenied):
        with session.begin_nested():
            projects.save_progress(session, liaison, changes={mine.id: 99, other.id: 1})
    session.expire_all()
    assert session.get(Project, mine.id).progress == before


def test_progress_out_of_range_names_the_field(session: Session, admin: Actor) -> None:
    p = _project(session, stage=ProjectStage.IN_PROGRESS)
    with pytest.raises(ValidationError) as err:
        projects.save_progress(session, admin, changes={p.id: 120})
    assert err.value.field == "lists.fields.progress"


def test_community_worker_edits_projects_of_own_community_only(
    session: Session, community_worker: Actor, other_community_id: int
) -> None:
    own = _project(session, community_id=community_worker.community_id, stage=ProjectStage.IN_PROGRESS)
    projects.save_progress(session, community_worker, changes={own.id: 66})
    foreign = _project(session, community_id=other_community_id)
    with pytest.raises(PermissionDenied):
        projects.move_project(session, community_worker, project_id=foreign.id, to_stage=ProjectStage.CONSULT)


def test_only_admin_deletes_projects(session: Session, admin: Actor, community_worker: Actor) -> None:
    p = _project(session, community_id=community_worker.community_id)
    with pytest.raises(PermissionDenied):
        projects.delete_project(session, community_worker, project_id=p.id)
    projects.delete_project(session, admin, project_id=p.id)
    assert session.get(Project, p.id).deleted_at is not None


def test_liaison_cannot_open_projects(session: Session, liaison: Actor, community_worker: Actor) -> None:
    with pytest.raises(PermissionDenied):
        projects.create_project(session, liaison, data=projects.ProjectInput("新项目", community_worker.community_id))


def test_liaison_may_not_hand_the_lead_to_another_unit(session: Session, liaison: Actor, other_unit_id: int) -> None:
    p = _project(session, lead_unit_id=liaison.unit_id)
    d = projects.get_project(session, liaison, project_id=p.id, today=TODAY)
    data = projects.ProjectInput(d.title, d.community_id, other_unit_id, need_ids=[i for i, _ in d.needs])
    with pytest.raises(PermissionDenied):
        projects.update_project(session, liaison, project_id=p.id, data=data)


# ---- agreements -------------------------------------------------------------------------------


def _agreement_input(community_id: int, unit_id: int) -> agreements.AgreementInput:
    return agreements.AgreementInput(community_id, unit_id, "2026/1/5", "2026年1月10日", date(2028, 1, 9), "双方约定……")


def test_community_worker_keeps_own_communitys_agreements(
    session: Session, community_worker: Actor, liaison: Actor, other_community_id: int
) -> None:
    aid = agreements.create_agreement(
        session, community_worker, data=_agreement_input(community_worker.community_id, liaison.unit_id)
    )
    assert session.get(Agreement, aid).valid_from == date(2026, 1, 10)
    with pytest.raises(PermissionDenied):
        agreements.create_agreement(
            session, community_worker, data=_agreement_input(other_community_id, liaison.unit_id)
        )


@pytest.mark.parametrize("who", ["liaison", "leader"])
def test_liaison_and_leader_cannot_record_agreements(
    session: Session, who: str, community_worker: Actor, liaison: Actor, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(PermissionDenied):
        agreements.create_agreement(
            session, request.getfixturevalue(who), data=_agreement_input(community_worker.community_id, liaison.unit_id)
        )


def test_agreement_ending_before_it_starts_is_refused(session: Session, admin: Actor, liaison: Actor) -> None:
    data = agreements.AgreementInput(1, liaison.unit_id, None, date(2027, 1, 1), date(2026, 1, 1), "内容")
    with pytest.raises(ValidationError) as err:
        agreements.create_agreement(session, admin, data=data)
    assert err.value.field == "lists.fields.valid_to"


def test_agreement_flags_follow_the_model(session: Session) -> None:
    expiring = agreements.list_agreements(session, today=TODAY, flag="expiring").rows
    lapsed = agreements.list_agreements(session, today=TODAY, flag="lapsed").rows
    assert len(expiring) >= 1 and expiring["expiring"].all()
    assert len(lapsed) >= 1 and lapsed["lapsed"].all()


def test_agreement_scan_is_checked_by_content(session: Session, admin: Actor) -> None:
    aid = session.scalar(select(Agreement.id))
    with pytest.raises(ValidationError):
        agreements.attach_scan(session, admin, agreement_id=aid, filename="scan.pdf", data=b"MZ not a pdf")
    agreements.attach_scan(session, admin, agreement_id=aid, filename="scan.pdf", data=pdf())
    _name, mime, data = agreements.scan_of(session, agreement_id=aid)
    assert mime == "application/pdf" and data.startswith(b"%PDF")


# ---- match acceptance -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["community_worker", "liaison", "leader"])
def test_only_admin_accepts_a_match(session: Session, who: str, request: pytest.FixtureRequest) -> None:
    item = next(i for i in matrix.suggest_matches(session, needs_limit=50) if i.suggestions)
    with pytest.raises(PermissionDenied):
        matrix.accept_match(
            session, request.getfixturevalue(who), need_id=item.need_id, resource_id=item.suggestions[0].resource_id
        )
