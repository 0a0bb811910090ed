"""The 情况通报 and the 会议纪要 as Chinese official documents (GB/T 9704-2012), read back with
python-docx and, where LibreOffice is installed, rendered to PDF; the 发文字号 sequence."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import partial
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import etree
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

import exports.png
from db.engine import make_engine, make_session_factory
from db.models import Meeting
from domain.actor import SYSTEM, Actor
from domain.errors import PermissionDenied, ValidationError
from exports import gbt9704 as gb
from exports.minutes_docx import minutes_docx
from exports.report_docx import build_report
from locales import translate
from manage import main
from services import meetings, metrics, quarterly, report_numbers
from services.retry import run_with_retry
from tests.conftest import TODAY

tr = partial(translate, "zh_CN")
ROOT = Path(__file__).resolve().parents[2]
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_cjk = pytest.mark.skipif(not exports.png.cjk_font_available(), reason="no CJK font on this machine")


# --- helpers -------------------------------------------------------------------------------------


def _mm(length: int | None) -> float:
    assert length is not None
    return length / Mm(1)


def assert_gbt9704_page(doc: docx.document.Document) -> None:
    """A4, margins 37/35/28/26 mm (±1), odd and even page numbers "— PAGE —" in 四号宋体."""
    section = doc.sections[0]
    assert round(_mm(section.page_width)) == 210 and round(_mm(section.page_height)) == 297
    for got, want in (
        (section.top_margin, 37),
        (section.bottom_margin, 35),
        (section.left_margin, 28),
        (section.right_margin, 26),
    ):
        assert abs(_mm(got) - want) <= 1, (got, want)
    assert doc.settings.odd_and_even_pages_header_footer
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        xml = footer._element.xml
        instr = "".join(t.text or "" for t in footer._element.iter(qn("w:instrText")))
        assert instr.strip() == "PAGE", xml
        assert '<w:fldChar w:fldCharType="begin"/>' in xml and 'w:fldCharType="end"' in xml
        text = "".join(t.text or "" for t in footer._element.iter(qn("w:t")))
        assert text == "— 1 —"
        para = footer.paragraphs[0]
        assert para.alignment is not None and para.alignment.name.lower() == align
        for run in para.runs:
            assert run.font.size == Pt(14)
            assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"


def east_asian(run_or_style) -> str | None:  # type: ignore[no-untyped-def]
    element = run_or_style.element if hasattr(run_or_style, "element") else run_or_style._element
    return element.rPr.rFonts.get(qn("w:eastAsia"))


def assert_font_table_has_fallbacks(doc: docx.document.Document) -> None:
    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    alt = {
        f.get(qn("w:name")): f.find(qn("w:altName")).get(qn("w:val"))
        for f in root.findall(qn("w:font"))
        if f.find(qn("w:altName")) is not None
    }
    assert alt["方正小标宋简体"] == "华文中宋"
    assert alt["仿宋_GB2312"] == "仿宋"
    assert alt["楷体_GB2312"] == "楷体"
    assert alt["黑体"] == "SimHei"


def _para(doc: docx.document.Document, text: str):  # type: ignore[no-untyped-def]
    return next(p for p in doc.paragraphs if p.text == text)


def _render(tmp_path: Path, name: str, data: bytes) -> tuple[list[tuple[float, float]], str]:
    """The document through LibreOffice: each page's size in points and the PDF's text."""
    from pypdf import PdfReader

    src = tmp_path / name
    src.write_bytes(data)
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "FONTCONFIG_FILE": str(FONTCONFIG)}
    subprocess.run(
        [SOFFICE or "soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
        check=True,
        capture_output=True,
        timeout=180,
        env=env,
    )
    pdf = PdfReader(str(src.with_suffix(".pdf")))
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in pdf.pages]
    return sizes, "".join(p.extract_text() or "" for p in pdf.pages)


FONTCONFIG = ROOT / "deploy" / "fontconfig" / "cobuild-gbt9704.conf"


# --- the quarterly report -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quarter(sqlite_template: Path) -> quarterly.QuarterSummary:
    engine = make_engine(f"sqlite:///{sqlite_template}")
    with Session(engine) as s:
        year, q = metrics.quarter_of(TODAY)
        summary = quarterly.get_quarter_summary(s, year=year, quarter=q, today=TODAY)
    engine.dispose()
    return summary


@pytest.fixture(scope="module")
def report_bytes(quarter: quarterly.QuarterSummary) -> bytes:
    from exports import charts

    images = charts.quarter_images(quarter, tr) if exports.png.cjk_font_available() else {}
    return build_report(quarter, images, tr=tr, lang="zh_CN", issued_on=TODAY, number="共建联盟〔2026〕3号")


def test_report_is_laid_out_as_gbt9704(report_bytes: bytes, quarter: quarterly.QuarterSummary) -> None:
    doc = docx.Document(io.BytesIO(report_bytes))
    assert_gbt9704_page(doc)
    assert_font_table_has_fallbacks(doc)
    normal = doc.styles["Normal"]
    assert normal.font.size == Pt(16)  # 三号
    assert east_asian(normal) == "仿宋_GB2312"
    # 版头: the red mark, then the 文号 centred under it
    mark = doc.paragraphs[0]
    assert mark.text == "社区党建联盟文件"
    assert east_asian(mark.runs[0]) == "方正小标宋简体" and str(mark.runs[0].font.color.rgb) == "E60012"
    number = _para(doc, "共建联盟〔2026〕3号")
    assert number.alignment.name == "CENTER"
    assert number._p.pPr.find(qn("w:pBdr")) is not None  # the red separator line under it
    title = _para(doc, f"关于{quarter.year}年第{quarter.quarter}季度社区党建联盟共建工作情况的通报")
    assert east_asian(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size == Pt(22)  # 二号
    assert title.runs[0].font.color.rgb is None or str(title.runs[0].font.color.rgb) == "000000"
    heading = _para(doc, "一、总体情况")
    assert east_asian(heading.runs[0]) == "黑体" and heading.runs[0].font.size == Pt(16)
    body = next(p for p in doc.paragraphs if p.text.startswith("本季度各共建单位共开展活动"))
    assert east_asian(body.runs[0]) == "仿宋_GB2312"
    assert body.paragraph_format.first_line_indent == Pt(32)  # two characters
    if exports.png.cjk_font_available():
        sub = next(p for p in doc.paragraphs if p.text.startswith("（一）") and p.runs)
        assert east_asian(sub.runs[0]) == "楷体_GB2312"  # 二级标题
    dated = _para(doc, "2026年11月24日")
    assert dated.alignment.name == "RIGHT" and dated.paragraph_format.right_indent == Pt(64)
    assert any(p.text == "社区党建联盟秘书处\t2026年11月24日印发" for p in doc.paragraphs)  # 版记


def test_report_without_a_number_has_no_number_line(quarter: quarterly.QuarterSummary) -> None:
    doc = docx.Document(io.BytesIO(build_report(quarter, {}, tr=tr, lang="zh_CN", issued_on=TODAY)))
    assert not any("〔" in p.text for p in doc.paragraphs)
    assert_gbt9704_page(doc)


def test_fontconfig_file_in_deploy_is_the_generated_one() -> None:
    assert FONTCONFIG.read_text(encoding="utf-8") == gb.fontconfig_xml()


# --- the minutes ---------------------------------------------------------------------------------


def test_minutes_are_laid_out_as_gbt9704(session: Session, admin: Actor) -> None:
    meeting_id = int(session.scalar(select(Meeting.id).order_by(Meeting.id)) or 0)
    detail = meetings.get_meeting(session, admin, meeting_id=meeting_id, today=TODAY)
    doc = docx.Document(io.BytesIO(minutes_docx(detail)))  # type: ignore[arg-type]
    assert_gbt9704_page(doc)
    assert_font_table_has_fallbacks(doc)
    assert doc.paragraphs[0].text == "社区党建联盟会议纪要"
    assert east_asian(doc.paragraphs[0].runs[0]) == "方正小标宋简体"
    issuer_line = doc.paragraphs[1].text
    assert issuer_line.startswith("社区党建联盟秘书处\t") and issuer_line.endswith(
        f"{detail.held_on.year}年{detail.held_on.month}月{detail.held_on.day}日"
    )
    title = _para(doc, detail.title)
    assert east_asian(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size == Pt(22)
    heading = next(p for p in doc.paragraphs if re.match(r"^[一二三四五六]、", p.text))
    assert east_asian(heading.runs[0]) == "黑体"
    assert doc.styles["Normal"].font.size == Pt(16)


# --- rendered through LibreOffice -----------------------------------------------------------------


@pytest.fixture(scope="module")
def minutes_bytes(sqlite_template: Path) -> bytes:
    engine = make_engine(f"sqlite:///{sqlite_template}")
    with Session(engine) as s:
        meeting_id = int(s.scalar(select(Meeting.id).order_by(Meeting.id)) or 0)
        detail = meetings.get_meeting(s, SYSTEM, meeting_id=meeting_id, today=TODAY)
    engine.dispose()
    return minutes_docx(detail)  # type: ignore[arg-type]


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_report_and_minutes_render_as_a4_with_the_number(
    report_bytes: bytes, minutes_bytes: bytes, tmp_path: Path
) -> None:
    sizes, text = _render(tmp_path, "report.docx", report_bytes)
    assert sizes and all(abs(w - 595.3) < 2 and abs(h - 841.9) < 2 for w, h in sizes)  # A4 in points
    compact = re.sub(r"\s+", "", text)
    assert "共建联盟〔2026〕3号" in compact
    assert "—1—" in compact and "社区党建联盟文件" in compact
    sizes, text = _render(tmp_path, "minutes.docx", minutes_bytes)
    assert sizes and all(abs(w - 595.3) < 2 and abs(h - 841.9) < 2 for w, h in sizes)
    assert "社区党建联盟会议纪要" in re.sub(r"\s+", "", text)


# --- the 文号 sequence ----------------------------------------------------------------------------


def test_number_sequence_increments_and_restarts_each_year(session: Session, admin: Actor) -> None:
    assert report_numbers.next_report_number(session, today=TODAY) == "共建联盟〔2026〕1号"
    issue = partial(report_numbers.assign_report_number, session, admin)
    assert issue(today=TODAY) == "共建联盟〔2026〕1号"
    assert issue(today=TODAY) == "共建联盟〔2026〕2号"
    assert report_numbers.next_report_number(session, today=TODAY) == "共建联盟〔2026〕3号"
    # a number typed in is issued as typed, and the sequence goes on after it
    assert issue(today=TODAY, number="〔2026〕7号") == "共建联盟〔2026〕7号"
    assert issue(today=TODAY) == "共建联盟〔2026〕8号"
    # re-issuing an earlier number does not move the sequence back
    assert issue(today=TODAY, number="共建联盟[2026]5号") == "共建联盟〔2026〕5号"
    assert report_numbers.next_report_number(session, today=TODAY) == "共建联盟〔2026〕9号"
    # a new year starts again at 1; the old year's count is kept
    new_year = date(2027, 1, 4)
    assert report_numbers.next_report_number(session, today=new_year) == "共建联盟〔2027〕1号"
    assert issue(today=new_year) == "共建联盟〔2027〕1号"
    assert issue(today=TODAY) == "共建联盟〔2026〕9号"


@pytest.mark.parametrize("bad", ["3号", "〔26〕3号", "〔2026〕0号", "共建联盟2026年3号", "x" * 41])
def test_a_bad_number_is_refused_naming_the_field(session: Session, admin: Actor, bad: str) -> None:
    with pytest.raises(ValidationError) as err:
        report_numbers.assign_report_number(session, admin, today=TODAY, number=bad)
    assert err.value.field == "report.fields.number"
    assert report_numbers.next_report_number(session, today=TODAY) == "共建联盟〔2026〕1号"


def test_only_the_secretariat_issues_numbers(session: Session, leader: Actor, community_worker: Actor) -> None:
    for actor in (leader, community_worker):
        with pytest.raises(PermissionDenied):
            report_numbers.assign_report_number(session, actor, today=TODAY)


NUMBERS_SCHEMA = "cobuild_numbers"


@pytest.fixture
def committed_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database that threads commit to: a file, or a private PostgreSQL schema."""
    from db.migrate import upgrade
    from tests.conftest import PG_URL

    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'numbers.db'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    assert PG_URL
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {NUMBERS_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {NUMBERS_SCHEMA}"))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={NUMBERS_SCHEMA}"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {NUMBERS_SCHEMA} CASCADE"))
        admin.dispose()


def _backends() -> list[str]:
    from tests.conftest import BACKENDS

    return list(BACKENDS)


@pytest.mark.parametrize("committed_engine", _backends(), indirect=True)
def test_numbers_issued_at_once_are_all_different(committed_engine: Engine) -> None:
    """Sixteen issues from eight threads: the row is created once and locked, no number twice."""
    factory = make_session_factory(committed_engine)
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [
            pool.submit(
                run_with_retry,
                factory,
                lambda s: report_numbers.assign_report_number(s, SYSTEM, today=TODAY),
                attempts=20,
            )
            for _ in range(16)
        ]
        issued = [f.result(timeout=60) for f in futures]
    assert sorted(issued, key=lambda t: int(re.search(r"〕(\d+)号", t).group(1))) == [  # type: ignore[union-attr]
        f"共建联盟〔2026〕{n}号" for n in range(1, 17)
    ]


# --- the command line ----------------------------------------------------------------------------


@pytest.fixture
def cli_db(db_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_file}")
    monkeypatch.setenv("COBUILD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COBUILD_LANG", raising=False)
    return db_file


def _report(tmp_path: Path, name: str, *extra: str, today: date = TODAY) -> list[str]:
    out = tmp_path / name
    args = ["report", "quarterly", "--year", "2026", "--quarter", "3", "--out", str(out)]
    return [*args, "--today", today.isoformat(), *extra]


def _numbers(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs if "〔" in p.text]


@needs_cjk
def test_cli_numbers_reports_in_sequence_and_number_overrides(
    cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_report(tmp_path, "a.docx")) == 0
    assert "共建联盟〔2026〕1号" in capsys.readouterr().out
    assert _numbers(tmp_path / "a.docx") == ["共建联盟〔2026〕1号"]
    assert main(_report(tmp_path, "b.docx")) == 0
    assert _numbers(tmp_path / "b.docx") == ["共建联盟〔2026〕2号"]
    assert main(_report(tmp_path, "c.docx", "--number", "〔2026〕10号")) == 0
    assert _numbers(tmp_path / "c.docx") == ["共建联盟〔2026〕10号"]
    assert main(_report(tmp_path, "d.docx")) == 0
    assert _numbers(tmp_path / "d.docx") == ["共建联盟〔2026〕11号"]
    assert main(_report(tmp_path, "e.docx", today=date(2027, 1, 5))) == 0
    assert _numbers(tmp_path / "e.docx") == ["共建联盟〔2027〕1号"]


def test_cli_refuses_a_bad_number_and_writes_nothing(
    cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_report(tmp_path, "x.docx", "--number", "三号")) == 2
    assert "文号" in capsys.readouterr().err
    assert not (tmp_path / "x.docx").exists()
    engine = make_engine(f"sqlite:///{cli_db}")
    with Session(engine) as s:
        assert report_numbers.next_report_number(s, today=TODAY) == "共建联盟〔2026〕1号"
    engine.dispose()
