"""Tabs of which only the open one runs.

``st.tabs`` runs every tab's body on every rerun and sends it all to the browser; at county scale a
page's other tabs cost as much as the one being read. Keyed tabs with ``on_change="rerun"`` remember
the open tab across reruns and expose ``.open``: a page runs a tab's body only when it is open."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ui.i18n import t


def lazy_tabs(names: list[str], *, key: str, prefix: str) -> dict[str, Any]:
    """One tab per name (labels ``t(prefix + name)``), keyed ``key``: name → tab container.

    Pass them to ``show_open`` with each tab's body. The first name opens by default."""
    labels = [t(prefix + name) for name in names]
    if st.session_state.get(key) not in (None, *labels):  # the language changed: open the first tab
        del st.session_state[key]
    return dict(zip(names, st.tabs(labels, key=key, on_change="rerun"), strict=True))


def lazy_expander(label: str, *, key: str, icon: str | None = None) -> Any:
    """An expander whose body runs only while it is open (a form of 1,500 units costs a rerun
    otherwise): ``if box.open: with box: ...``."""
    return st.expander(label, key=key, icon=icon, on_change="rerun")


def show_open(tabs: dict[str, Any], bodies: dict[str, Callable[[], None]]) -> None:
    """Run the body of the open tab (``bodies``: tab name → what the tab shows) inside it."""
    for name, tab in tabs.items():
        if tab.open and name in bodies:
            with tab:
                bodies[name]()
