"""The residents' side (居民提 · 公示): what residents submit through the public board, what is on
公示, and the public writes counted against the rate limits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, TimestampMixin
from domain.enums import PublicityKind, SubmissionKind, SubmissionStatus

publicity_project = Table(
    "publicity_project",
    Base.metadata,
    Column("publicity_id", ForeignKey("publicity.id"), primary_key=True),
    Column("project_id", ForeignKey("project.id"), primary_key=True, index=True),
)


class Publicity(TimestampMixin, Base):
    """A 公示: a shortlist of projects or a result, shown on a community's board for a period
    (a record of its own: the projects' path is unchanged)."""

    __tablename__ = "publicity"
    __table_args__ = (Index("ix_publicity_community_period", "community_id", "ends_on"),)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    kind: Mapped[PublicityKind] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column()
    ends_on: Mapped[date] = mapped_column()
    posted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)

    projects = relationship("Project", secondary=publicity_project, lazy="selectin")


class ResidentSubmission(TimestampMixin, Base):
    """One resident's need, 微心愿 or objection (异议) to a 公示, waiting in the community's queue
    (居民提交) until a worker accepts, merges or declines it. Nothing of it is public before."""

    __tablename__ = "resident_submission"
    __table_args__ = (
        Index("ix_resident_submission_community_status", "community_id", "status"),
        Index("ix_resident_submission_submitted_at", "submitted_at"),
    )
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    kind: Mapped[SubmissionKind] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), default=None)
    display_name: Mapped[str] = mapped_column(String(40), default="")  # 称呼, shown only if chosen
    show_name: Mapped[bool] = mapped_column(default=False)
    phone: Mapped[str] = mapped_column(String(40), default="")  # erased after 180 days
    publicity_id: Mapped[int | None] = mapped_column(ForeignKey("publicity.id"), default=None, index=True)
    client_address: Mapped[str] = mapped_column(String(64), default="")  # erased after 180 days
    submitted_at: Mapped[datetime] = mapped_column()
    status: Mapped[SubmissionStatus] = mapped_column(default=SubmissionStatus.PENDING)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    need_id: Mapped[int | None] = mapped_column(ForeignKey("need.id"), default=None, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    personal_erased_at: Mapped[datetime | None] = mapped_column(default=None)


class PublicWrite(Base):
    """One write through the public pages, counted per session and per client address (the rate
    limits hold across processes because they live here); rows older than a day are forgotten."""

    __tablename__ = "public_write"
    __table_args__ = (Index("ix_public_write_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120))  # "session:<id>" or "address:<ip>"
    at: Mapped[datetime] = mapped_column()
