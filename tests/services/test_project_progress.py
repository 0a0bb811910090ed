"""Progress is bounded by the stage path: the grid's save, moves along the path and the importer."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Community, Project, Unit
from domain.actor import Actor
from domain.enums import ProjectStage as G
from domain.errors import ValidationError
from domain.project_path import progress_bound
from locales import translate
from services import lists_io, projects
from workbook import excel_lists as X


def _first(session: Session, stage: G) -> Project:
    p = session.scalars(select(Project).where(Project.stage == stage, Project.deleted_at.is_(None))).first()
    assert p is not None, stage
    return p


@pytest.mark.parametrize(
    ("stage", "value", "ok"),
    [
        (G.COLLECT, 55, False),
        (G.TOPIC, 0, True),
        (G.DECIDED, 20, False),
        (G.IN_PROGRESS, 55, True),
        (G.IN_PROGRESS, 100, False),
    ],
)
def test_saving_progress_outside_the_stage_bound_is_refused_naming_the_field(
    session: Session, admin: Actor, stage: G, value: int, ok: bool
) -> None:
    p = _first(session, stage)
    old = p.progress
    if ok:
        projects.save_progress(session, admin, changes={p.id: value})
        assert session.get(Project, p.id).progress == value
        return
    with pytest.raises(ValidationError) as err:
        projects.save_progress(session, admin, changes={p.id: value})
    assert err.value.field == "lists.fields.progress"
    bound = progress_bound(stage)
    message = translate("zh_CN", err.value.code, field="进度", **err.value.params)
    assert p.title in message and (f"{bound.low}%" if bound.fixed else f"{bound.low}%–{bound.high}%") in message
    assert translate("zh_CN", f"enum.ProjectStage.{stage.value}") in message  # the stage by its label
    assert session.get(Project, p.id).progress == old


def test_one_row_out_of_bound_refuses_the_whole_grid(session: Session, admin: Actor) -> None:
    good, bad = _first(session, G.IN_PROGRESS), _first(session, G.COLLECT)
    before = good.progress
    with session.begin_nested() as savepoint:  # the page's unit of work: one action, rolled back on error
        with pytest.raises(ValidationError):
            projects.save_progress(session, admin, changes={good.id: (before + 7) % 99, bad.id: 55})
        savepoint.rollback()
    session.expire_all()
    assert session.get(Project, good.id).progress == before
    assert session.get(Project, bad.id).progress == 0


@pytest.mark.parametrize(
    ("start", "target", "after"),
    [(G.IN_PROGRESS, G.DECIDED, 0), (G.DONE, G.IN_PROGRESS, 99), (G.IN_PROGRESS, G.DONE, 100)],
)
def test_a_move_brings_progress_within_the_new_stage(
    session: Session, admin: Actor, start: G, target: G, after: int
) -> None:
    p = _first(session, start)
    projects.move_project(session, admin, project_id=p.id, to_stage=target, note="调整")
    assert session.get(Project, p.id).progress == after


def _projects_book(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    ws = wb.create_sheet(X.PROJECTS)
    ws.append([X.column(h) for h in X.TEMPLATE[X.PROJECTS]])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_an_import_that_sets_a_stage_brings_progress_within_its_bound(session: Session, admin: Actor) -> None:
    """The template has no progress column: a stage the file sets moves the progress as a move does."""
    p = _first(session, G.IN_PROGRESS)
    assert p.progress > 0
    community = session.get(Community, p.community_id).name
    lead = session.get(Unit, p.lead_unit_id).name
    data = _projects_book([[p.title, community, lead, None, None, None, "征集需求", None, None, None, None]])
    lists_io.import_lists(session, admin, data=data)
    session.expire_all()
    p = session.get(Project, p.id)
    assert (p.stage, p.progress) == (G.COLLECT, 0)
