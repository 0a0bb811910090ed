"""契约共建、民主考评、诚信指数: contract tasks, evaluation rounds and their scores, and the credit
index computed from the formula in ``domain.credit`` (never typed in)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, and_, case, func, or_, select, union_all
from sqlalchemy.orm import Session

from db.areas import areas
from db.models import (
    ContractTask,
    EvaluationCriterion,
    EvaluationRound,
    EvaluationScore,
    Pairing,
    Project,
    Unit,
    project_unit,
    utcnow,
)
from domain.actor import Actor
from domain.credit import (
    Component,
    Formula,
    FormulaError,
    Inputs,
    credit_indexes,
    had_opportunity,
    weighted_score,
)
from domain.enums import AuditAction, ProjectStage
from domain.errors import Conflict, NotFound, ValidationError
from domain.six_items import assess
from domain.text import pinyin_key
from services import audit, metrics, scope, settings_store, validate
from services import whistle as whistle_service
from services.audit import snapshot
from services.live import is_live, live

# the data areas its reads depend on (db/areas.py): a cached read's key holds their versions
READS = areas("activities", "evaluation", "lists", "meetings", "org", "settings", "whistle")

FORMULA_KEY = "credit.formula"
TASK_STATUSES = ("open", "kept", "broken")
COMMITTED_STAGES = (ProjectStage.DECIDED, ProjectStage.IN_PROGRESS, ProjectStage.DONE, ProjectStage.EVALUATED)
DONE_STAGES = (ProjectStage.DONE, ProjectStage.EVALUATED)
MAX_EVALUATOR = 50


# --- contract tasks (契约共建) -----------------------------------------------------------------


def _task_conds(actor: Actor, unit_id: int | None, status: str | None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [*live(ContractTask)]
    if unit_id is not None:
        conds.append(ContractTask.unit_id == unit_id)
    if status:
        conds.append(ContractTask.status == status)
    return conds


def count_tasks(session: Session, actor: Actor, *, unit_id: int | None = None, status: str | None = None) -> int:
    return session.scalar(select(func.count(ContractTask.id)).where(*_task_conds(actor, unit_id, status))) or 0


def list_tasks(
    session: Session,
    actor: Actor,
    *,
    unit_id: int | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[pd.DataFrame, int]:
    """A page of contract tasks, the latest due first (everyone reads)."""
    conds = _task_conds(actor, unit_id, status)
    total = session.scalar(select(func.count(ContractTask.id)).where(*conds)) or 0
    rows = session.execute(
        select(
            ContractTask.id,
            Unit.name,
            ContractTask.title,
            ContractTask.source_type,
            ContractTask.credit_weight,
            ContractTask.claimed_on,
            ContractTask.due_on,
            ContractTask.status,
            ContractTask.done_on,
        )
        .join(Unit, Unit.id == ContractTask.unit_id)
        .where(*conds)
        .order_by(ContractTask.due_on.desc().nulls_last(), ContractTask.id.desc())
        .offset(max(0, offset))
        .limit(max(1, min(limit, 200)))
    ).all()
    cols = ["id", "unit", "title", "source_type", "credit_weight", "claimed_on", "due_on", "status", "done_on"]
    return pd.DataFrame([tuple(r) for r in rows], columns=cols), int(total)


def set_task_statuses(session: Session, actor: Actor, *, changes: dict[int, str], today: date) -> int:
    """The admin sets tasks open / kept / broken (kept records the day it was confirmed)."""
    scope.require_administer(actor)
    n = 0
    for task_id, status in changes.items():
        if status not in TASK_STATUSES:
            raise ValidationError("evaluation.fields.status", "error.unknown_choice", value=str(status))
        task = session.get(ContractTask, int(task_id))
        if not is_live(task):
            raise NotFound()
        scope.require_administer(actor, scope.unit_place(session, task.unit_id))
        if task.status == status:
            continue
        before = snapshot(task)
        task.status = status
        task.done_on = (task.done_on or today) if status == "kept" else None
        audit.record_change(session, actor, task, before, entity="contract_task")
        n += 1
    return n


def create_task(
    session: Session, actor: Actor, *, unit_id: int, title: str, credit_weight: object, due_on: object, claimed_on: date
) -> int:
    """The admin records a task a unit claimed (契约)."""
    scope.require_administer(actor)
    unit = session.get(Unit, unit_id)
    if not is_live(unit):
        raise ValidationError("evaluation.fields.unit", "error.unknown_choice", value=str(unit_id))
    scope.require_administer(actor, scope.unit_place(session, unit.id))
    task = ContractTask(
        unit_id=unit_id,
        title=validate.text("evaluation.fields.task", title, required=True, max_len=200),
        source_type="manual",
        credit_weight=validate.number(
            "evaluation.fields.credit_weight", credit_weight, required=True, min_value=0.1, max_value=10
        ),
        claimed_on=claimed_on,
        due_on=validate.parse_date("evaluation.fields.due_on", due_on, required=True),
        status="open",
    )
    session.add(task)
    audit.record_change(session, actor, task, None, entity="contract_task")
    return task.id


# --- evaluation rounds (民主考评) ----------------------------------------------------------------


@dataclass(frozen=True)
class CriterionInfo:
    id: int
    name: str
    weight: float


@dataclass(frozen=True)
class RoundInfo:
    id: int
    title: str
    period: str
    year: int
    closed_at: datetime | None
    formula_version: str
    criteria: list[CriterionInfo]

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


def list_rounds(session: Session) -> list[RoundInfo]:
    """Every round, the latest first, with its rubric."""
    rounds = session.scalars(
        select(EvaluationRound).order_by(EvaluationRound.year.desc(), EvaluationRound.id.desc())
    ).all()
    crit = session.execute(
        select(
            EvaluationCriterion.round_id, EvaluationCriterion.id, EvaluationCriterion.name, EvaluationCriterion.weight
        ).order_by(EvaluationCriterion.sort_order, EvaluationCriterion.id)
    ).all()
    by_round: dict[int, list[CriterionInfo]] = {}
    for c in crit:
        by_round.setdefault(c.round_id, []).append(CriterionInfo(c.id, c.name, float(c.weight)))
    return [
        RoundInfo(r.id, r.title, r.period, r.year, r.closed_at, r.formula_version or "", by_round.get(r.id, []))
        for r in rounds
    ]


def create_round(
    session: Session, actor: Actor, *, title: str, period: str, year: object, criteria: list[tuple[str, object]]
) -> int:
    """The admin opens a round with its rubric (criterion names and weights > 0)."""
    scope.require_administer(actor)
    title = validate.text("evaluation.fields.round_title", title, required=True, max_len=200)
    period = validate.text("evaluation.fields.period", period, required=True, max_len=40)
    y = validate.integer("evaluation.fields.year", year, required=True, min_value=2000, max_value=2100)
    clean: list[tuple[str, float]] = []
    for name, weight in criteria:
        n = validate.text("evaluation.fields.criterion", name, max_len=100)
        if not n:
            continue
        w = validate.number("evaluation.fields.weight", weight, required=True, min_value=0.01, max_value=100)
        clean.append((n, float(w or 0)))
    if not clean:
        raise ValidationError("evaluation.fields.criterion", "error.required")
    rnd = EvaluationRound(title=title, period=period, year=int(y or 0))
    session.add(rnd)
    audit.record_change(session, actor, rnd, None, entity="evaluation_round")
    for i, (n, w) in enumerate(clean, start=1):
        c = EvaluationCriterion(round_id=rnd.id, name=n, weight=w, sort_order=i)
        session.add(c)
        audit.record_change(session, actor, c, None, entity="evaluation_criterion")
    return rnd.id


def _open_round(session: Session, round_id: int) -> EvaluationRound:
    rnd = session.get(EvaluationRound, round_id, with_for_update=True)
    if rnd is None:
        raise NotFound()
    if rnd.closed_at is not None:
        raise Conflict("evaluation.errors.round_closed")
    return rnd


def close_round(session: Session, actor: Actor, *, round_id: int, now: datetime | None = None) -> None:
    """The admin closes a round; it keeps the credit formula's version in force and refuses changes."""
    scope.require_administer(actor)
    rnd = _open_round(session, round_id)
    before = snapshot(rnd)
    rnd.closed_at = now or utcnow()
    rnd.formula_version = get_formula(session).version
    audit.record_change(session, actor, rnd, before, entity="evaluation_round")


