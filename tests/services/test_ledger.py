"""The ledger (台账): the Word and Excel files hold the unit's activities of the year, with photos;
the command line writes them."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Activity, Unit
from domain.actor import Actor
from domain.enums import ActivityKind
from domain.errors import NotFound
from exports import ledger as ledger_export
from services import activities, activity_reports
from services.reference import paired_community_ids
from tests.conftest import TODAY
from tests.manage_cli import CliResult, CliRun


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (20, 140, 90)).save(out, "JPEG")
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (240, 200, 10)).save(out, "WEBP")
    return out.getvalue()


@pytest.fixture
def ledger(session: Session, liaison: Actor) -> activity_reports.Ledger:
    unit_id = liaison.unit_id
    assert unit_id is not None
    activities.log_activity(
        session,
        liaison,
        unit_id=unit_id,
        community_id=paired_community_ids(session, unit_id)[0],
        held_on=date(2026, 11, 21),
        kind=ActivityKind.VOLUNTEER,
        title="冬季用电安全入户排查",
        description="为二十户老人检查线路",
        participants=6,
        volunteer_hours=18,
        beneficiaries=20,
        photos=[("现场1.jpg", jpeg()), ("现场2.webp", webp())],
        today=TODAY,
    )
    return activity_reports.build_ledger(session, unit_id=unit_id, year=2026, as_of=TODAY)


def expected_titles(session: Session, unit_id: int, year: int) -> list[str]:
    return list(
        session.scalars(
            select(Activity.title)
            .where(
                Activity.unit_id == unit_id,
                Activity.deleted_at.is_(None),
                Activity.held_on >= date(year, 1, 1),
                Activity.held_on <= date(year, 12, 31),
            )
            .order_by(Activity.held_on, Activity.id)
        )
    )


def test_ledger_holds_exactly_the_units_activities_of_the_year(
    session: Session, liaison: Actor, ledger: activity_reports.Ledger
) -> None:
    assert [a.title for a in ledger.activities] == expected_titles(session, liaison.unit_id, 2026)  # type: ignore[arg-type]
    assert ledger.totals["activities"] == len(ledger.activities)
    assert sum(n for _, n, *_ in ledger.by_kind()) == len(ledger.activities)
    [with_photos] = [a for a in ledger.activities if a.title == "冬季用电安全入户排查"]
    assert [p.filename for p in with_photos.photos] == ["现场1.jpg", "现场2.webp"]


def test_word_ledger_has_cover_summary_activities_and_photos(ledger: activity_reports.Ledger) -> None:
    doc = Document(io.BytesIO(ledger_export.ledger_docx(ledger)))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "2026年度共建工作台账" in text and ledger.unit in text
    assert "一、工作概况" in text and "二、“六个一”完成情况" in text and "三、活动明细" in text
    for a in ledger.activities:
        assert a.title in text
    assert "合计" in cells and "志愿服务" in cells
    assert len(doc.inline_shapes) == 2  # both photos, the WebP converted for Word
    east_asia = doc.styles["Normal"].element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    )
    assert east_asia == "宋体"


def test_excel_ledger_has_a_row_per_activity(ledger: activity_reports.Ledger) -> None:
    wb = load_workbook(io.BytesIO(ledger_export.ledger_xlsx(ledger)))
    assert wb.sheetnames == ["汇总", "活动明细", "六个一"]
    rows = list(wb["活动明细"].iter_rows(min_row=2, values_only=True))
    assert [r[4] for r in rows] == [a.title for a in ledger.activities]
    assert rows[-1][11] == 2  # photo count of the last (newest) activity
    six = {r[0]: r[1] for r in wb["六个一"].iter_rows(min_row=2, values_only=True)}
    assert six["志愿服务"] == ledger.six_items.counts[ActivityKind.VOLUNTEER]


def test_english_ledger_uses_english_labels(ledger: activity_reports.Ledger) -> None:
    wb = load_workbook(io.BytesIO(ledger_export.ledger_xlsx(ledger, lang="en")))
    assert wb.sheetnames == ["Summary", "Activities", "Six items"]


def test_empty_year_makes_a_ledger_saying_so(session: Session, liaison: Actor) -> None:
    ledger = activity_reports.build_ledger(session, unit_id=liaison.unit_id, year=2001, as_of=TODAY)  # type: ignore[arg-type]
    doc = Document(io.BytesIO(ledger_export.ledger_docx(ledger)))
    assert "本年度暂无活动记录。" in "\n".join(p.text for p in doc.paragraphs)


def test_unknown_unit_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        activity_reports.unit_id_by_name(session, "不存在的单位")


def _run(cli: CliRun, args: list[str], db: Path) -> CliResult:
    return cli(args, db=db)


def test_cli_writes_docx_and_xlsx_and_refuses_bad_input(db_file: Path, tmp_path: Path, cli: CliRun) -> None:
    from db.engine import make_engine

    engine = make_engine(f"sqlite:///{db_file}")
    with Session(engine) as s:
        unit = s.scalar(select(Unit.name).where(Unit.name == "县人民医院"))
        titles = expected_titles(s, s.scalar(select(Unit.id).where(Unit.name == unit)), TODAY.year)  # type: ignore[arg-type]
    engine.dispose()
    out = tmp_path / "台账.xlsx"
    result = _run(cli, ["ledger", "--unit", unit, "--year", str(TODAY.year), "--out", str(out)], db_file)  # type: ignore[list-item]
    assert result.returncode == 0, result.stderr
    rows = list(load_workbook(out)["活动明细"].iter_rows(min_row=2, values_only=True))
    assert [r[4] for r in rows] == titles
    docx_out = tmp_path / "台账.docx"
    done = _run(cli, ["ledger", "--unit", unit, "--year", str(TODAY.year), "--out", str(docx_out)], db_file)  # type: ignore[list-item]
    assert done.returncode == 0
    assert titles[0] in "\n".join(p.text for p in Document(str(docx_out)).paragraphs)
    bad_unit = _run(cli, ["ledger", "--unit", "不存在的单位", "--year", "2026", "--out", str(out)], db_file)
    assert bad_unit.returncode == 1 and "不存在的单位" in bad_unit.stderr
    bad_out = _run(cli, ["ledger", "--unit", unit, "--year", "2026", "--out", str(tmp_path / "x.pdf")], db_file)  # type: ignore[list-item]
    assert bad_out.returncode == 2
