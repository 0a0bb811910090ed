"""The rotating chair rule: fair round-robin in pinyin order, continuing from last year, skipping
inactive units and lapsed agreements, never the same unit twice running when it can be helped."""

from __future__ import annotations

from datetime import date

import pytest

from domain.rotation import Candidate, plan_year, propose_date, repeated_months, rotation_order
from domain.working_days import is_working_day

# pinyin order: 安 (an) < 北 (bei) < 城 (cheng) < 东 (dong) < 二 (er)
AN, BEI, CHENG, DONG, ER = (Candidate(i, n) for i, n in enumerate(["安", "北", "城", "东", "二"], start=1))


def chairs(plan: list) -> list[int | None]:
    return [m.unit_id for m in plan]


@pytest.mark.parametrize(
    ("given", "previous", "expected"),
    [
        ([ER, CHENG, AN, DONG, BEI], None, [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2]),  # pinyin order, not given order
        ([AN, BEI, CHENG], None, [1, 2, 3] * 4),
        ([AN, BEI, CHENG], 2, [3, 1, 2] * 4),  # continues after last year's chair
        ([AN, BEI, CHENG, DONG, ER], 5, [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2]),  # wraps round
    ],
)
def test_rotation_is_round_robin_in_pinyin_order(
    given: list[Candidate], previous: int | None, expected: list[int]
) -> None:
    assert chairs(plan_year(given, year=2027, previous_chair_id=previous)) == expected


def test_rotation_continues_from_where_last_year_stopped() -> None:
    units = [AN, BEI, CHENG, DONG, ER]
    year1 = chairs(plan_year(units, year=2026))
    year2 = chairs(plan_year(units, year=2027, previous_chair_id=year1[-1]))
    assert year1[-1] == 2 and year2[:3] == [3, 4, 5]
    # two years together: every unit chairs 4 or 5 times (24 months over 5 units)
    counts = {u: (year1 + year2).count(u) for u in range(1, 6)}
    assert set(counts.values()) <= {4, 5}


def test_rotation_places_a_departed_previous_chair_by_its_name() -> None:
    # last year's chair 陈 (chen) is no longer a candidate: start after it in pinyin, at 东
    assert chairs(plan_year([AN, BEI, DONG], year=2027, previous_chair_id=99, previous_chair_name="陈"))[0] == 4


@pytest.mark.parametrize(
    ("units", "skipped"),
    [
        ([AN, Candidate(2, "北", active=False), CHENG], 2),
        ([AN, Candidate(2, "北", agreement_ends=date(2026, 6, 30)), CHENG], 2),
    ],
    ids=["inactive", "agreement_lapsed"],
)
def test_rotation_skips_inactive_units_and_lapsed_agreements(units: list[Candidate], skipped: int) -> None:
    plan = chairs(plan_year(units, year=2027))
    assert skipped not in plan
    assert plan == [1, 3] * 6


def test_rotation_skips_a_unit_from_the_month_after_its_agreement_lapses() -> None:
    lapsing = Candidate(2, "北", agreement_ends=date(2027, 3, 15))
    plan = chairs(plan_year([AN, lapsing, CHENG], year=2027))
    assert plan[:3] == [1, 2, 3]  # still eligible in March (lapses mid-month)
    assert 2 not in plan[3:]


def test_rotation_never_repeats_a_unit_in_consecutive_months_when_it_can_be_helped() -> None:
    units = [AN, BEI]
    plan = chairs(plan_year(units, year=2027, previous_chair_id=1))
    assert plan[0] == 2  # not last December's chair again
    assert repeated_months(plan, previous_chair_id=1) == []


def test_rotation_repeats_only_the_single_eligible_unit() -> None:
    plan = chairs(plan_year([AN, Candidate(2, "北", active=False)], year=2027, previous_chair_id=1))
    assert plan == [1] * 12


def test_rotation_leaves_a_month_empty_when_nobody_is_eligible() -> None:
    plan = chairs(plan_year([Candidate(1, "安", active=False)], year=2027))
    assert plan == [None] * 12


def test_rotation_keeps_fixed_months_and_counts_them_for_fairness() -> None:
    plan = chairs(plan_year([AN, BEI, CHENG], year=2027, fixed={1: 3, 2: 3}))
    assert plan[:2] == [3, 3]
    assert plan[2] != 3  # no third month running for 城
    counts = {u: plan.count(u) for u in (1, 2, 3)}
    assert counts == {1: 4, 2: 4, 3: 4}


def test_rotation_avoids_the_chair_of_a_fixed_next_month() -> None:
    plan = chairs(plan_year([AN, BEI, CHENG], year=2027, fixed={2: 1}))
    assert plan[0] != 1 and plan[1] == 1


@pytest.mark.parametrize(
    ("chair_list", "previous", "months"),
    [([1, 2, 2, 3], None, [3]), ([1, 2, 3], 1, [1]), ([1, None, None, 2], None, []), ([1, 2, 1, 2], 2, [])],
)
def test_repeated_months_finds_back_to_back_chairs(
    chair_list: list[int | None], previous: int | None, months: list[int]
) -> None:
    assert repeated_months(chair_list, previous_chair_id=previous) == months


def test_rotation_order_starts_after_the_previous_chair() -> None:
    assert [c.unit_id for c in rotation_order([AN, BEI, CHENG], previous_chair_id=2)] == [3, 1, 2]


@pytest.mark.parametrize(
    ("year", "month", "day", "expected"),
    [
        (2026, 11, 10, date(2026, 11, 10)),  # a Tuesday
        (2026, 10, 1, date(2026, 10, 8)),  # National Day week avoided
        (2026, 2, 16, date(2026, 2, 24)),  # Spring Festival avoided
        (2026, 1, 10, date(2026, 1, 12)),  # Saturday → Monday
        (2027, 10, 1, date(2027, 10, 1)),  # 2027: fallback knows weekends only
    ],
)
def test_proposed_date_avoids_public_holidays(year: int, month: int, day: int, expected: date) -> None:
    proposed = propose_date(year, month, preferred_day=day)
    assert proposed == expected
    assert is_working_day(proposed)


def test_proposed_date_stays_in_its_month() -> None:
    # 27–28 Feb 2027 are a weekend: not 1 March, but the last working day of February
    assert propose_date(2027, 2, preferred_day=28) == date(2027, 2, 26)
