"""No file the app writes lets user text become a formula (OWASP's CSV injection guidance).

Every exporter runs over text with each dangerous prefix; the result is read back with openpyxl
(no cell is a formula, the text is exactly as typed in a string cell marked quotePrefix) or with
``csv`` (the text has a leading '). A source scan keeps the table of exporters complete: a module
that writes a workbook or a CSV without being listed here fails the test."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Activity, Community, Meeting, Need, Resource, RotationSlot, Unit
from domain.actor import Actor
from domain.enums import AuditAction
from exports import audit_log as audit_files
from exports import ledger as ledger_export
from exports.rotation_xlsx import rotation_xlsx
from services import activity_reports, audit, lists_export, lists_io, members, rotation
from services.audit_log import AuditQuery, export_audit
from tests.conftest import TODAY
from workbook import excel_lists as X

ROOT = Path(__file__).resolve().parents[2]

PAYLOADS = [
    '=HYPERLINK("http://x.invalid","click")',
    "+1+2",
    "-3+cmd|' /C calc'!A0",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=2+2",
]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

Exporter = Callable[[Session, Actor], list[tuple[str, bytes]]]


def _lists(session: Session, admin: Actor) -> list[tuple[str, bytes]]:
    needs = session.scalars(select(Need).where(Need.deleted_at.is_(None)).order_by(Need.id)).all()
    for need, text in zip(needs, PAYLOADS, strict=False):
        need.title = text
    needs[-1].description = PAYLOADS[0]
    session.scalars(select(Community).order_by(Community.id)).first().contact = PAYLOADS[1]  # type: ignore[union-attr]
    session.scalars(select(Resource).order_by(Resource.id)).first().title = PAYLOADS[2]  # type: ignore[union-attr]
    session.scalars(select(Meeting).order_by(Meeting.id)).first().title = PAYLOADS[3]  # type: ignore[union-attr]
    session.flush()
    return [("xlsx", lists_export.export_lists(session))]


def _ledger(session: Session, admin: Actor) -> list[tuple[str, bytes]]:
    unit_id, year = session.execute(
        select(Activity.unit_id, Activity.held_on).where(Activity.deleted_at.is_(None)).order_by(Activity.id)
    ).first()  # type: ignore[misc]
    acts = session.scalars(
        select(Activity).where(Activity.unit_id == unit_id, Activity.deleted_at.is_(None)).order_by(Activity.id)
    ).all()
    acts = [a for a in acts if a.held_on.year == year.year]
    for act, text in zip(acts, PAYLOADS, strict=False):
        act.title = text
        act.description = text
    session.get(Unit, unit_id).contact = PAYLOADS[0]  # type: ignore[union-attr]
    session.flush()
    ledger = activity_reports.build_ledger(session, unit_id=unit_id, year=year.year, as_of=TODAY, with_photos=False)
    six = pd.DataFrame({"单位": PAYLOADS, "完成": range(len(PAYLOADS))})
    return [("xlsx", ledger_export.ledger_xlsx(ledger)), ("xlsx", ledger_export.frame_xlsx(six, "六个一"))]


def _rotation(session: Session, admin: Actor) -> list[tuple[str, bytes]]:
    first = session.scalars(select(RotationSlot).order_by(RotationSlot.year, RotationSlot.month)).first()
    assert first is not None
    slots = session.scalars(
        select(RotationSlot).where(RotationSlot.year == first.year, RotationSlot.community_id == first.community_id)
    ).all()
    for slot, text in zip(slots, PAYLOADS, strict=False):
        slot.theme = text
        slot.plan = text
    session.flush()
    views = rotation.get_year(session, year=first.year, community_id=first.community_id)
    return [("xlsx", rotation_xlsx(views, year=first.year, scope_name=PAYLOADS[0]))]


def _members(session: Session, admin: Actor) -> list[tuple[str, bytes]]:
    return [("xlsx", members.import_template())]  # headers only: no user text reaches it


def _audit(session: Session, admin: Actor) -> list[tuple[str, bytes]]:
    for text in PAYLOADS:
        audit.record(session, admin, AuditAction.UPDATE, "need", 1, after={"title": text})
    df, _ = export_audit(session, admin, query=AuditQuery())
    df = df.head(len(PAYLOADS)).copy()
    df["username"] = PAYLOADS[: len(df)]
    df["summary"] = list(reversed(PAYLOADS))[: len(df)]
    return [("xlsx", audit_files.to_xlsx(df, sheet="审计日志")), ("csv", audit_files.to_csv(df))]


def _chart_csv(session: Session, admin: Actor) -> list[tuple[str, bytes]]:
    from workbook.cells import frame_csv  # what ui/charts/panels.py offers as the chart's data

    return [("csv", frame_csv(pd.DataFrame({"单位": PAYLOADS, "活动数": [-5, 1, 2, 3, 4, 5]})))]


# Module (as in the source tree) → the case that runs it. The scan below fails on a module that
# writes workbooks or CSV and is missing here.
EXPORTERS: dict[str, Exporter] = {
    "workbook/excel_lists.py": _lists,
    "services/lists_export.py": _lists,
    "exports/ledger.py": _ledger,
    "exports/rotation_xlsx.py": _rotation,
    "services/members.py": _members,
    "exports/audit_log.py": _audit,
    "ui/charts/panels.py": _chart_csv,
}
WRITES = re.compile(
    r"\bWorkbook\(|\bnew_workbook\(|\bbuild_workbook\(|(?<!audit_files)\.to_csv\(|\bframe_csv\(|csv\.writer\(|DictWriter\("
    r"|\.to_excel\(|xlsxwriter"
)
DIRECT = re.compile(r"\bWorkbook\(|(?<!audit_files)\.to_csv\(|csv\.writer\(|DictWriter\(|\.to_excel\(|xlsxwriter")


def _sources() -> list[Path]:
    skip = {"tests", ".venv", "workbook", ".git"}
    return [p for p in ROOT.rglob("*.py") if not skip & set(p.relative_to(ROOT).parts)]


def test_every_module_that_writes_a_spreadsheet_is_in_the_table() -> None:
    writers = {str(p.relative_to(ROOT)) for p in _sources() if WRITES.search(p.read_text(encoding="utf-8"))}
    writers.discard("bench/writes.py")  # builds the 20,000-row benchmark workbook through workbook.excel_lists
    assert writers - set(EXPORTERS) == set()


def test_only_the_cell_helper_makes_workbooks_and_csv() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in _sources() if DIRECT.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def _check_xlsx(data: bytes) -> set[str]:
    found: set[str] = set()
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str) and c.value.startswith(DANGEROUS):
                    assert c.data_type == "s" and c.quotePrefix, (ws.title, c.coordinate, c.value)
                    found.add(c.value)
    return found


def _check_csv(data: bytes) -> set[str]:
    found: set[str] = set()
    for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")):
        for value in row:
            try:
                float(value)
                continue  # a number written as a number (-5) is not text
            except ValueError:
                pass
            assert not value.startswith(DANGEROUS), value
            if value.startswith("'") and value[1:].startswith(DANGEROUS):
                found.add(value[1:])
    return found


@pytest.mark.parametrize(
    "exporter", sorted(set(EXPORTERS.values()), key=lambda f: f.__name__), ids=lambda f: f.__name__
)
def test_exporter_writes_formula_like_text_as_text(session: Session, admin: Actor, exporter: Exporter) -> None:
    files = exporter(session, admin)
    found: set[str] = set()
    for kind, data in files:
        found |= _check_xlsx(data) if kind == "xlsx" else _check_csv(data)
    if exporter is not _members:
        assert set(PAYLOADS) <= found, "every typed text is in the file exactly as typed"


def test_formula_like_titles_round_trip_through_export_and_import(session: Session, admin: Actor) -> None:
    needs = session.scalars(select(Need).where(Need.deleted_at.is_(None)).order_by(Need.id)).all()
    # the importer trims surrounding whitespace, and a project's 对应需求 cell splits need titles at commas
    typed = [p.replace(",", " ") for p in PAYLOADS if not p[0].isspace()]
    for need, text in zip(needs, typed, strict=False):
        need.title = text
        need.description = text
    session.flush()
    data = lists_export.export_lists(session)
    report = lists_io.import_lists(session, admin, data=data)
    assert report.created == {} and report.updated == {}, "the file reads back exactly as written"
    titles = set(session.scalars(select(Need.title)))
    assert set(typed) <= titles


def test_imported_text_that_looks_like_a_formula_stays_text(session: Session, admin: Actor) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = X.NEEDS
    ws.append(["社区", "需求名称", "需求类别"])
    community = session.scalars(select(Community.name).order_by(Community.id)).first()
    ws.append([community, "x", "民生保障"])
    ws["B2"].value, ws["B2"].data_type = '=HYPERLINK("http://x.invalid","click")', "s"  # a text cell
    ws.append([community, '="a"&"b"', "民生保障"])  # a real formula: never evaluated
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(lists_io.ImportRejected) as err:
        lists_io.import_lists(session, admin, data=out.getvalue(), dry_run=True)
    assert [(c.row, c.column) for c in err.value.cells] == [(3, "需求名称")]  # the formula has no value
    ws.delete_rows(3)
    out = io.BytesIO()
    wb.save(out)
    report = lists_io.import_lists(session, admin, data=out.getvalue())
    assert report.created == {X.NEEDS: 1}
    assert session.scalar(select(Need.title).where(Need.title.like("=HYPERLINK%"))) == ws["B2"].value