def evaluators(session: Session, *, round_id: int) -> list[str]:
    """Who has scored in a round, in name order."""
    return sorted(
        session.scalars(select(EvaluationScore.evaluator).where(EvaluationScore.round_id == round_id).distinct()).all(),
        key=pinyin_key,
    )


def _units(session: Session) -> list[tuple[int, str]]:
    rows = session.execute(select(Unit.id, Unit.name).where(*live(Unit), Unit.active.is_(True))).all()
    return sorted(((r.id, r.name) for r in rows), key=lambda r: pinyin_key(r[1]))


def score_grid(session: Session, *, round_id: int, evaluator: str) -> pd.DataFrame:
    """One evaluator's scores: a row per active unit, a column per criterion id (blank = unscored)."""
    crits = session.scalars(
        select(EvaluationCriterion.id)
        .where(EvaluationCriterion.round_id == round_id)
        .order_by(EvaluationCriterion.sort_order, EvaluationCriterion.id)
    ).all()
    got = {
        (r.unit_id, r.criterion_id): r.score
        for r in session.execute(
            select(EvaluationScore.unit_id, EvaluationScore.criterion_id, EvaluationScore.score).where(
                EvaluationScore.round_id == round_id, EvaluationScore.evaluator == evaluator
            )
        ).all()
    }
    rows = []
    for uid, name in _units(session):
        row: dict[str, Any] = {"unit_id": uid, "unit": name}
        for cid in crits:
            row[str(cid)] = got.get((uid, cid))
        rows.append(row)
    return pd.DataFrame(rows, columns=["unit_id", "unit", *[str(c) for c in crits]])


