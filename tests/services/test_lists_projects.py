"""Projects along the path with their history, the open pool, the matrix and accepting a match."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Need, Project, ProjectStageChange
from domain.actor import Actor
from domain.enums import NeedStatus, ProjectStage
from domain.errors import Conflict, PermissionDenied, ValidationError
from services import matrix, needs, projects
from tests.conftest import TODAY


def _history(session: Session, project_id: int) -> list[ProjectStageChange]:
    return list(
        session.scalars(
            select(ProjectStageChange)
            .where(ProjectStageChange.project_id == project_id)
            .order_by(ProjectStageChange.id)
        )
    )


def test_project_walks_the_whole_path_with_a_history_row_per_step(
    session: Session, admin: Actor, community_worker: Actor
) -> None:
    pid = projects.create_project(
        session,
        community_worker,
        data=projects.ProjectInput("楼道照明改造", community_worker.community_id),
        stage=ProjectStage.COLLECT,
        note="居民提议",
    )
    for target in list(ProjectStage)[1:-1]:
        projects.move_project(session, admin, project_id=pid, to_stage=target, note=f"到{target.value}")
    projects.move_project(session, admin, project_id=pid, to_stage=ProjectStage.EVALUATED, satisfaction="92")
    rows = _history(session, pid)
    assert [r.to_stage for r in rows] == list(ProjectStage)
    assert [r.from_stage for r in rows] == [None, *list(ProjectStage)[:-1]]
    assert rows[0].user_id == community_worker.user_id and rows[1].user_id == admin.user_id
    assert all(r.at is not None for r in rows)
    project = session.get(Project, pid)
    assert project.satisfaction == 92 and project.progress == 100


def test_evaluated_without_satisfaction_is_refused_and_writes_nothing(session: Session, admin: Actor) -> None:
    p = session.scalars(select(Project).where(Project.stage == ProjectStage.DONE)).first()
    before = len(_history(session, p.id))
    with pytest.raises(ValidationError) as err:
        projects.move_project(session, admin, project_id=p.id, to_stage=ProjectStage.EVALUATED)
    assert err.value.field == "lists.fields.satisfaction"
    assert len(_history(session, p.id)) == before and session.get(Project, p.id).stage == ProjectStage.DONE


def test_skipping_a_stage_is_refused(session: Session, admin: Actor) -> None:
    p = session.scalars(select(Project).where(Project.stage == ProjectStage.TOPIC)).first()
    with pytest.raises(ValidationError):
        projects.move_project(session, admin, project_id=p.id, to_stage=ProjectStage.IN_PROGRESS)


def test_lead_units_liaison_moves_the_project_back_one_step(session: Session, liaison: Actor) -> None:
    p = session.scalars(
        select(Project).where(Project.lead_unit_id == liaison.unit_id, Project.stage == ProjectStage.IN_PROGRESS)
    ).first()
    projects.move_project(session, liaison, project_id=p.id, to_stage=ProjectStage.DECIDED, note="方案调整")
    last = _history(session, p.id)[-1]
    assert (last.from_stage, last.to_stage, last.note) == (ProjectStage.IN_PROGRESS, ProjectStage.DECIDED, "方案调整")


def test_leader_cannot_move_a_project(session: Session, leader: Actor) -> None:
    p = session.scalars(select(Project)).first()
    with pytest.raises(PermissionDenied):
        projects.move_project(session, leader, project_id=p.id, to_stage=ProjectStage.CONSULT)


# ---- the open pool ----------------------------------------------------------------------------


def test_unclaimed_project_past_deadline_is_in_the_pool(session: Session, admin: Actor) -> None:
    pool = projects.list_projects(session, admin, open_pool_on=TODAY).rows
    assert list(pool["title"]) == ["社区调解室专业化建设"]
    wishes = needs.list_needs(session, open_pool_on=TODAY).rows
    assert set(wishes["title"]) == {"陈大爷的轮椅需要修理", "李伯伯希望有人读报"}


def test_any_liaison_claims_a_pool_project_alone(session: Session, liaison: Actor) -> None:
    pid = int(projects.list_projects(session, liaison, open_pool_on=TODAY).rows["id"][0])
    projects.claim_project(session, liaison, project_id=pid, today=TODAY)
    assert session.get(Project, pid).lead_unit_id == liaison.unit_id
    assert projects.list_projects(session, liaison, open_pool_on=TODAY).total == 0
    with pytest.raises(Conflict):
        projects.claim_project(session, liaison, project_id=pid, today=TODAY)


def test_liaison_joins_a_pool_project(session: Session, liaison: Actor) -> None:
    pid = int(projects.list_projects(session, liaison, open_pool_on=TODAY).rows["id"][0])
    projects.claim_project(session, liaison, project_id=pid, today=TODAY, join=True)
    project = session.get(Project, pid)
    assert project.lead_unit_id is None and liaison.unit_id in {u.id for u in project.participants}


def test_project_before_its_deadline_cannot_be_claimed_from_the_pool(session: Session, liaison: Actor) -> None:
    p = session.scalars(select(Project).where(Project.lead_unit_id.is_not(None))).first()
    with pytest.raises(Conflict):
        projects.claim_project(session, liaison, project_id=p.id, today=TODAY)


@pytest.mark.parametrize("who", ["community_worker", "leader"])
def test_only_units_claim_from_the_pool(session: Session, who: str, request: pytest.FixtureRequest) -> None:
    pid = int(projects.list_projects(session, request.getfixturevalue("admin"), open_pool_on=TODAY).rows["id"][0])
    with pytest.raises(PermissionDenied):
        projects.claim_project(session, request.getfixturevalue(who), project_id=pid, today=TODAY)


def test_liaison_claims_a_wish_from_the_pool(session: Session, liaison: Actor) -> None:
    nid = int(needs.list_needs(session, open_pool_on=TODAY).rows["id"][0])
    needs.claim_need(session, liaison, need_id=nid)
    assert session.get(Need, nid).claimed_by_unit_id == liaison.unit_id


# ---- matrix and matches -----------------------------------------------------------------------


def test_matrix_counts_projects_per_category_and_unit(session: Session) -> None:
    m = matrix.matrix(session)
    assert set(m.row_totals["row"]) >= {"为老助残", "民生保障"}
    elder = m.cells[(m.cells["row"] == "为老助残") & (m.cells["unit"] == "安居物业服务有限公司")]
    assert int(elder["projects"].sum()) == 1
    assert m.uncovered_needs == int(m.row_totals["uncovered"].sum()) > 0
    assert m.idle_resources > 0
    drill = matrix.matrix(
        session, category_id=int(session.scalar(select(Need.category_id).where(Need.title == "独居老人午餐配送")))
    )
    assert "独居老人午餐配送" in set(drill.cells["row"])


def test_accepting_a_match_opens_a_decided_project(session: Session, admin: Actor) -> None:
    item = next(i for i in matrix.suggest_matches(session, needs_limit=50) if i.suggestions)
    best = item.suggestions[0]
    assert best.score == sum(p.points for p in best.parts) and {p.code for p in best.parts} == {
        "category",
        "text",
        "capacity",
        "paired",
    }
    pid = matrix.accept_match(session, admin, need_id=item.need_id, resource_id=best.resource_id)
    project = session.get(Project, pid)
    assert project.stage == ProjectStage.DECIDED and project.lead_unit_id == best.unit_id
    assert [n.id for n in project.needs] == [item.need_id]
    assert [r.id for r in project.resources] == [best.resource_id]
    assert session.get(Need, item.need_id).status == NeedStatus.PROJECT
    assert [(h.from_stage, h.to_stage) for h in _history(session, pid)] == [(None, ProjectStage.DECIDED)]
    assert item.need_id not in {s.need_id for s in matrix.suggest_matches(session, needs_limit=50)}


def test_accepting_a_match_reviews_a_draft_first_and_takes_the_reviewed_fields(
    session: Session, admin: Actor, community_worker: Actor
) -> None:
    """Issue 20, item 7: 采纳立项 shows the pre-filled project before it is created."""
    item = next(i for i in matrix.suggest_matches(session, needs_limit=50) if i.suggestions)
    best = item.suggestions[0]
    projects_before = session.scalar(select(func.count(Project.id)))
    draft = matrix.match_draft(session, admin, need_id=item.need_id, resource_id=best.resource_id)
    assert session.scalar(select(func.count(Project.id))) == projects_before  # nothing written
    assert session.get(Need, item.need_id).status != NeedStatus.PROJECT
    assert (draft.data.title, draft.need, draft.resource, draft.lead_unit, draft.community) == (
        item.need,
        item.need,
        best.resource,
        best.unit,
        item.community,
    )
    assert draft.data.lead_unit_id == best.unit_id and list(draft.data.need_ids) == [item.need_id]
    with pytest.raises(PermissionDenied):
        matrix.match_draft(session, community_worker, need_id=item.need_id, resource_id=best.resource_id)
    pid = matrix.accept_match(
        session,
        admin,
        need_id=item.need_id,
        resource_id=best.resource_id,
        title="核对后改过的项目名称",
        description="核对时补充的说明",
        started_on=date(2026, 12, 1),
    )
    project = session.get(Project, pid)
    assert (project.title, project.description, project.started_on) == (
        "核对后改过的项目名称",
        "核对时补充的说明",
        date(2026, 12, 1),
    )
    with pytest.raises(ValidationError):  # a reviewed title is still checked
        other = next(
            i for i in matrix.suggest_matches(session, needs_limit=50) if i.suggestions and i.need_id != item.need_id
        )
        matrix.accept_match(
            session, admin, need_id=other.need_id, resource_id=other.suggestions[0].resource_id, title=" "
        )


def test_suggestions_skip_paused_resources(session: Session) -> None:
    paused = {"爱心平价菜摊位", "家庭矛盾调解社工"}
    for item in matrix.suggest_matches(session, needs_limit=50):
        assert not paused & {s.resource for s in item.suggestions}


def test_audit_row_for_every_project_write(session: Session, admin: Actor) -> None:
    from db.models import AuditEntry

    count = lambda: session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.entity == "project"))  # noqa: E731
    p = session.scalars(select(Project).where(Project.stage == ProjectStage.IN_PROGRESS)).first()
    before = count()
    projects.save_progress(session, admin, changes={p.id: (p.progress + 5) % 100})
    projects.move_project(session, admin, project_id=p.id, to_stage=ProjectStage.DONE)
    assert count() == before + 2
