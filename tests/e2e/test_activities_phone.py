"""Issue 4 in the browser, on a phone (390×844): a unit's liaison logs an activity through the form
and sees it counted in the 六个一 grid and in the overview's 本年活动."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.conftest import TODAY
from tests.e2e.conftest import assert_no_exception, login, shot, wait_idle
from tests.e2e.flows import choose

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
UNIT = "安居物业服务有限公司"  # liaison1's unit (first by pinyin), paired with 安澜社区
COMMUNITY = "安澜社区"
SIX_ITEMS = ["组织生活", "座谈", "调研", "认领微心愿", "志愿服务", "结对帮扶"]  # the 六个一 columns, in order
DEFAULT_KIND = "座谈"  # the demo unit has done all six this year; 座谈 only once

CELLS_JS = """el => {
  const table = el.querySelector('table[role="grid"]');
  if (!table) return null;
  return Array.from(table.querySelectorAll('tr')).map(tr => [
    Number(tr.getAttribute('aria-rowindex')),
    Array.from(tr.querySelectorAll('th,td')).map(c => [Number(c.getAttribute('aria-colindex')), c.textContent]),
  ]);
}"""


@pytest.fixture
def phone(browser, tmp_path: Path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A phone-sized browser window (touch, 2× pixels); a screenshot into tmp_path when a step fails."""
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        page.screenshot(path=str(tmp_path / "last.png"))
        ctx.close()


def metric_value(page, label: str):  # type: ignore[no-untyped-def]
    box = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label)
    )
    return box.locator('[data-testid="stMetricValue"]')


def read_grid(page, frame) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """Every column of the rows a st.dataframe shows, swiping it sideways as a phone user would
    (the grid draws only the columns in view)."""
    frame.scroll_into_view_if_needed()
    scroller = frame.locator(".dvn-scroller")
    cells: dict[tuple[int, int], str] = {}
    for _ in range(120):
        if frame.evaluate(CELLS_JS):
            break
        page.wait_for_timeout(250)
    width = scroller.evaluate("e => e.scrollWidth - e.clientWidth")
    x = 0
    while True:
        scroller.evaluate("(e, x) => { e.scrollLeft = x; }", x)
        page.wait_for_timeout(300)
        for row, items in frame.evaluate(CELLS_JS) or []:
            for col, text in items:
                cells[(row, col)] = text
        if x >= width:
            break
        x = min(width, x + 150)
    scroller.evaluate("e => { e.scrollLeft = 0; }")
    rows = sorted({r for r, _ in cells})
    cols = sorted({c for _, c in cells})
    header = [cells.get((rows[0], c), "") for c in cols]
    return [dict(zip(header, [cells.get((r, c), "") for c in cols], strict=True)) for r in rows[1:]]


def unit_row(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The unit's row in the 六个一 grid (sorted by name, so the first unit by pinyin is on top)."""
    page.get_by_role("tab", name="六个一", exact=True).click()
    wait_idle(page)
    panel = page.get_by_role("tabpanel", name="六个一")
    choose(page, panel, "排序", "按名称")
    wait_idle(page)
    frame = panel.locator('[data-testid="stDataFrame"]').first
    for _ in range(40):
        rows = [r for r in read_grid(page, frame) if r.get("名称") == UNIT]
        if rows:
            return rows[0]
        page.wait_for_timeout(250)
    raise AssertionError(f"{UNIT} is not in the 六个一 grid")


def count(cell: str) -> int:
    """How many times an item was done: "✔ 2" → 2; "○" / "✘" → 0."""
    parts = cell.split()
    return int(parts[1]) if len(parts) > 1 else 0


def year_activities(page) -> int:  # type: ignore[no-untyped-def]
    return int(metric_value(page, "本年活动").inner_text().replace(",", "").strip())


def test_liaison_logs_an_activity_on_a_phone_and_sees_it_counted(fresh_server, phone, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page, url = phone, fresh_server.url
    today = TODAY

    login(page, url, "liaison1", "/")
    page.get_by_role("heading", name="总览").wait_for()
    before_year = year_activities(page)

    page.goto(url + "/activities")
    page.get_by_role("heading", name="活动登记").wait_for()
    wait_idle(page)
    before = unit_row(page)
    # An item the unit has not done this year turns ✘/○ into ✔; when all six are done, 座谈 counts up.
    kind = next((k for k in SIX_ITEMS if not before[k].startswith("✔")), DEFAULT_KIND)
    done_before = int(before["已完成"].split("/")[0])

    page.get_by_role("tab", name="登记活动", exact=True).click()
    wait_idle(page)
    form = page.get_by_role("tabpanel", name="登记活动").locator('[data-testid="stForm"]')
    form.wait_for()
    form.get_by_role("spinbutton", name="year, 活动日期").click()
    page.keyboard.type(f"{today.year}{today.month:02d}{today.day:02d}")
    for part, value in (("year", today.year), ("month", today.month), ("day", today.day)):
        assert form.get_by_role("spinbutton", name=f"{part}, 活动日期").get_attribute("aria-valuenow") == str(value)
    choose(page, form, "活动社区", f"{COMMUNITY}（结对）")
    choose(page, form, "活动类型", kind)
    title = f"{kind}：冬季楼道照明与供暖报修"
    form.get_by_label("活动名称").fill(title)
    form.get_by_label("活动内容").fill("物业与居民代表面对面，逐栋梳理楼道灯不亮、暖气不热的问题，当场登记维修 12 处。")
    form.get_by_label("参与人数").fill("18")
    form.get_by_label("志愿服务时长（小时）").fill("2.5")
    form.get_by_label("受益群众（人）").fill("60")
    photo = tmp_path / "meeting.png"
    Image.new("RGB", (64, 48), (200, 16, 46)).save(photo)
    form.locator('input[type="file"]').set_input_files(str(photo))
    form.locator('[data-testid="stFileChip"]').filter(has_text="meeting.png").wait_for()
    form.get_by_label("受益群众（人）").blur()
    page.get_by_role("heading", name="登记一次活动").evaluate("e => e.scrollIntoView({block: 'start'})")
    shot(page, "phone-activity-form")

    form.get_by_role("button", name="提交登记").click()
    saved = page.get_by_text(f"已登记：{title}")
    saved.wait_for()
    wait_idle(page)
    assert_no_exception(page)
    saved.scroll_into_view_if_needed()
    shot(page, "phone-activity-logged")
    # The form is ready for the next activity: the entry just saved is no longer on screen.
    expect(form.get_by_label("活动名称")).to_have_value("")
    expect(form.get_by_label("活动内容")).to_have_value("")
    expect(form.get_by_label("参与人数")).to_have_value("0")
    expect(form.locator('[data-testid="stFileChip"]')).to_have_count(0)

    after = unit_row(page)
    assert after[kind] == f"✔ {count(before[kind]) + 1}", (before, after)
    assert int(after["已完成"].split("/")[0]) == done_before + (0 if before[kind].startswith("✔") else 1)
    for other in SIX_ITEMS:
        if other != kind:
            assert after[other] == before[other]

    page.goto(url + "/")
    page.get_by_role("heading", name="总览").wait_for()
    expect(metric_value(page, "本年活动")).to_have_text(f"{before_year + 1:,}")
    assert_no_exception(page)