def save_scores(
    session: Session, actor: Actor, *, round_id: int, evaluator: str, scores: dict[tuple[int, int], object]
) -> int:
    """The admin saves one evaluator's grid in one action: each (unit, criterion) score 0–100,
    blank removes it. A closed round refuses. Returns how many cells changed."""
    scope.require_administer(actor)
    _open_round(session, round_id)
    evaluator = validate.text("evaluation.fields.evaluator", evaluator, required=True, max_len=MAX_EVALUATOR)
    criteria = set(session.scalars(select(EvaluationCriterion.id).where(EvaluationCriterion.round_id == round_id)))
    units = {uid for uid, _ in _units(session)}
    existing = {
        (s.unit_id, s.criterion_id): s
        for s in session.scalars(
            select(EvaluationScore).where(EvaluationScore.round_id == round_id, EvaluationScore.evaluator == evaluator)
        )
    }
    changed: dict[str, Any] = {}
    for (uid, cid), raw in scores.items():
        if cid not in criteria or uid not in units:
            raise ValidationError("evaluation.fields.criterion", "error.unknown_choice", value=f"{uid}/{cid}")
        blank = (
            raw is None or (isinstance(raw, float) and math.isnan(raw)) or (isinstance(raw, str) and not raw.strip())
        )
        value = None if blank else validate.number("evaluation.fields.score", raw, min_value=0, max_value=100)
        row = existing.get((uid, cid))
        if row is None and value is not None:
            session.add(
                EvaluationScore(
                    round_id=round_id, unit_id=uid, criterion_id=cid, evaluator=evaluator, score=float(value)
                )
            )
        elif row is not None and value is None:
            session.delete(row)
        elif row is not None and value is not None and float(row.score) != float(value):
            row.score = float(value)
        else:
            continue
        changed[f"{uid}/{cid}"] = {"before": None if row is None else row.score, "after": value}
    if changed:
        audit.record(
            session,
            actor,
            AuditAction.UPDATE,
            "evaluation_score",
            round_id,
            before={"evaluator": evaluator},
            after={"evaluator": evaluator, "cells": changed},
        )
    session.flush()
    return len(changed)


