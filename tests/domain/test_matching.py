"""The match-suggestion rule: category, text similarity, remaining capacity, pairing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.matching import (
    CATEGORY_POINTS,
    PAIRED_POINTS,
    TEXT_POINTS,
    NeedFacts,
    ResourceFacts,
    rank,
    score,
    text_similarity,
)

ELDER = 3
LIVELIHOOD = 2
SAFETY = 6
NEED = NeedFacts(
    1,
    community_id=10,
    category_id=LIVELIHOOD,
    title="老年人智能手机使用培训",
    description="老人不会用手机挂号、扫码缴费,希望有人手把手教。",
)


def _res(
    rid: int,
    category: int,
    title: str,
    description: str = "",
    *,
    capacity: int | None = 5,
    in_use: int = 0,
    paired: tuple[int, ...] = (),
) -> ResourceFacts:
    return ResourceFacts(
        rid,
        unit_id=100 + rid,
        category_id=category,
        title=title,
        description=description,
        capacity=capacity,
        in_use=in_use,
        paired_community_ids=frozenset(paired),
    )


def _parts(m):  # type: ignore[no-untyped-def]
    return {p.code: p.points for p in m.parts}


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        # same category, nothing else in common
        (
            _res(1, LIVELIHOOD, "道路修补施工队", "小型路面修补和排水沟清理", capacity=None),
            {"category": CATEGORY_POINTS, "text": 0, "capacity": 10, "paired": 0},
        ),
        # other category, paired, used up
        (
            _res(2, SAFETY, "小区微型消防站", capacity=2, in_use=2, paired=(10,)),
            {"category": 0, "text": 0, "capacity": 0, "paired": PAIRED_POINTS},
        ),
        # the same words: full text points
        (
            _res(3, SAFETY, "老年人智能手机使用培训", capacity=4),
            {"category": 0, "text": TEXT_POINTS, "capacity": 15, "paired": 0},
        ),
        # half the capacity left
        (
            _res(4, LIVELIHOOD, "惠民政策宣讲", capacity=4, in_use=2),
            {"category": CATEGORY_POINTS, "text": 0, "capacity": 8, "paired": 0},
        ),
    ],
)
def test_score_parts(resource: ResourceFacts, expected: dict[str, int]) -> None:
    m = score(NEED, resource)
    assert _parts(m) == expected
    assert m.score == sum(expected.values())


def test_text_match_beats_the_category() -> None:
    same_category = _res(1, LIVELIHOOD, "工程机械设备", "挖掘机、洒水车各一台,可无偿借用")
    same_words = _res(2, SAFETY, "手机使用课堂", "教老年人使用智能手机扫码、挂号")
    ranked = rank(NEED, [same_category, same_words])
    assert [m.resource_id for m in ranked] == [2, 1]
    assert _parts(ranked[0])["category"] == 0 and _parts(ranked[1])["category"] == CATEGORY_POINTS


def test_pairing_breaks_a_tie() -> None:
    a = _res(1, LIVELIHOOD, "惠民政策宣讲")
    b = _res(2, LIVELIHOOD, "惠民政策宣讲", paired=(10,))
    assert [m.resource_id for m in rank(NEED, [a, b])] == [2, 1]


def test_used_up_resource_is_not_suggested() -> None:
    full = _res(1, LIVELIHOOD, "老年人智能手机使用培训", capacity=3, in_use=3)
    assert rank(NEED, [full]) == []


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        ("独居老人午餐配送", "独居老人午餐配送", 0.99, 1.0),
        ("独居老人午餐配送", "助老送餐服务", 0.05, 0.5),
        ("暑期防溺水安全教育", "财务审计报表", 0.0, 0.01),
        ("", "任何内容", 0.0, 0.0),
        ("ＡＢＣ培训", "abc培训", 0.99, 1.0),  # full-width letters count as their half-width selves
    ],
)
def test_text_similarity_of_chinese_titles(a: str, b: str, low: float, high: float) -> None:
    assert low <= text_similarity(a, b) <= high


_WORDS = ["老年人", "手机", "培训", "助餐", "义诊", "法律", "咨询", "安全", "消防", "课后", "托管", "ab", "12", "的"]


@given(
    need_words=st.lists(st.sampled_from(_WORDS), max_size=5),
    res=st.lists(
        st.tuples(
            st.lists(st.sampled_from(_WORDS), max_size=5),
            st.sampled_from([LIVELIHOOD, ELDER, SAFETY]),
            st.one_of(st.none(), st.integers(0, 5)),
            st.integers(0, 6),
            st.booleans(),
        ),
        min_size=1,
        max_size=30,
    ),
    top=st.integers(1, 5),
)
@settings(max_examples=200, deadline=None)
def test_ranking_by_quick_totals_agrees_with_the_full_score(need_words: list[str], res: list[tuple], top: int) -> None:  # type: ignore[type-arg]
    """rank() adds up the parts that need no text first and compares texts only while they could
    still change the top (building the parts only for the few shown): the same result as scoring
    every resource in full, ties included."""
    need = NeedFacts(
        1, community_id=10, category_id=LIVELIHOOD, title="".join(need_words[:2]), description="".join(need_words)
    )
    resources = [
        ResourceFacts(
            i + 1,
            unit_id=i + 1,
            category_id=cat,
            title="".join(words[:2]),
            description="".join(words),
            capacity=cap,
            in_use=used,
            paired_community_ids=frozenset({10}) if paired else frozenset(),
        )
        for i, (words, cat, cap, used, paired) in enumerate(res)
    ]
    full = sorted(
        (score(need, r) for r in resources if r.remaining is None or r.remaining > 0),
        key=lambda m: (-m.score, m.resource_id),
    )
    assert rank(need, resources, top=top) == [m for m in full if m.score >= 1][:top]
