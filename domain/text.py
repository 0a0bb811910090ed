"""Chinese text helpers: pinyin order for names, word segmentation (jieba) for matching."""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

import jieba
from pypinyin import Style, lazy_pinyin

T = TypeVar("T")

jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary loading; stdout and stderr stay quiet

_tokenizer = jieba.Tokenizer()
_added: set[str] = set()
_lock = threading.Lock()


@lru_cache(maxsize=20_000)
def pinyin_key(name: str) -> tuple[str, str]:
    """Sort key putting Chinese names in pinyin order (例: 安 before 北), ties by the name."""
    return ("".join(lazy_pinyin(name, style=Style.TONE3)).lower(), name)


def sort_by_pinyin(items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    """``items`` in pinyin order of ``key(item)``."""
    return sorted(items, key=lambda item: pinyin_key(key(item)))


def normalise(text: str) -> str:
    """Full-width letters and digits as their half-width selves, lower case (NFKC)."""
    return unicodedata.normalize("NFKC", text or "").lower()


def add_words(words: Iterable[str]) -> None:
    """Words jieba keeps whole from now on (the matching vocabulary's); adding one twice is harmless."""
    new = [w for w in words if w and w not in _added]
    if not new:
        return
    with _lock:
        _tokenizer.initialize()
        for w in new:
            if w not in _added:
                _tokenizer.add_word(w)
                _added.add(w)


def segment(text: str) -> list[str]:
    """The words of ``text`` in order (jieba's precise mode, with the words added), spaces dropped."""
    if not _tokenizer.initialized:
        with _lock:
            _tokenizer.initialize()
    return [w for w in _tokenizer.cut(normalise(text)) if w.strip()]


def word_frequency(word: str) -> int:
    """How common ``word`` is in jieba's general dictionary (0 for a word it does not know)."""
    return int(_tokenizer.FREQ.get(word) or 0)
