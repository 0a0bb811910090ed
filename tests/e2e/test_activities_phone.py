"""Issue 4 in the browser, on a phone (390×844): a unit's liaison logs an activity through the form,
sees what was logged where the form was (issue 20, item 3) and it counted in the 六个一 card of
their own unit and in the overview's 本年活动."""

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


def unit_card(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The liaison's own unit in 六个一: preselected, its six items in a card that fits the phone's
    width (every item's cell inside the 390 px, no sideways swipe). Item → "✔ 已完成 2 次" / "○ …" /
    "✘ …"; "已完成" → "4/6"."""
    page.get_by_role("tab", name="六个一", exact=True).click()
    wait_idle(page)
    panel = page.get_by_role("tabpanel", name="六个一")
    expect(panel.get_by_role("combobox", name="查看单位", exact=True)).to_have_value(UNIT)
    card = panel.locator(".st-key-activities_six_card")
    card.wait_for()
    expect(card).to_contain_text(f"{UNIT}（本单位）")
    rows: dict[str, str] = {}
    for tr in card.locator("tbody tr").all():
        cells = tr.locator("td")
        item = cells.nth(0).inner_text().strip()
        rows[item] = cells.nth(1).inner_text().strip()
        for cell in (cells.nth(0), cells.nth(1)):
            box = cell.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (item, box)
    assert list(rows) == SIX_ITEMS, rows
    summary = card.get_by_text("已完成", exact=False).first.inner_text()
    rows["已完成"] = summary.split("已完成", 1)[1].split("项")[0].strip()
    return rows


def count(cell: str) -> int:
    """How many times an item was done: "✔ 已完成 2 次" → 2; "○ 尚未完成" / "✘ …" → 0."""
    return int(cell.split("已完成", 1)[1].split("次")[0]) if cell.startswith("✔") else 0


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
    before = unit_card(page)
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
    # Where the eye is: a success panel in the form's place, on screen without scrolling.
    panel = page.locator(".st-key-activities_logged")
    panel.wait_for()
    wait_idle(page)
    assert_no_exception(page)
    expect(panel.get_by_text(f"已登记：{title}")).to_be_visible()
    expect(panel).to_be_in_viewport(ratio=1)
    expect(panel).to_contain_text(f"{today.year}年{today.month}月{today.day}日 · {COMMUNITY} · {kind}")
    expect(panel).to_contain_text("参与 18 人，志愿服务 2.5 小时，受益群众 60 人，照片 1 张。")
    another = panel.get_by_role("button", name="再登记一条")
    expect(another).to_be_in_viewport()
    expect(page.locator('[data-testid="stForm"]')).to_have_count(0)
    shot(page, "phone-activity-logged")

    # 再登记一条: a blank form for the next activity (the entry just saved is not on it)
    another.click()
    form.wait_for()
    wait_idle(page)
    expect(form.get_by_label("活动名称")).to_have_value("")
    expect(form.get_by_label("活动内容")).to_have_value("")
    expect(form.get_by_label("参与人数")).to_have_value("0")
    expect(form.locator('[data-testid="stFileChip"]')).to_have_count(0)

    after = unit_card(page)
    page.get_by_role("tabpanel", name="六个一").get_by_role("combobox", name="查看单位").scroll_into_view_if_needed()
    shot(page, "phone-six-items")
    assert after[kind] == f"✔ 已完成 {count(before[kind]) + 1} 次", (before, after)
    assert int(after["已完成"].split("/")[0]) == done_before + (0 if before[kind].startswith("✔") else 1)
    for other in SIX_ITEMS:
        if other != kind:
            assert after[other] == before[other]

    page.goto(url + "/")
    page.get_by_role("heading", name="总览").wait_for()
    expect(metric_value(page, "本年活动")).to_have_text(f"{before_year + 1:,}")
    assert_no_exception(page)
