"""诚信指数 (credit index): computed, never typed in, from a visible, versioned formula.

Each component is a share between 0 and 1 (or None when the unit has nothing to judge it by):

* ``commitments``  — 践诺履约: credit weight of contract tasks kept / weight of tasks that fell due
  (kept, broken, or still open past their due date)
* ``projects``     — 项目完成: projects the unit leads or joins that reached 已完成/已评价 / all of them
* ``six_items``    — 六个一: the share of the six annual items done (``domain.six_items.assess``)
* ``whistle``      — 吹哨响应: stages reached within their time limit / stages judged
* ``evaluation``   — 民主考评: the round's weighted average score / 100
* ``satisfaction`` — 群众满意: average residents' satisfaction of those projects / 100

index = 100 × Σ wᵢ·cᵢ / Σ wᵢ over the components that have a value (a unit is not punished for
having had, say, no whistle addressed to it); None when no component has one.

The version is derived from the weights, so any change of a weight changes it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Component(StrEnum):
    COMMITMENTS = "commitments"
    PROJECTS = "projects"
    SIX_ITEMS = "six_items"
    WHISTLE = "whistle"
    EVALUATION = "evaluation"
    SATISFACTION = "satisfaction"


DEFAULT_WEIGHTS: dict[Component, float] = {
    Component.COMMITMENTS: 0.25,
    Component.PROJECTS: 0.15,
    Component.SIX_ITEMS: 0.15,
    Component.WHISTLE: 0.15,
    Component.EVALUATION: 0.20,
    Component.SATISFACTION: 0.10,
}


class FormulaError(ValueError):
    """Weights that do not make a formula (negative, or all zero)."""


@dataclass(frozen=True)
class Formula:
    weights: Mapping[Component, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

    def __post_init__(self) -> None:
        full = {c: float(self.weights.get(c, 0.0)) for c in Component}
        if any(w < 0 or w != w for w in full.values()):
            raise FormulaError("negative weight")
        if sum(full.values()) <= 0:
            raise FormulaError("all weights zero")
        object.__setattr__(self, "weights", full)

    @property
    def version(self) -> str:
        """A short label derived from the weights: ``v`` + 8 hex digits of their hash."""
        canon = json.dumps({c.value: round(self.weights[c], 6) for c in Component}, sort_keys=True)
        return "v" + hashlib.sha256(canon.encode()).hexdigest()[:8]

    def to_json(self) -> dict[str, float]:
        return {c.value: self.weights[c] for c in Component}

    @classmethod
    def from_json(cls, data: Mapping[str, object] | None) -> Formula:
        """A stored formula; anything unreadable gives the default."""
        if not data:
            return cls()
        try:
            return cls({c: float(data.get(c.value, 0.0)) for c in Component})  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return cls()


@dataclass(frozen=True)
class Inputs:
    """What the formula reads for one unit and period (raw counts, so the page can explain)."""

    kept_weight: float = 0.0
    due_weight: float = 0.0
    projects_done: int = 0
    projects_total: int = 0
    six_items_completion: float | None = None
    whistle_on_time: float | None = None
    evaluation_score: float | None = None  # 0–100
    satisfaction: float | None = None  # 0–100


def _ratio(a: float, b: float) -> float | None:
    return min(1.0, a / b) if b > 0 else None


def _clip(x: float | None, scale: float = 1.0) -> float | None:
    return None if x is None else max(0.0, min(1.0, x / scale))


def components(inputs: Inputs) -> dict[Component, float | None]:
    """Each component's share (0–1) or None."""
    return {
        Component.COMMITMENTS: _ratio(inputs.kept_weight, inputs.due_weight),
        Component.PROJECTS: _ratio(inputs.projects_done, inputs.projects_total),
        Component.SIX_ITEMS: _clip(inputs.six_items_completion),
        Component.WHISTLE: _clip(inputs.whistle_on_time),
        Component.EVALUATION: _clip(inputs.evaluation_score, 100.0),
        Component.SATISFACTION: _clip(inputs.satisfaction, 100.0),
    }


@dataclass(frozen=True)
class CreditResult:
    index: float | None  # 0–100
    parts: dict[Component, float | None]
    contributions: dict[Component, float]  # points each component adds to the index
    version: str


def credit_index(inputs: Inputs, formula: Formula | None = None) -> CreditResult:
    """The credit index of one unit: weights re-normalised over the components that have a value."""
    formula = formula or Formula()
    parts = components(inputs)
    present = {c: v for c, v in parts.items() if v is not None and formula.weights[c] > 0}
    total_w = sum(formula.weights[c] for c in present)
    if not present or total_w <= 0:
        return CreditResult(None, parts, {c: 0.0 for c in Component}, formula.version)
    contributions = {c: 0.0 for c in Component}
    for c, v in present.items():
        contributions[c] = 100.0 * formula.weights[c] * v / total_w
    return CreditResult(sum(contributions.values()), parts, contributions, formula.version)


def weighted_score(scores: Mapping[int, float], weights: Mapping[int, float]) -> float | None:
    """A rubric's weighted average (criterion id → score, criterion id → weight), over the
    criteria that were scored."""
    used = [(scores[c], w) for c, w in weights.items() if c in scores and w > 0]
    total = sum(w for _, w in used)
    return sum(s * w for s, w in used) / total if total > 0 else None