def round_results(session: Session, *, round_id: int) -> pd.DataFrame:
    """Per unit, the rubric's weighted average of the evaluators' mean scores (0–100)."""
    weights = dict(
        session.execute(
            select(EvaluationCriterion.id, EvaluationCriterion.weight).where(EvaluationCriterion.round_id == round_id)
        )
        .tuples()
        .all()
    )
    means = session.execute(
        select(
            EvaluationScore.unit_id,
            EvaluationScore.criterion_id,
            func.avg(EvaluationScore.score),
            func.count(func.distinct(EvaluationScore.evaluator)),
        )
        .where(EvaluationScore.round_id == round_id)
        .group_by(EvaluationScore.unit_id, EvaluationScore.criterion_id)
    ).all()
    per_unit: dict[int, dict[int, float]] = {}
    raters: dict[int, int] = {}
    for uid, cid, avg, n in means:
        per_unit.setdefault(uid, {})[cid] = float(avg)
        raters[uid] = max(raters.get(uid, 0), int(n))
    names = dict(_units(session))
    rows = [
        (uid, names.get(uid, ""), weighted_score(s, weights), raters[uid])
        for uid, s in per_unit.items()
        if uid in names
    ]
    df = pd.DataFrame(rows, columns=["unit_id", "unit", "score", "evaluators"])
    df["score"] = df["score"].astype(float).round(1)
    return df.sort_values("score", ascending=False).reset_index(drop=True)


# --- the credit index (诚信指数) -------------------------------------------------------------------


def get_formula(session: Session) -> Formula:
    return Formula.from_json(settings_store.get_setting(session, FORMULA_KEY))


def set_formula(session: Session, actor: Actor, *, weights: dict[str, object]) -> str:
    """The admin changes the weights; the version follows from them. Returns the new version."""
    scope.require_administer(actor)
    clean: dict[Component, float] = {}
    for c in Component:
        clean[c] = float(
            validate.number(f"evaluation.component.{c.value}", weights.get(c.value, 0), min_value=0, max_value=100) or 0
        )
    try:
        formula = Formula(clean)
    except FormulaError:
        raise ValidationError("evaluation.fields.weights", "evaluation.errors.all_zero") from None
    before = get_formula(session)
    settings_store.put_setting(session, FORMULA_KEY, {**formula.to_json(), "version": formula.version})
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "setting",
        None,
        before={FORMULA_KEY: {**before.to_json(), "version": before.version}},
        after={FORMULA_KEY: {**formula.to_json(), "version": formula.version}},
    )
    return formula.version


def _commitments(session: Session, start: date, end: date, as_of: date) -> dict[int, tuple[float, float]]:
    day = func.coalesce(ContractTask.due_on, ContractTask.claimed_on)
    fell_due = or_(
        ContractTask.status.in_(("kept", "broken")), and_(ContractTask.status == "open", ContractTask.due_on < as_of)
    )
    rows = session.execute(
        select(
            ContractTask.unit_id,
            func.sum(case((ContractTask.status == "kept", ContractTask.credit_weight), else_=0.0)),
            func.sum(case((fell_due, ContractTask.credit_weight), else_=0.0)),
        )
        .where(*live(ContractTask), day >= start, day <= end)
        .group_by(ContractTask.unit_id)
    ).all()
    return {uid: (float(k or 0), float(d or 0)) for uid, k, d in rows}


def _projects(session: Session, start: date, end: date) -> dict[int, tuple[int, int, float | None]]:
    """Per unit (lead or participant): projects committed to in the period, done, mean satisfaction."""
    involved = union_all(
        select(Project.lead_unit_id.label("unit_id"), Project.id.label("project_id")).where(
            Project.lead_unit_id.is_not(None)
        ),
        select(project_unit.c.unit_id, project_unit.c.project_id),
    ).subquery()
    rows = session.execute(
        select(
            involved.c.unit_id,
            func.count(func.distinct(Project.id)),
            func.count(func.distinct(case((Project.stage.in_(DONE_STAGES), Project.id)))),
            func.avg(Project.satisfaction),
        )
        .join(Project, Project.id == involved.c.project_id)
        .where(
            *live(Project),
            Project.stage.in_(COMMITTED_STAGES),
            or_(Project.started_on.is_(None), Project.started_on <= end),
            or_(Project.ended_on.is_(None), Project.ended_on >= start),
        )
        .group_by(involved.c.unit_id)
    ).all()
    return {uid: (int(n), int(done), None if sat is None else float(sat)) for uid, n, done, sat in rows}


