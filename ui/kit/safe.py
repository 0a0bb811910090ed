"""User text shown safely: Markdown control characters escaped, never raw HTML; user Markdown
with no remote image and every link's target shown."""

from __future__ import annotations

import re

import streamlit as st

from exports.user_markdown import neutralise
from ui.kit.i18n import t

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<&])")


def md_escape(text: object) -> str:
    """``text`` as literal Markdown (so ``<script>`` or ``**`` show as typed)."""
    s = "" if text is None else str(text)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return s.replace("\n", "  \n")


def user_markdown(text: object) -> str:
    """User Markdown (minutes, agenda, decisions) as safe Markdown: its structure kept, raw HTML
    shown as typed, no remote image (a ``[图片：alt]`` text instead), every link's target shown
    and only http/https/mailto ones clickable (exports/user_markdown.py)."""
    return neutralise(
        text,
        image_text=lambda alt: t("common.image_text", alt=alt) if alt else t("common.image_no_alt"),
        link_text=lambda label, url: t("common.link_text", text=label, url=url),
    )


def show_user_markdown(text: str | None, *, empty_key: str = "common.none") -> None:
    """The one place user Markdown reaches the page (an empty text shows ``empty_key``)."""
    if text and text.strip():
        st.markdown(user_markdown(text))
    else:
        st.caption(t(empty_key))
