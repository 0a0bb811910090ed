"""The credit index formula (诚信指数): computed from the inputs, versioned by its weights."""

from __future__ import annotations

import pytest

from domain.credit import (
    DEFAULT_WEIGHTS,
    Component,
    Formula,
    FormulaError,
    Inputs,
    components,
    credit_index,
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
