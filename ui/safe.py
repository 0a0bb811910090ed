"""User text shown safely: Markdown control characters escaped, never raw HTML."""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<&])")


def md_escape(text: object) -> str:
    """``text`` as literal Markdown (so ``<script>`` or ``**`` show as typed)."""
    s = "" if text is None else str(text)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return s.replace("\n", "  \n")
