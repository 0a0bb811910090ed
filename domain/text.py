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


# jieba's part-of-speech tags of words that never name what a text is about: numerals and measure words
# (好几个, 整天), pronouns (她们, 在家), time words (天天), adverbs, prepositions, conjunctions, particles,
# interjections, onomatopoeia, directions.
_FUNCTION_TAGS = frozenset(
    {
        "m",
        "mq",
        "q",
        "r",
        "rr",
        "rz",
        "t",
        "tg",
        "d",
        "dg",
        "p",
        "c",
        "u",
        "ug",
        "uj",
        "ul",
        "uv",
        "uz",
        "y",
        "e",
        "o",
        "f",
    }
)


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    out: set[str] = set()
    with _tokenizer.get_dict_file() as f:
        for raw in f:
            parts = raw.decode("utf-8").split()
            if len(parts) > 2 and parts[2] in _FUNCTION_TAGS:
                out.add(parts[0])
    return frozenset(out)


def is_function_word(word: str) -> bool:
    """Whether jieba's dictionary tags ``word`` as a numeral, measure word, pronoun, time word, adverb or
    another word that says how or when, never what (好几位, 整天, 天天, 在家)."""
    return word in _function_words()


def word_frequency(word: str) -> int:
    """How common ``word`` is in jieba's general dictionary (0 for a word it does not know)."""
    return int(_tokenizer.FREQ.get(word) or 0)
