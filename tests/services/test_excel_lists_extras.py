"""The lists workbook's optional columns (issue 20, item 9): 进度 on 项目清单, 微心愿 (是/否) and
认领单位 on 需求清单 — exported, imported and checked together; a progress outside its stage's bound
rejects the file naming the row; export → import round-trips; a file without them imports as before."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Community, Need, Project, Unit
from domain.actor import Actor
from domain.enums import NeedStatus, ProjectStage
from services import lists_export, lists_io
from workbook import excel_lists as X

NEED_HEAD = [X.column(h) for h in X.TEMPLATE[X.NEEDS]] + ["微心愿", "认领单位"]
PROJECT_HEAD = ["项目名称", "社区", "牵头单位", "状态", "进度"]


def _book(sheets: dict[str, list[list[object]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet(data: bytes, name: str) -> list[dict[str, object]]:
    ws = load_workbook(io.BytesIO(data), read_only=True)[name]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def _need_row(title: str, wish: object, claimer: object, status: object = None) -> list[object]:
    return ["安澜社区", title, "民生保障", "", "", "2026-11-01", "", status, wish, claimer]


def test_the_export_writes_progress_wish_and_claimer(session: Session) -> None:
    data = lists_export.export_lists(session)
    projects = {r["项目名称"]: r["进度"] for r in _sheet(data, X.PROJECTS)}
    live = session.scalars(select(Project).where(Project.deleted_at.is_(None))).all()
    assert projects == {p.title: p.progress for p in live}
    assert any(0 < v < 100 for v in projects.values())  # the demo has projects under way
    needs = _sheet(data, X.NEEDS)
    assert {r["微心愿"] for r in needs} == {"是", "否"}
    units = dict(session.execute(select(Unit.id, Unit.name)).all())
    want = {
        (n.title, "是" if n.is_micro_wish else "否", units.get(n.claimed_by_unit_id))
        for n in session.scalars(select(Need).where(Need.deleted_at.is_(None)))
    }
    assert {(r["需求名称"], r["微心愿"], r["认领单位"]) for r in needs} == want
    assert any(r["认领单位"] for r in needs)


def test_export_then_import_round_trips_with_the_new_columns(session: Session, admin: Actor) -> None:
    before = {
        n.id: (n.is_micro_wish, n.claimed_by_unit_id, n.claimed_on, n.status)
        for n in session.scalars(select(Need).where(Need.deleted_at.is_(None)))
    }
    progress = {p.id: p.progress for p in session.scalars(select(Project).where(Project.deleted_at.is_(None)))}
    report = lists_io.import_lists(session, admin, data=lists_export.export_lists(session))
    assert report.changes == 0, (report.created, report.updated)
    after = {
        n.id: (n.is_micro_wish, n.claimed_by_unit_id, n.claimed_on, n.status)
        for n in session.scalars(select(Need).where(Need.deleted_at.is_(None)))
    }
    assert after == before
    assert {p.id: p.progress for p in session.scalars(select(Project).where(Project.deleted_at.is_(None)))} == progress


def test_a_wish_and_its_claimer_are_imported(session: Session, admin: Actor) -> None:
    data = _book(
        {
            X.NEEDS: [
                NEED_HEAD,
                _need_row("给独居老人送年货", "是", "县图书馆"),
                _need_row("楼道声控灯维修", "否", None, "待对接"),
            ]
        }
    )
    assert lists_io.import_lists(session, admin, data=data).created == {X.NEEDS: 2}
    wish = session.scalar(select(Need).where(Need.title == "给独居老人送年货"))
    library = session.scalar(select(Unit.id).where(Unit.name == "县图书馆"))
    assert wish.is_micro_wish and wish.claimed_by_unit_id == library and wish.claimed_on is not None
    assert wish.status == NeedStatus.CLAIMED  # claimed, no status given
    plain = session.scalar(select(Need).where(Need.title == "楼道声控灯维修"))
    assert not plain.is_micro_wish and plain.claimed_by_unit_id is None and plain.status == NeedStatus.OPEN
    assert lists_io.import_lists(session, admin, data=data).changes == 0  # again: nothing new


def test_a_wrong_yes_no_or_an_unknown_claimer_rejects_the_file_naming_row_and_field(
    session: Session, admin: Actor
) -> None:
    data = _book(
        {
            X.NEEDS: [
                NEED_HEAD,
                _need_row("好的一行", "是", None),
                _need_row("坏的微心愿", "也许", None),
                _need_row("坏的认领单位", "否", "没有这个单位"),
            ]
        }
    )
    with pytest.raises(lists_io.ImportRejected) as err:
        lists_io.import_lists(session, admin, data=data)
    assert {(c.sheet, c.row, c.column, c.value) for c in err.value.cells} == {
        (X.NEEDS, 3, "微心愿", "也许"),
        (X.NEEDS, 4, "认领单位", "没有这个单位"),
    }
    zh = {r["column"]: r["reason"] for r in lists_io.rejected_rows(err.value.cells, "zh_CN")}
    assert zh["微心愿"] == "只能填“是”或“否”" and "共建单位不存在" in zh["认领单位"]
    en = {r["column"]: r["reason"] for r in lists_io.rejected_rows(err.value.cells, "en")}
    assert "是 (yes) or 否 (no)" in en["微心愿"]
    assert session.scalar(select(Need).where(Need.title == "好的一行")) is None  # all or nothing


@pytest.mark.parametrize(
    ("stage", "progress", "reason"),
    [
        ("确定项目", 30, "项目处于“确定项目”阶段，进度只能是 0%"),
        ("已完成", 80, "项目处于“已完成”阶段，进度只能是 100%"),
        ("实施中", 100, "项目处于“实施中”阶段，进度须在 0%–99% 之间"),
    ],
)
def test_a_progress_outside_its_stage_bound_rejects_the_file_naming_the_row(
    session: Session, admin: Actor, stage: str, progress: int, reason: str
) -> None:
    data = _book(
        {
            X.PROJECTS: [
                PROJECT_HEAD,
                ["进度合规的项目", "安澜社区", "城关派出所", "实施中", 40],
                ["进度越界的项目", "安澜社区", "城关派出所", stage, progress],
            ]
        }
    )
    with pytest.raises(lists_io.ImportRejected) as err:
        lists_io.import_lists(session, admin, data=data)
    (cell,) = err.value.cells
    assert (cell.sheet, cell.row, cell.column, cell.value) == (X.PROJECTS, 3, "进度", str(progress))
    assert lists_io.rejected_rows(err.value.cells, "zh_CN")[0]["reason"] == reason
    assert session.scalar(select(Project).where(Project.title == "进度合规的项目")) is None


def test_a_progress_within_its_bound_is_imported_and_a_blank_one_keeps_the_rule(session: Session, admin: Actor) -> None:
    data = _book(
        {
            X.PROJECTS: [
                PROJECT_HEAD,
                ["进度四成的项目", "安澜社区", "城关派出所", "实施中", 40],
                ["没写进度的项目", "安澜社区", "城关派出所", "已完成", None],
                ["进度不是数的项目", "安澜社区", "城关派出所", "实施中", "一半"],
            ]
        }
    )
    with pytest.raises(lists_io.ImportRejected) as err:
        lists_io.import_lists(session, admin, data=data)
    assert [(c.row, c.column) for c in err.value.cells] == [(4, "进度")]
    lists_io.import_lists(session, admin, data=_book({X.PROJECTS: [PROJECT_HEAD, *_rows(data)[1:3]]}))
    got = dict(session.execute(select(Project.title, Project.progress).where(Project.title.like("%的项目"))).all())
    assert got["进度四成的项目"] == 40 and got["没写进度的项目"] == 100


def _rows(data: bytes) -> list[list[object]]:
    ws = load_workbook(io.BytesIO(data), read_only=True)[X.PROJECTS]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_a_file_without_the_new_columns_leaves_wishes_claims_and_progress_alone(session: Session, admin: Actor) -> None:
    wish = session.scalars(
        select(Need).where(
            Need.is_micro_wish.is_(True), Need.claimed_by_unit_id.is_not(None), Need.deleted_at.is_(None)
        )
    ).first()
    project = session.scalars(
        select(Project).where(
            Project.stage == ProjectStage.IN_PROGRESS,
            Project.progress > 0,
            Project.lead_unit_id.is_not(None),
            Project.deleted_at.is_(None),
        )
    ).first()
    community = session.get(Community, wish.community_id).name
    old = (wish.is_micro_wish, wish.claimed_by_unit_id, project.progress)
    data = _book(
        {
            X.NEEDS: [[X.column(h) for h in X.TEMPLATE[X.NEEDS]], [community, wish.title, "民生保障", "改了描述"]],
            X.PROJECTS: [
                ["项目名称", "社区", "牵头单位", "状态"],
                [
                    project.title,
                    session.get(Community, project.community_id).name,
                    session.get(Unit, project.lead_unit_id).name,
                    "实施中",
                ],
            ],
        }
    )
    lists_io.import_lists(session, admin, data=data)
    session.refresh(wish)
    session.refresh(project)
    assert wish.description == "改了描述"
    assert (wish.is_micro_wish, wish.claimed_by_unit_id, project.progress) == old
