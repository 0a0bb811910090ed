"""The matching vocabulary the secretariat keeps: its own synonym groups, weak, stop and domain words.

The base vocabulary (``domain/data/matching_vocabulary.toml``) ships with the code; the alliance's
additions live in the settings row ``matching_vocabulary`` (the file's keys: ``group``, ``weak``,
``stop``, ``words``) and are merged with it by ``domain.matching.vocabulary``. Only the admin changes
them (``may_administer``); every change leaves an audit row with the row before and after.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from domain import matching
from domain import text as zh
from domain.actor import Actor
from domain.enums import AuditAction
from domain.errors import ValidationError
from services import audit, scope, settings_store

KEY = "matching_vocabulary"
KINDS = ("topic", "weak", "audience")  # a group names a topic, a context (weak) or who it is for
MAX_WORD = 20
MAX_GROUP_WORDS = 60
MAX_GROUPS = 300
MAX_LIST_WORDS = 1000
_SEPARATORS = re.compile(r"[\s,，、;；/|]+")
_WORD = re.compile(r"^[0-9a-z\u3400-\u9fff]+$")

F_GROUPS = {kind: f"admin.vocabulary.fields.{kind}_groups" for kind in KINDS}  # one box a kind, a group a line
F_KIND = "admin.vocabulary.fields.kind"
F_WEAK = "admin.vocabulary.fields.weak"
F_STOP = "admin.vocabulary.fields.stop"
F_WORDS = "admin.vocabulary.fields.words"


@dataclass(frozen=True)
class Group:
    words: tuple[str, ...]
    kind: str = "topic"


@dataclass(frozen=True)
class Additions:
    """The alliance's additions, as stored."""

    groups: tuple[Group, ...] = ()
    weak: tuple[str, ...] = ()
    stop: tuple[str, ...] = ()
    words: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "group": [
                {"words": list(g.words), "weak": g.kind == "weak", "audience": g.kind == "audience"}
                for g in self.groups
            ],
            "weak": list(self.weak),
            "stop": list(self.stop),
            "words": list(self.words),
        }


def split_words(value: str | Sequence[str] | None) -> list[str]:
    """Words typed in one box: separated by spaces, commas, 、 or semicolons; normalised, each once."""
    parts = _SEPARATORS.split(value or "") if isinstance(value, str) else [str(v) for v in value or []]
    return list(dict.fromkeys(w for w in (zh.normalise(p).strip() for p in parts) if w))


def _kind(g: Any) -> str:
    if g.get("audience"):
        return "audience"
    return "weak" if g.get("weak") else "topic"


def _from_json(raw: Any) -> Additions:
    if not isinstance(raw, dict):
        return Additions()
    groups = tuple(
        Group(tuple(split_words(g.get("words"))), _kind(g)) for g in raw.get("group") or [] if isinstance(g, dict)
    )
    return Additions(
        groups,
        tuple(split_words(raw.get("weak"))),
        tuple(split_words(raw.get("stop"))),
        tuple(split_words(raw.get("words"))),
    )


def get_additions(session: Session) -> Additions:
    """The alliance's additions (empty when none were made)."""
    return _from_json(settings_store.get_setting(session, KEY, None))


def additions_json(session: Session) -> dict[str, Any]:
    """The settings row as ``domain.matching.vocabulary`` reads it."""
    raw = settings_store.get_setting(session, KEY, None)
    return raw if isinstance(raw, dict) else {}


def base_groups() -> tuple[Group, ...]:
    """The synonym groups of the shipped vocabulary file, for reading beside the alliance's own."""
    data = tomllib.loads(matching.BASE_VOCABULARY.read_text(encoding="utf-8"))
    return tuple(Group(tuple(g.get("words", [])), _kind(g)) for g in data.get("group", []))


def lines_to_groups(topic: str = "", weak: str = "", audience: str = "") -> list[tuple[str, str]]:
    """Three boxes of the admin page, one group a line, as ``validate_additions`` takes them."""
    return [(line, kind) for kind, box in zip(KINDS, (topic, weak, audience), strict=True) for line in box.splitlines()]


