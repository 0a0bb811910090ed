"""The residents' QR poster in the browser: community1 opens 居民码海报 at the foot of /lists, downloads
the A4 PDF and the PNG, and both scan to the community's public page. At laptop and phone size; the
screenshots are the README's (docs/screenshots/poster.png is the poster itself)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from PIL import Image

from exports import poster
from tests.e2e.conftest import SCREENSHOTS, Server, assert_no_exception, shot, start_server
from tests.e2e.flows import eventually, settle, sign_in
from tests.qr import read_qr

pytestmark = pytest.mark.e2e

PUBLIC = "https://gongjian.example.gov.cn"


@pytest.fixture(scope="module")
def poster_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Server]:
    if poster.find_cjk_fonts() is None:
        pytest.skip("no CJK font on this machine (CI installs fonts-noto-cjk)")
    srv = start_server(tmp_path_factory.mktemp("poster"), sqlite_template, {"COBUILD_PUBLIC_URL": PUBLIC})
    yield srv
    srv.stop()


def _open_panel(page, url: str):  # type: ignore[no-untyped-def]
    sign_in(page, url, "community1", "/lists")
    assert_no_exception(page)
    expander = page.locator('[data-testid="stExpander"]').filter(has_text="居民码海报")
    expander.get_by_text("居民码海报", exact=True).click()
    settle(page)
    pdf_button = expander.get_by_role("button", name="下载海报（A4 PDF）")
    eventually(lambda: pdf_button.wait_for(timeout=5_000))
    expander.locator('[data-testid="stImage"] img').wait_for()
    assert_no_exception(page)
    return expander


def _download(page, button) -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
    with page.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_community1_downloads_a_poster_that_scans_to_its_page(poster_server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        expander = _open_panel(page, poster_server.url)
        assert f"{PUBLIC}/wall?c=1" in expander.inner_text(), expander.inner_text()
        expander.scroll_into_view_if_needed()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        expander.screenshot(path=str(SCREENSHOTS / "poster-panel.png"))

        name, pdf = _download(page, expander.get_by_role("button", name="下载海报（A4 PDF）"))
        assert name == "安澜社区居民码海报.pdf"
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        assert round(float(box.width)) == 595 and round(float(box.height)) == 842  # A4
        image = reader.pages[0].images[0].image
        assert image is not None and read_qr(image) == f"{PUBLIC}/wall?c=1"

        name, png = _download(page, expander.get_by_role("button", name="下载海报（PNG 图片）"))
        assert name == "安澜社区居民码海报.png"
        with Image.open(io.BytesIO(png)) as img:
            assert img.size == (2480, 3508)
            assert read_qr(img) == f"{PUBLIC}/wall?c=1"
            img.convert("RGB").resize((620, 877), Image.Resampling.LANCZOS).save(SCREENSHOTS / "poster.png")
        assert_no_exception(page)
    finally:
        context.close()


def test_the_panel_at_phone_size(poster_server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        expander = _open_panel(page, poster_server.url)
        button = expander.get_by_role("button", name="下载海报（A4 PDF）")
        button.scroll_into_view_if_needed()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways at phone size ({width} px)"
        assert button.bounding_box()["width"] <= 390
        expander.evaluate(  # its title just below Streamlit's header bar, in the main scroll container
            """el => { el.scrollIntoView({block: 'start'});
                       let p = el.parentElement;
                       while (p && p.scrollHeight <= p.clientHeight) p = p.parentElement;
                       if (p) p.scrollTop -= 70; }"""
        )
        shot(page, "phone-poster-panel")
        name, pdf = _download(page, button)
        assert name.endswith(".pdf") and pdf.startswith(b"%PDF-")
    finally:
        context.close()
