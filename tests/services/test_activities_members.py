"""在职党员: per-role permissions, soft deletion, and the all-or-nothing Excel import."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditEntry, Community, Member, Unit
from domain.actor import Actor
from domain.enums import AuditAction
from domain.errors import PermissionDenied, ValidationError
from services import members


def sheet(rows: list[list[object]], header: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header or ["姓名", "所在单位", "报到社区", "报到日期"])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def names(session: Session) -> tuple[str, str, str]:
    unit = session.scalar(select(Unit.name).where(Unit.id == 1))
    community = session.scalar(select(Community.name).where(Community.id == 1))
    return unit or "", community or "", ""


def member_count(session: Session) -> int:
    return session.scalar(select(func.count(Member.id)).where(Member.deleted_at.is_(None))) or 0


def test_liaison_adds_edits_and_deletes_own_units_member(session: Session, liaison: Actor) -> None:
    mid = members.create_member(
        session, liaison, name=" 张三 ", unit_id=liaison.unit_id, community_id=1, reported_on="2026-03-05"
    )
    m = session.get(Member, mid)
    assert m is not None and m.name == "张三" and m.reported_on == date(2026, 3, 5)
    members.update_member(
        session, liaison, mid, name="张三", unit_id=liaison.unit_id, community_id=2, reported_on=date(2026, 4, 1)
    )
    assert m.community_id == 2
    members.delete_member(session, liaison, mid)
    assert m.deleted_at is not None
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity == "member", AuditEntry.entity_id == mid)
    ).all()
    assert list(actions) == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE]


def test_liaison_cannot_touch_other_units_members(session: Session, liaison: Actor, other_unit_id: int) -> None:
    with pytest.raises(PermissionDenied):
        members.create_member(session, liaison, name="李四", unit_id=other_unit_id)
    other = session.scalar(select(Member.id).where(Member.unit_id != liaison.unit_id))
    with pytest.raises(PermissionDenied):
        members.delete_member(session, liaison, other)  # type: ignore[arg-type]
    mine = members.create_member(session, liaison, name="王五", unit_id=liaison.unit_id)
    with pytest.raises(PermissionDenied):  # nor move their own member to another unit
        members.update_member(session, liaison, mine, name="王五", unit_id=other_unit_id)


@pytest.mark.parametrize("who", ["leader", "community_worker"])
def test_readers_cannot_change_members(session: Session, who: str, request: pytest.FixtureRequest) -> None:
    actor: Actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        members.create_member(session, actor, name="赵六", unit_id=1)
    with pytest.raises(PermissionDenied):
        members.import_members(session, actor, sheet([["赵六", "x", "", ""]]))


def test_admin_moves_a_member_to_another_unit(session: Session, admin: Actor, other_unit_id: int) -> None:
    mid = members.create_member(session, admin, name="钱七", unit_id=1)
    members.update_member(session, admin, mid, name="钱七", unit_id=other_unit_id)
    assert session.get(Member, mid).unit_id == other_unit_id  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"name": ""}, "activities.members.name", "error.required"),
        ({"community_id": 9999}, "activities.members.community", "error.unknown_choice"),
        ({"reported_on": "去年"}, "activities.members.reported_on", "error.bad_date"),
    ],
)
def test_member_validation_names_the_field(session: Session, admin: Actor, values: dict, field: str, code: str) -> None:
    args = {"name": "孙八", "unit_id": 1, **values}
    with pytest.raises(ValidationError) as err:
        members.create_member(session, admin, **args)
    assert (err.value.field, err.value.code) == (field, code)


def test_import_creates_then_matches_on_name_and_unit(session: Session, admin: Actor) -> None:
    unit, community, _ = names(session)
    data = sheet(
        [["周九", unit, community, "2026/3/5"], ["吴十", unit, "", datetime(2026, 4, 1)], [None, None, None, None]]
    )
    before = member_count(session)
    checked = members.import_members(session, admin, data, dry_run=True)
    assert checked.ok and checked.created == 2 and member_count(session) == before
    first = members.import_members(session, admin, data)
    assert (first.created, first.updated) == (2, 0) and member_count(session) == before + 2
    again = members.import_members(session, admin, data)
    assert (again.created, again.updated) == (0, 0) and member_count(session) == before + 2
    zhou = session.scalar(select(Member).where(Member.name == "周九"))
    assert zhou is not None and zhou.reported_on == date(2026, 3, 5) and zhou.community_id == 1


def test_import_with_any_bad_cell_writes_nothing_and_lists_every_problem(session: Session, admin: Actor) -> None:
    unit, community, _ = names(session)
    data = sheet(
        [
            ["郑一", unit, community, "2026-02-30"],
            ["", "没有这个单位", "无名社区", ""],
            ["冯二", unit, community, "2026-01-01"],
        ]
    )
    before = member_count(session)
    result = members.import_members(session, admin, data)
    assert not result.ok and member_count(session) == before
    assert {(p.row, p.column) for p in result.problems} == {
        (2, "报到日期"),
        (3, "姓名"),
        (3, "所在单位"),
        (3, "报到社区"),
    }


def test_liaison_imports_only_own_units_members(session: Session, liaison: Actor) -> None:
    other = session.scalar(select(Unit.name).where(Unit.id != liaison.unit_id))
    result = members.import_members(session, liaison, sheet([["陈三", other, "", ""]]))
    assert [p.code for p in result.problems] == ["activities.error.cell_not_your_unit"]


def test_import_refuses_a_file_that_is_not_a_workbook_or_lacks_headers(session: Session, admin: Actor) -> None:
    with pytest.raises(ValidationError) as err:
        members.import_members(session, admin, b"not a workbook")
    assert err.value.code == "activities.error.not_a_workbook"
    with pytest.raises(ValidationError) as err:
        members.import_members(session, admin, sheet([["x"]], header=["名字"]))
    assert err.value.code == "activities.error.missing_columns"


def test_headers_with_full_width_spaces_are_trimmed(session: Session, admin: Actor) -> None:
    unit, _, _ = names(session)
    result = members.import_members(session, admin, sheet([["褚四", unit]], header=["\u3000姓名 ", "所在单位\u3000"]))
    assert result.ok and result.created == 1


def test_template_has_the_four_headers() -> None:
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(members.import_template())).active
    assert [c.value for c in ws[1]] == ["姓名", "所在单位", "报到社区", "报到日期"]  # type: ignore[index]


def test_list_members_pages_on_the_server(session: Session) -> None:
    total = members.count_members(session)
    page = members.list_members(session, offset=0, limit=5)
    assert len(page) == min(5, total) and total >= 5