def groups_to_lines(groups: Sequence[Group], kind: str) -> str:
    """The groups of one kind as the lines of its box (words separated by 、)."""
    return "\n".join("、".join(g.words) for g in groups if g.kind == kind)


def _check_word(field: str, word: str, row: int | None = None) -> None:
    where = {"row": row} if row is not None else {}
    if len(word) > MAX_WORD:
        code = "admin.vocabulary.error.word_too_long_row" if row is not None else "admin.vocabulary.error.word_too_long"
        raise ValidationError(field, code, word=word, max=MAX_WORD, **where)
    if not _WORD.match(word):
        code = "admin.vocabulary.error.word_chars_row" if row is not None else "admin.vocabulary.error.word_chars"
        raise ValidationError(field, code, word=word, **where)


def _check_list(field: str, words: list[str]) -> tuple[str, ...]:
    if len(words) > MAX_LIST_WORDS:
        raise ValidationError(field, "admin.vocabulary.error.too_many_words", max=MAX_LIST_WORDS)
    for w in words:
        _check_word(field, w)
    return tuple(words)


def validate_additions(
    groups: Sequence[tuple[str | Sequence[str] | None, str | None]],
    *,
    weak: str | Sequence[str] | None = "",
    stop: str | Sequence[str] | None = "",
    words: str | Sequence[str] | None = "",
) -> Additions:
    """The additions as typed — each group as (its words, its kind) — checked, or ``ValidationError``
    naming the field of the group's kind and its row (counted from 1 among the groups of that kind, as
    the lines of its box). Rows with no words are kept out but counted."""
    checked: list[Group] = []
    rows = dict.fromkeys(KINDS, 0)
    for raw_words, raw_kind in groups:
        kind = (raw_kind or "topic").strip() or "topic"
        if kind not in KINDS:
            raise ValidationError(F_KIND, "error.unknown_choice", value=kind)
        rows[kind] += 1
        row, field = rows[kind], F_GROUPS[kind]
        members = split_words(raw_words)
        if not members:
            continue
        if len(members) < 2:
            raise ValidationError(field, "admin.vocabulary.error.group_too_small", row=row, word=members[0])
        if len(members) > MAX_GROUP_WORDS:
            raise ValidationError(field, "admin.vocabulary.error.group_too_large", row=row, max=MAX_GROUP_WORDS)
        for w in members:
            _check_word(field, w, row)
        checked.append(Group(tuple(members), kind))
    if len(checked) > MAX_GROUPS:
        raise ValidationError(F_GROUPS["topic"], "admin.vocabulary.error.too_many_groups", max=MAX_GROUPS)
    weak_t = _check_list(F_WEAK, split_words(weak))
    stop_t = _check_list(F_STOP, split_words(stop))
    words_t = _check_list(F_WORDS, split_words(words))
    grouped = {w for g in checked for w in g.words}
    for w in stop_t:
        if w in grouped or w in weak_t:
            raise ValidationError(F_STOP, "admin.vocabulary.error.stop_and_used", word=w)
    return Additions(tuple(checked), weak_t, stop_t, words_t)


def set_additions(
    session: Session,
    actor: Actor,
    *,
    groups: Sequence[tuple[str | Sequence[str] | None, str | None]],
    weak: str | Sequence[str] | None = "",
    stop: str | Sequence[str] | None = "",
    words: str | Sequence[str] | None = "",
) -> Additions:
    """The admin replaces the alliance's additions to the matching vocabulary (one audited settings
    write); the suggestions use them from the next read on."""
    scope.require_administer(actor)
    additions = validate_additions(groups, weak=weak, stop=stop, words=words)
    before = settings_store.get_setting(session, KEY, None)
    after = additions.to_json()
    settings_store.put_setting(session, KEY, after)
    audit.record(session, actor, AuditAction.UPDATE, "setting", None, before={KEY: before}, after={KEY: after})
    return additions
