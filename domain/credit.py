"""诚信指数 (credit index): computed, never typed in, from a visible, versioned formula.

Each component is a share between 0 and 1 (or None when the unit has nothing to judge it by):

* ``commitments``  — 践诺履约: credit weight of contract tasks kept / weight of tasks that fell due
  (kept, broken, or still open past their due date)
* ``projects``     — 项目完成: projects the unit leads or joins that reached 已完成/已评价 / all of them
* ``six_items``    — 六个一: the share of the six annual items done (``domain.six_items.assess``)
* ``whistle``      — 吹哨响应: stages reached within their time limit / stages judged
* ``evaluation``   — 民主考评: the round's weighted average score / 100
* ``satisfaction`` — 群众满意: average residents' satisfaction of those projects / 100

index = 100 × Σ wᵢ·cᵢ / Σ wᵢ. A component a unit has no figure for is not simply dropped (that
let a unit that did nothing rank on the few figures it had); it is *treated* by one rule:

* no opportunity (``Treatment.NEUTRAL``) — no task fell due, never summoned by a 吹哨 (or no stage
  judged yet), not scored in the round, projects not yet rated, or not paired with a community for
  long enough: the component takes the alliance's *neutral value*, the mean share measured for the
  units that have that figure this period, so the unit is neither lifted nor pulled down relative
  to its peers;
* opportunity, no delivery (``Treatment.ZERO``) — paired with a community for the period (see
  ``had_opportunity``) yet in no project: ``projects`` and ``satisfaction`` count 0 (a unit with no
  activity already has 0 on ``six_items``);
* no unit had the opportunity (``Treatment.OMITTED``) — left out for every unit alike, the weights
  re-normalised over the rest; the index is None only when every component is left out.

The version is derived from the weights and ``RULE``, so a change of either changes it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

RULE = "opportunity-1"  # the missing-data rule above; change it when that rule changes (it enters the version)
OPPORTUNITY_DAYS = 90  # paired this long in the period (or all of it, when shorter) = had the opportunity


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


class Treatment(StrEnum):
    """How a component entered a unit's index."""

    MEASURED = "measured"  # from the unit's own records
    NEUTRAL = "neutral"  # no opportunity: the alliance's neutral value
    ZERO = "zero"  # opportunity, no delivery: 0
    OMITTED = "omitted"  # no unit had the opportunity: left out for all


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
        """A short label derived from the weights and the missing-data rule: ``v`` + 8 hex digits."""
        canon = json.dumps({"rule": RULE, **{c.value: round(self.weights[c], 6) for c in Component}}, sort_keys=True)
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
    paired: bool = False  # had the opportunity to take part in projects (``had_opportunity``)


def had_opportunity(paired_since: Iterable[date | None], *, start: date, as_of: date) -> bool:
    """Whether a unit paired with communities since these days (None = from before records) had
    the opportunity to take part in the period ``start``–``as_of``: paired for ``OPPORTUNITY_DAYS``
    of it, or for all of it when the period so far is shorter."""
    if as_of < start:
        return False
    elapsed = (as_of - start).days + 1
    days = [elapsed - max(0, (since - start).days) if since else elapsed for since in paired_since]
    return bool(days) and max(days) >= min(OPPORTUNITY_DAYS, elapsed)


def _ratio(a: float, b: float) -> float | None:
    return min(1.0, a / b) if b > 0 else None


def _clip(x: float | None, scale: float = 1.0) -> float | None:
    return None if x is None else max(0.0, min(1.0, x / scale))


def components(inputs: Inputs) -> dict[Component, float | None]:
    """Each component's share (0–1) from the unit's own records, or None."""
    return {
        Component.COMMITMENTS: _ratio(inputs.kept_weight, inputs.due_weight),
        Component.PROJECTS: _ratio(inputs.projects_done, inputs.projects_total),
        Component.SIX_ITEMS: _clip(inputs.six_items_completion),
        Component.WHISTLE: _clip(inputs.whistle_on_time),
        Component.EVALUATION: _clip(inputs.evaluation_score, 100.0),
        Component.SATISFACTION: _clip(inputs.satisfaction, 100.0),
    }


