"""Issue 13, finding 3, in the browser: a scan uploaded through the real file input (a PNG with a
ZIP appended, named with markup) comes back from the download button as an attachment of the stored
type, under a plain name, holding the image alone."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from tests import attack_files as af
from tests.e2e.conftest import assert_no_exception
from tests.e2e.flows import eventually, settle, sign_in

pytestmark = pytest.mark.e2e


def test_uploaded_scan_downloads_as_an_attachment_of_its_stored_type(fresh_server, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    upload = tmp_path / af.MARKUP_NAME.replace("/", "")
    upload.write_bytes(af.png((120, 90)) + af.zip_bytes())
    sign_in(page, fresh_server.url, "community1", "/lists")
    page.get_by_role("tab", name="共建协议", exact=True).click()
    settle(page)
    page.get_by_text("编辑协议", exact=True).click()
    settle(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(str(upload))
    page.locator('[data-testid="stFileChip"]').first.wait_for()
    settle(page)
    page.get_by_role("button", name="上传扫描件").click()
    settle(page)
    assert_no_exception(page)

    button = page.get_by_role("button", name="下载扫描件")
    eventually(lambda: button.wait_for(timeout=5_000))
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "file.png"
    data = Path(download.path()).read_bytes()
    assert not zipfile.is_zipfile(io.BytesIO(data))
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "PNG" and img.size == (120, 90)

    # the HTTP answer itself: an attachment, of the stored type
    response = page.request.get(download.url)
    assert response.ok
    assert response.headers["content-type"].startswith("image/png")
    assert response.headers["content-disposition"] == 'attachment; filename="file.png"'
    assert response.body() == data
