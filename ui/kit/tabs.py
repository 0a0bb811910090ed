"""Tabs of which only the open one runs.

``st.tabs`` runs every tab's body on every rerun and sends it all to the browser; at county scale a
page's other tabs cost as much as the one being read. Keyed tabs with ``on_change="rerun"`` remember
the open tab across reruns and expose ``.open``: a page runs a tab's body only when it is open."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ui.kit.i18n import t

_OPEN = "__open"  # beside a tab group's key: the name of its open tab


def lazy_tabs(names: list[str], *, key: str, prefix: str) -> dict[str, Any]:
    """One tab per name (labels ``t(prefix + name)``), keyed ``key``: name → tab container.

    Pass them to ``show_open`` with each tab's body. The first name opens by default."""
    return named_tabs({name: t(prefix + name) for name in names}, key=key)


def named_tabs(labels: dict[str, str], *, key: str) -> dict[str, Any]:
    """Keyed tabs (name → label) that stay open by *name* across reruns: name → tab container.

    A keyed tab group's identity and its stored value are its labels, so a label that changes
    between reruns — a count in it (本次待办（1） → 本次待办（2）) or a new language — would
    otherwise drop the open tab and show the first one. The open tab's name is remembered beside
    the widget and its new label put back before the tabs are drawn."""
    names = list(labels)
    shown = st.session_state.get(key)
    if shown is not None and shown not in labels.values():
        remembered = st.session_state.get(key + _OPEN)
        if remembered in labels:
            st.session_state[key] = labels[remembered]
        else:
            del st.session_state[key]
    tabs = dict(zip(names, st.tabs(list(labels.values()), key=key, on_change="rerun"), strict=True))
    st.session_state[key + _OPEN] = next((name for name, tab in tabs.items() if tab.open), names[0])
    return tabs


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
