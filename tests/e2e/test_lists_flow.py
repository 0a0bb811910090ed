"""Issue 3 in the browser: a community worker records a need, the paired unit's liaison sees it
among the match suggestions for their resource, the secretariat accepts the match and the
对接矩阵 shows the new project."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from services.needs import CLAIM_PERIOD_DAYS
from tests.conftest import TODAY
from tests.e2e.conftest import assert_no_exception, login, shot, wait_idle
from tests.e2e.flows import choose

pytestmark = pytest.mark.e2e

# liaison1 keeps 安居物业服务有限公司 (first unit by pinyin), paired with community1's 安澜社区; its
# resource 送餐电动三轮车 (为老助残, "带保温箱的电动三轮车两辆", 每天中午) fits a lunch-delivery need.
COMMUNITY = "安澜社区"
CATEGORY = "为老助残"
UNIT = "安居物业服务有限公司"
RESOURCE = "送餐电动三轮车"
NEED_TITLE = "行动不便老人午间送餐上门"
NEED_TEXT = "锦苑小区几位行动不便的高龄老人下不了楼，希望每天中午有人用带保温箱的电动三轮车把热饭热菜送上门。"

GRID_JS = """el => {
  const table = el.querySelector('table[role="grid"]');
  if (!table) return null;
  return Array.from(table.querySelectorAll('tr')).map(
    tr => Array.from(tr.querySelectorAll('th,td')).map(c => c.textContent));
}"""


@contextmanager
def signed_in(browser, base_url: str, username: str, path: str, failures: Path) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A browser window of its own for one person, logged in on ``path`` (a screenshot into
    ``failures`` when a step fails)."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    try:
        login(page, base_url, username, path)
        yield page
    except Exception:
        page.screenshot(path=str(failures / f"failed-{username}.png"))
        raise
    finally:
        ctx.close()


def table_rows(frame) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """The rows a st.dataframe shows on screen, read from the grid's accessibility table."""
    grid = frame.evaluate(GRID_JS)
    if not grid:
        return []
    header, *body = grid
    return [dict(zip(header, row, strict=False)) for row in body]


