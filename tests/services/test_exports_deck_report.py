"""The joint meeting's deck (.pptx), the quarterly report (.docx), chart PNGs and the CLI."""

from __future__ import annotations

import io
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import docx
import pptx
import pytest
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.util import Inches
from sqlalchemy import Engine
from sqlalchemy.orm import Session

import exports.png
from exports import charts
from exports.deck_pptx import SLIDE_KEYS, build_deck, build_slides
from exports.png import NoCJKFont, chart_png
from exports.report_docx import REPORT_CHARTS, build_report
from locales import translate
from manage import main
from services import metrics, quarterly
from tests.conftest import TODAY

tr = partial(translate, "zh_CN")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
pytestmark = pytest.mark.skipif(not exports.png.cjk_font_available(), reason="no CJK font on this machine")


@pytest.fixture(scope="module")
def quarter_and_images(sqlite_template: Path) -> tuple[quarterly.QuarterSummary, dict]:  # type: ignore[type-arg]
    """The current quarter of the demo and its charts as PNG (drawn once: vl-convert is slow)."""
    from db.engine import make_engine

    engine = make_engine(f"sqlite:///{sqlite_template}")
    with Session(engine) as s:
        year, quarter = metrics.quarter_of(TODAY)
        q = quarterly.get_quarter_summary(s, year=year, quarter=quarter, today=TODAY)
    engine.dispose()
    return q, charts.quarter_images(q, tr)


def test_chart_png_is_a_png_with_chinese_labels_rendered() -> None:
    import pandas as pd

    df = pd.DataFrame({"类别": ["党建共建", "民生保障"], "数量": [3, 5]})
    png = chart_png(charts.bar(df, x="类别", y="数量", title="需求", x_title="类别", y_title="数量"))
    assert png.startswith(PNG_MAGIC)


