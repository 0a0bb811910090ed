"""Match suggestions: whether a unit's resource is about a community's need, how well it fits, and why.

Relevance gates everything else. The need's and the resource's texts are segmented (jieba, with the
matching vocabulary's domain words) and every word is mapped to its topics: the synonym groups of the
vocabulary (助餐 / 送餐 / 午餐 …), or the word itself. A resource is *about* a need when they share at
least one topic that is neither weak (讲座, 培训, 维修 …: the form of help) nor an audience (老人, 儿童 …:
who it is for), and their texts are close enough (``MIN_RELEVANCE``). A resource that is not about the
need is never suggested — not for its category, its capacity or its pairing; when no resource is about
a need, the need gets no suggestion.

Among the resources about the need, the score (0–100) is the sum of four visible parts:

* text — how close the two texts are (weighted cosine of their topics, the titles weighing more; up
  to 60), the reason naming the shared words and synonyms;
* category — the resource is in the need's category (15: a resource of another category that is more
  about the need still wins);
* capacity — how much of the resource is still free after the projects already using it (up to 10;
  a resource with no stated capacity gets 7);
* paired — the resource's unit is paired (结对) with the need's community (15).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from domain import text as zh

TEXT_POINTS = 60
CATEGORY_POINTS = 15
CAPACITY_POINTS = 10
UNSTATED_CAPACITY_POINTS = 7
PAIRED_POINTS = 15
TEXT_FULL_AT = 0.5  # a relevance this high earns all the text points
MIN_RELEVANCE = 0.12  # below this a resource is not about the need, whatever it shares

TITLE_WEIGHT = 1.0  # a topic in a title counts fully …
NEED_DESCRIPTION_WEIGHT = 0.6  # … one only in the description less
RESOURCE_DESCRIPTION_WEIGHT = 0.7
WEAK_WEIGHT = 0.3  # weak words and audiences count this much of a topic
OTHER_AUDIENCE_FACTOR = 0.5  # a resource for another audience than the need's
DESCRIPTION_ONLY_FACTOR = 0.7  # only the need's description, not its title, shares a topic
COMMON_WORD_FREQ = 3000  # a word outside the vocabulary more common than this in jieba's dictionary is weak
MAX_SUBSTRING = 8

BASE_VOCABULARY = Path(__file__).with_name("data") / "matching_vocabulary.toml"
_CJK_OR_WORD = re.compile(r"[a-z0-9]+|[\u3400-\u9fff]+")
_NUMERALS = frozenset("0123456789一二三四五六七八九十两几百千万半多每某第")  # 一台, 八十六岁, 几副: counts, not topics


# ---- the vocabulary --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    """What a word stands for: a synonym group (``key`` = its first word) or the word itself."""

    key: str
    weak: bool = False
    audience: bool = False


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """Synonym groups, weak and stop words, domain words: the data the relevance rule reads.

    ``eq=False``: compared and hashed by identity, so a vocabulary can key the caches cheaply."""

    groups: tuple[tuple[tuple[str, ...], bool, bool], ...]  # (words, weak, audience)
    weak: frozenset[str]
    stop: frozenset[str]
    words: frozenset[str]

    @classmethod
    def from_data(cls, *sources: Mapping[str, Any]) -> Vocabulary:
        """One vocabulary from several sources (the base file, the secretariat's additions), merged."""
        groups: list[tuple[tuple[str, ...], bool, bool]] = []
        weak: set[str] = set()
        stop: set[str] = set()
        words: set[str] = set()
        for src in sources:
            for g in src.get("group", []) or []:
                members = tuple(dict.fromkeys(zh.normalise(w).strip() for w in g.get("words", []) if w.strip()))
                audience = bool(g.get("audience", False))
                if members:
                    groups.append((members, audience or bool(g.get("weak", False)), audience))
            weak.update(zh.normalise(w).strip() for w in src.get("weak", []) or [] if w.strip())
            stop.update(zh.normalise(w).strip() for w in src.get("stop", []) or [] if w.strip())
            words.update(zh.normalise(w).strip() for w in src.get("words", []) or [] if w.strip())
        return cls(tuple(groups), frozenset(weak), frozenset(stop), frozenset(words))

    @cached_property
    def index(self) -> dict[str, tuple[Topic, ...]]:
        """Each group word → the topics it stands for."""
        out: dict[str, list[Topic]] = {}
        for members, weak, audience in self.groups:
            topic = Topic(members[0], weak=weak, audience=audience)
            for w in members:
                if topic not in out.setdefault(w, []):
                    out[w].append(topic)
        return {w: tuple(ts) for w, ts in out.items()}

    @cached_property
    def longest(self) -> int:
        return min(MAX_SUBSTRING, max((len(w) for w in self.index), default=1))

    def prepare(self) -> None:
        """Teach jieba the domain words (once per vocabulary)."""
        zh.add_words(w for w in [*self.index, *self.words] if len(w) > 1)

    def topics_of(self, word: str) -> tuple[Topic, ...]:
        """The topics a segmented word stands for (none for a stop word or a lone character)."""
        if word in self.index:
            return self.index[word]
        if word in self.stop or len(word) < 2 or word[0] in _NUMERALS or word.isascii():
            return ()
        if word not in self.words and zh.is_function_word(word):
            return ()  # 整天, 天天, 在家: when or how, never what
        weak = (
            word in self.weak
            or self._made_of_weak_words(word)
            or (word not in self.words and zh.word_frequency(word) > COMMON_WORD_FREQ)
        )
        return (Topic(word, weak=weak),)

    def _made_of_weak_words(self, word: str) -> bool:
        """知识讲座 = 知识 + 讲座: a word made only of weak and stop words is weak itself."""
        plain = self.weak | self.stop
        ends = [True] + [False] * len(word)
        for j in range(1, len(word) + 1):
            ends[j] = any(ends[i] and word[i:j] in plain for i in range(max(0, j - MAX_SUBSTRING), j))
        return ends[-1]


@lru_cache(maxsize=1)
def base_vocabulary() -> Vocabulary:
    """The vocabulary of ``domain/data/matching_vocabulary.toml`` alone."""
    return vocabulary()


_vocabularies: dict[str, Vocabulary] = {}


def vocabulary(extra: Mapping[str, Any] | None = None) -> Vocabulary:
    """The base vocabulary merged with ``extra`` (the secretariat's additions: ``group``, ``weak``,
    ``stop``, ``words`` as in the file); built once per distinct ``extra``."""
    key = repr(sorted((extra or {}).items()))
    vocab = _vocabularies.get(key)
    if vocab is None:
        base = tomllib.loads(BASE_VOCABULARY.read_text(encoding="utf-8"))
        vocab = Vocabulary.from_data(base, extra or {})
        vocab.prepare()
        if len(_vocabularies) > 8:
            _vocabularies.clear()
        _vocabularies[key] = vocab
    return vocab


def warm() -> None:
    """Load what the first suggestion would otherwise wait for: jieba's dictionary (~0.8 s), its word
    tags, the base vocabulary's words taught to it. Called once per app process, in a thread of its own."""
    base_vocabulary()
    zh.segment("预热")
    zh.is_function_word("预热")


# ---- the words of a text -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """A text's topics, each with the words of the text that stand for it."""

    topics: Mapping[Topic, frozenset[str]]


@lru_cache(maxsize=50_000)
def terms(vocab: Vocabulary, text: str) -> Terms:
    """The topics of ``text``: its jieba words, and every vocabulary word it contains (so a group word
    counts however jieba cuts around it: whole words, inside a word no group knows, or starting at a lone
    character jieba could not join — 理发难 cut 理|发难 still holds 理发)."""
    norm = zh.normalise(text)
    found: dict[Topic, set[str]] = {}
    index, longest = vocab.index, vocab.longest
    for run in _CJK_OR_WORD.findall(norm):
        words = zh.segment(run)
        bounds = {0}
        inside: list[tuple[int, int]] = []  # the words no group holds whole: a group word may sit inside
        loose: set[int] = set()  # where jieba left a lone character (理|发难): a group word may start there
        pos = 0
        for word in words:
            for topic in vocab.topics_of(word):
                found.setdefault(topic, set()).add(word)
            if word not in index:
                inside.append((pos, pos + len(word)))
                if len(word) == 1:
                    loose.add(pos)
            pos += len(word)
            bounds.add(pos)
        for i in range(len(run)):
            for j in range(i + 2, min(len(run), i + longest) + 1):
                topics = index.get(run[i:j])
                if not topics:
                    continue
                aligned = i in bounds and j in bounds
                if aligned or i in loose or any(a <= i and j <= b for a, b in inside):
                    for topic in topics:
                        found.setdefault(topic, set()).add(run[i:j])
    return Terms({t: frozenset(ws) for t, ws in found.items()})


def _weights(vocab: Vocabulary, title: str, description: str, description_weight: float) -> dict[Topic, float]:
    out: dict[Topic, float] = {}
    for part, weight in ((title, TITLE_WEIGHT), (description, description_weight)):
        for topic in terms(vocab, part).topics:
            w = weight * (WEAK_WEIGHT if topic.weak else 1.0)
            out[topic] = max(out.get(topic, 0.0), w)
    return out


@dataclass(frozen=True)
class Relevance:
    """How much a resource is about a need: 0–1, and the words that make it so."""

    value: float
    shared: tuple[str, ...]  # for the reasons: "电梯", or "午饭≈午餐" when synonyms link them

    @property
    def relevant(self) -> bool:
        return self.value >= MIN_RELEVANCE


NOT_RELEVANT = Relevance(0.0, ())


def _audiences(w: Mapping[Topic, float]) -> set[Topic]:
    return {t for t in w if t.audience}


def relevance_of(
    need_w: Mapping[Topic, float],
    res_w: Mapping[Topic, float],
    need: Terms,
    res: Terms,
    need_title: Mapping[Topic, frozenset[str]],
) -> Relevance:
    """The weighted cosine of the two texts' topics, gated: no shared topic (other than weak words and
    audiences), no relevance; halved for another audience; lowered when the need's title shares nothing."""
    shared = [t for t in need_w if t in res_w]
    if not any(not t.weak for t in shared):
        return NOT_RELEVANT  # nothing but the form of help or the audience in common
    dot = sum(need_w[t] * res_w[t] for t in shared)
    norm = math.sqrt(sum(v * v for v in need_w.values())) * math.sqrt(sum(v * v for v in res_w.values()))
    value = dot / norm if norm else 0.0
    na, ra = _audiences(need_w), _audiences(res_w)
    if na and ra and not na & ra:
        value *= OTHER_AUDIENCE_FACTOR
    if not any(not t.weak and t in need_title for t in shared):
        value *= DESCRIPTION_ONLY_FACTOR  # what the need is about is in its title
    if value < MIN_RELEVANCE:
        return Relevance(value, ())
    shown: list[str] = []
    for t in sorted(shared, key=lambda t: (t.weak, -need_w[t] * res_w[t], t.key)):
        nw, rw = need.topics.get(t, frozenset()), res.topics.get(t, frozenset())
        same = sorted(nw & rw, key=lambda w: (-len(w), w))
        if same:
            label = same[0]
        else:
            label = f"{min(nw, key=lambda w: (len(w), w))}≈{min(rw, key=lambda w: (len(w), w))}"
        if label not in shown:
            shown.append(label)
    return Relevance(value, tuple(shown))


# ---- needs, resources, matches --------------------------------------------------------------------


@dataclass(frozen=True)
class NeedFacts:
    """What the rule needs to know about a need."""

    id: int
    community_id: int
    category_id: int
    title: str
    description: str = ""


@dataclass(frozen=True)
class ResourceFacts:
    """What the rule needs to know about a resource."""

    id: int
    unit_id: int
    category_id: int
    title: str
    description: str = ""
    capacity: int | None = None
    in_use: int = 0  # active projects already using it
    paired_community_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def remaining(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.in_use)

    @cached_property
    def capacity_points(self) -> int:
        return _capacity(self)


@dataclass(frozen=True)
class MatchPart:
    """One reason a resource scored: ``code`` names it (a locale key's last part)."""

    code: str
    points: int
    max_points: int
    detail: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    need_id: int
    resource_id: int
    score: int
    parts: tuple[MatchPart, ...]


def _capacity(resource: ResourceFacts) -> int:
    remaining = resource.remaining
    if remaining is None:
        return UNSTATED_CAPACITY_POINTS
    if not resource.capacity:
        return 0
    points = round(CAPACITY_POINTS * remaining / resource.capacity)
    return max(points, 2) if remaining > 0 else points


class _NeedView:
    """A need's weighted topics, worked out once for ranking it against many resources."""

    def __init__(self, vocab: Vocabulary, need: NeedFacts) -> None:
        self.vocab = vocab
        self.need = need
        self.weights = _weights(vocab, need.title, need.description, NEED_DESCRIPTION_WEIGHT)
        self.title_terms = terms(vocab, need.title)
        self.terms = _merge(self.title_terms, terms(vocab, need.description))

    def relevance(self, resource: ResourceFacts) -> Relevance:
        res_w = _resource_weights(self.vocab, resource.title, resource.description)
        if not any(t in res_w for t in self.weights):
            return NOT_RELEVANT
        res_t = _merge(terms(self.vocab, resource.title), terms(self.vocab, resource.description))
        return relevance_of(self.weights, res_w, self.terms, res_t, self.title_terms.topics)


@lru_cache(maxsize=50_000)
def _resource_weights(vocab: Vocabulary, title: str, description: str) -> dict[Topic, float]:
    return _weights(vocab, title, description, RESOURCE_DESCRIPTION_WEIGHT)


def _merge(a: Terms, b: Terms) -> Terms:
    out: dict[Topic, frozenset[str]] = dict(a.topics)
    for t, ws in b.topics.items():
        out[t] = out.get(t, frozenset()) | ws
    return Terms(out)


def relevance(need: NeedFacts, resource: ResourceFacts, vocab: Vocabulary | None = None) -> Relevance:
    """How much ``resource`` is about ``need`` (0 when it is not)."""
    return _NeedView(vocab or base_vocabulary(), need).relevance(resource)


def _assemble(need: NeedFacts, resource: ResourceFacts, rel: Relevance) -> Match:
    parts = [
        MatchPart(
            "text",
            round(TEXT_POINTS * min(1.0, rel.value / TEXT_FULL_AT)),
            TEXT_POINTS,
            {"similarity": round(rel.value, 2), "words": "、".join(rel.shared[:5])},
        ),
        MatchPart("category", CATEGORY_POINTS if need.category_id == resource.category_id else 0, CATEGORY_POINTS),
    ]
    remaining = resource.remaining
    parts.append(
        MatchPart(
            "capacity",
            resource.capacity_points,
            CAPACITY_POINTS,
            {
                "remaining": "" if remaining is None else remaining,
                "capacity": "" if resource.capacity is None else resource.capacity,
            },
        )
    )
    paired = need.community_id in resource.paired_community_ids
    parts.append(MatchPart("paired", PAIRED_POINTS if paired else 0, PAIRED_POINTS))
    return Match(need.id, resource.id, sum(p.points for p in parts), tuple(parts))


def score(need: NeedFacts, resource: ResourceFacts, vocab: Vocabulary | None = None) -> Match | None:
    """The score of ``resource`` for ``need`` with its parts, or None when it is not about the need."""
    rel = relevance(need, resource, vocab)
    return _assemble(need, resource, rel) if rel.relevant else None


def rank(
    need: NeedFacts, resources: Iterable[ResourceFacts], *, top: int = 3, vocab: Vocabulary | None = None
) -> list[Match]:
    """The best ``top`` resources about ``need``, highest score first (ties: the more relevant, then
    the lower id). Resources not about the need and those whose capacity is used up are left out, so
    the list may be short or empty."""
    view = _NeedView(vocab or base_vocabulary(), need)
    found: list[tuple[int, float, int, Match]] = []
    for r in resources:
        if r.remaining is not None and r.remaining <= 0:
            continue
        rel = view.relevance(r)
        if rel.relevant:
            m = _assemble(need, r, rel)
            found.append((-m.score, -rel.value, r.id, m))
    found.sort(key=lambda e: e[:3])
    return [e[3] for e in found[:top]]


def best_for_each(
    needs: Sequence[NeedFacts], resources: Sequence[ResourceFacts], *, top: int = 3, vocab: Vocabulary | None = None
) -> dict[int, list[Match]]:
    """``rank`` for every need."""
    return {n.id: rank(n, resources, top=top, vocab=vocab) for n in needs}


def text_similarity(a: str, b: str, vocab: Vocabulary | None = None) -> float:
    """0–1: how much text ``b`` is about text ``a`` (0 when they share no topic word)."""
    return relevance(NeedFacts(0, 0, 0, a), ResourceFacts(0, 0, 0, b), vocab).value