def _evaluation(session: Session, year: int) -> tuple[RoundInfo | None, dict[int, float]]:
    """The year's round (closed first, else the latest with scores) and each unit's weighted score."""
    rounds = [r for r in list_rounds(session) if r.year == year]
    rounds.sort(key=lambda r: (r.is_closed, r.id), reverse=True)
    for rnd in rounds:
        res = round_results(session, round_id=rnd.id)
        if not res.empty:
            return rnd, {int(u): float(s) for u, s in zip(res["unit_id"], res["score"], strict=True) if s == s}
    return None, {}


def _paired(session: Session, start: date, as_of: date) -> set[int]:
    """Units paired with a community long enough in the period to have had the opportunity to
    take part in projects (``domain.credit.had_opportunity``)."""
    since: dict[int, list[date | None]] = {}
    for uid, day in session.execute(select(Pairing.unit_id, Pairing.paired_since)).tuples():
        since.setdefault(uid, []).append(day)
    return {uid for uid, days in since.items() if had_opportunity(days, start=start, as_of=as_of)}


@dataclass(frozen=True)
class CreditTable:
    rows: pd.DataFrame  # one row per unit: index, each component (0–1) and its raw inputs
    formula: Formula
    round_title: str | None


def credit_table(session: Session, actor: Actor, *, year: int, as_of: date, now: datetime | None = None) -> CreditTable:
    """The credit index of every active unit for ``year`` — a liaison gets only their own unit's row."""
    formula = get_formula(session)
    start, end = date(year, 1, 1), date(year, 12, 31)
    as_of = min(as_of, end)
    commitments = _commitments(session, start, end, as_of)
    projects = _projects(session, start, end)
    six = metrics.six_items_counts(session, year=year, as_of=as_of)
    whistle = whistle_service.on_time_by_unit(session, year=year, now=now)
    rnd, evaluation = _evaluation(session, year)
    paired = _paired(session, start, as_of)
    units = _units(session)
    inputs: dict[int, Inputs] = {}
    for uid, _name in units:
        kept, due = commitments.get(uid, (0.0, 0.0))
        n_proj, n_done, sat = projects.get(uid, (0, 0, None))
        six_row = assess(six[uid], year=year, as_of=as_of) if uid in six else None
        inputs[uid] = Inputs(
            kept_weight=kept,
            due_weight=due,
            projects_done=n_done,
            projects_total=n_proj,
            six_items_completion=six_row.completion if six_row else None,
            whistle_on_time=whistle.get(uid),
            evaluation_score=evaluation.get(uid),
            satisfaction=sat,
            paired=uid in paired,
        )
    results = credit_indexes(inputs, formula)  # judged together: the neutral values are the peers' mean
    out = []
    for uid, name in units:
        result, given = results[uid], inputs[uid]
        row: dict[str, Any] = {
            "unit_id": uid,
            "unit": name,
            "index": None if result.index is None else round(result.index, 1),
        }
        for c in Component:
            row[c.value] = result.parts[c]
            row[f"{c.value}_points"] = round(result.contributions[c], 1)
            row[f"{c.value}_treatment"] = result.treatments[c].value
        row.update(
            kept_weight=given.kept_weight,
            due_weight=given.due_weight,
            projects_done=given.projects_done,
            projects_total=given.projects_total,
            evaluation_score=given.evaluation_score,
            satisfaction_score=given.satisfaction,  # 0–100 (the "satisfaction" column is the share)
            paired=given.paired,
        )
        out.append(row)
    df = pd.DataFrame(out)
    if not df.empty:
        df = df.sort_values("index", ascending=False, na_position="last").reset_index(drop=True)
        df.insert(0, "rank", range(1, len(df) + 1))
        df.insert(1, "of", len(df))
        if actor.is_liaison:  # a liaison sees their own unit's breakdown (and its place)
            df = df[df["unit_id"] == actor.unit_id].reset_index(drop=True)
    return CreditTable(df, formula, rnd.title if rnd else None)
