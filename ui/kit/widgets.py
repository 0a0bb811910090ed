"""Generic widgets the screens share: an id picker with 全部 first, an enum picker, a sort choice,
a community worker's own community first, and one page of a paged query for the pager."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy.orm import Session

from domain.actor import Actor
from services.reference import Option
from ui.kit.i18n import label, t
from ui.kit.state import session_scope

E = TypeVar("E", bound=StrEnum)
PAGE_SIZE = 15


def names(options: list[Option]) -> dict[int, str]:
    """id → name of reference options, for ``pick``."""
    return {o.id: o.name for o in options}


def pick(title_key: str, options: dict[int, str], *, key: str, allow_all: bool = True) -> int | None:
    """A select box over ``options`` (id → name) with 全部 first; returns the id or None."""
    ids: list[int | None] = ([None] if allow_all else []) + list(options)
    return st.selectbox(t(title_key), ids, format_func=lambda i: t("common.all") if i is None else options[i], key=key)


def pick_enum(title_key: str, enum: type[E], *, key: str, allow_all: bool = True, default: E | None = None) -> E | None:
    """A select box over an enum's members (labels in the user's language) with 全部 first."""
    values: list[E | None] = [None] if allow_all else []
    values += list(enum)
    index = values.index(default) if default in values else 0
    return st.selectbox(
        t(title_key), values, index=index, format_func=lambda v: t("common.all") if v is None else label(v), key=key
    )


def sorter(options: dict[str, str], *, key: str, descending: bool = False) -> tuple[str, bool]:
    """A sort choice (column → header key, the first by default) and a descending switch."""
    cols = st.columns([3, 1])
    sort = cols[0].selectbox(t("lists.sort_by"), list(options), format_func=lambda k: t(options[k]), key=key)
    desc = cols[1].toggle(t("lists.descending"), value=descending, key=f"{key}_desc")
    return sort, desc


def own_community_first(actor: Actor, key: str) -> None:
    """A community worker's lists open on their own community (they may still choose 全部)."""
    if actor.home_community_id is not None and key not in st.session_state:
        st.session_state[key] = actor.home_community_id


def fetch_page(page_key: str, query: Callable[[Session, int, int], Any]) -> Any:
    """One page of rows for the pager's current page (the pager is drawn under the table); back to
    page 1 when the filters left fewer rows than the page asked for."""
    offset = (int(st.session_state.get(page_key, 1)) - 1) * PAGE_SIZE
    with session_scope() as s:
        page = query(s, offset, PAGE_SIZE)
        if offset and offset >= page.total:
            st.session_state[page_key] = 1
            page = query(s, 0, PAGE_SIZE)
    return page
