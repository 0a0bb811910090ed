"""AppTest harness: the real app.py on a private copy of the demo database, logged in by
injecting the authenticator's session keys (the cookie itself needs the browser tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import TODAY

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 60

USERS = {
    "admin": "联盟秘书处",
    "community1": "",
    "liaison1": "",
    "leader": "",
}


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from ui.kit import state

    monkeypatch.setattr(state, "CHECK_AREAS", True)  # a cached read of a table outside its READS fails
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app_env(db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at a private seeded database; returns its path."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_file}")
    monkeypatch.setenv("COBUILD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COBUILD_COOKIE_KEY", raising=False)
    monkeypatch.setenv("COBUILD_LOGIN_SLEEP", "0")
    monkeypatch.setenv("COBUILD_TODAY", TODAY.isoformat())  # the app's today is the seed's
    return db_file


OpenPage = Callable[..., AppTest]


@pytest.fixture
def open_page(app_env: Path) -> OpenPage:
    """``open_page(username, "app_pages/lists.py")``: the app, logged in, on that page."""

    def _open(username: str | None, page: str | None = None, *, lang: str = "zh_CN") -> AppTest:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.session_state["lang"] = lang
        if username:
            at.session_state["authentication_status"] = True
            at.session_state["username"] = username
            at.session_state["name"] = username
            at.session_state["logout"] = None
        at.run()
        if page:
            at.switch_page(page)
            at.run()
        return at

    return _open


def assert_clean(at: AppTest) -> None:
    """No exception element, no error box (unless a test expects one)."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Open the tab ``label`` of the page's keyed tab group ``key`` (only the open tab runs)."""
    at.session_state[key] = label
    return at.run()


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def tab_labels(at: AppTest, key: str) -> list[str]:
    """The labels of the keyed tab group ``key`` on the page as last run ([] when there is none)."""
    if key not in at.session_state:
        return []
    current = at.session_state[key]
    for node in _nodes(at._tree):
        children = list(getattr(node, "children", {}).values())
        if children and all(getattr(c, "type", None) == "tab" for c in children):
            labels = [c.label for c in children]
            if current in labels:
                return labels
    return []


def each_tab(at: AppTest, key: str) -> Iterator[str]:
    """Open every tab of the group ``key`` in turn (the first is open on arrival); yields its label."""
    labels = tab_labels(at, key)
    for n, label in enumerate(labels):
        if n:
            open_tab(at, key, label)
        yield label
    if len(labels) > 1:
        open_tab(at, key, labels[0])
