"""Message catalogs: one folder per language, one TOML file per part of the app.

Keys are dotted (``nav.overview``); a file ``lists.toml`` holding ``[needs] title = "…"`` gives
``lists.needs.title`` — the file name is the first part of every key it holds.
"""

from __future__ import annotations

import logging
import tomllib
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent
LANGUAGES: tuple[str, ...] = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"


def _flatten(prefix: str, node: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in node.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


@cache
def catalog(lang: str) -> dict[str, str]:
    """Every message of ``lang``, keyed by its dotted key."""
    out: dict[str, str] = {}
    folder = LOCALES_DIR / lang
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as fh:
            _flatten(path.stem, tomllib.load(fh), out)
    return out


def translate(lang: str, key: str, /, **params: Any) -> str:
    """The message for ``key`` in ``lang`` with ``params`` filled in; the key itself if missing."""
    messages = catalog(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    text = messages.get(key)
    if text is None:
        log.warning("missing message %s for %s", key, lang)
        text = catalog(DEFAULT_LANGUAGE).get(key, key)
    if params:
        # a vocabulary member fills its place with its label (``enum.<Class>.<value>``)
        params = {
            k: messages.get(f"enum.{type(v).__name__}.{v.value}", v.value) if isinstance(v, StrEnum) else v
            for k, v in params.items()
        }
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def has_key(lang: str, key: str) -> bool:
    return key in catalog(lang)
