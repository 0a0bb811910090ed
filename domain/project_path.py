"""The consultation path of a co-building project, and when a project or wish is up for claiming.

征集需求 → 形成议题 → 讨论协商 → 确定项目 → 实施中 → 已完成 → 已评价. A project moves one step
forward, or one step back when a stage has to be reworked; reaching 已评价 needs the residents'
satisfaction score (0–100).

Progress (%) counts the carrying out of the project, so each stage bounds it: nothing is done before
the project starts (征集需求 … 确定项目: 0 %), a project 实施中 is under way but not done (0–99 %), a
finished one is at 100 %."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.enums import PROJECT_STAGE_ORDER, NeedStatus, ProjectStage
from domain.errors import ValidationError

FINISHED: frozenset[ProjectStage] = frozenset({ProjectStage.DONE, ProjectStage.EVALUATED})
ACTIVE: frozenset[ProjectStage] = frozenset({ProjectStage.DECIDED, ProjectStage.IN_PROGRESS})
STAGE_FIELD = "lists.fields.stage"
SATISFACTION_FIELD = "lists.fields.satisfaction"
PROGRESS_FIELD = "lists.fields.progress"


@dataclass(frozen=True)
class ProgressBound:
    """The progress (%) a project at one stage may show, both ends included."""

    low: int
    high: int

    def __contains__(self, progress: object) -> bool:
        return isinstance(progress, int) and self.low <= progress <= self.high

    def clamp(self, progress: int) -> int:
        """The nearest progress within the bound."""
        return min(max(progress, self.low), self.high)

    @property
    def fixed(self) -> bool:
        """Only one value fits (nothing to edit)."""
        return self.low == self.high


_NOT_STARTED = ProgressBound(0, 0)
PROGRESS_BOUNDS: dict[ProjectStage, ProgressBound] = {
    ProjectStage.COLLECT: _NOT_STARTED,
    ProjectStage.TOPIC: _NOT_STARTED,
    ProjectStage.CONSULT: _NOT_STARTED,
    ProjectStage.DECIDED: _NOT_STARTED,
    ProjectStage.IN_PROGRESS: ProgressBound(0, 99),
    ProjectStage.DONE: ProgressBound(100, 100),
    ProjectStage.EVALUATED: ProgressBound(100, 100),
}


def progress_bound(stage: ProjectStage) -> ProgressBound:
    """The progress range of ``stage`` on the path."""
    return PROGRESS_BOUNDS[stage]


def check_progress(stage: ProjectStage, progress: int, *, title: str = "") -> None:
    """Raise ``ValidationError`` (naming the progress field, the project and its stage's range) unless
    ``progress`` fits ``stage``."""
    bound = progress_bound(stage)
    if progress not in bound:
        raise ValidationError(
            PROGRESS_FIELD,
            "lists.errors.progress_fixed" if bound.fixed else "lists.errors.progress_out_of_bound",
            title=title,
            stage=stage,
            low=bound.low,
            high=bound.high,
        )


def position(stage: ProjectStage) -> int:
    """The stage's place on the path (0 = 征集需求)."""
    return PROJECT_STAGE_ORDER.index(stage)


def allowed_moves(stage: ProjectStage) -> tuple[ProjectStage, ...]:
    """The stages a project at ``stage`` may move to: the next one first, then the previous one."""
    i = position(stage)
    moves: list[ProjectStage] = []
    if i + 1 < len(PROJECT_STAGE_ORDER):
        moves.append(PROJECT_STAGE_ORDER[i + 1])
    if i > 0:
        moves.append(PROJECT_STAGE_ORDER[i - 1])
    return tuple(moves)


def check_move(current: ProjectStage, target: ProjectStage, *, satisfaction: int | None) -> None:
    """Raise ``ValidationError`` unless ``current`` → ``target`` is a step on the path that has
    what it needs (a satisfaction score 0–100 for 已评价)."""
    if target not in allowed_moves(current):
        raise ValidationError(STAGE_FIELD, "lists.errors.bad_move")
    if target == ProjectStage.EVALUATED:
        if satisfaction is None:
            raise ValidationError(SATISFACTION_FIELD, "error.required")
        if not 0 <= satisfaction <= 100:
            raise ValidationError(SATISFACTION_FIELD, "error.out_of_range", min=0, max=100)


def progress_for(target: ProjectStage, progress: int) -> int:
    """Progress after reaching ``target``: the nearest within its bound (a finished project is at 100 %,
    one sent back before 实施中 at 0 %, one reopened from 已完成 at 99 %)."""
    return progress_bound(target).clamp(progress)


def project_in_open_pool(
    *, lead_unit_id: int | None, claim_deadline: date | None, stage: ProjectStage, today: date
) -> bool:
    """A project nobody leads, past its claim deadline and not finished, is in the 领办大厅."""
    return lead_unit_id is None and claim_deadline is not None and claim_deadline < today and stage not in FINISHED


def wish_in_open_pool(
    *, claimed_by_unit_id: int | None, claim_deadline: date | None, status: NeedStatus, today: date
) -> bool:
    """A need (micro-wish) still waiting past its claim deadline is in the 领办大厅."""
    return (
        claimed_by_unit_id is None
        and claim_deadline is not None
        and claim_deadline < today
        and status == NeedStatus.OPEN
    )
