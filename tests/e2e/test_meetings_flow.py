"""Issue 5 in the browser: next year's rotation, a meeting with action items, a liaison closing
their item, and the next meeting taking up only what is still open (上次决议落实情况)."""

from __future__ import annotations

import re
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import TODAY
from tests.e2e.conftest import assert_no_exception, shot
from tests.e2e.flows import choose, eventually, read_table, settle, sign_in

pytestmark = pytest.mark.e2e

LIAISON_UNIT = "安居物业服务有限公司"  # liaison1's unit, the first by pinyin
OTHER_UNIT = "城关派出所"
MEETING_TITLE = "共建推进会（浏览器测试）"
LIAISON_ITEM = "整治小区楼道杂物堆放（测试）"
OTHER_ITEM = "联合开展夜间治安巡逻（测试）"
FAILURES = Path(tempfile.gettempdir()) / "cobuild-e2e-failures"  # what the page showed when a step failed


def set_date(page, scope, label: str, day: date) -> None:  # type: ignore[no-untyped-def]
    """Type a date into a date field (year, month, day segments), then click away: the field
    sends its value when it loses focus."""
    settle(page)
    scope.get_by_role("spinbutton", name=f"year, {label}").click()
    page.keyboard.type(f"{day.year:04d}{day.month:02d}{day.day:02d}")
    page.locator("h1").first.click()
    settle(page)
    expect(scope.get_by_role("spinbutton", name=f"day, {label}")).to_have_attribute("aria-valuenow", str(day.day))
    expect(scope.get_by_role("spinbutton", name=f"month, {label}")).to_have_attribute("aria-valuenow", str(day.month))
    expect(scope.get_by_role("spinbutton", name=f"year, {label}")).to_have_attribute("aria-valuenow", str(day.year))


def generate_next_year(page, url: str, year: int) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, url, "admin", "/rotation")
    choose(page, page, "年度", str(year))
    page.get_by_role("tab", name="调整排班").click()
    manage = page.get_by_role("tabpanel", name="调整排班")
    manage.get_by_text("生成年度排班").first.wait_for()
    manage.get_by_role("button", name="生成排班").click()
    page.get_by_text(f"已生成{year}年的轮值排班。").wait_for()
    settle(page)
    assert_no_exception(page)

    page.get_by_role("tab", name="年度日程").click()
    settle(page)
    calendar = page.get_by_role("tabpanel", name="年度日程")
    months = calendar.locator("strong").filter(has_text=re.compile(rf"^{year}年\d{{1,2}}月$"))
    expect(months).to_have_count(12)
    assert sorted(months.all_inner_texts(), key=lambda s: int(s[5:-1])) == [f"{year}年{m}月" for m in range(1, 13)]
    assert calendar.get_by_text("未排定").count() == 0
    assert calendar.get_by_text(LIAISON_UNIT).count() >= 1  # every active paired unit takes a turn


def write_meeting(page, url: str, today: date) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/meetings")
    page.get_by_role("button", name="退出登录").wait_for()
    settle(page)
    page.get_by_role("tab", name="新建会议").click()
    new = page.get_by_role("tabpanel", name="新建会议")
    title = new.get_by_label("会议名称", exact=True)
    title.fill(MEETING_TITLE)
    new.get_by_label("地点", exact=True).fill("安澜社区党群服务中心")
    new.get_by_label("会议纪要", exact=True).fill("- 通报本季度共建项目进展\n- 研究冬季安全工作")
    new.get_by_label("会议决定", exact=True).fill("由两家单位分别牵头整治楼道杂物和夜间巡逻。")
    new.get_by_role("button", name="保存").click()
    page.get_by_text("会议已保存").wait_for()
    settle(page)
    assert_no_exception(page)

    # the new meeting is the one opened under 会议记录
    page.get_by_role("tab", name="会议记录").click()
    records = page.get_by_role("tabpanel", name="会议记录")
    records.get_by_role("heading", name=MEETING_TITLE).wait_for()
    records.get_by_role("tab", name=re.compile(r"^本次待办")).click()
    for n, (content, unit) in enumerate(((LIAISON_ITEM, LIAISON_UNIT), (OTHER_ITEM, OTHER_UNIT)), start=1):
        actions = records.get_by_role("tabpanel", name=re.compile(r"^本次待办"))
        actions.get_by_label("事项内容", exact=True).fill(content)
        choose(page, actions, "责任单位", unit)
        set_date(page, actions, "完成期限", today + timedelta(days=30))
        actions.get_by_role("button", name="添加").click()
        page.get_by_text("已添加待办事项。").wait_for()
        settle(page)
        assert_no_exception(page)
        # issue 20, item 6: the meeting stays on its 本次待办 tab (its label now counts the new item);
        # it used to jump back to 议题, and the next item was typed there only after a click
        expect(records.get_by_role("tab", name=f"本次待办（{n}）")).to_have_attribute("aria-selected", "true")
        expect(records.get_by_role("tabpanel", name=f"本次待办（{n}）")).to_be_visible()
    actions = records.get_by_role("tabpanel", name="本次待办（2）")

    def both_listed() -> None:
        rows = read_table(actions)
        assert {(r["事项内容"], r["责任单位"], r["状态"]) for r in rows} == {
            (LIAISON_ITEM, LIAISON_UNIT, "进行中"),
            (OTHER_ITEM, OTHER_UNIT, "进行中"),
        }, rows

    eventually(both_listed)


