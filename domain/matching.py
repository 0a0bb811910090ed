"""Match suggestions: how well a unit's resource fits a community's need, and why.

The score (0–100) is the sum of four visible parts:

* category — the resource is in the need's category (30);
* text — the titles and descriptions share Chinese characters and character pairs (up to 40,
  so a strong text match can beat a bare category match);
* capacity — how much of the resource is still free after the projects already using it (up to 15;
  a resource with no stated capacity gets 10);
* paired — the resource's unit is paired (结对) with the need's community (15).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

CATEGORY_POINTS = 30
TEXT_POINTS = 40
CAPACITY_POINTS = 15
UNSTATED_CAPACITY_POINTS = 10
PAIRED_POINTS = 15
TEXT_FULL_AT = 0.4  # a similarity this high earns all the text points

# Characters too common in Chinese prose to say anything about a match.
_STOP_CHARS = frozenset("的了和与及或在是有为对把被从到向给等个一不也就都而之其这那些我们你他她它要可以会能上下中")
_WORD = re.compile(r"[a-z0-9]+|[\u3400-\u9fff]+")
_Grams = tuple[frozenset[str], frozenset[str]]


@dataclass(frozen=True)
class NeedFacts:
    """What the rule needs to know about a need."""

    id: int
    community_id: int
    category_id: int
    title: str
    description: str = ""

    @cached_property
    def grams(self) -> tuple[_Grams, _Grams]:
        """The title's and the whole text's characters and pairs, worked out once per need."""
        return _grams(self.title), _grams(f"{self.title} {self.description}")


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
    def grams(self) -> tuple[_Grams, _Grams]:
        """The title's and the whole text's characters and pairs, worked out once per resource."""
        return _grams(self.title), _grams(f"{self.title} {self.description}")

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


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


@lru_cache(maxsize=50_000)
def _grams(text: str) -> _Grams:
    """The content characters and the character pairs (bigrams) of ``text``."""
    chars: set[str] = set()
    pairs: set[str] = set()
    for run in _WORD.findall(_normalise(text)):
        if run.isascii():
            chars.add(run)
            continue
        chars.update(c for c in run if c not in _STOP_CHARS)
        pairs.update(run[i : i + 2] for i in range(len(run) - 1))
    return frozenset(chars), frozenset(pairs)


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def text_similarity(a: str, b: str) -> float:
    """0–1: how much two Chinese texts share (character pairs weigh more than single characters)."""
    return _similarity(_grams(a), _grams(b))


def _similarity(a: _Grams, b: _Grams) -> float:
    return 0.6 * _dice(a[1], b[1]) + 0.4 * _dice(a[0], b[0])


def _text(need: NeedFacts, resource: ResourceFacts) -> tuple[int, float]:
    """The text part's points and the similarity they come from."""
    (need_title, need_all), (res_title, res_all) = need.grams, resource.grams
    sim = max(_similarity(need_title, res_title), _similarity(need_all, res_all))
    return round(TEXT_POINTS * min(1.0, sim / TEXT_FULL_AT)), sim


def _capacity(resource: ResourceFacts) -> int:
    remaining = resource.remaining
    if remaining is None:
        return UNSTATED_CAPACITY_POINTS
    if not resource.capacity:
        return 0
    points = round(CAPACITY_POINTS * remaining / resource.capacity)
    return max(points, 3) if remaining > 0 else points


def _static(need: NeedFacts, resource: ResourceFacts) -> int:
    """The parts of the score that need no text comparison: category, capacity, pairing."""
    return (
        (CATEGORY_POINTS if need.category_id == resource.category_id else 0)
        + resource.capacity_points
        + (PAIRED_POINTS if need.community_id in resource.paired_community_ids else 0)
    )


def shared_words(a: str, b: str, limit: int = 4) -> list[str]:
    """The character pairs two texts share, for showing why they matched."""
    common = _grams(a)[1] & _grams(b)[1]
    return sorted(common)[:limit]


def score(need: NeedFacts, resource: ResourceFacts) -> Match:
    """The score of ``resource`` for ``need``, with its parts."""
    parts: list[MatchPart] = []

    same = need.category_id == resource.category_id
    parts.append(MatchPart("category", CATEGORY_POINTS if same else 0, CATEGORY_POINTS))

    text_points, sim = _text(need, resource)
    words = shared_words(f"{need.title}{need.description}", f"{resource.title}{resource.description}")
    parts.append(MatchPart("text", text_points, TEXT_POINTS, {"similarity": round(sim, 2), "words": "、".join(words)}))

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


def rank(need: NeedFacts, resources: Iterable[ResourceFacts], *, top: int = 3, min_score: int = 1) -> list[Match]:
    """The best ``top`` resources for ``need``, highest score first (ties: lower id first).

    A resource whose capacity is used up is left out. The parts that need no text comparison are
    added up first; going down from the highest, the text (at most ``TEXT_POINTS``) is compared only
    while it could still lift a resource into the top — at county scale most of 2,000 candidates are
    never compared. The parts are assembled only for the few returned."""
    pool = sorted(
        ((_static(need, r), r) for r in resources if r.remaining is None or r.remaining > 0),
        key=lambda sr: -sr[0],
    )
    best: list[tuple[int, int, ResourceFacts]] = []  # (-score, id, resource), best first
    for static, r in pool:
        if len(best) >= top and static + TEXT_POINTS < -best[-1][0]:
            break  # no resource from here on can reach the last place
        total = static + _text(need, r)[0]
        if total < min_score:
            continue
        entry = (-total, r.id, r)  # ids are unique: resources themselves are never compared
        if len(best) < top or entry < best[-1]:
            bisect.insort(best, entry)
            del best[top:]
    return [score(need, r) for _, _, r in best]


def best_for_each(
    needs: Sequence[NeedFacts], resources: Sequence[ResourceFacts], *, top: int = 3
) -> dict[int, list[Match]]:
    """``rank`` for every need."""
    return {n.id: rank(n, resources, top=top) for n in needs}
