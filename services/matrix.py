"""对接矩阵 and 匹配建议: which units' projects cover which needs, what is left uncovered or idle,
and the resources the matching rule suggests for each open need."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
from sqlalchemy import case, distinct, exists, func, select
from sqlalchemy.orm import Session

from db.areas import areas
from db.models import Category, Community, Need, Pairing, Project, Resource, Unit, project_need, project_resource
from domain import matching
from domain.actor import Actor
from domain.enums import NeedStatus, Priority, ProjectStage, ResourceStatus
from domain.errors import Conflict, ValidationError
from domain.project_path import FINISHED
from services import scope, vocabulary
from services.lists import get_live
from services.live import live
from services.projects import ProjectInput, _units_of_project, create_project

# the data areas its reads depend on (db/areas.py): a cached read's key holds their versions
READS = areas("lists", "org", "settings")

MAX_UNITS = 40  # columns of the heat map: the units with most links
MAX_CANDIDATES = 2000
UNCOVERED = (NeedStatus.OPEN, NeedStatus.CLAIMED)


@dataclass(frozen=True)
class Matrix:
    """Cells (row × unit → projects), totals per row and per unit, and what stands out."""

    cells: pd.DataFrame  # row, unit, projects
    row_totals: pd.DataFrame  # row, projects, needs, uncovered
    unit_totals: pd.DataFrame  # unit, projects
    uncovered_needs: int
    idle_resources: int


def _need_filter(stmt, community_id: int | None):  # type: ignore[no-untyped-def]
    stmt = stmt.where(*live(Need))
    return stmt.where(Need.community_id == community_id) if community_id is not None else stmt


def matrix(session: Session, *, community_id: int | None = None, category_id: int | None = None) -> Matrix:
    """Categories × units (or, for one category, its needs × units): how many live projects link
    a need of the row to the unit (lead or participant). Aggregated in SQL."""
    pu = _units_of_project()
    row = Need.title if category_id is not None else Category.name
    row_key = Need.id if category_id is not None else Category.id
    base = (
        select(row.label("row"), Unit.name.label("unit"), func.count(distinct(Project.id)).label("projects"))
        .select_from(Need)
        .join(Category, Category.id == Need.category_id)
        .join(project_need, project_need.c.need_id == Need.id)
        .join(Project, Project.id == project_need.c.project_id)
        .join(pu, pu.c.project_id == Project.id)
        .join(Unit, Unit.id == pu.c.unit_id)
        .where(*live(Project))
    )
    base = _need_filter(base, community_id)
    if category_id is not None:
        base = base.where(Need.category_id == category_id)
    rows = session.execute(base.group_by(row_key, row, Unit.id, Unit.name)).all()
    cells = pd.DataFrame([tuple(r) for r in rows], columns=["row", "unit", "projects"])
    unit_totals = (
        cells.groupby("unit", as_index=False)["projects"]
        .sum()
        .sort_values(["projects", "unit"], ascending=[False, True])
        if not cells.empty
        else pd.DataFrame(columns=["unit", "projects"])
    )
    keep = set(unit_totals["unit"].head(MAX_UNITS))
    cells = cells[cells["unit"].isin(keep)].reset_index(drop=True)

    # the needs some live project takes up, once each, joined rather than asked per need (a correlated
    # EXISTS per need cost PostgreSQL 400 ms over a county's 20,000 needs)
    linked_needs = (
        select(project_need.c.need_id)
        .join(Project, Project.id == project_need.c.project_id)
        .where(*live(Project))
        .distinct()
        .subquery()
    )
    linked = linked_needs.c.need_id.is_not(None)
    per_row = (
        select(
            row.label("row"),
            func.count(Need.id).label("needs"),
            func.sum(case((linked, 1), else_=0)).label("covered"),
            func.sum(case((~linked & Need.status.in_(UNCOVERED), 1), else_=0)).label("uncovered"),
        )
        .select_from(Need)
        .join(Category, Category.id == Need.category_id)
        .outerjoin(linked_needs, linked_needs.c.need_id == Need.id)
    )
    per_row = _need_filter(per_row, community_id)
    if category_id is not None:
        per_row = per_row.where(Need.category_id == category_id)
    per_row = per_row.group_by(row_key, row).order_by(Category.sort_order if category_id is None else Need.id)
    if category_id is None:
        per_row = per_row.group_by(Category.sort_order)
    totals = pd.DataFrame(
        [tuple(r) for r in session.execute(per_row).all()], columns=["row", "needs", "covered", "uncovered"]
    )
    distinct_projects = (
        select(row.label("row"), func.count(distinct(Project.id)))
        .select_from(Need)
        .join(Category, Category.id == Need.category_id)
        .join(project_need, project_need.c.need_id == Need.id)
        .join(Project, Project.id == project_need.c.project_id)
        .where(*live(Project))
    )
    distinct_projects = _need_filter(distinct_projects, community_id)
    if category_id is not None:
        distinct_projects = distinct_projects.where(Need.category_id == category_id)
    projects_per_row = dict(session.execute(distinct_projects.group_by(row_key, row)).tuples().all())
    totals["projects"] = totals["row"].map(projects_per_row).fillna(0).astype(int)
    return Matrix(
        cells,
        totals,
        unit_totals.reset_index(drop=True),
        uncovered_needs=int(totals["uncovered"].sum()) if not totals.empty else 0,
        idle_resources=count_idle_resources(session),
    )


def count_idle_resources(session: Session) -> int:
    """Live resources of active units that no project has ever used (an inactive unit's are not idle:
    they are not on offer)."""
    used = exists().where(
        project_resource.c.resource_id == Resource.id,
        project_resource.c.project_id == Project.id,
        *live(Project),
    )
    return (
        session.scalar(
            select(func.count(Resource.id))
            .join(Unit, Unit.id == Resource.unit_id)
            .where(*live(Resource), Unit.active.is_(True), *live(Unit), ~used)
        )
        or 0
    )


def cell_projects(
    session: Session, *, community_id: int | None = None, category_id: int | None = None, limit: int = 200
) -> pd.DataFrame:
    """The links behind the cells: need, unit, project and its stage."""
    pu = _units_of_project()
    stmt = (
        select(Category.name, Need.title, Unit.name, Project.title, Project.stage, Project.progress)
        .select_from(Need)
        .join(Category, Category.id == Need.category_id)
        .join(project_need, project_need.c.need_id == Need.id)
        .join(Project, Project.id == project_need.c.project_id)
        .join(pu, pu.c.project_id == Project.id)
        .join(Unit, Unit.id == pu.c.unit_id)
        .where(*live(Project))
        .order_by(Category.sort_order, Need.id, Unit.name)
        .limit(limit)
    )
    stmt = _need_filter(stmt, community_id)
    if category_id is not None:
        stmt = stmt.where(Need.category_id == category_id)
    return pd.DataFrame(
        [tuple(r) for r in session.execute(stmt).all()],
        columns=["category", "need", "unit", "project", "stage", "progress"],
    )


def uncovered_needs(
    session: Session, *, community_id: int | None = None, category_id: int | None = None, limit: int = 50
) -> pd.DataFrame:
    """Open or claimed needs that no project links yet, most urgent first."""
    linked = exists().where(project_need.c.need_id == Need.id, project_need.c.project_id == Project.id, *live(Project))
    stmt = (
        select(Need.id, Community.name, Category.name, Need.title, Need.priority, Need.raised_on)
        .join(Community, Community.id == Need.community_id)
        .join(Category, Category.id == Need.category_id)
        .where(~linked, Need.status.in_(UNCOVERED))
        .order_by(_priority_order(), Need.raised_on, Need.id)
        .limit(limit)
    )
    stmt = _need_filter(stmt, community_id)
    if category_id is not None:
        stmt = stmt.where(Need.category_id == category_id)
    return pd.DataFrame(
        [tuple(r) for r in session.execute(stmt).all()],
        columns=["id", "community", "category", "title", "priority", "raised_on"],
    )


def _priority_order():  # type: ignore[no-untyped-def]
    return case({Priority.HIGH: 0, Priority.MEDIUM: 1, Priority.LOW: 2}, value=Need.priority)


# ---- match suggestions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    resource_id: int
    resource: str
    unit_id: int
    unit: str
    category: str
    score: int
    parts: tuple[matching.MatchPart, ...]


@dataclass(frozen=True)
class NeedSuggestions:
    need_id: int
    need: str
    community: str
    category: str
    priority: Priority
    suggestions: list[Suggestion]


VOCABULARY_KEY = vocabulary.KEY  # the secretariat's additions to the matching vocabulary


def matching_vocabulary(session: Session) -> matching.Vocabulary:
    """The base vocabulary with the secretariat's additions (settings; kept by ``vocabulary.set_additions``)."""
    return matching.vocabulary(vocabulary.additions_json(session))


