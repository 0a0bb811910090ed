"""The charts as a reader sees them (issue 20, item 5), read from the rendered SVG: the heat map names
every one of its unit columns at 1280 px and on a phone, the phone's 六个一 chart keeps all six labels,
and a county-scale 志愿服务时长 fits its tile at 1280 px."""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.enums import SIX_ITEMS
from exports import charts
from locales import translate
from tests.conftest import TODAY
from tests.e2e.conftest import Server, assert_no_exception, shot, start_server
from tests.e2e.flows import settle, sign_in

pytestmark = pytest.mark.e2e

COUNTY_HOURS = 5_253_412.5  # about a county's year of volunteering (the bench's scale)

# every label of a chart's x axis as drawn: its text, whether it is shown, its box on the page
X_LABELS = """chart => Array.from(chart.querySelectorAll('g.role-axis'))
  .filter(g => (g.getAttribute('aria-label') || '').startsWith('X-axis'))
  .flatMap(g => Array.from(g.querySelectorAll('.role-axis-label text')).map(t => {
      const b = t.getBoundingClientRect();
      return {text: t.textContent, shown: t.getAttribute('opacity') !== '0' && b.width > 0,
              left: b.left, right: b.right};
  }))"""


@pytest.fixture(scope="module")
def county_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Server]:
    """The demo alliance with a county's year of volunteer hours on one of this year's activities."""
    work = tmp_path_factory.mktemp("county_hours")
    db = work / "template.db"
    shutil.copy(sqlite_template, db)
    conn = sqlite3.connect(db)
    with conn:
        this_year = "held_on >= '2026-01-01' AND held_on <= ? AND deleted_at IS NULL"
        total = conn.execute(
            f"SELECT coalesce(sum(volunteer_hours), 0) FROM activity WHERE {this_year}", (TODAY.isoformat(),)
        ).fetchone()[0]
        first = conn.execute(
            f"SELECT id FROM activity WHERE {this_year} ORDER BY id LIMIT 1", (TODAY.isoformat(),)
        ).fetchone()[0]
        conn.execute(
            "UPDATE activity SET volunteer_hours = volunteer_hours + ? WHERE id = ?", (COUNTY_HOURS - total, first)
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the copy the server gets is the file alone
    conn.close()
    srv = start_server(work, db)
    yield srv
    srv.stop()


def _page(browser, width: int, height: int):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    return ctx, page


def _chart(page, title: str):  # type: ignore[no-untyped-def]
    """The chart titled ``title``, once Vega has drawn its axes."""
    chart = page.locator('[data-testid="stVegaLiteChart"]').filter(has_text=title).first
    chart.locator("svg g.role-axis").first.wait_for()
    chart.scroll_into_view_if_needed()
    return chart


def _matrix_labels(page, url: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    page.goto(url + "/lists")
    settle(page)
    page.get_by_role("tab", name="对接矩阵").click()
    settle(page)
    chart = _chart(page, "对接矩阵")
    assert_no_exception(page)
    labels = chart.evaluate(X_LABELS)
    declared = chart.locator("g.role-axis[aria-label^='X-axis']").get_attribute("aria-label") or ""
    assert "discrete scale with 18 values" in declared, declared  # the demo's 18 units with a project
    return labels  # type: ignore[no-any-return]


def test_county_hours_fit_and_the_heat_map_names_every_unit_at_1280(county_server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx, page = _page(browser, 1280, 800)
    try:
        sign_in(page, county_server.url, "admin", "/charts")
        metric = page.locator('[data-testid="stMetric"]').filter(has_text="志愿服务时长").first
        value = metric.locator('[data-testid="stMetricValue"]')
        value.wait_for()
        assert value.inner_text().strip() == "525.3万"
        clipped = value.evaluate("v => [v, ...v.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1)")
        assert not clipped, "the 志愿服务时长 figure is cut off in its tile"
        shot(page, "charts-kpi-1280")

        labels = _matrix_labels(page, county_server.url)
        assert len(labels) == 18
        hidden = [lb["text"] for lb in labels if not lb["shown"]]
        assert hidden == []
        assert not any(lb["text"].endswith("…") for lb in labels), labels  # whole names at this width
        shot(page, "charts-matrix-1280")
    finally:
        ctx.close()


def test_phone_six_items_and_heat_map_labels(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    ctx, page = _page(browser, 390, 844)
    try:
        sign_in(page, server.url, "admin", "/activities")
        page.get_by_role("tab", name="六个一").click()
        settle(page)
        chart = _chart(page, "各项完成情况")
        assert_no_exception(page)
        labels = chart.evaluate(X_LABELS)
        assert [lb["text"] for lb in labels] == [translate("zh_CN", f"enum.ActivityKind.{k.value}") for k in SIX_ITEMS]
        assert all(lb["shown"] for lb in labels), labels
        chart.screenshot(path=str(Path(__file__).resolve().parents[2] / "docs/screenshots/phone-six-items-chart.png"))

        labels = _matrix_labels(page, server.url)
        assert len(labels) == 18 and all(lb["shown"] for lb in labels), labels
        # upright labels side by side: each a line of 11 px type, at least that far from the next
        centres = sorted((lb["left"] + lb["right"]) / 2 for lb in labels)
        gaps = [b - a for a, b in itertools.pairwise(centres)]
        assert min(gaps) >= charts.LABEL_FONT_SIZE, gaps
        shot(page, "phone-matrix")
    finally:
        ctx.close()
