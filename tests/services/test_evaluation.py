"""考评 services: only the admin scores and manages; a closed round refuses edits; the credit
index is computed from the stored formula; a liaison sees only their own unit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditEntry, ContractTask, EvaluationScore, Unit
from domain.actor import Actor
from domain.credit import DEFAULT_WEIGHTS, Component, Formula
from domain.errors import Conflict, PermissionDenied, ValidationError
from services import evaluation as ev

TODAY = date(2026, 11, 24)


@pytest.fixture
def open_round(session: Session, admin: Actor) -> int:
    return ev.create_round(
        session,
        admin,
        title="测试考评",
        period="2026年度",
        year=2026,
        criteria=[("履约践诺", 0.6), ("群众满意", 0.4), ("", 1)],
    )


def _units(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(Unit.id).where(Unit.active.is_(True), Unit.deleted_at.is_(None)).order_by(Unit.id).limit(2)
        )
    )


def test_admin_enters_a_grid_in_one_action_and_results_are_weighted(
    session: Session, admin: Actor, open_round: int
) -> None:
    rnd = next(r for r in ev.list_rounds(session) if r.id == open_round)
    assert [c.name for c in rnd.criteria] == ["履约践诺", "群众满意"]  # the blank line is left out
    a, b = rnd.criteria
    u1, u2 = _units(session)
    n = ev.save_scores(
        session,
        admin,
        round_id=open_round,
        evaluator="居民代表甲",
        scores={(u1, a.id): 90, (u1, b.id): 80, (u2, a.id): 70, (u2, b.id): None},
    )
    assert n == 3
    ev.save_scores(session, admin, round_id=open_round, evaluator="居民代表乙", scores={(u1, a.id): 70})
    res = ev.round_results(session, round_id=open_round).set_index("unit_id")
    assert res.loc[u1, "score"] == pytest.approx(80 * 0.6 + 80 * 0.4)  # (90+70)/2 = 80 on a, 80 on b
    assert res.loc[u2, "score"] == pytest.approx(70.0)
    grid = ev.score_grid(session, round_id=open_round, evaluator="居民代表甲")
    assert grid.set_index("unit_id").loc[u1, str(a.id)] == 90
    # a blank removes a score; an unchanged grid changes nothing
    assert ev.save_scores(session, admin, round_id=open_round, evaluator="居民代表甲", scores={(u1, b.id): None}) == 1
    assert ev.save_scores(session, admin, round_id=open_round, evaluator="居民代表甲", scores={(u1, a.id): 90}) == 0
    assert session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.entity == "evaluation_score")) == 3


@pytest.mark.parametrize("value", [101, -1, "很好"])
def test_bad_score_names_the_field_and_writes_nothing(
    session: Session, admin: Actor, open_round: int, value: object
) -> None:
    rnd = next(r for r in ev.list_rounds(session) if r.id == open_round)
    u1, _ = _units(session)
    with pytest.raises(ValidationError) as err:
        ev.save_scores(session, admin, round_id=open_round, evaluator="甲", scores={(u1, rnd.criteria[0].id): value})
    assert err.value.field == "evaluation.fields.score"


@pytest.mark.parametrize("who", ["community_worker", "liaison", "leader"])
def test_only_admin_scores_opens_and_closes_rounds(
    session: Session, request: pytest.FixtureRequest, who: str, open_round: int
) -> None:
    actor: Actor = request.getfixturevalue(who)
    rnd = next(r for r in ev.list_rounds(session) if r.id == open_round)
    u1, _ = _units(session)
    with pytest.raises(PermissionDenied):
        ev.save_scores(session, actor, round_id=open_round, evaluator="甲", scores={(u1, rnd.criteria[0].id): 80})
    with pytest.raises(PermissionDenied):
        ev.close_round(session, actor, round_id=open_round)
    with pytest.raises(PermissionDenied):
        ev.create_round(session, actor, title="x", period="y", year=2026, criteria=[("a", 1)])
    with pytest.raises(PermissionDenied):
        ev.set_formula(session, actor, weights={"commitments": 1})
    task_id = session.scalar(select(ContractTask.id).limit(1))
    assert task_id is not None
    with pytest.raises(PermissionDenied):
        ev.set_task_statuses(session, actor, changes={task_id: "kept"}, today=TODAY)


def test_closed_round_refuses_any_change(session: Session, admin: Actor, open_round: int) -> None:
    rnd = next(r for r in ev.list_rounds(session) if r.id == open_round)
    u1, _ = _units(session)
    ev.save_scores(session, admin, round_id=open_round, evaluator="甲", scores={(u1, rnd.criteria[0].id): 88})
    ev.close_round(session, admin, round_id=open_round)
    closed = next(r for r in ev.list_rounds(session) if r.id == open_round)
    assert closed.is_closed and closed.formula_version == ev.get_formula(session).version
    before = session.scalar(select(func.count(EvaluationScore.id)).where(EvaluationScore.round_id == open_round))
    with pytest.raises(Conflict):
        ev.save_scores(session, admin, round_id=open_round, evaluator="甲", scores={(u1, rnd.criteria[0].id): 10})
    with pytest.raises(Conflict):
        ev.close_round(session, admin, round_id=open_round)
    after = session.scalar(select(func.count(EvaluationScore.id)).where(EvaluationScore.round_id == open_round))
    assert before == after


def test_changing_a_weight_changes_the_stored_formula_version(session: Session, admin: Actor) -> None:
    old = ev.get_formula(session).version
    weights = {c.value: w for c, w in DEFAULT_WEIGHTS.items()}
    weights["whistle"] = 0.3
    new = ev.set_formula(session, admin, weights=weights)
    assert new != old and ev.get_formula(session).version == new
    table = ev.credit_table(session, admin, year=2026, as_of=TODAY)
    assert table.formula.version == new
    with pytest.raises(ValidationError):
        ev.set_formula(session, admin, weights={c.value: 0 for c in Component})


def test_credit_index_is_computed_from_the_records(session: Session, admin: Actor, liaison: Actor) -> None:
    table = ev.credit_table(session, admin, year=2026, as_of=TODAY)
    rows = table.rows
    assert len(rows) == session.scalar(
        select(func.count(Unit.id)).where(Unit.active.is_(True), Unit.deleted_at.is_(None))
    )
    assert list(rows["rank"]) == list(range(1, len(rows) + 1))
    scored = rows.dropna(subset=["index"])
    assert scored["index"].between(0, 100).all()
    assert list(scored["index"]) == sorted(scored["index"], reverse=True)
    own = rows[rows["unit_id"] == liaison.unit_id].iloc[0]
    points = sum(own[f"{c.value}_points"] for c in Component)
    assert points == pytest.approx(own["index"], abs=0.5)


def test_breaking_a_commitment_lowers_the_units_index(session: Session, admin: Actor, liaison: Actor) -> None:
    before = ev.credit_table(session, liaison, year=2026, as_of=TODAY).rows.iloc[0]
    task_id = ev.create_task(
        session,
        admin,
        unit_id=liaison.unit_id or 0,
        title="组织一次义诊",
        credit_weight=5,
        due_on="2026-06-30",
        claimed_on=date(2026, 3, 1),
    )
    ev.set_task_statuses(session, admin, changes={task_id: "broken"}, today=TODAY)
    after = ev.credit_table(session, liaison, year=2026, as_of=TODAY).rows.iloc[0]
    assert after["due_weight"] == before["due_weight"] + 5
    assert after["index"] < before["index"]
    ev.set_task_statuses(session, admin, changes={task_id: "kept"}, today=TODAY)
    task = session.get(ContractTask, task_id)
    assert task is not None and task.done_on == TODAY


def test_liaison_sees_only_their_own_units_breakdown(
    session: Session, liaison: Actor, leader: Actor, community_worker: Actor
) -> None:
    rows = ev.credit_table(session, liaison, year=2026, as_of=TODAY).rows
    assert list(rows["unit_id"]) == [liaison.unit_id]
    assert int(rows.iloc[0]["of"]) > 1
    for actor in (leader, community_worker):
        assert len(ev.credit_table(session, actor, year=2026, as_of=TODAY).rows) > 1


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("evaluation.fields.task", {"title": ""}),
        ("evaluation.fields.credit_weight", {"credit_weight": 0}),
        ("evaluation.fields.due_on", {"due_on": "明天"}),
    ],
)
def test_bad_task_input_names_the_field(
    session: Session, admin: Actor, liaison: Actor, field: str, kwargs: dict[str, object]
) -> None:
    args: dict[str, object] = {"title": "任务", "credit_weight": 1, "due_on": "2026-12-31"} | kwargs
    with pytest.raises(ValidationError) as err:
        ev.create_task(session, admin, unit_id=liaison.unit_id or 0, claimed_on=TODAY, **args)  # type: ignore[arg-type]
    assert err.value.field == field


def test_formula_default_when_nothing_stored(session: Session) -> None:
    assert ev.get_formula(session) == Formula()


def _idle_unit(session: Session, *, score: float) -> int:
    """A unit paired with a community since last year, with no project, no task, no activity and no
    whistle, scored ``score`` on every criterion of the year's round."""
    from db.models import Community, EvaluationCriterion, EvaluationRound, Pairing

    unit = Unit(name="县闲置局", kind="机关", active=True, joined_on=date(2025, 1, 1))
    session.add(unit)
    session.flush()
    community = session.scalars(select(Community.id).order_by(Community.id)).first()
    session.add(Pairing(unit_id=unit.id, community_id=community, paired_since=date(2025, 1, 1)))
    rnd = session.scalars(select(EvaluationRound.id).where(EvaluationRound.year == 2026)).first()
    assert rnd is not None, "the demo has a 2026 round"
    for cid in session.scalars(select(EvaluationCriterion.id).where(EvaluationCriterion.round_id == rnd)):
        session.add(EvaluationScore(round_id=rnd, unit_id=unit.id, criterion_id=cid, evaluator="代表甲", score=score))
    session.flush()
    return unit.id


