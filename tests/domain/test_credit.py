"""The credit index formula (诚信指数): computed from the inputs, versioned by its weights."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from domain.credit import (
    DEFAULT_WEIGHTS,
    Component,
    Formula,
    FormulaError,
    Inputs,
    Treatment,
    components,
    credit_index,
    credit_indexes,
    had_opportunity,
    judged,
    neutral_values,
    weighted_score,
)

FULL = Inputs(
    kept_weight=3,
    due_weight=3,
    projects_done=2,
    projects_total=2,
    six_items_completion=1.0,
    whistle_on_time=1.0,
    evaluation_score=100,
    satisfaction=100,
)
EQUAL = Formula({c: 1.0 for c in Component})


@pytest.mark.parametrize(
    ("inputs", "formula", "expected"),
    [
        (FULL, Formula(), 100.0),
        (Inputs(), Formula(), None),  # nothing to judge by
        # equal weights, every component present
        (
            Inputs(
                kept_weight=1,
                due_weight=2,
                projects_done=1,
                projects_total=4,
                six_items_completion=0.5,
                whistle_on_time=0.75,
                evaluation_score=80,
                satisfaction=90,
            ),
            EQUAL,
            100 * (0.5 + 0.25 + 0.5 + 0.75 + 0.8 + 0.9) / 6,
        ),
        # only commitments and evaluation known: re-normalised over those two (0.25 / 0.20)
        (Inputs(kept_weight=1, due_weight=1, evaluation_score=55), Formula(), 100 * (0.25 * 1.0 + 0.20 * 0.55) / 0.45),
        # a broken commitment drags the index down
        (Inputs(kept_weight=1, due_weight=4), Formula(), 25.0),
        # kept more than due (early keeping) does not exceed 100 %
        (Inputs(kept_weight=5, due_weight=4), Formula(), 100.0),
        # a component with weight 0 is ignored even when present
        (Inputs(kept_weight=0, due_weight=1, evaluation_score=90), Formula({Component.EVALUATION: 1.0}), 90.0),
    ],
)
def test_credit_index(inputs: Inputs, formula: Formula, expected: float | None) -> None:
    result = credit_index(inputs, formula)
    if expected is None:
        assert result.index is None
    else:
        assert result.index == pytest.approx(expected)
        assert sum(result.contributions.values()) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("inputs", "component", "expected"),
    [
        (Inputs(kept_weight=2, due_weight=4), Component.COMMITMENTS, 0.5),
        (Inputs(), Component.COMMITMENTS, None),
        (Inputs(projects_done=1, projects_total=3), Component.PROJECTS, pytest.approx(1 / 3)),
        (Inputs(evaluation_score=87.5), Component.EVALUATION, 0.875),
        (Inputs(satisfaction=120), Component.SATISFACTION, 1.0),
        (Inputs(whistle_on_time=None), Component.WHISTLE, None),
    ],
)
def test_components(inputs: Inputs, component: Component, expected: object) -> None:
    assert components(inputs)[component] == expected


def test_changing_a_weight_changes_the_version() -> None:
    base = Formula()
    changed = dict(DEFAULT_WEIGHTS)
    changed[Component.WHISTLE] = 0.16
    assert Formula(changed).version != base.version
    assert Formula(dict(DEFAULT_WEIGHTS)).version == base.version  # same weights, same version
    assert base.version.startswith("v") and len(base.version) == 9


def test_formula_round_trips_through_json() -> None:
    f = Formula({Component.COMMITMENTS: 2.0, Component.EVALUATION: 1.0})
    assert Formula.from_json(f.to_json()) == f
    assert Formula.from_json(f.to_json()).version == f.version
    assert Formula.from_json(None) == Formula()
    assert Formula.from_json({"commitments": "x"}) == Formula()


@pytest.mark.parametrize("weights", [{Component.WHISTLE: -1.0}, {c: 0.0 for c in Component}])
def test_bad_weights_are_refused(weights: dict[Component, float]) -> None:
    with pytest.raises(FormulaError):
        Formula(weights)


@pytest.mark.parametrize(
    ("scores", "weights", "expected"),
    [
        ({1: 80, 2: 60}, {1: 0.75, 2: 0.25}, 75.0),
        ({1: 80}, {1: 0.5, 2: 0.5}, 80.0),  # an unscored criterion is left out
        ({}, {1: 1.0}, None),
    ],
)
def test_weighted_score(scores: dict[int, float], weights: dict[int, float], expected: float | None) -> None:
    assert weighted_score(scores, weights) == expected


# --- missing data: no opportunity (neutral) against opportunity without delivery (zero) ----------------

OLD_DEFAULT_VERSION = "v5810af18"  # the default formula's version under the old drop-and-reweight rule
IDLE_PAIRED = Inputs(six_items_completion=0.0, evaluation_score=90, paired=True)  # paired, no project, no activity
BUSY = Inputs(
    kept_weight=2,
    due_weight=2,
    projects_done=1,
    projects_total=2,
    six_items_completion=1.0,
    whistle_on_time=0.8,
    evaluation_score=80,
    satisfaction=90,
    paired=True,
)


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (
            IDLE_PAIRED,
            {
                Component.COMMITMENTS: Treatment.NEUTRAL,  # no task fell due
                Component.PROJECTS: Treatment.ZERO,  # paired, yet in no project
                Component.SIX_ITEMS: Treatment.MEASURED,  # 0 of 6
                Component.WHISTLE: Treatment.NEUTRAL,  # never summoned
                Component.EVALUATION: Treatment.MEASURED,
                Component.SATISFACTION: Treatment.ZERO,  # no project, nobody to satisfy
            },
        ),
        # not paired (long enough): no opportunity to join a project, so neutral, not zero
        (
            Inputs(six_items_completion=0.5),
            {c: Treatment.MEASURED if c == Component.SIX_ITEMS else Treatment.NEUTRAL for c in Component},
        ),
        # in a project not yet rated: satisfaction waits (neutral), projects measured
        (
            Inputs(projects_done=0, projects_total=1, paired=True),
            {
                Component.COMMITMENTS: Treatment.NEUTRAL,
                Component.PROJECTS: Treatment.MEASURED,
                Component.SIX_ITEMS: Treatment.NEUTRAL,
                Component.WHISTLE: Treatment.NEUTRAL,
                Component.EVALUATION: Treatment.NEUTRAL,
                Component.SATISFACTION: Treatment.NEUTRAL,
            },
        ),
    ],
)
def test_missing_components_are_told_apart(inputs: Inputs, expected: dict[Component, Treatment]) -> None:
    assert {c: how for c, (_, how) in judged(inputs).items()} == expected


def test_paired_unit_that_did_nothing_ranks_below_the_units_that_worked() -> None:
    results = credit_indexes({1: BUSY, 2: IDLE_PAIRED, 3: replace(BUSY, kept_weight=1, six_items_completion=0.5)})
    idle = results[2]
    assert idle.treatments[Component.PROJECTS] == Treatment.ZERO and idle.parts[Component.PROJECTS] == 0.0
    assert idle.index is not None and results[1].index is not None and results[3].index is not None
    assert idle.index < results[3].index < results[1].index
    # the old rule re-weighted over six_items (0) and evaluation (90): 100 × 0.2·0.9 / 0.35 ≈ 51 — now
    # commitments and whistle take the peers' mean, projects and satisfaction count 0
    expected = 100 * (0.25 * 0.75 + 0.15 * 0 + 0.15 * 0 + 0.15 * 0.8 + 0.20 * 0.9 + 0.10 * 0) / 1.0
    assert idle.index == pytest.approx(expected)


def test_neutral_is_the_mean_of_the_units_that_had_the_opportunity() -> None:
    neutral = neutral_values([BUSY, replace(BUSY, whistle_on_time=0.4), IDLE_PAIRED])
    assert neutral[Component.WHISTLE] == pytest.approx(0.6)  # the idle unit was never summoned: not in the mean
    assert neutral[Component.PROJECTS] == pytest.approx(0.5)  # its 0 for no delivery is not a measurement
    one = credit_index(IDLE_PAIRED, Formula(), neutral)
    assert one.parts[Component.WHISTLE] == pytest.approx(0.6)
    assert one.treatments[Component.WHISTLE] == Treatment.NEUTRAL


def test_a_component_nobody_had_is_left_out_for_everyone() -> None:
    results = credit_indexes({1: Inputs(evaluation_score=80, paired=True), 2: Inputs(evaluation_score=60)})
    for r in results.values():
        assert r.treatments[Component.WHISTLE] == Treatment.OMITTED and r.parts[Component.WHISTLE] is None
    # unit 1 is paired with no project: projects and satisfaction 0 of (0.20 + 0.15 + 0.10)
    assert results[1].index == pytest.approx(100 * 0.20 * 0.8 / 0.45)
    # unit 2 had no opportunity for projects, and no unit has a measured project share: left out
    assert results[2].treatments[Component.PROJECTS] == Treatment.OMITTED
    assert results[2].index == pytest.approx(60.0)


@pytest.mark.parametrize(
    ("paired_since", "as_of", "expected"),
    [
        ([None], date(2026, 11, 24), True),  # paired from before the records
        ([date(2025, 3, 1)], date(2026, 11, 24), True),
        ([date(2026, 9, 1)], date(2026, 11, 24), False),  # 85 days of the year: too short
        ([date(2026, 8, 27)], date(2026, 11, 24), True),  # 90 days
        ([date(2026, 10, 1), date(2026, 2, 1)], date(2026, 11, 24), True),  # the longest pairing counts
        ([date(2025, 6, 1)], date(2026, 1, 20), True),  # early in the year: paired all of it so far
        ([date(2026, 1, 10)], date(2026, 1, 20), False),
        ([], date(2026, 11, 24), False),  # paired with no community
    ],
)
def test_had_opportunity(paired_since: list[date | None], as_of: date, expected: bool) -> None:
    assert had_opportunity(paired_since, start=date(2026, 1, 1), as_of=as_of) is expected


def test_the_missing_data_rule_is_part_of_the_version() -> None:
    assert Formula().version != OLD_DEFAULT_VERSION
    assert Formula().version == Formula(dict(DEFAULT_WEIGHTS)).version
