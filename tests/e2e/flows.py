"""Patient browser helpers for the flow tests: a Streamlit page redraws after every action, so
each step waits for the rerun to finish and retries what a redraw can undo."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TypeVar

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.conftest import PASSWORDS, wait_idle

T = TypeVar("T")


def settle(page) -> None:  # type: ignore[no-untyped-def]
    """wait_idle, then until no element is left over from the previous run."""
    wait_idle(page)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
                 && !document.querySelector('[data-stale="true"]')""",
        timeout=30_000,
    )


def eventually(check: Callable[[], T], timeout: float = 20) -> T:
    """Call ``check`` until it stops failing: the page may still be redrawing after a rerun."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except (AssertionError, PlaywrightTimeout):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def sign_in(page, url: str, username: str, path: str) -> None:  # type: ignore[no-untyped-def]
    """conftest's login, made patient: wait for the login page to finish drawing before typing
    (a run still going may redraw the form and drop what was typed), and try once more if so."""
    page.goto(url + path)
    for attempt in range(3):
        page.get_by_label("用户名").wait_for()
        settle(page)
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORDS[username])
        page.get_by_role("button", name="登录").click()
        try:
            page.get_by_role("button", name="退出登录").wait_for(timeout=20_000)
            break
        except PlaywrightTimeout:
            if attempt == 2 or page.get_by_label("用户名").count() == 0:
                raise
    settle(page)


def choose(page, scope, label: str, option: str | re.Pattern[str]) -> None:  # type: ignore[no-untyped-def]
    """Pick an option of a selectbox: open it and click the option — all of it again when a rerun
    closed the list on the way (between opening, showing the option and clicking it) — until the
    box shows the option."""
    box = scope.get_by_role("combobox", name=label, exact=True)
    wanted = page.get_by_role("listbox").get_by_role("option", name=option, exact=isinstance(option, str))
    for attempt in range(6):
        try:
            box.click()
            try:
                wanted.wait_for(timeout=1_500)
            except PlaywrightTimeout:
                box.press("ArrowDown")  # some boxes open on the key, not the click
                wanted.wait_for(timeout=3_000)
            wanted.click(timeout=5_000)
            settle(page)
            shown = box.input_value()  # a multiselect shows its choices as chips: its input stays empty
            if not shown or (shown == option if isinstance(option, str) else option.search(shown)):
                return
        except PlaywrightTimeout:
            if attempt == 5:
                raise
        page.keyboard.press("Escape")
        settle(page)
    raise AssertionError(f"{label}: could not choose {option}")


def read_table(scope) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """The rows the first st.dataframe in ``scope`` shows (its grid's accessible table), as
    header → cell text. Waits for the grid: a tab's table is drawn when the tab is first opened."""
    grid = scope.locator('[data-testid="stDataFrame"] table[role="grid"]').first
    grid.wait_for(state="attached")
    grid.locator("tbody tr").first.wait_for(state="attached")
    return grid.evaluate(
        """t => {
            const heads = [...t.querySelectorAll('thead th')].map(h => h.textContent.trim());
            return [...t.querySelectorAll('tbody tr')].map(r => Object.fromEntries(
                [...r.querySelectorAll('td')].map((c, i) => [heads[i], c.textContent.trim()])));
        }"""
    )
