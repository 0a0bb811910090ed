"""Issue 13, finding 6, in the browser: a meeting's minutes load no outside image and a link shows
where it goes. A pixel is served on localhost; the minutes point at it; the page is opened as the
admin and the pixel server must never be asked."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import Server, assert_no_exception, start_server
from tests.e2e.flows import settle, sign_in

pytestmark = pytest.mark.e2e

PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
PHISH = "https://phish.example/login"
MARK = "纪要标记"  # a word of the minutes, to know they are on the page


@pytest.fixture
def pixel_server() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 at a random port that answers every GET with a PNG pixel and
    records the paths asked for."""
    asked: list[str] = []

    class Pixel(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PIXEL)))
            self.end_headers()
            self.wfile.write(PIXEL)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Pixel)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", asked
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def poisoned_server(tmp_path: Path, sqlite_template: Path, pixel_server: tuple[str, list[str]]) -> Iterator[Server]:
    base, _ = pixel_server
    db = tmp_path / "template.db"
    shutil.copy(sqlite_template, db)
    text = (
        f"{MARK}：会议通报 ![x]({base}/pixel.png)\n\n"
        f"![签到][1] <img src={base}/tag.png>\n\n"
        f"[点此查看上级通知]({PHISH})\n\n"
        f"[1]: {base}/ref.png\n"
    )
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE meeting SET agenda = ?, minutes = ?, decisions = ?", (text, text, text))
    con.close()
    (tmp_path / "run").mkdir()
    srv = start_server(tmp_path / "run", db)
    yield srv
    srv.stop()


def test_minutes_load_no_outside_image_and_links_show_their_target(
    page,  # type: ignore[no-untyped-def]
    poisoned_server: Server,
    pixel_server: tuple[str, list[str]],
) -> None:
    _, asked = pixel_server
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    sign_in(page, poisoned_server.url, "admin", "/meetings")
    settle(page)
    page.get_by_role("tab", name="会议纪要").click()
    minutes = page.get_by_role("tabpanel", name="会议纪要")
    minutes.get_by_text(MARK).first.wait_for()
    settle(page)
    assert_no_exception(page)
    # Every image the page holds has finished loading (or failed): a request would have been made.
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)")

    body = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text=MARK)
    assert body.count() >= 1
    assert asked == [], f"the pixel server was asked for {asked}"
    assert page.locator('[data-testid="stMarkdownContainer"] img').count() == 0
    assert not [u for u in seen if u.startswith(pixel_server[0])], seen
    assert "[图片：x]" in minutes.inner_text()

    links = minutes.locator("a[href]")
    assert links.count() >= 1
    hrefs = []
    for n in range(links.count()):
        href = links.nth(n).get_attribute("href") or ""
        hrefs.append(href)
        assert urlsplit(href).netloc in links.nth(n).inner_text(), (href, links.nth(n).inner_text())
    assert PHISH in hrefs
