"""The lists workbook of contracts.md: export → import round-trips, re-import creates nothing,
a refused file leaves the database untouched, and the importer reads what people type."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Category, Need, Project, ProjectStageChange
from domain.actor import Actor
from domain.enums import NeedStatus, Priority
from domain.errors import PermissionDenied, ValidationError
from services import lists_export, lists_io
from workbook import excel_lists as X


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


NEED_HEAD = ["社区", "需求名称", "需求类别", "需求描述", "优先级", "提出日期", "来源", "状态"]


def _counts(session: Session) -> tuple[int, ...]:
    return tuple(session.scalar(select(func.count(m.id))) for m in (Need, Project, Category, ProjectStageChange))


def test_export_has_the_template_sheets_and_headers(session: Session) -> None:
    wb = load_workbook(io.BytesIO(lists_export.export_lists(session)), read_only=True)
    for sheet, headers in X.TEMPLATE.items():
        first = next(wb[sheet].iter_rows(values_only=True))
        # contracts.md's columns in its order, then the optional extras (issue 20, item 9)
        assert list(first) == [X.column(h) for h in headers] + list(X.EXTRA_COLUMNS.get(sheet, ()))
    assert X.EXTRA_COLUMNS == {X.NEEDS: ("微心愿", "认领单位"), X.PROJECTS: ("进度",)}
    assert {"活动（只读）", "轮值主席（只读）", "联席会议（只读）", "待办事项（只读）"} <= set(wb.sheetnames)
    acts = wb["活动（只读）"]
    assert 1 < acts.max_row <= lists_export.ACTIVITY_LIMIT + 1


def test_export_then_import_round_trips_and_creates_nothing(session: Session, admin: Actor) -> None:
    data = lists_export.export_lists(session)
    before = _counts(session)
    report = lists_io.import_lists(session, admin, data=data)
    assert report.created == {} and report.updated == {} and report.new_categories == []
    assert report.unchanged[X.PROJECTS] == session.scalar(
        select(func.count(Project.id)).where(Project.deleted_at.is_(None))
    )
    assert _counts(session) == before
    again = lists_export.export_lists(session)
    assert lists_io.import_lists(session, admin, data=again).changes == 0


def test_reimporting_a_new_file_creates_nothing_the_second_time(session: Session, admin: Actor) -> None:
    data = _book(
        {X.NEEDS: [NEED_HEAD, ["安澜社区", "公园长椅维修", "民生保障", "长椅断裂", "高", "2026-03-05", "居民提", ""]]}
    )
    first = lists_io.import_lists(session, admin, data=data)
    assert first.created == {X.NEEDS: 1}
    after = _counts(session)
    second = lists_io.import_lists(session, admin, data=data)
    assert second.created == {} and second.unchanged == {X.NEEDS: 1} and _counts(session) == after
    need = session.scalar(select(Need).where(Need.title == "公园长椅维修"))
    assert (need.priority, need.status, need.raised_on) == (Priority.HIGH, NeedStatus.OPEN, date(2026, 3, 5))


@pytest.mark.parametrize("cell", [datetime(2026, 3, 5), date(2026, 3, 5), "2026-03-05", "2026/3/5", "2026年3月5日"])
def test_every_date_form_is_read(session: Session, admin: Actor, cell: object) -> None:
    data = _book({X.NEEDS: [NEED_HEAD, ["安澜社区", "日期测试需求", "民生保障", "", "", cell, "", ""]]})
    lists_io.import_lists(session, admin, data=data)
    assert session.scalar(select(Need.raised_on).where(Need.title == "日期测试需求")) == date(2026, 3, 5)


def test_headers_with_full_width_spaces_and_marks_and_blank_rows(session: Session, admin: Actor) -> None:
    head = ["\u3000社区*", " 需求名称 *", "需求\u3000类别*", "备注（多余的列）"]
    data = _book(
        {
            " 需求清单 ": [
                head,
                ["安澜社区", "全角表头需求", "环境治理", "忽略"],
                [None, None, None, None],
                ["", "  ", None, None],
                ["红星社区", "空行之后的需求", "环境治理", None],
            ]
        }
    )
    report = lists_io.import_lists(session, admin, data=data)
    assert report.created == {X.NEEDS: 2}


def test_refused_file_leaves_the_database_untouched_and_lists_every_cell(session: Session, admin: Actor) -> None:
    before = _counts(session)
    data = _book(
        {
            X.NEEDS: [
                NEED_HEAD,
                ["安澜社区", "好的一行", "全新类别", "", "", "", "", ""],
                ["不存在社区", "坏行", "民生保障", "", "紧急", "2026-02-30", "", "进行中"],
            ],
            X.PROJECTS: [
                ["项目名称", "社区", "牵头单位", "受益人数", "满意度"],
                ["新项目", "安澜社区", "无此单位", "很多", 120],
            ],
        }
    )
    with pytest.raises(lists_io.ImportRejected) as err:
        lists_io.import_lists(session, admin, data=data)
    cells = {(c.sheet, c.row, c.column) for c in err.value.cells}
    assert cells == {
        (X.NEEDS, 3, "社区"),
        (X.NEEDS, 3, "优先级"),
        (X.NEEDS, 3, "提出日期"),
        (X.NEEDS, 3, "状态"),
        (X.PROJECTS, 2, "牵头单位"),
        (X.PROJECTS, 2, "受益人数"),
        (X.PROJECTS, 2, "满意度"),
    }
    assert _counts(session) == before
    zh = lists_io.rejected_rows(err.value.cells, "zh_CN")
    en = lists_io.rejected_rows(err.value.cells, "en")
    assert set(zh[0]) == {"sheet", "row", "column", "value", "reason"}
    assert any("不在可选范围" in r["reason"] for r in zh) and any("Not an allowed value" in r["reason"] for r in en)


def test_unknown_category_is_added_and_reported(session: Session, admin: Actor) -> None:
    data = _book(
        {X.RESOURCES: [["单位名称", "资源名称", "资源类别", "可提供数量"], ["县图书馆", "古籍修复讲座", "文化传承", 3]]}
    )
    dry = lists_io.import_lists(session, admin, data=data, dry_run=True)
    assert dry.new_categories == ["文化传承"] and dry.created == {X.RESOURCES: 1}
    assert session.scalar(select(Category).where(Category.name == "文化传承")) is None
    report = lists_io.import_lists(session, admin, data=data)
    assert report.new_categories == ["文化传承"]
    assert session.scalar(select(Category).where(Category.name == "文化传承")) is not None


def test_project_rows_link_needs_units_and_resources(session: Session, admin: Actor) -> None:
    data = _book(
        {
            X.PROJECTS: [
                [X.column(h) for h in X.TEMPLATE[X.PROJECTS]],
                [
                    "反诈宣传进楼栋",
                    "安澜社区",
                    "城关派出所",
                    "县图书馆、安居物业服务有限公司",
                    "防范电信诈骗宣传",
                    "反诈宣传小分队",
                    "确定项目",
                    "2026/11/1",
                    None,
                    200,
                    None,
                ],
            ]
        }
    )
    report = lists_io.import_lists(session, admin, data=data)
    assert report.created == {X.PROJECTS: 1}
    p = session.scalar(select(Project).where(Project.title == "反诈宣传进楼栋"))
    assert {u.name for u in p.participants} == {"县图书馆", "安居物业服务有限公司"}
    assert [n.title for n in p.needs] == ["防范电信诈骗宣传"] and [r.title for r in p.resources] == ["反诈宣传小分队"]
    hist = session.scalars(select(ProjectStageChange).where(ProjectStageChange.project_id == p.id)).all()
    assert [h.to_stage.value for h in hist] == ["decided"]


def test_project_naming_an_unknown_need_is_refused(session: Session, admin: Actor) -> None:
    data = _book(
        {
            X.PROJECTS: [
                ["项目名称", "社区", "牵头单位", "对应需求"],
                ["某项目", "安澜社区", "城关派出所", "没有这个需求"],
            ]
        }
    )
    with pytest.raises(lists_io.ImportRejected) as err:
        lists_io.import_lists(session, admin, data=data)
    assert [(c.column, c.value) for c in err.value.cells] == [("对应需求", "没有这个需求")]


def test_not_a_workbook_is_refused_naming_the_file(session: Session, admin: Actor) -> None:
    with pytest.raises(ValidationError) as err:
        lists_io.import_lists(session, admin, data=b"name,title\n")
    assert err.value.field == "lists.fields.file"


@pytest.mark.parametrize("who", ["community_worker", "liaison", "leader"])
def test_only_admin_imports(session: Session, who: str, request: pytest.FixtureRequest) -> None:
    with pytest.raises(PermissionDenied):
        lists_io.import_lists(session, request.getfixturevalue(who), data=_book({X.NEEDS: [NEED_HEAD]}))


_cell = st.one_of(
    st.none(),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12),
    st.integers(-5, 10**6),
    st.floats(allow_nan=True),
    st.dates(),
    st.sampled_from(["安澜社区", "民生保障", "高", "待对接", "2026/3/5", "2026年13月1日"]),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_cell, min_size=8, max_size=8), min_size=1, max_size=4))
def test_random_cells_never_crash_the_importer_nor_commit_part(
    session: Session, admin: Actor, rows: list[list[object]]
) -> None:
    before = _counts(session)
    with session.begin_nested() as sp:
        try:
            report = lists_io.import_lists(session, admin, data=_book({X.NEEDS: [NEED_HEAD, *rows]}), dry_run=True)
        except lists_io.ImportRejected as err:
            assert err.cells
        else:
            assert report.dry_run
        assert _counts(session) == before
        sp.rollback()


def test_cli_export_then_dry_run_import(
    db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import manage

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_file}")
    out = tmp_path / "lists.xlsx"
    assert manage.main(["export", str(out)]) == 0
    assert manage.main(["import", str(out), "--dry-run"]) == 0
    assert "新增 0" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_book({X.NEEDS: [NEED_HEAD, ["无此社区", "x", "民生保障"]]}))
    assert manage.main(["import", str(bad)]) == 1
    assert "无此社区" in capsys.readouterr().err


def test_a_key_repeated_in_one_sheet_is_refused(session: Session, admin: Actor) -> None:
    row = ["安澜社区", "重复的需求", "民生保障", "", "", "", "", ""]
    with pytest.raises(lists_io.ImportRejected) as err:
        lists_io.import_lists(session, admin, data=_book({X.NEEDS: [NEED_HEAD, row, row]}))
    [cell] = err.value.cells
    assert (cell.row, cell.column, cell.params) == (3, "需求名称", {"row": 2})
