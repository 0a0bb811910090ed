"""三清单一协议: needs, resources, projects (with their history and milestones), agreements."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, SoftDeleteMixin, TimestampMixin
from domain.enums import NeedSource, NeedStatus, Priority, ProjectStage, ResourceStatus

project_unit = Table(
    "project_unit",
    Base.metadata,
    Column("project_id", ForeignKey("project.id"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id"), primary_key=True, index=True),
)
project_need = Table(
    "project_need",
    Base.metadata,
    Column("project_id", ForeignKey("project.id"), primary_key=True),
    Column("need_id", ForeignKey("need.id"), primary_key=True, index=True),
)
project_resource = Table(
    "project_resource",
    Base.metadata,
    Column("project_id", ForeignKey("project.id"), primary_key=True),
    Column("resource_id", ForeignKey("resource.id"), primary_key=True, index=True),
)


class Need(TimestampMixin, SoftDeleteMixin, Base):
    """A need of a community's residents (需求); a 微心愿 is a small one a unit claims."""

    __tablename__ = "need"
    __table_args__ = (
        Index("ix_need_community_status", "community_id", "status"),
        Index("ix_need_category", "category_id"),
    )
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[Priority] = mapped_column(default=Priority.MEDIUM)
    source: Mapped[NeedSource | None] = mapped_column(default=None)
    raised_on: Mapped[date | None] = mapped_column(default=None)
    status: Mapped[NeedStatus] = mapped_column(default=NeedStatus.OPEN)
    is_micro_wish: Mapped[bool] = mapped_column(default=False)
    claimed_by_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), default=None)
    claimed_on: Mapped[date | None] = mapped_column(default=None)  # the day the unit claimed it
    claim_deadline: Mapped[date | None] = mapped_column(default=None)
    # shown on the community's public board (公示栏): title, category and claim status only
    is_public: Mapped[bool] = mapped_column(default=False, server_default=false())


class Resource(TimestampMixin, SoftDeleteMixin, Base):
    """Something a unit can offer (资源): people, rooms, expertise, funds."""

    __tablename__ = "resource"
    __table_args__ = (Index("ix_resource_unit", "unit_id"), Index("ix_resource_category", "category_id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int | None] = mapped_column(default=None)
    available_when: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[ResourceStatus] = mapped_column(default=ResourceStatus.AVAILABLE)


class Project(TimestampMixin, SoftDeleteMixin, Base):
    """A co-building project (共建项目) linking needs to resources, led by one unit."""

    __tablename__ = "project"
    __table_args__ = (Index("ix_project_stage", "stage"), Index("ix_project_community", "community_id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), default=None, index=True)
    stage: Mapped[ProjectStage] = mapped_column(default=ProjectStage.TOPIC)
    progress: Mapped[int] = mapped_column(default=0)
    claim_deadline: Mapped[date | None] = mapped_column(default=None)
    started_on: Mapped[date | None] = mapped_column(default=None)
    ended_on: Mapped[date | None] = mapped_column(default=None)
    beneficiaries: Mapped[int] = mapped_column(default=0)
    budget_fen: Mapped[int] = mapped_column(default=0)
    satisfaction: Mapped[int | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(default=1)

    participants = relationship("Unit", secondary=project_unit, lazy="selectin")
    needs = relationship("Need", secondary=project_need, lazy="selectin")
    resources = relationship("Resource", secondary=project_resource, lazy="selectin")
    milestones: Mapped[list[Milestone]] = relationship(back_populates="project", order_by="Milestone.due_on")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ProjectStageChange(TimestampMixin, Base):
    """One step of a project along its path: who moved it, when, from where to where."""

    __tablename__ = "project_stage_change"
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    at: Mapped[datetime] = mapped_column()
    from_stage: Mapped[ProjectStage | None] = mapped_column(default=None)
    to_stage: Mapped[ProjectStage] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")


class Milestone(TimestampMixin, Base):
    """A dated step in a project's plan (里程碑)."""

    __tablename__ = "milestone"
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    due_on: Mapped[date] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    done: Mapped[bool] = mapped_column(default=False)

    project: Mapped[Project] = relationship(back_populates="milestones")


class Agreement(TimestampMixin, SoftDeleteMixin, Base):
    """A co-building agreement (共建协议) between a community and a unit."""

    __tablename__ = "agreement"
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    signed_on: Mapped[date | None] = mapped_column(default=None)
    valid_from: Mapped[date | None] = mapped_column(default=None)
    valid_to: Mapped[date | None] = mapped_column(default=None)
    summary: Mapped[str] = mapped_column(Text, default="")
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"), default=None)

    def is_lapsed(self, today: date) -> bool:
        return self.valid_to is not None and self.valid_to < today

    def is_expiring(self, today: date, within_days: int = 60) -> bool:
        return self.valid_to is not None and today <= self.valid_to <= today + timedelta(days=within_days)
