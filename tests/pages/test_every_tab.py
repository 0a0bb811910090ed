"""Every tab of every page, for every role: only the open tab runs, so each is opened in turn."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pages.conftest import OpenPage, assert_clean, each_tab
from ui.kit.navigation import PAGES

ROLES = {"admin": "admin", "community1": "community", "liaison1": "liaison", "leader": "leader"}
TABBED = [
    spec
    for spec in PAGES
    if Path(spec.script).stem in {"lists", "activities", "meetings", "whistle", "evaluation", "charts", "admin"}
]


@pytest.mark.parametrize("username", list(ROLES))
@pytest.mark.parametrize("spec", TABBED, ids=lambda s: Path(s.script).stem)
def test_every_tab_renders_for_every_role(open_page: OpenPage, spec, username: str) -> None:  # type: ignore[no-untyped-def]
    if ROLES[username] not in [r.value for r in spec.roles]:
        pytest.skip("not in this role's navigation")
    at = open_page(username, spec.script)
    assert_clean(at)
    key = f"{Path(spec.script).stem}_tab"
    opened = []
    for label in each_tab(at, key):
        assert_clean(at)
        assert at.session_state[key] == label
        assert at.main.children, label
        opened.append(label)
    assert len(opened) >= 3, f"{key}: {opened}"
