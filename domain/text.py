"""Chinese text helpers: pinyin order for names, character n-grams for matching."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

from pypinyin import Style, lazy_pinyin

T = TypeVar("T")


@lru_cache(maxsize=20_000)
def pinyin_key(name: str) -> tuple[str, str]:
    """Sort key putting Chinese names in pinyin order (例: 安 before 北), ties by the name."""
    return ("".join(lazy_pinyin(name, style=Style.TONE3)).lower(), name)


def sort_by_pinyin(items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    """``items`` in pinyin order of ``key(item)``."""
    return sorted(items, key=lambda item: pinyin_key(key(item)))
