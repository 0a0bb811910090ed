"""The consultation path and the open pool (领办大厅)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.enums import NeedStatus
from domain.enums import ProjectStage as G
from domain.errors import ValidationError
from domain.project_path import (
    PROGRESS_BOUNDS,
    allowed_moves,
    check_move,
    check_progress,
    progress_bound,
    progress_for,
    project_in_open_pool,
    wish_in_open_pool,
)

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("current", "moves"),
    [
        (G.COLLECT, (G.TOPIC,)),
        (G.TOPIC, (G.CONSULT, G.COLLECT)),
        (G.DECIDED, (G.IN_PROGRESS, G.CONSULT)),
        (G.DONE, (G.EVALUATED, G.IN_PROGRESS)),
        (G.EVALUATED, (G.DONE,)),
    ],
)
def test_project_moves_one_step_forward_or_back(current: G, moves: tuple[G, ...]) -> None:
    assert allowed_moves(current) == moves


@pytest.mark.parametrize(
    ("current", "target"), [(G.COLLECT, G.DECIDED), (G.TOPIC, G.TOPIC), (G.IN_PROGRESS, G.EVALUATED)]
)
def test_project_cannot_skip_stages(current: G, target: G) -> None:
    with pytest.raises(ValidationError) as err:
        check_move(current, target, satisfaction=90)
    assert err.value.field == "lists.fields.stage"


@pytest.mark.parametrize(
    ("satisfaction", "ok"), [(None, False), (-1, False), (101, False), (0, True), (100, True), (87, True)]
)
def test_evaluated_needs_a_satisfaction_score(satisfaction: int | None, ok: bool) -> None:
    if ok:
        check_move(G.DONE, G.EVALUATED, satisfaction=satisfaction)
    else:
        with pytest.raises(ValidationError) as err:
            check_move(G.DONE, G.EVALUATED, satisfaction=satisfaction)
        assert err.value.field == "lists.fields.satisfaction"


def test_finished_project_is_at_full_progress() -> None:
    assert progress_for(G.DONE, 40) == 100
    assert progress_for(G.IN_PROGRESS, 40) == 40


@pytest.mark.parametrize(
    ("stage", "progress", "fits"),
    [
        (G.COLLECT, 0, True),
        (G.COLLECT, 55, False),  # the finding: a project still collecting needs cannot be half done
        (G.TOPIC, 10, False),
        (G.CONSULT, 1, False),
        (G.DECIDED, 0, True),
        (G.DECIDED, 5, False),
        (G.IN_PROGRESS, 0, True),
        (G.IN_PROGRESS, 55, True),
        (G.IN_PROGRESS, 99, True),
        (G.IN_PROGRESS, 100, False),  # done is a stage of its own
        (G.DONE, 100, True),
        (G.DONE, 90, False),
        (G.EVALUATED, 100, True),
        (G.EVALUATED, 0, False),
    ],
)
def test_progress_is_bounded_by_the_stage(stage: G, progress: int, fits: bool) -> None:
    assert (progress in progress_bound(stage)) is fits
    if fits:
        check_progress(stage, progress, title="长者助餐")
    else:
        with pytest.raises(ValidationError) as err:
            check_progress(stage, progress, title="长者助餐")
        assert err.value.field == "lists.fields.progress"
        bound = progress_bound(stage)
        assert err.value.params == {"title": "长者助餐", "stage": stage, "low": bound.low, "high": bound.high}


def test_every_stage_has_a_bound_and_the_bounds_rise_along_the_path() -> None:
    bounds = [PROGRESS_BOUNDS[s] for s in G]
    assert all(0 <= b.low <= b.high <= 100 for b in bounds)
    assert [b.low for b in bounds] == sorted(b.low for b in bounds)
    assert [b.high for b in bounds] == sorted(b.high for b in bounds)


@pytest.mark.parametrize(
    ("target", "progress", "after"),
    [
        (G.DONE, 40, 100),
        (G.EVALUATED, 100, 100),
        (G.IN_PROGRESS, 0, 0),  # starting: nothing done yet
        (G.IN_PROGRESS, 100, 99),  # reopened from 已完成: under way again, not done
        (G.DECIDED, 60, 0),  # sent back before it started
        (G.TOPIC, 0, 0),
    ],
)
def test_a_move_brings_progress_within_the_new_stage(target: G, progress: int, after: int) -> None:
    assert progress_for(target, progress) == after


@pytest.mark.parametrize(
    ("lead", "deadline", "stage", "in_pool"),
    [
        (None, date(2026, 11, 23), G.TOPIC, True),
        (None, date(2026, 11, 24), G.TOPIC, False),  # the deadline day itself is still open
        (None, None, G.TOPIC, False),
        (7, date(2026, 1, 1), G.TOPIC, False),
        (None, date(2026, 1, 1), G.DONE, False),
    ],
)
def test_unclaimed_project_past_deadline_is_in_open_pool(
    lead: int | None, deadline: date | None, stage: G, in_pool: bool
) -> None:
    assert project_in_open_pool(lead_unit_id=lead, claim_deadline=deadline, stage=stage, today=TODAY) is in_pool


@pytest.mark.parametrize(
    ("claimed", "deadline", "status", "in_pool"),
    [
        (None, date(2026, 11, 1), NeedStatus.OPEN, True),
        (3, date(2026, 11, 1), NeedStatus.CLAIMED, False),
        (None, date(2026, 12, 1), NeedStatus.OPEN, False),
        (None, date(2026, 11, 1), NeedStatus.CLOSED, False),
    ],
)
def test_unclaimed_wish_past_deadline_is_in_open_pool(
    claimed: int | None, deadline: date, status: NeedStatus, in_pool: bool
) -> None:
    assert wish_in_open_pool(claimed_by_unit_id=claimed, claim_deadline=deadline, status=status, today=TODAY) is in_pool
