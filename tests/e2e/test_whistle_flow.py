"""Issue 7 in the browser: a community blows the whistle, the summoned unit's liaison answers
签收 → 联系 → 报到 → 处置 → 办结, the community rates the answer and the scorecard counts it."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception, shot
from tests.e2e.flows import choose, eventually, read_table, settle, sign_in

pytestmark = pytest.mark.e2e

UNIT = "安居物业服务有限公司"  # liaison1's unit
TITLE = "安澜小区3号楼地下室长期积水（测试）"
STEPS = ["签收", "联系", "报到", "处置", "办结"]
RATING = 3
FAILURES = Path(tempfile.gettempdir()) / "cobuild-e2e-failures"  # what the page showed when a step failed


def scorecard_row(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The scorecard's row for liaison1's unit (this year)."""
    page.get_by_role("tab", name="单位记分卡").click()
    settle(page)
    panel = page.get_by_role("tabpanel", name="单位记分卡")
    table = read_table(panel)
    rows = [r for r in table if r["共建单位"] == UNIT]
    assert len(rows) <= 1, rows
    if rows:
        return rows[0]
    shown = int(
        panel.locator('[data-testid="stDataFrame"] table[role="grid"]').first.get_attribute("aria-rowcount") or 0
    )
    assert shown - 1 == len(table), "the grid draws only the rows in view: scroll to find the unit"
    return {"被召集次数": "0", "已办结": "0", "平均评分": ""}  # not summoned this year yet


def number(text: str) -> float | None:
    return float(text) if text.strip() not in ("", "—", "-", "None") else None


def queue_titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    """待我处理: the titles in the table right under its heading."""
    queue = (
        page.locator('[data-testid="stElementContainer"]')
        .filter(has=page.get_by_role("heading", name="待我处理"))
        .locator("xpath=following-sibling::div[1]")
    )
    return [r["事项名称"] for r in read_table(queue)]


def community_blows_the_whistle(page, url: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    sign_in(page, url, "community1", "/whistle")
    before = scorecard_row(page)
    page.get_by_role("tab", name="我要吹哨").click()
    form = page.get_by_role("tabpanel", name="我要吹哨")
    form.get_by_label("事项名称", exact=True).fill(TITLE)
    form.get_by_label("情况说明", exact=True).fill("地下室积水已两周，居民车辆无法停放，需物业抽排并排查管道。")
    choose(page, form, "召集单位", UNIT)
    page.keyboard.press("Escape")
    form.get_by_role("button", name="吹哨", exact=True).click()
    page.get_by_text("已吹哨").wait_for()
    settle(page)
    assert_no_exception(page)
    return before


def liaison_answers(page, url: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, url, "liaison1", "/whistle")
    settle(page)
    eventually(lambda: assert_in(TITLE, queue_titles(page)))  # the new matter waits on liaison1
    listing = page.get_by_role("tabpanel", name="吹哨事项")
    choose(page, listing, "查看事项", TITLE)
    for step in STEPS:
        listing = page.get_by_role("tabpanel", name="吹哨事项")
        listing.get_by_role("heading", name=TITLE).wait_for()
        if step == "处置":
            listing.get_by_label("处置措施", exact=True).fill("已联系抽排队抽干积水，疏通地下室排水管道。")
        listing.get_by_role("button", name=f"确认{step}").click()
        page.get_by_text(f"已更新为“{step}”。").wait_for()
        settle(page)
        assert_no_exception(page)
    listing = page.get_by_role("tabpanel", name="吹哨事项")
    expect(listing.get_by_role("button", name=re.compile("^确认"))).to_have_count(0)  # nothing left to do
    eventually(lambda: assert_not_in(TITLE, queue_titles(page)))  # closed: no longer waiting on me


def assert_in(item: str, items: list[str]) -> None:
    assert item in items, items


def assert_not_in(item: str, items: list[str]) -> None:
    assert item not in items, items


def community_rates(page, url: str, before: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, url, "community1", "/whistle")
    settle(page)
    listing = page.get_by_role("tabpanel", name="吹哨事项")
    choose(page, listing, "查看事项", TITLE)
    listing.get_by_role("heading", name=TITLE).wait_for()
    rate = listing.locator('[data-testid="stForm"]').filter(has_text=f"评价 {UNIT} 的响应")
    rate.get_by_role("radio", name=f"{RATING} out of 5 stars").click()  # the stars' labels are Streamlit's own
    rate.get_by_label("评价意见", exact=True).fill("响应及时，处置到位。")
    rate.get_by_role("button", name="提交评价").click()
    page.get_by_text("评价已提交。").wait_for()
    settle(page)
    assert_no_exception(page)

    def counted() -> None:
        after = scorecard_row(page)
        assert int(after["被召集次数"]) == int(before["被召集次数"]) + 1, (before, after)
        assert int(after["已办结"]) == int(before["已办结"]) + 1, (before, after)
        old, new = number(before["平均评分"]), number(after["平均评分"])
        assert new is not None
        if old is None:
            assert new == RATING
        else:  # the new rating pulls the average towards it
            assert min(old, RATING) <= new <= max(old, RATING) and (new != old or old == RATING), (old, new)

    eventually(counted)
    card = page.get_by_role("tabpanel", name="单位记分卡")
    card.get_by_test_id("stDataFrame").first.scroll_into_view_if_needed()
    shot(page, "flow-whistle-scorecard")


def test_whistle_answered_rated_and_counted_on_the_scorecard(fresh_server, browser) -> None:  # type: ignore[no-untyped-def]
    before: dict[str, str] = {}
    for step in range(3):
        ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        try:
            if step == 0:
                before = community_blows_the_whistle(page, fresh_server.url)
            elif step == 1:
                liaison_answers(page, fresh_server.url)
            else:
                community_rates(page, fresh_server.url, before)
        except Exception:
            FAILURES.mkdir(exist_ok=True)
            page.screenshot(path=str(FAILURES / f"whistle-step{step}.png"), full_page=True)
            raise
        finally:
            ctx.close()
