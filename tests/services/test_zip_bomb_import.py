"""A small .xlsx that unpacks to hundreds of MB (a zip bomb) is refused before anything parses it:
quickly, in light memory, with a message a community worker understands, and nothing written; the
20,000-row workbook of quality.md still passes the check."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.engine import make_engine
from db.models import Community, Member, Need
from domain.actor import Actor
from domain.errors import ValidationError
from locales import translate
from services import lists_io, members
from workbook import archive
from workbook import excel_lists as X

MB = 1024 * 1024
LONG_TEXT = (b'<row><c t="inlineStr"><is><t>', b"A", b"</t></is></c></row>")  # one MB of text per cell
SMALL_CELLS = (b"", b"<row><c><v>1</v></c></row>", b"")  # a million tiny cells


def _bomb(uncompressed_mb: int, shape: tuple[bytes, bytes, bytes], sheet: str = "xl/worksheets/sheet3.xml") -> bytes:
    """A real lists workbook whose 需求清单 sheet is ``uncompressed_mb`` MB of ``shape``, written streaming."""
    base = zipfile.ZipFile(io.BytesIO(X.build_workbook({})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in base.infolist():
            if info.filename != sheet:
                z.writestr(info.filename, base.read(info.filename))
        with z.open(sheet, "w", force_zip64=True) as f:
            f.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            head, body, tail = shape
            chunk = body * (MB // len(body))
            for _ in range(uncompressed_mb):
                f.write(head + chunk + tail)
            f.write(b"</sheetData></worksheet>")
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = _bomb(400, LONG_TEXT)
    assert len(data) < 1 * MB  # a small file…
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) > 400 * MB  # …that unpacks huge
    return data


@pytest.fixture(scope="module")
def dense_bomb() -> bytes:
    """Under the total limit, but packed 400:1: a parser would still spend a minute on it."""
    data = _bomb(60, SMALL_CELLS)
    assert len(data) < 200 * 1024
    return data


def _needs(session: Session) -> int:
    return session.scalar(select(func.count(Need.id))) or 0


@pytest.fixture
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Records any call of openpyxl's reader from the importers."""
    calls: list[object] = []

    def spy(*args: object, **kwargs: object) -> None:
        calls.append(args)
        raise AssertionError("openpyxl was asked to parse the file")

    monkeypatch.setattr(X, "load_workbook", spy)
    monkeypatch.setattr(members, "load_workbook", spy)
    return calls


@pytest.mark.parametrize("which", ["bomb", "dense_bomb"])
def test_a_zip_bomb_is_refused_quickly_before_parsing_and_writes_nothing(
    session: Session, admin: Actor, no_parsing: list[object], which: str, request: pytest.FixtureRequest
) -> None:
    data = request.getfixturevalue(which)
    before = _needs(session)
    tracemalloc.start()
    t0 = time.perf_counter()
    with pytest.raises(ValidationError) as err:
        lists_io.import_lists(session, admin, data=data)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (err.value.field, err.value.code) == ("lists.fields.file", "error.workbook_too_large")
    assert no_parsing == [] and _needs(session) == before
    assert elapsed < 5 and peak < 20 * MB, (elapsed, peak)
    text = translate("zh_CN", err.value.code, field=translate("zh_CN", err.value.field), **err.value.params)
    assert "文件过大或已损坏" in text and "未作任何导入" in text
    assert "too large or damaged" in translate("en", err.value.code, field="file", **err.value.params)


def test_the_members_import_refuses_a_zip_bomb_too(
    session: Session, admin: Actor, no_parsing: list[object], bomb: bytes
) -> None:
    before = session.scalar(select(func.count(Member.id)))
    with pytest.raises(ValidationError) as err:
        members.import_members(session, admin, bomb)
    assert err.value.code == "error.workbook_too_large" and no_parsing == []
    assert session.scalar(select(func.count(Member.id))) == before


def test_a_workbook_of_too_many_entries_is_refused(session: Session, admin: Actor, no_parsing: list[object]) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for i in range(archive.MAX_ENTRIES + 1):
            z.writestr(f"xl/media/{i}.xml", b"<a/>")
    with pytest.raises(ValidationError) as err:
        lists_io.import_lists(session, admin, data=out.getvalue())
    assert err.value.code == "error.workbook_too_large" and no_parsing == []


def _truncated() -> bytes:
    data = X.build_workbook({})
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    "data",
    [b"name,title\n", b"PK\x03\x04" + b"\0" * 200, b"", pytest.param(None, id="truncated")],
)
def test_a_file_that_is_no_workbook_is_refused_with_a_clear_message(
    session: Session, admin: Actor, data: bytes | None
) -> None:
    with pytest.raises(ValidationError) as err:
        lists_io.import_lists(session, admin, data=_truncated() if data is None else data)
    assert (err.value.field, err.value.code) == ("lists.fields.file", "lists.errors.bad_workbook")


def test_a_damaged_entry_inside_a_sound_archive_is_refused_without_a_traceback(session: Session, admin: Actor) -> None:
    good = X.build_workbook({X.NEEDS: [["安澜社区", "长椅维修", "民生保障", None, None, None, None, None]]})
    base = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in base.infolist():
            body = base.read(info.filename)
            z.writestr(info.filename, body[: len(body) // 2] if info.filename.endswith("sheet3.xml") else body)
    with pytest.raises(ValidationError) as err:
        lists_io.import_lists(session, admin, data=out.getvalue())
    assert err.value.code == "lists.errors.bad_workbook"


def test_the_20000_row_workbook_of_the_benchmark_passes_the_check() -> None:
    rows = [
        (
            f"社区{i % 250:03d}",
            f"基准导入需求{i:05d}",
            "民生保障",
            "批量导入的测试需求",
            "中",
            "2026-11-01",
            "走访",
            "待对接",
        )
        for i in range(20_000)
    ]
    data = X.build_workbook({X.NEEDS: rows})
    infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    total = sum(i.file_size for i in infos)
    archive.check_archive(data)  # does not raise
    # ample room: the limits are several times what this workbook needs
    assert total * 5 < archive.MAX_UNCOMPRESSED
    assert max(i.file_size / i.compress_size for i in infos if i.file_size > archive.RATIO_FROM) * 3 < archive.MAX_RATIO


def test_manage_import_refuses_a_zip_bomb_with_exit_1(
    db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], bomb: bytes
) -> None:
    import manage

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_file}")
    engine = make_engine(f"sqlite:///{db_file}")
    with Session(engine) as s:
        before = (_needs(s), s.scalar(select(func.count(Community.id))))
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb)
    t0 = time.perf_counter()
    assert manage.main(["import", str(path)]) == 1
    assert manage.main(["import", str(path), "--dry-run"]) == 1
    assert time.perf_counter() - t0 < 10
    err = capsys.readouterr().err
    assert "文件过大或已损坏" in err and "Traceback" not in err
    with Session(engine) as s:
        assert (_needs(s), s.scalar(select(func.count(Community.id)))) == before
    engine.dispose()
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"this is not a workbook")
    assert manage.main(["import", str(junk)]) == 1
    assert "无法读取该文件" in capsys.readouterr().err