def liaison_closes_their_item(page, url: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, url, "liaison1", "/meetings")
    settle(page)
    page.get_by_role("tab", name="待办事项").click()
    settle(page)
    todo = page.get_by_role("tabpanel", name="待办事项")

    def own_items_only() -> None:
        rows = read_table(todo)
        assert {r["责任单位"] for r in rows} == {LIAISON_UNIT}, rows  # a liaison sees only their unit's items
        assert LIAISON_ITEM in {r["事项内容"] for r in rows}, rows

    eventually(own_items_only)
    choose(page, todo, "待办事项", re.compile(re.escape(LIAISON_ITEM)))
    todo.get_by_label("办理情况说明", exact=True).fill("已组织物业清理楼道杂物，居民满意。")
    todo.get_by_role("button", name="确认").click()
    page.get_by_text("已更新待办事项。").wait_for()
    settle(page)
    assert_no_exception(page)
    page.get_by_role("tab", name="待办事项").click()  # the page opens on its first tab again
    settle(page)

    def closed() -> None:
        rows = read_table(page.get_by_role("tabpanel", name="待办事项"))
        assert LIAISON_ITEM not in {r["事项内容"] for r in rows}, rows

    eventually(closed)


def next_meeting_takes_up_what_is_open(page, url: str, today: date) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, url, "admin", "/meetings")
    settle(page)
    page.get_by_role("tab", name="新建会议").click()
    new = page.get_by_role("tabpanel", name="新建会议")
    next_day = today + timedelta(days=60)
    set_date(page, new, "会议日期", next_day)
    q = (next_day.month - 1) // 3 + 1
    # the suggested title and the agenda follow the chosen date
    expect(new.get_by_label("会议名称", exact=True)).to_have_value(f"{next_day.year}年第{q}季度党建联盟联席会议")
    preview = new.get_by_text(re.compile(r"将有 \d+ 项未办结事项列入本次会议议程"))
    n = int(re.search(r"将有 (\d+) 项", preview.inner_text()).group(1))  # type: ignore[union-attr]
    expect(new.get_by_label("议题", exact=True)).to_have_value(re.compile(rf"^1\. 上次决议落实情况（{n} 项）"))
    new.locator("summary", has_text="查看将列入的事项").click()
    settle(page)

    def only_the_open_item_is_taken_up() -> None:
        rows = read_table(new)
        assert len(rows) == n, rows
        from_ours = [r for r in rows if r["来源会议"].endswith(MEETING_TITLE)]
        assert [(r["事项内容"], r["责任单位"]) for r in from_ours] == [(OTHER_ITEM, OTHER_UNIT)], rows
        assert all(r["事项内容"] != LIAISON_ITEM for r in rows), rows

    eventually(only_the_open_item_is_taken_up)
    assert_no_exception(page)
    new.get_by_text("上次决议落实情况", exact=True).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    shot(page, "flow-meetings-agenda")


def test_rotation_meeting_action_items_and_the_next_agenda(fresh_server, browser) -> None:  # type: ignore[no-untyped-def]
    today = TODAY  # the app's day
    for step in range(3):
        ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        try:
            if step == 0:
                generate_next_year(page, fresh_server.url, today.year + 1)  # 2027 when written
                write_meeting(page, fresh_server.url, today)
            elif step == 1:
                liaison_closes_their_item(page, fresh_server.url)
            else:
                next_meeting_takes_up_what_is_open(page, fresh_server.url, today)
        except Exception:
            FAILURES.mkdir(exist_ok=True)
            page.screenshot(path=str(FAILURES / f"meetings-step{step}.png"), full_page=True)
            raise
        finally:
            ctx.close()