def reason(part: matching.MatchPart) -> tuple[str, dict[str, object]]:
    """The locale key and parameters of one part of a score, for the page and the command line."""
    suffix = "yes" if part.points else "no"
    if part.code == "capacity" and part.detail.get("capacity") == "":
        suffix = "unstated"
    params = dict(part.detail, points=part.points, max_points=part.max_points)
    return f"lists.match.{part.code}_{suffix}", params


def suggest_matches(
    session: Session,
    *,
    community_id: int | None = None,
    category_id: int | None = None,
    needs_limit: int | None = 10,
    top: int = 3,
) -> list[NeedSuggestions]:
    """For the most urgent open needs no project covers (待对接, unclaimed 微心愿 included), the best
    resources by the matching rule — only resources about the need; a need nothing is about gets an
    empty list. ``needs_limit=None``: every such need.

    Candidates are the resources in use (not paused) of active units: at county scale the paired
    units' and the needs' categories' first, at most ``MAX_CANDIDATES``."""
    linked = exists().where(project_need.c.need_id == Need.id, project_need.c.project_id == Project.id, *live(Project))
    stmt = (
        select(
            Need.id,
            Need.community_id,
            Need.category_id,
            Need.title,
            Need.description,
            Need.priority,
            Community.name,
            Category.name,
        )
        .join(Community, Community.id == Need.community_id)
        .join(Category, Category.id == Need.category_id)
        .where(
            *live(Need),
            Need.status == NeedStatus.OPEN,
            Need.claimed_by_unit_id.is_(None),
            *live(Community),
            ~linked,
        )
        .order_by(_priority_order(), Need.raised_on, Need.id)
    )
    if needs_limit is not None:
        stmt = stmt.limit(needs_limit)
    if community_id is not None:
        stmt = stmt.where(Need.community_id == community_id)
    if category_id is not None:
        stmt = stmt.where(Need.category_id == category_id)
    need_rows = session.execute(stmt).all()
    if not need_rows:
        return []
    vocab = matching_vocabulary(session)
    communities = {r[1] for r in need_rows}
    categories = {r[2] for r in need_rows}
    paired_units = select(Pairing.unit_id).where(Pairing.community_id.in_(communities))
    in_use = (
        select(project_resource.c.resource_id, func.count(Project.id).label("n"))
        .join(Project, Project.id == project_resource.c.project_id)
        .where(*live(Project), Project.stage.not_in(FINISHED))
        .group_by(project_resource.c.resource_id)
        .subquery()
    )
    res_rows = session.execute(
        select(
            Resource.id,
            Resource.unit_id,
            Resource.category_id,
            Resource.title,
            Resource.description,
            Resource.capacity,
            func.coalesce(in_use.c.n, 0),
            Unit.name,
            Category.name,
        )
        .join(Unit, Unit.id == Resource.unit_id)
        .join(Category, Category.id == Resource.category_id)
        .outerjoin(in_use, in_use.c.resource_id == Resource.id)
        .where(
            *live(Resource),
            Resource.status != ResourceStatus.PAUSED,
            Unit.active.is_(True),
            *live(Unit),
        )
        .order_by(
            case((Resource.unit_id.in_(paired_units), 0), else_=1),
            case((Resource.category_id.in_(categories), 0), else_=1),
            Resource.id,
        )
        .limit(MAX_CANDIDATES)  # at county scale: the paired units' resources and the needs' categories first
    ).all()
    unit_ids = {r[1] for r in res_rows}
    pairs: dict[int, set[int]] = {}
    for uid, cid in session.execute(
        select(Pairing.unit_id, Pairing.community_id).where(Pairing.unit_id.in_(unit_ids))
    ).all():
        pairs.setdefault(uid, set()).add(cid)
    facts = [
        matching.ResourceFacts(r[0], r[1], r[2], r[3], r[4] or "", r[5], int(r[6]), frozenset(pairs.get(r[1], set())))
        for r in res_rows
    ]
    info = {r[0]: (r[3], r[1], r[7], r[8]) for r in res_rows}
    out = []
    for nid, ncomm, ncat, title, desc, prio, cname, catname in need_rows:
        ranked = matching.rank(matching.NeedFacts(nid, ncomm, ncat, title, desc or ""), facts, top=top, vocab=vocab)
        out.append(
            NeedSuggestions(
                nid,
                title,
                cname,
                catname,
                prio,
                [
                    Suggestion(
                        m.resource_id,
                        info[m.resource_id][0],
                        info[m.resource_id][1],
                        info[m.resource_id][2],
                        info[m.resource_id][3],
                        m.score,
                        m.parts,
                    )
                    for m in ranked
                ],
            )
        )
    return out


