"""manage.py poster --community ID [--format png|pdf] [--out FILE], in process through manage.main."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from PIL import Image

import manage
from exports import poster
from tests.qr import read_qr

PUBLIC = "https://gongjian.example.gov.cn/"


def _run(
    argv: list[str],
    db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *,
    public_url: str | None = PUBLIC,
    lang: str = "zh_CN",
) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("COBUILD_LANG", lang)
    if public_url is None:
        monkeypatch.delenv("COBUILD_PUBLIC_URL", raising=False)
    else:
        monkeypatch.setenv("COBUILD_PUBLIC_URL", public_url)
    code = manage.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _needs_a_cjk_font() -> None:
    if poster.find_cjk_fonts() is None:
        pytest.skip("no CJK font on this machine (CI installs fonts-noto-cjk)")


def test_writes_the_png_whose_qr_code_opens_the_community_page(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "poster.png"
    code, stdout, err = _run(["poster", "--community", "2", "--out", str(out)], db_file, capsys, monkeypatch)
    assert code == 0, err
    assert "红星社区" in stdout and "https://gongjian.example.gov.cn/wall?c=2" in stdout
    assert read_qr(Image.open(out)) == "https://gongjian.example.gov.cn/wall?c=2"


def test_the_format_pdf_writes_one_a4_page_under_the_communitys_name(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(["poster", "--community", "1", "--format", "pdf"], db_file, capsys, monkeypatch)
    assert code == 0, err
    written = tmp_path / "安澜社区居民码海报.pdf"
    reader = pypdf.PdfReader(io.BytesIO(written.read_bytes()))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842
    img = page.images[0].image
    assert img is not None and read_qr(img) == "https://gongjian.example.gov.cn/wall?c=1"


def test_an_out_file_ending_in_pdf_is_a_pdf(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "a" / "b.pdf"
    code, _, err = _run(["poster", "--community", "1", "--out", str(out)], db_file, capsys, monkeypatch)
    assert code == 0, err
    assert out.read_bytes().startswith(b"%PDF-")


def test_an_unknown_community_exits_1(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "x.png"
    code, _, err = _run(["poster", "--community", "999", "--out", str(out)], db_file, capsys, monkeypatch)
    assert code == 1
    assert "找不到编号为 999 的社区" in err
    assert not out.exists()


def test_an_unset_public_url_exits_1_naming_the_variable(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "x.png"
    argv = ["poster", "--community", "1", "--out", str(out)]
    code, _, err = _run(argv, db_file, capsys, monkeypatch, public_url=None)
    assert code == 1
    assert "COBUILD_PUBLIC_URL" in err and "未设置" in err
    code, _, err = _run(argv, db_file, capsys, monkeypatch, public_url="  ", lang="en")
    assert code == 1
    assert "COBUILD_PUBLIC_URL" in err and "not set" in err
    assert not out.exists()


def test_no_cjk_font_exits_1_with_the_reason_and_writes_nothing(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(poster, "find_cjk_fonts", lambda: None)
    out = tmp_path / "x.pdf"
    code, _, err = _run(["poster", "--community", "1", "--out", str(out)], db_file, capsys, monkeypatch)
    assert code == 1
    assert "中文字体" in err and "fonts-noto-cjk" in err
    assert not out.exists()


def test_a_format_the_out_file_contradicts_is_a_usage_error(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "x.png"
    argv = ["poster", "--community", "1", "--format", "pdf", "--out", str(out)]
    code, _, err = _run(argv, db_file, capsys, monkeypatch)
    assert code == 2
    assert ".pdf" in err
    assert not out.exists()