def wait_for_row(frame, page, column: str, value: str, timeout_s: float = 30) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Wait until the table shows a row whose ``column`` reads ``value`` (the app may still be rerunning)."""
    frame.scroll_into_view_if_needed()
    rows: list[dict[str, str]] = []
    for _ in range(int(timeout_s * 4)):
        rows = table_rows(frame)
        found = [r for r in rows if r.get(column) == value]
        if found:
            return found[0]
        page.wait_for_timeout(250)
    raise AssertionError(f"no row with {column} = {value} in {rows}")


def metric_value(scope, label: str):  # type: ignore[no-untyped-def]
    """The value box of the st.metric labelled ``label``."""
    box = scope.locator('[data-testid="stMetric"]').filter(
        has=scope.page.locator('[data-testid="stMetricLabel"]', has_text=label)
    )
    return box.locator('[data-testid="stMetricValue"]')


def metric(scope, label: str) -> int:  # type: ignore[no-untyped-def]
    return int(metric_value(scope, label).inner_text().replace(",", "").strip())


def suggestion_for(panel, need: str):  # type: ignore[no-untyped-def]
    """The 匹配建议 expander of ``need`` (its header: need · community · category · priority)."""
    return panel.locator('[data-testid="stExpander"]').filter(has=panel.page.locator("summary", has_text=f"{need} · "))


def open_tab(page, name: str):  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name=name, exact=True).click()
    wait_idle(page)
    panel = page.get_by_role("tabpanel", name=name)
    panel.wait_for()
    return panel


def test_need_from_community_is_suggested_to_the_paired_unit_and_accepted_into_the_matrix(
    fresh_server, browser, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    url = fresh_server.url
    today = TODAY

    # 1. community1 adds the need on the 需求清单 tab.
    with signed_in(browser, url, "community1", "/lists", tmp_path) as page:
        page.get_by_role("heading", name="三清单一协议").wait_for()
        panel = page.get_by_role("tabpanel", name="需求清单")
        adder = panel.locator('[data-testid="stExpander"]').filter(has_text="新增需求")
        adder.get_by_text("新增需求").click()
        form = adder.locator('[data-testid="stForm"]')
        form.wait_for()
        assert form.get_by_label("社区", exact=True).input_value() == COMMUNITY, "their own community"
        choose(page, form, "类别", CATEGORY)
        choose(page, form, "优先级", "高")
        form.get_by_label("需求名称").fill(NEED_TITLE)
        form.get_by_label("描述").fill(NEED_TEXT)
        choose(page, form, "来源", "居民提")
        # issue 20, item 2: 提出日期 proposes today and 认领截止 the claim period after it
        deadline = today + timedelta(days=CLAIM_PERIOD_DAYS)
        for label, day in (("提出日期", today), ("认领截止", deadline)):
            for part, value in (("year", day.year), ("month", day.month), ("day", day.day)):
                expect(form.get_by_role("spinbutton", name=f"{part}, {label}")).to_have_attribute(
                    "aria-valuenow", str(value)
                )
        form.get_by_role("button", name="保存").click()
        wait_idle(page)
        assert_no_exception(page)
        panel.get_by_label("搜索").fill("送餐上门")
        panel.get_by_label("搜索").press("Enter")
        wait_idle(page)
        mine = wait_for_row(panel.locator('[data-testid="stDataFrame"]').first, page, "需求名称", NEED_TITLE)
        assert mine["社区"] == COMMUNITY
        assert mine["类别"] == CATEGORY
        assert mine["优先级"] == "高"
        assert mine["来源"] == "居民提"
        assert mine["状态"] == "待对接"
        assert mine["提出日期"] == f"{today.year}年{today.month}月{today.day}日"

    # 2. liaison1 sees it among the match suggestions, with their unit's resource suggested.
    with signed_in(browser, url, "liaison1", "/lists", tmp_path) as page:
        panel = open_tab(page, "对接矩阵")
        panel.get_by_role("heading", name="匹配建议").wait_for()
        item = suggestion_for(panel, NEED_TITLE)
        item.get_by_text(NEED_TITLE).click()
        suggestion = item.get_by_text(f"{RESOURCE}（{UNIT} · {CATEGORY}）")
        suggestion.wait_for()
        first = item.locator('[data-testid="stMarkdownContainer"]').filter(has_text="分").first
        assert RESOURCE in first.inner_text(), "the unit's resource is the best suggestion"
        assert "类别相同" in first.inner_text() and "单位与该社区结对" in first.inner_text()
        assert item.get_by_role("button", name="采纳立项").count() == 0, "only the secretariat accepts"
        assert_no_exception(page)

    # 3. admin accepts the match; the matrix shows the project.
    with signed_in(browser, url, "admin", "/lists", tmp_path) as page:
        panel = open_tab(page, "对接矩阵")
        choose(page, panel, "社区", COMMUNITY)
        wait_idle(page)
        choose(page, panel, "下钻到类别", CATEGORY)
        wait_idle(page)
        # Drilled down, the row totals list the category's needs of the community, the new one among them.
        wait_for_row(panel.locator('[data-testid="stDataFrame"]').first, page, "行", NEED_TITLE)
        links_before = metric(panel, "对接数")
        uncovered_before = metric(panel, "未覆盖需求")
        item = suggestion_for(panel, NEED_TITLE)
        item.get_by_text(NEED_TITLE).click()
        row = item.locator('[data-testid="stHorizontalBlock"]').filter(has_text=RESOURCE).first
        row.get_by_role("button", name="采纳立项").click()
        wait_idle(page)
        # issue 20, item 7: the pre-filled project is shown for review; only 确认立项 creates it
        review = item.locator('[data-testid="stForm"]').filter(has_text="核对后立项")
        review.wait_for()
        expect(review.get_by_label("项目名称", exact=True)).to_have_value(NEED_TITLE)
        expect(review.get_by_text(f"牵头单位：{UNIT}")).to_be_visible()
        expect(review.get_by_text("阶段：确定项目")).to_be_visible()
        assert metric(panel, "对接数") == links_before, "nothing created before the review is confirmed"
        review.get_by_role("button", name="确认立项").click()
        wait_idle(page)
        assert_no_exception(page)
        panel = page.get_by_role("tabpanel", name="对接矩阵")
        expect(suggestion_for(panel, NEED_TITLE)).to_have_count(0)  # accepted: no longer to be matched
        expect(metric_value(panel, "对接数")).to_have_text(str(links_before + 1))
        expect(metric_value(panel, "未覆盖需求")).to_have_text(str(uncovered_before - 1))
        cells = panel.locator('[data-testid="stExpander"]').filter(has_text="格内项目明细")
        cells.get_by_text("格内项目明细").click()
        project = wait_for_row(cells.locator('[data-testid="stDataFrame"]'), page, "项目名称", NEED_TITLE)
        assert project["需求名称"] == NEED_TITLE
        assert project["共建单位"] == UNIT
        assert project["阶段"] == "确定项目"
        shot(page, "lists-match-accepted")

    # What the app wrote (read only): one project led by the unit, using the resource, the need 已立项.
    with closing(sqlite3.connect(fresh_server.db)) as conn:
        found = conn.execute(
            "SELECT p.stage, u.name, n.status, r.title FROM project p JOIN unit u ON u.id = p.lead_unit_id "
            "JOIN project_need pn ON pn.project_id = p.id JOIN need n ON n.id = pn.need_id "
            "JOIN project_resource pr ON pr.project_id = p.id JOIN resource r ON r.id = pr.resource_id "
            "WHERE p.title = ? AND p.deleted_at IS NULL",
            (NEED_TITLE,),
        ).fetchall()
    assert found == [("decided", UNIT, "project", RESOURCE)]