def test_a_paired_unit_that_did_nothing_ranks_low_not_near_the_top(session: Session, admin: Actor) -> None:
    uid = _idle_unit(session, score=100)
    rows = ev.credit_table(session, admin, year=2026, as_of=TODAY).rows
    idle = rows[rows["unit_id"] == uid].iloc[0]
    finance = rows[rows["unit"] == "县财政局"].iloc[0]
    assert int(idle["rank"]) > 0.75 * int(idle["of"])  # in the bottom quarter despite a perfect score
    assert int(finance["rank"]) > int(finance["of"]) / 2  # paired, no project at all: not among the leaders
    assert idle["projects_treatment"] == "zero" and idle["projects"] == 0.0
    assert idle["satisfaction_treatment"] == "zero"
    assert idle["six_items_treatment"] == "measured" and idle["six_items"] == 0.0
    assert idle["whistle_treatment"] == "neutral" and idle["commitments_treatment"] == "neutral"
    assert finance["projects_treatment"] == "zero"


def test_neutral_components_take_the_mean_of_the_units_measured(session: Session, admin: Actor) -> None:
    rows = ev.credit_table(session, admin, year=2026, as_of=TODAY).rows
    measured = rows[rows["whistle_treatment"] == "measured"]["whistle"]
    neutral = rows[rows["whistle_treatment"] == "neutral"]["whistle"]
    assert len(measured) and len(neutral)
    assert neutral.map(lambda v: v == pytest.approx(measured.mean())).all()
    for _, row in rows.iterrows():  # the points still add up to the index
        assert sum(row[f"{c.value}_points"] for c in Component) == pytest.approx(row["index"], abs=0.5)
