"""The user's language and messages from the catalogs."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import streamlit as st

from domain.errors import AppError, ValidationError
from locales import DEFAULT_LANGUAGE, LANGUAGES, translate

LANG_KEY = "lang"


def current_language() -> str:
    lang = st.session_state.get(LANG_KEY, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, /, **params: Any) -> str:
    return translate(current_language(), key, **params)


def label(member: StrEnum) -> str:
    """The display label of an enum member (``enum.<Class>.<value>``)."""
    return t(f"enum.{type(member).__name__}.{member.value}")


def error_message(err: AppError) -> str:
    """An error in the user's language, naming the field where there is one."""
    params = dict(err.params)
    if isinstance(err, ValidationError):
        params.setdefault("field", t(err.field))
    return t(err.code, **params)


def language_switch(where: Any = None) -> None:
    """The sidebar's 中文 / English switch."""
    names = {"zh_CN": "中文", "en": "English"}
    pending = st.session_state.pop("cobuild_pending_lang", None)
    if pending in LANGUAGES:
        st.session_state[LANG_KEY] = pending
    (where if where is not None else st.sidebar).selectbox(
        translate(current_language(), "app.language"),
        list(LANGUAGES),
        format_func=lambda code: names[code],
        key=LANG_KEY,
    )