def community_id_by_name(session: Session, name: str) -> int:
    """The live community called ``name``; an unknown name is a ValidationError naming the field."""
    cid = session.scalar(select(Community.id).where(Community.name == name.strip(), *live(Community)))
    if cid is None:
        raise ValidationError("lists.fields.community", "cli.unknown_community", name=name)
    return int(cid)


@dataclass(frozen=True)
class MatchDraft:
    """The project an accepted suggestion would create, for the secretariat to review first."""

    data: ProjectInput
    community: str
    lead_unit: str
    need: str
    resource: str


def _draft(session: Session, actor: Actor, need_id: int, resource_id: int) -> tuple[Need, Resource, ProjectInput]:
    scope.require_administer(actor)
    need = get_live(session, Need, need_id)
    resource = get_live(session, Resource, resource_id)
    scope.require_administer(actor, scope.community_place(session, need.community_id))
    scope.require_read(actor, scope.unit_place(session, resource.unit_id))
    if need.status not in UNCOVERED:
        raise Conflict("lists.errors.need_taken")
    data = ProjectInput(
        title=need.title,
        community_id=need.community_id,
        lead_unit_id=resource.unit_id,
        need_ids=[need.id],
        resource_ids=[resource.id],
        description=need.description or resource.description,
    )
    return need, resource, data


