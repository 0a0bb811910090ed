"""manage.py check-attachments [--quarantine]: files stored before uploads were decoded and rewritten
(planted here straight into the database, as the old code stored them) are found, then quarantined or
rewritten; a second run finds nothing."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

import manage
from db.engine import make_engine
from db.models import Activity, Agreement, Attachment
from domain.enums import AttachmentOwner
from services import attachments
from tests import attack_files as af
from tests.conftest import _actor


def _plant(s: Session, owner: AttachmentOwner, owner_id: int, name: str, mime: str, data: bytes) -> int:
    """A row exactly as the old upload code stored it: the uploaded bytes, the name as typed."""
    row = Attachment(
        owner_type=owner,
        owner_id=owner_id,
        filename=name,
        mime_type=mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    row.data = data
    s.add(row)
    s.flush()
    return row.id


@pytest.fixture
def planted(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, int]]:
    db = tmp_path / "cobuild.db"
    shutil.copy(sqlite_template, db)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("COBUILD_LANG", "zh_CN")
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        activity = int(s.scalar(select(Activity.id).where(Activity.deleted_at.is_(None)).order_by(Activity.id)) or 0)
        agreement = s.scalar(select(Agreement).where(Agreement.deleted_at.is_(None)).order_by(Agreement.id))
        assert agreement is not None
        ids = {
            "fake_pdf": _plant(
                s, AttachmentOwner.AGREEMENT, agreement.id, "协议.pdf", "application/pdf", b"%PDF-1.4\n" + af.HTML
            ),
            "js_pdf": _plant(
                s, AttachmentOwner.AGREEMENT, agreement.id, "协议2.pdf", "application/pdf", af.pdf_with_javascript()
            ),
            "png_zip": _plant(
                s, AttachmentOwner.ACTIVITY, activity, "现场.png", "image/png", af.png() + af.zip_bytes()
            ),
            "gps_jpeg": _plant(
                s, AttachmentOwner.ACTIVITY, activity, "IMG_1.jpg", "image/jpeg", af.jpeg_with_gps_and_orientation()
            ),
            "markup_name": _plant(s, AttachmentOwner.ACTIVITY, activity, af.MARKUP_NAME, "image/png", af.png()),
            "bomb": _plant(s, AttachmentOwner.ACTIVITY, activity, "bomb.png", "image/png", af.png_bomb()),
        }
        agreement.attachment_id = ids["fake_pdf"]
        ids["agreement"] = agreement.id
        # one file stored by today's upload: left alone
        ids["clean"] = attachments.store_attachment(
            s, _actor(s, "admin"), AttachmentOwner.ACTIVITY, activity, "合影.jpg", af.jpeg_with_gps_and_orientation()
        )
        s.commit()
    engine.dispose()
    return db, ids


def _rows(db: Path) -> dict[int, Attachment]:
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine, expire_on_commit=False) as s:
        rows = {a.id: a for a in s.scalars(select(Attachment).execution_options(populate_existing=True))}
        for a in rows.values():
            _ = a.data, a.thumbnail
        s.expunge_all()
    engine.dispose()
    return rows


def test_check_reports_then_quarantines_the_files_stored_before_the_checks(
    planted: tuple[Path, dict[str, int]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, ids = planted
    before = _rows(db)

    assert manage.main(["check-attachments"]) == 1
    out = capsys.readouterr().out
    for key in ("fake_pdf", "js_pdf", "bomb"):
        assert any(line.startswith("不合格") and f"#{ids[key]}\t" in line for line in out.splitlines()), (key, out)
    for key in ("png_zip", "gps_jpeg", "markup_name"):
        assert any(line.startswith("需重写") and f"#{ids[key]}\t" in line for line in out.splitlines()), (key, out)
    assert f"#{ids['clean']}\t" not in out
    assert "--quarantine" in out
    assert _rows(db).keys() == before.keys()  # a report changes nothing

    folder = tmp_path / "quarantine"
    assert manage.main(["check-attachments", "--quarantine", "--to", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "已隔离" in out and "已重写" in out
    after = _rows(db)

    # refused files are out of the database, kept byte for byte in the folder, the agreement unlinked
    for key in ("fake_pdf", "js_pdf", "bomb"):
        assert ids[key] not in after
        assert (folder / f"attachment-{ids[key]}.bin").read_bytes() == before[ids[key]].data
        note = json.loads((folder / f"attachment-{ids[key]}.json").read_text("utf-8"))
        assert note["verdict"] == "refuse" and note["filename"] == before[ids[key]].filename
    engine = make_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        assert s.get(Agreement, ids["agreement"]).attachment_id is None  # type: ignore[union-attr]
    engine.dispose()

    # rewritten files: read back with Pillow
    png = after[ids["png_zip"]]
    assert not zipfile.is_zipfile(io.BytesIO(png.data)) and png.data.endswith(b"IEND\xaeB`\x82")
    assert png.sha256 == hashlib.sha256(png.data).hexdigest() and png.size == len(png.data)
    assert (folder / f"attachment-{ids['png_zip']}.bin").read_bytes() == before[ids["png_zip"]].data
    jpeg = after[ids["gps_jpeg"]]
    with Image.open(io.BytesIO(jpeg.data)) as img:
        assert img.size == (40, 80) and not img.getexif().get_ifd(0x8825) and dict(img.getexif()) == {}
    assert jpeg.thumbnail is not None
    assert after[ids["markup_name"]].filename == "file.png"
    # the file stored by today's upload is untouched
    assert after[ids["clean"]].data == before[ids["clean"]].data

    # a second run finds nothing left to do
    assert manage.main(["check-attachments"]) == 0
    out = capsys.readouterr().out
    assert "不合格 0" in out and "需重写 0" in out


def test_check_messages_in_english(
    planted: tuple[Path, dict[str, int]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _db, ids = planted
    monkeypatch.setenv("COBUILD_LANG", "en")
    assert manage.main(["check-attachments"]) == 1
    out = capsys.readouterr().out
    line = next(li for li in out.splitlines() if f"#{ids['fake_pdf']}\t" in li)
    assert line.startswith("fails") and "accepts only" in line
