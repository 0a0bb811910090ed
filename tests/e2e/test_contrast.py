"""Issue 20, item 8: axe-core (WCAG 2 A/AA) on every page as the admin and as a liaison, the deck's
frame included. The app's own markup must have no violation; only Streamlit's page navigation in
the sidebar is left out (its section headers sit between the <ul> and its <li>s: axe's ``list`` /
``listitem`` rules, markup the app cannot reach). The rest of the sidebar — the chairs, the inbox,
the language switch — is checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, login, wait_idle
from tests.e2e.flows import settle
from ui.kit.navigation import PAGES

pytestmark = pytest.mark.e2e

AXE_VERSION = "4.14.1"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
EXCLUDE = ['[data-testid="stSidebarNav"]']  # Streamlit's own page links (see above)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DECK = 'iframe[title="联席会议演示文稿"]'

RUN_AXE = """async ([exclude, tags]) => {
  const result = await axe.run({exclude: exclude.map(s => [s])}, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({
    id: v.id,
    help: v.help,
    nodes: v.nodes.map(n => `${n.target.join(' ')} :: ${n.html.slice(0, 160)} :: ${n.failureSummary}`),
  }));
}"""


def test_vendored_axe_is_the_pinned_release() -> None:
    head = AXE.read_text(encoding="utf-8")[:40]
    assert f"axe v{AXE_VERSION}" in head, head
    assert (AXE.parent / "LICENSE").read_text(encoding="utf-8").startswith("Mozilla Public License")


def _violations(page) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    source = AXE.read_text(encoding="utf-8")
    for frame in page.frames:  # the deck is an iframe of the app's own: axe reads it from inside
        if not frame.evaluate("() => typeof axe !== 'undefined'"):
            frame.add_script_tag(content=source)
    return page.evaluate(RUN_AXE, [EXCLUDE, TAGS])  # type: ignore[no-any-return]


@pytest.mark.parametrize("username", ["admin", "liaison1"])
def test_every_page_passes_axe(server, page, username: str) -> None:  # type: ignore[no-untyped-def]
    login(page, server.url, username)
    found: dict[str, list[dict[str, object]]] = {}
    for spec in PAGES:
        if not (ROOT / spec.script).exists() or (username != "admin" and spec.url_path == "admin"):
            continue
        page.goto(f"{server.url}/{spec.url_path}")
        if spec.url_path == "present":
            page.frame_locator(DECK).locator(".slide.active").wait_for()
        else:
            page.get_by_role("button", name="退出登录").wait_for()
            page.locator("h1").first.wait_for()
        wait_idle(page, settle_ms=1000)
        settle(page)
        violations = _violations(page)
        if violations:  # a rerun may have begun meanwhile (Streamlit fades stale elements): once more at rest
            settle(page)
            violations = _violations(page)
        if violations:
            found[spec.url_path or "overview"] = violations
    report = [
        f"/{where} {v['id']} ({v['help']}): {node}"
        for where, violations in found.items()
        for v in violations
        for node in v["nodes"]  # type: ignore[attr-defined]
    ]
    assert not report, "\n".join(report)
