"""Issue 20 on /lists in the browser: a delete asks first and its message undoes it (item 1); the needs
list opens newest first on the worker's own community (item 7); the workbook downloads in one click
(item 7). Screenshots at laptop and phone sizes."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception, shot
from tests.e2e.flows import choose, read_table, settle, sign_in

pytestmark = pytest.mark.e2e

COMMUNITY = "安澜社区"  # community1's


def _deleted(db: Path, title: str) -> bool:
    with closing(sqlite3.connect(db)) as conn:
        (at,) = conn.execute("SELECT deleted_at FROM need WHERE title = ?", (title,)).fetchone()
    return at is not None


def _day(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", text))


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["laptop", "phone"])
def test_a_need_is_deleted_only_when_confirmed_and_the_message_undoes_it(
    fresh_server, browser, viewport: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    width, height = viewport
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    try:
        sign_in(page, fresh_server.url, "community1", "/lists")
        panel = page.get_by_role("tabpanel", name="需求清单")
        panel.get_by_role("combobox", name="社区", exact=True).wait_for()
        expect(panel.get_by_role("combobox", name="社区", exact=True)).to_have_value(COMMUNITY)
        if width > 500:  # a phone's grid draws only the columns in view
            rows = read_table(panel)
            assert {r["社区"] for r in rows} == {COMMUNITY}, rows
            days = [_day(r["提出日期"]) for r in rows if r["提出日期"]]
            assert len(days) > 1 and days == sorted(days, reverse=True), days  # newest first

        editor = panel.locator('[data-testid="stExpander"]').filter(has_text="编辑需求")
        editor.get_by_text("编辑需求").click()
        settle(page)
        title = editor.get_by_role("combobox", name="选择记录", exact=True).input_value()
        editor.get_by_role("button", name="删除", exact=True).click()
        settle(page)
        ask = editor.get_by_text(re.compile(rf"^确定删除(需求|微心愿)“{re.escape(title)}”吗？"))
        ask.wait_for()
        assert not _deleted(fresh_server.db, title), "the first click only asks"
        ask.scroll_into_view_if_needed()
        shot(page, f"lists-delete-confirm-{'phone' if width < 500 else 'laptop'}")
        editor.get_by_role("button", name="确认删除").click()
        settle(page)
        assert_no_exception(page)
        undo = page.get_by_role("button", name="撤销删除")
        undo.wait_for()
        expect(page.get_by_text(f"已删除“{title}”。")).to_be_visible()
        assert _deleted(fresh_server.db, title)
        page.get_by_text(f"已删除“{title}”。").scroll_into_view_if_needed()
        shot(page, f"lists-delete-undo-{'phone' if width < 500 else 'laptop'}")
        undo.click()
        settle(page)
        page.get_by_text(f"已恢复“{title}”。").wait_for()
        assert not _deleted(fresh_server.db, title)
        assert_no_exception(page)
        if width > 500:  # the phone run leaves this for the laptop
            # 全部 is still a choice for the worker
            choose(page, panel, "社区", "全部")
            assert len({r["社区"] for r in read_table(panel)}) > 1
    finally:
        ctx.close()


def test_the_lists_workbook_downloads_in_one_click(fresh_server, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN", accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    try:
        sign_in(page, fresh_server.url, "admin", "/lists")
        excel = page.locator('[data-testid="stExpander"]').filter(has_text="Excel 导入导出")
        excel.get_by_text("Excel 导入导出").click()
        settle(page)
        assert excel.get_by_role("button", name="生成导出文件").count() == 0, "no prepare-then-download step"
        with page.expect_download() as info:
            excel.get_by_role("button", name="下载 Excel").click()
        saved = tmp_path / "lists.xlsx"
        info.value.save_as(saved)
        from openpyxl import load_workbook

        wb = load_workbook(saved, read_only=True)
        head = next(wb["项目清单"].iter_rows(values_only=True))
        assert head[-1] == "进度"
        assert list(next(wb["需求清单"].iter_rows(values_only=True)))[-2:] == ["微心愿", "认领单位"]
        assert info.value.suggested_filename.startswith("三清单_")
        assert_no_exception(page)
    finally:
        ctx.close()