def test_chart_png_refuses_clearly_without_a_cjk_font(monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    monkeypatch.setattr(exports.png, "cjk_font_available", lambda: False)
    chart = charts.bar(pd.DataFrame({"a": ["x"], "b": [1]}), x="a", y="b", title="t", x_title="x", y_title="y")
    with pytest.raises(NoCJKFont, match="fonts-noto-cjk"):
        chart_png(chart)


def test_deck_has_every_slide_16_9_with_charts_as_images(quarter_and_images) -> None:  # type: ignore[no-untyped-def]
    q, images = quarter_and_images
    slides = build_slides(q, tr=tr, lang="zh_CN")
    assert [s.key for s in slides] == list(SLIDE_KEYS)
    deck = pptx.Presentation(io.BytesIO(build_deck(slides, images, footer=tr("present.alliance"))))
    assert (deck.slide_width, deck.slide_height) == (Inches(13.333), Inches(7.5))
    assert len(deck.slides) == len(SLIDE_KEYS)
    by_key = dict(zip(SLIDE_KEYS, deck.slides, strict=True))

    def pictures(key: str) -> int:
        return sum(1 for sh in by_key[key].shapes if sh.shape_type == pptx.enum.shapes.MSO_SHAPE_TYPE.PICTURE)

    def tables(key: str) -> int:
        return sum(1 for sh in by_key[key].shapes if sh.has_table)

    assert pictures("needs_projects") == 2
    assert pictures("activities") == 1
    assert tables("chairs") == 2
    texts = [sh.text_frame.text for sh in by_key["title"].shapes if sh.has_text_frame]
    assert any(f"{q.year}年第{q.quarter}季度" in t for t in texts)
    # a CJK font on the runs, East Asian typeface included
    xml = by_key["figures"].shapes[-1]._element.xml
    assert 'typeface="Noto Sans CJK SC"' in xml and "<a:ea" in xml


def test_every_slide_has_its_title_in_the_title_placeholder(quarter_and_images) -> None:  # type: ignore[no-untyped-def]
    """PowerPoint's and WPS's outline list a slide by its title placeholder."""
    q, images = quarter_and_images
    slides = build_slides(q, tr=tr, lang="zh_CN")
    deck = pptx.Presentation(io.BytesIO(build_deck(slides, images, footer=tr("present.alliance"))))
    titles = []
    for slide in deck.slides:
        title = slide.shapes.title
        assert title is not None and title.is_placeholder
        assert title.placeholder_format.type in (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
        titles.append(title.text_frame.text)
    assert titles == [s.title for s in slides]
    assert titles[0] == f"{q.year}年第{q.quarter}季度党建联盟联席会议"
    assert titles[1:] == [tr(f"present.slide.{k}") for k in SLIDE_KEYS[1:]]
    # the cover is not blank: the four key figures and this month's chair
    cover = " ".join(sh.text_frame.text for sh in deck.slides[0].shapes if sh.has_text_frame)
    assert "轮值主席" in cover and "统计时段" in cover
    assert q.figure("activities").value is not None and "开展活动（次）" in cover


def test_report_has_summary_tables_and_charts(quarter_and_images) -> None:  # type: ignore[no-untyped-def]
    q, images = quarter_and_images
    doc = docx.Document(io.BytesIO(build_report(q, images, tr=tr, lang="zh_CN", issued_on=TODAY)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"关于{q.year}年第{q.quarter}季度" in text
    assert "本季度各共建单位共开展活动" in text
    assert "较上季度同期" in text  # 24 November: Q4 is not over, compared with as many days of Q3
    assert "统计时段：2026年10月1日至2026年11月24日（本季度尚未结束，已过55天）" in text
    assert "与上季度同期（2026年7月1日至2026年8月24日，同为55天）比较" in text
    assert "至2026年12月31日" not in text
    assert "六、下一步工作" in text
    assert len(doc.inline_shapes) == len(REPORT_CHARTS)
    header = [c.text for c in doc.tables[0].rows[0].cells]
    assert header == ["指标", "本季度", "上季度同期", "变化"]
    assert len(doc.tables[0].rows) == len(quarterly.FIGURES) + 1
    if q.six_items_behind:
        assert any(t.rows[0].cells[0].text == "单位" for t in doc.tables[1:])
    normal = doc.styles["Normal"].element.xml
    assert 'w:eastAsia="仿宋_GB2312"' in normal


def test_deck_and_report_on_an_empty_database(empty_engine: Engine) -> None:
    with Session(empty_engine) as s:
        q = quarterly.get_quarter_summary(s, year=2026, quarter=1, today=TODAY)
    slides = build_slides(q, tr=tr, lang="zh_CN")
    deck = pptx.Presentation(io.BytesIO(build_deck(slides, charts.quarter_images(q, tr), footer="")))
    assert len(deck.slides) == len(SLIDE_KEYS)
    doc = docx.Document(io.BytesIO(build_report(q, {}, tr=tr, lang="zh_CN", issued_on=TODAY)))
    assert "本季度未召开联席会议" in "\n".join(p.text for p in doc.paragraphs)


def test_report_in_english(quarter_and_images) -> None:  # type: ignore[no-untyped-def]
    q, _images = quarter_and_images
    en = partial(translate, "en")
    doc = docx.Document(io.BytesIO(build_report(q, {}, tr=en, lang="en", issued_on=TODAY)))
    assert doc.tables[0].rows[0].cells[0].text == "Figure"


@pytest.fixture
def cli_db(db_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_file}")
    monkeypatch.setenv("COBUILD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COBUILD_LANG", raising=False)
    yield db_file


def test_cli_writes_the_quarterly_report(cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "通报.docx"
    code = main(
        [
            "report",
            "quarterly",
            "--year",
            str(TODAY.year),
            "--quarter",
            "3",
            "--out",
            str(out),
            "--today",
            TODAY.isoformat(),
        ]
    )
    assert code == 0
    assert "已生成情况通报" in capsys.readouterr().out
    doc = docx.Document(str(out))
    assert any(f"关于{TODAY.year}年第3季度" in p.text for p in doc.paragraphs[:4])
    assert len(doc.inline_shapes) == len(REPORT_CHARTS)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--year", "2026", "--quarter", "5", "--out", "x.docx"], 2),
        (["--year", "2026", "--quarter", "1", "--out", "x.pdf"], 2),
    ],
)
def test_cli_rejects_bad_usage(
    cli_db: Path, tmp_path: Path, args: list[str], code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [a if not a.startswith("x.") else str(tmp_path / a) for a in args]
    assert main(["report", "quarterly", *args]) == code
    assert capsys.readouterr().err.strip()


def test_cli_without_a_cjk_font_fails_with_a_message(
    cli_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(exports.png, "cjk_font_available", lambda: False)
    code = main(["report", "quarterly", "--year", "2026", "--quarter", "1", "--out", str(tmp_path / "r.docx")])
    assert code == 1
    assert "中文字体" in capsys.readouterr().err
    assert not (tmp_path / "r.docx").exists()
