"""共建项目清单: projects along the consultation path, their progress, milestones and claims."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import and_, case, exists, or_, select
from sqlalchemy.orm import Session, aliased

from db.areas import areas
from db.models import (
    Community,
    Milestone,
    Need,
    Project,
    ProjectStageChange,
    Resource,
    Unit,
    User,
    project_unit,
    utcnow,
)
from domain.actor import Actor
from domain.enums import AuditAction, NeedStatus, ProjectStage
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from domain.project_path import FINISHED, check_move, check_progress, progress_for, project_in_open_pool
from services import scope, validate
from services.audit import record, record_change, snapshot
from services.lists import (
    Page,
    acting_unit,
    check_community,
    check_unit,
    check_units,
    get_live,
    page_of,
    require_community_keeper,
    require_writer,
    sort_columns,
)
from services.live import is_live, live

# the data areas its reads depend on (db/areas.py): a cached read's key holds their versions
READS = areas("lists", "org")

COLUMNS = [
    "id",
    "title",
    "community",
    "lead_unit",
    "stage",
    "progress",
    "claim_deadline",
    "started_on",
    "ended_on",
    "beneficiaries",
    "satisfaction",
    "community_id",
    "lead_unit_id",
]


@dataclass(frozen=True)
class ProjectInput:
    """A project as the form edits it (the stage moves separately, with its history)."""

    title: str
    community_id: int | None
    lead_unit_id: int | None = None
    participant_ids: Sequence[int] = ()
    need_ids: Sequence[int] = ()
    resource_ids: Sequence[int] = ()
    description: str = ""
    claim_deadline: date | None = None
    started_on: date | None = None
    ended_on: date | None = None
    beneficiaries: int | str | None = 0
    budget_yuan: float | str | None = 0


@dataclass(frozen=True)
class ProjectDetail:
    id: int
    title: str
    description: str
    community_id: int
    community: str
    lead_unit_id: int | None
    lead_unit: str
    stage: ProjectStage
    progress: int
    claim_deadline: date | None
    started_on: date | None
    ended_on: date | None
    beneficiaries: int
    budget_yuan: float
    satisfaction: int | None
    participants: list[tuple[int, str]]
    needs: list[tuple[int, str]]
    resources: list[tuple[int, str]]
    milestones: pd.DataFrame
    history: pd.DataFrame
    editable: bool = False
    claimable: bool = False
    extra: dict[str, object] = field(default_factory=dict)


def _units_of_project():  # type: ignore[no-untyped-def]
    """(project, unit) for the lead unit and every participating unit."""
    lead = select(Project.id.label("project_id"), Project.lead_unit_id.label("unit_id")).where(
        Project.lead_unit_id.is_not(None)
    )
    part = select(project_unit.c.project_id, project_unit.c.unit_id)
    return lead.union(part).subquery()


def list_projects(
    session: Session,
    actor: Actor,
    *,
    community_id: int | None = None,
    stage: ProjectStage | None = None,
    unit_id: int | None = None,
    text: str = "",
    open_pool_on: date | None = None,
    editable_only: bool = False,
    sort: str = "stage",
    descending: bool = False,
    offset: int = 0,
    limit: int = 20,
) -> Page:
    """Projects matching the filters, one page; ``unit_id`` = led or joined by that unit;
    ``open_pool_on`` = unclaimed past their deadline on that day (领办大厅); ``editable_only`` = those
    the actor may edit."""
    lead = aliased(Unit)
    stmt = (
        select(
            Project.id,
            Project.title,
            Community.name,
            lead.name,
            Project.stage,
            Project.progress,
            Project.claim_deadline,
            Project.started_on,
            Project.ended_on,
            Project.beneficiaries,
            Project.satisfaction,
            Project.community_id,
            Project.lead_unit_id,
        )
        .join(Community, Community.id == Project.community_id)
        .outerjoin(lead, lead.id == Project.lead_unit_id)
        .where(*live(Project))
    )
    if community_id is not None:
        stmt = stmt.where(Project.community_id == community_id)
    if stage is not None:
        stmt = stmt.where(Project.stage == stage)
    if unit_id is not None:
        joined = exists().where(project_unit.c.project_id == Project.id, project_unit.c.unit_id == unit_id)
        stmt = stmt.where(or_(Project.lead_unit_id == unit_id, joined))
    if text.strip():
        needle = text.strip()
        stmt = stmt.where(
            or_(Project.title.contains(needle, autoescape=True), Project.description.contains(needle, autoescape=True))
        )
    if open_pool_on is not None:
        stmt = stmt.where(
            and_(Project.lead_unit_id.is_(None), Project.claim_deadline < open_pool_on, Project.stage.not_in(FINISHED))
        )
    if editable_only and not actor.is_admin:
        if actor.home_unit_id is not None:
            stmt = stmt.where(Project.lead_unit_id == actor.home_unit_id)
        elif actor.home_community_id is not None:
            stmt = stmt.where(Project.community_id == actor.home_community_id)
        else:
            stmt = stmt.where(Project.id.is_(None))
    sorts = {
        "stage": Project.stage,
        "title": Project.title,
        "community": Community.name,
        "progress": Project.progress,
        "started_on": Project.started_on,
        "claim_deadline": Project.claim_deadline,
    }
    if sort == "stage":  # the path's order, not the codes' alphabetical order
        order_col = case({s: i for i, s in enumerate(ProjectStage)}, value=Project.stage)
        order = [order_col.desc() if descending else order_col.asc(), Project.id.asc()]
    else:
        order = sort_columns(sort, descending, sorts, "title", Project.id)
    page = page_of(session, stmt, COLUMNS, order_by=order, offset=offset, limit=limit)
    page.rows["participants"] = _participant_names(session, [int(i) for i in page.rows["id"]])
    return page


def _participant_names(session: Session, project_ids: list[int]) -> list[str]:
    if not project_ids:
        return []
    rows = session.execute(
        select(project_unit.c.project_id, Unit.name)
        .join(Unit, Unit.id == project_unit.c.unit_id)
        .where(project_unit.c.project_id.in_(project_ids))
    ).all()
    names: dict[int, list[str]] = {}
    for pid, name in rows:
        names.setdefault(pid, []).append(name)
    return ["、".join(sorted(names.get(pid, []))) for pid in project_ids]


def get_project(session: Session, actor: Actor, *, project_id: int, today: date) -> ProjectDetail:
    """A project with its links, milestones and stage history."""
    p = get_live(session, Project, project_id)
    community = session.get(Community, p.community_id)
    lead = session.get(Unit, p.lead_unit_id) if p.lead_unit_id else None
    ms = pd.DataFrame(
        [(m.id, m.due_on, m.title, m.description, m.done) for m in p.milestones],
        columns=["id", "due_on", "title", "description", "done"],
    )
    hist_rows = session.execute(
        select(
            ProjectStageChange.at,
            User.display_name,
            ProjectStageChange.from_stage,
            ProjectStageChange.to_stage,
            ProjectStageChange.note,
        )
        .outerjoin(User, User.id == ProjectStageChange.user_id)
        .where(ProjectStageChange.project_id == p.id)
        .order_by(ProjectStageChange.at.desc(), ProjectStageChange.id.desc())
    ).all()
    history = pd.DataFrame([tuple(r) for r in hist_rows], columns=["at", "user", "from_stage", "to_stage", "note"])
    return ProjectDetail(
        id=p.id,
        title=p.title,
        description=p.description,
        community_id=p.community_id,
        community=community.name if community else "",
        lead_unit_id=p.lead_unit_id,
        lead_unit=lead.name if lead else "",
        stage=p.stage,
        progress=p.progress,
        claim_deadline=p.claim_deadline,
        started_on=p.started_on,
        ended_on=p.ended_on,
        beneficiaries=p.beneficiaries,
        budget_yuan=p.budget_fen / 100,
        satisfaction=p.satisfaction,
        participants=sorted((u.id, u.name) for u in p.participants),
        needs=[(n.id, n.title) for n in p.needs if is_live(n)],
        resources=[(r.id, r.title) for r in p.resources if is_live(r)],
        milestones=ms,
        history=history,
        editable=actor.may_edit_project(lead_unit_id=p.lead_unit_id, community_id=p.community_id),
        claimable=actor.may_claim
        and project_in_open_pool(
            lead_unit_id=p.lead_unit_id, claim_deadline=p.claim_deadline, stage=p.stage, today=today
        ),
    )


def _load_links(
    session: Session, data: ProjectInput, community_id: int
) -> tuple[list[Unit], list[Need], list[Resource]]:
    unit_ids = check_units(session, data.participant_ids, "lists.fields.participants")
    needs = [session.get(Need, i) for i in {int(n) for n in data.need_ids}]
    if any(not is_live(n) or n.community_id != community_id for n in needs):
        raise ValidationError("lists.fields.needs", "lists.errors.need_other_community")
    resources = [session.get(Resource, i) for i in {int(r) for r in data.resource_ids}]
    if any(not is_live(r) for r in resources):
        raise ValidationError("lists.fields.resources", "error.unknown_choice", value="")
    units = [session.get(Unit, u) for u in unit_ids]
    return [u for u in units if u], [n for n in needs if n], [r for r in resources if r]


def _require_links_in_scope(session: Session, actor: Actor, units: list[Unit], resources: list[Resource]) -> None:
    """The units and resources a project links are ones the actor sees (its needs share its community)."""
    scope.require_read(
        actor,
        *(scope.unit_place(session, u.id) for u in units),
        *(scope.unit_place(session, r.unit_id) for r in resources),
    )


def _clean(session: Session, data: ProjectInput) -> dict[str, object]:
    started = validate.parse_date("lists.fields.started_on", data.started_on)
    ended = validate.parse_date("lists.fields.ended_on", data.ended_on)
    if started and ended and ended < started:
        raise ValidationError("lists.fields.ended_on", "lists.errors.end_before_start")
    budget = validate.number("lists.fields.budget", data.budget_yuan, min_value=0, max_value=1e9, default=0.0)
    return {
        "title": validate.text("lists.fields.project_title", data.title, required=True, max_len=200),
        "community_id": check_community(session, data.community_id),
        "lead_unit_id": check_unit(session, data.lead_unit_id, "lists.fields.lead_unit")
        if data.lead_unit_id is not None
        else None,
        "description": validate.text("lists.fields.description", data.description, max_len=4000),
        "claim_deadline": validate.parse_date("lists.fields.claim_deadline", data.claim_deadline),
        "started_on": started,
        "ended_on": ended,
        "beneficiaries": validate.integer(
            "lists.fields.beneficiaries", data.beneficiaries, min_value=0, max_value=10_000_000, default=0
        ),
        "budget_fen": round((budget or 0.0) * 100),
    }


def _stage_row(
    session: Session, actor: Actor, project: Project, frm: ProjectStage | None, to: ProjectStage, note: str
) -> None:
    session.add(
        ProjectStageChange(
            project_id=project.id, user_id=actor.user_id, at=utcnow(), from_stage=frm, to_stage=to, note=note
        )
    )


def create_project(
    session: Session, actor: Actor, *, data: ProjectInput, stage: ProjectStage = ProjectStage.TOPIC, note: str = ""
) -> int:
    """Open a project in a community (its community worker, or the admin), with its first history row."""
    require_writer(actor)
    require_community_keeper(session, actor, data.community_id)
    values = _clean(session, data)
    units, needs, resources = _load_links(session, data, int(values["community_id"]))  # type: ignore[call-overload]
    _require_links_in_scope(session, actor, units, resources)
    project = Project(**values, stage=stage, progress=progress_for(stage, 0))
    project.participants = units
    project.needs = needs
    project.resources = resources
    session.add(project)
    session.flush()
    _stage_row(session, actor, project, None, stage, note)
    for need in needs:
        if need.status in (NeedStatus.OPEN, NeedStatus.CLAIMED):
            need.status = NeedStatus.PROJECT
    record_change(session, actor, project, None, entity="project")
    return project.id


def _editable(session: Session, actor: Actor, project_id: int) -> Project:
    require_writer(actor)
    # the row lock keeps concurrent savers of one project in line on PostgreSQL
    project = session.get(Project, project_id, with_for_update=True)
    if not is_live(project):
        raise NotFound()
    if not actor.may_edit_project(lead_unit_id=project.lead_unit_id, community_id=project.community_id):
        raise PermissionDenied()
    return project


def update_project(session: Session, actor: Actor, *, project_id: int, data: ProjectInput) -> None:
    """Change a project's facts and links (admin, lead unit's liaison, the community's worker).
    Only the admin moves a project to another community or changes its lead unit."""
    project = _editable(session, actor, project_id)
    values = _clean(session, data)
    target = scope.community_place(session, values["community_id"])  # type: ignore[arg-type]
    if not actor.may_administer(target) and (
        values["community_id"] != project.community_id or values["lead_unit_id"] != project.lead_unit_id
    ):
        raise PermissionDenied()
    units, needs, resources = _load_links(session, data, int(values["community_id"]))  # type: ignore[call-overload]
    _require_links_in_scope(session, actor, units, resources)
    before = snapshot(project)
    for key, value in values.items():
        setattr(project, key, value)
    project.participants = units
    project.needs = needs
    project.resources = resources
    record_change(session, actor, project, before, entity="project")


def move_project(
    session: Session,
    actor: Actor,
    *,
    project_id: int,
    to_stage: ProjectStage | str,
    note: str = "",
    satisfaction: int | str | None = None,
) -> None:
    """Move a project one step along the path, leaving a history row (who, when, from, to, note)."""
    project = _editable(session, actor, project_id)
    target = validate.choice("lists.fields.stage", to_stage, ProjectStage)
    score = validate.integer("lists.fields.satisfaction", satisfaction, min_value=0, max_value=100, default=None)
    check_move(project.stage, target, satisfaction=score)
    note = validate.text("lists.fields.note", note, max_len=500)
    before = snapshot(project)
    frm = project.stage
    project.stage = target
    project.progress = progress_for(target, project.progress)
    if target == ProjectStage.EVALUATED:
        project.satisfaction = score
    _stage_row(session, actor, project, frm, target, note)
    record_change(session, actor, project, before, entity="project")


def save_progress(session: Session, actor: Actor, *, changes: Mapping[int, int | float | str | None]) -> int:
    """Save the progress (%) of many projects in one action; every row is checked (within its stage's
    bound, ``domain.project_path``), and one row that does not fit or that the actor may not edit refuses
    the whole save. Returns how many projects changed."""
    require_writer(actor)
    changed = 0
    for project_id, value in changes.items():
        project = _editable(session, actor, int(project_id))
        progress = validate.integer("lists.fields.progress", value, required=True, min_value=0, max_value=100)
        if progress == project.progress:
            continue
        check_progress(project.stage, int(progress), title=project.title)  # type: ignore[arg-type]
        before = snapshot(project)
        project.progress = int(progress)  # type: ignore[arg-type]
        record_change(session, actor, project, before, entity="project")
        changed += 1
    return changed


def add_milestone(
    session: Session, actor: Actor, *, project_id: int, due_on: date | str | None, title: str, description: str = ""
) -> int:
    project = _editable(session, actor, project_id)
    milestone = Milestone(
        project_id=project.id,
        due_on=validate.parse_date("lists.fields.milestone_date", due_on, required=True),
        title=validate.text("lists.fields.milestone_title", title, required=True, max_len=200),
        description=validate.text("lists.fields.description", description, max_len=2000),
    )
    session.add(milestone)
    record_change(session, actor, milestone, None, entity="milestone")
    return milestone.id


def set_milestone_done(session: Session, actor: Actor, *, milestone_id: int, done: bool) -> None:
    milestone = session.get(Milestone, milestone_id)
    if milestone is None:
        raise NotFound()
    _editable(session, actor, milestone.project_id)
    before = snapshot(milestone)
    milestone.done = bool(done)
    record_change(session, actor, milestone, before, entity="milestone")


def claim_project(
    session: Session, actor: Actor, *, project_id: int, today: date, join: bool = False, unit_id: int | None = None
) -> None:
    """A unit claims a project from the open pool (领办大厅): alone, becoming its lead unit, or
    joining it as a participating unit."""
    require_writer(actor)
    uid = acting_unit(session, actor, unit_id)
    project = get_live(session, Project, project_id)
    scope.require_read(actor, scope.community_place(session, project.community_id))
    if not project_in_open_pool(
        lead_unit_id=project.lead_unit_id, claim_deadline=project.claim_deadline, stage=project.stage, today=today
    ):
        raise Conflict("lists.errors.not_in_pool")
    before = snapshot(project)
    unit = session.get(Unit, uid)
    if join:
        if unit not in project.participants:
            project.participants.append(unit)
    else:
        project.lead_unit_id = uid
        if unit in project.participants:
            project.participants.remove(unit)
    record_change(session, actor, project, before, entity="project")
    record(session, actor, AuditAction.UPDATE, "project_claim", project.id, after={"unit_id": uid, "join": join})


def delete_project(session: Session, actor: Actor, *, project_id: int) -> None:
    """Soft-delete a project (the admin only)."""
    require_writer(actor)
    scope.require_administer(actor)
    project = get_live(session, Project, project_id)
    scope.require_administer(actor, scope.community_place(session, project.community_id))
    before = snapshot(project)
    project.deleted_at = utcnow()
    session.flush()
    record(session, actor, AuditAction.DELETE, "project", project.id, before=before, after=snapshot(project))