def judged(inputs: Inputs) -> dict[Component, tuple[float | None, Treatment]]:
    """Each component's share and treatment before the neutral values are known: measured, counted
    0 (opportunity, no delivery), or NEUTRAL with no share yet (no opportunity)."""
    out: dict[Component, tuple[float | None, Treatment]] = {}
    for c, v in components(inputs).items():
        if v is not None:
            out[c] = (v, Treatment.MEASURED)
        elif c == Component.PROJECTS and inputs.paired:
            out[c] = (0.0, Treatment.ZERO)  # paired, yet in no project
        elif c == Component.SATISFACTION and inputs.paired and inputs.projects_total == 0:
            out[c] = (0.0, Treatment.ZERO)  # no project, so nobody to be satisfied
        else:
            out[c] = (None, Treatment.NEUTRAL)
    return out


def neutral_values(units: Iterable[Inputs]) -> dict[Component, float | None]:
    """Per component, the mean share measured for the units that have that figure (a 0 counted for
    no delivery is a penalty, not a measurement, and stays out); None when no unit has it."""
    seen: dict[Component, list[float]] = {c: [] for c in Component}
    for inputs in units:
        for c, (v, how) in judged(inputs).items():
            if how == Treatment.MEASURED and v is not None:
                seen[c].append(v)
    return {c: (sum(vs) / len(vs) if vs else None) for c, vs in seen.items()}


@dataclass(frozen=True)
class CreditResult:
    index: float | None  # 0–100
    parts: dict[Component, float | None]  # the share used (neutral value included), None = left out
    contributions: dict[Component, float]  # points each component adds to the index
    version: str
    treatments: dict[Component, Treatment] = field(default_factory=dict)


def credit_index(
    inputs: Inputs, formula: Formula | None = None, neutral: Mapping[Component, float | None] | None = None
) -> CreditResult:
    """The credit index of one unit. ``neutral``: the alliance's neutral values (``neutral_values``
    over every unit judged together); a NEUTRAL component without one is left out (OMITTED)."""
    formula = formula or Formula()
    neutral = neutral or {}
    parts: dict[Component, float | None] = {}
    treatments: dict[Component, Treatment] = {}
    for c, (v, how) in judged(inputs).items():
        if how == Treatment.NEUTRAL:
            v = neutral.get(c)
            how = Treatment.NEUTRAL if v is not None else Treatment.OMITTED
        parts[c], treatments[c] = v, how
    present = {c: v for c, v in parts.items() if v is not None and formula.weights[c] > 0}
    total_w = sum(formula.weights[c] for c in present)
    if not present or total_w <= 0:
        return CreditResult(None, parts, {c: 0.0 for c in Component}, formula.version, treatments)
    contributions = {c: 0.0 for c in Component}
    for c, v in present.items():
        contributions[c] = 100.0 * formula.weights[c] * v / total_w
    return CreditResult(sum(contributions.values()), parts, contributions, formula.version, treatments)


def credit_indexes(units: Mapping[int, Inputs], formula: Formula | None = None) -> dict[int, CreditResult]:
    """Every unit's index, judged together (the neutral values come from these units)."""
    neutral = neutral_values(units.values())
    return {uid: credit_index(inputs, formula, neutral) for uid, inputs in units.items()}


def weighted_score(scores: Mapping[int, float], weights: Mapping[int, float]) -> float | None:
    """A rubric's weighted average (criterion id → score, criterion id → weight), over the
    criteria that were scored."""
    used = [(scores[c], w) for c, w in weights.items() if c in scores and w > 0]
    total = sum(w for _, w in used)
    return sum(s * w for s, w in used) / total if total > 0 else None