def match_draft(session: Session, actor: Actor, *, need_id: int, resource_id: int) -> MatchDraft:
    """The pre-filled project of a suggestion, nothing written: from the need, the resource and its unit."""
    need, resource, data = _draft(session, actor, need_id, resource_id)
    community = session.get(Community, need.community_id)
    unit = session.get(Unit, resource.unit_id)
    return MatchDraft(
        data=data,
        community=community.name if community else "",
        lead_unit=unit.name if unit else "",
        need=need.title,
        resource=resource.title,
    )


def accept_match(
    session: Session,
    actor: Actor,
    *,
    need_id: int,
    resource_id: int,
    note: str = "",
    title: str | None = None,
    description: str | None = None,
    started_on: date | None = None,
) -> int:
    """The secretariat accepts a suggestion after reviewing its draft (``match_draft``): a project at
    确定项目 from the need, the resource and its unit (with its history row), with the title,
    description and start the reviewer settled on (the draft's where not given); the need becomes 已立项."""
    _, _, data = _draft(session, actor, need_id, resource_id)
    data = replace(
        data,
        title=data.title if title is None else title,
        description=data.description if description is None else description,
        started_on=started_on,
    )
    return create_project(session, actor, data=data, stage=ProjectStage.DECIDED, note=note or "由匹配建议确定")
