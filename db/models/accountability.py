"""吹哨报到, 契约共建 and 民主考评: matters raised and answered, claimed tasks, evaluation rounds."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, SoftDeleteMixin, TimestampMixin
from domain.enums import WhistleKind, WhistleStage


class Whistle(TimestampMixin, SoftDeleteMixin, Base):
    """A matter a community cannot solve alone and raises to units (吹哨)."""

    __tablename__ = "whistle"
    __table_args__ = (Index("ix_whistle_raised", "raised_at"),)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    raised_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    raised_at: Mapped[datetime] = mapped_column()
    kind: Mapped[WhistleKind] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[WhistleStage] = mapped_column(default=WhistleStage.RAISED)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    responses: Mapped[list[WhistleResponse]] = relationship(back_populates="whistle")


class WhistleResponse(TimestampMixin, Base):
    """One summoned unit's answer to a matter (报到), stage by stage, and the community's rating."""

    __tablename__ = "whistle_response"
    __table_args__ = (UniqueConstraint("whistle_id", "unit_id"),)
    whistle_id: Mapped[int] = mapped_column(ForeignKey("whistle.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    stage: Mapped[WhistleStage] = mapped_column(default=WhistleStage.RAISED)
    signed_at: Mapped[datetime | None] = mapped_column(default=None)
    contacted_at: Mapped[datetime | None] = mapped_column(default=None)
    reported_at: Mapped[datetime | None] = mapped_column(default=None)
    handled_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    action_taken: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[int | None] = mapped_column(default=None)
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None] = mapped_column(default=None)

    whistle: Mapped[Whistle] = relationship(back_populates="responses")


class ContractTask(TimestampMixin, SoftDeleteMixin, Base):
    """A task a unit claimed (契约共建), carrying a credit weight."""

    __tablename__ = "contract_task"
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    source_type: Mapped[str] = mapped_column(String(20), default="")
    source_id: Mapped[int | None] = mapped_column(default=None)
    credit_weight: Mapped[float] = mapped_column(default=1.0)
    claimed_on: Mapped[date | None] = mapped_column(default=None)
    due_on: Mapped[date | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open / kept / broken
    done_on: Mapped[date | None] = mapped_column(default=None)


class EvaluationRound(TimestampMixin, Base):
    """A democratic evaluation round (民主考评) for a period, with its rubric."""

    __tablename__ = "evaluation_round"
    title: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    formula_version: Mapped[str] = mapped_column(String(40), default="")

    criteria: Mapped[list[EvaluationCriterion]] = relationship(
        back_populates="round", order_by="EvaluationCriterion.sort_order"
    )


class EvaluationCriterion(TimestampMixin, Base):
    """One line of a round's rubric, with its weight."""

    __tablename__ = "evaluation_criterion"
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_round.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    weight: Mapped[float] = mapped_column(default=1.0)
    sort_order: Mapped[int] = mapped_column(default=0)

    round: Mapped[EvaluationRound] = relationship(back_populates="criteria")


class EvaluationScore(TimestampMixin, Base):
    """One evaluator's score of one unit on one criterion (0–100)."""

    __tablename__ = "evaluation_score"
    __table_args__ = (
        UniqueConstraint("round_id", "unit_id", "evaluator", "criterion_id"),
        Index("ix_evaluation_score_round_unit", "round_id", "unit_id"),
    )
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_round.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("evaluation_criterion.id"))
    evaluator: Mapped[str] = mapped_column(String(50))
    score: Mapped[float] = mapped_column()
