"""A spoofed X-Forwarded-For from a browser, with no trusted proxy configured, is not the address a
submission is counted and audited under — whether uvicorn is told to believe no proxy header (as
make run and the deployment do) or left at its default (it believes 127.0.0.1's)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.e2e.conftest import assert_no_exception, start_server
from tests.e2e.flows import settle

pytestmark = pytest.mark.e2e
SPOOFED = "1.2.3.4"


def _submit_with_spoofed_header(browser, base: str, db: Path) -> str:  # type: ignore[no-untyped-def]
    with closing(sqlite3.connect(db)) as conn:
        cid = conn.execute("SELECT id FROM community ORDER BY id LIMIT 1").fetchone()[0]
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", extra_http_headers={"X-Forwarded-For": SPOOFED}
    )
    try:
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{base}/wall?c={cid}")
        page.get_by_label("我的需求").wait_for(timeout=60_000)  # a server's first page, on a busy machine
        settle(page)
        page.get_by_label("我的需求").fill("单元门禁坏了，希望尽快修好")
        page.get_by_role("button", name="提交").click()
        page.get_by_text("已收到您的提交").wait_for()
        assert_no_exception(page)
    finally:
        ctx.close()
    with closing(sqlite3.connect(db)) as conn:
        address = conn.execute("SELECT client_address FROM resident_submission ORDER BY id DESC LIMIT 1").fetchone()[0]
        audit = conn.execute(
            "SELECT username, after FROM audit_entry WHERE entity = 'resident_submission' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert audit[0] == "居民" and json.loads(audit[1])["client_address"] == address
    return str(address)


def test_a_spoofed_forwarded_for_is_not_believed(server, browser) -> None:  # type: ignore[no-untyped-def]
    assert _submit_with_spoofed_header(browser, server.url, server.db) == "127.0.0.1"


def test_a_spoofed_forwarded_for_is_not_believed_under_uvicorns_default(
    tmp_path: Path, sqlite_template: Path, browser
) -> None:  # type: ignore[no-untyped-def]
    srv = start_server(tmp_path, sqlite_template, {"FORWARDED_ALLOW_IPS": None})
    try:
        address = _submit_with_spoofed_header(browser, srv.url, srv.db)
    finally:
        srv.stop()
    assert address != SPOOFED  # uvicorn took the peer from the header: the app counts it as unverified
