"""轮值主席 and 联席会议: the rotating chair, joint meetings, their attendance and action items."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, SoftDeleteMixin, TimestampMixin
from domain.enums import ActionStatus, MeetingKind, RotationStatus


class RotationSlot(TimestampMixin, Base):
    """The unit chairing one month, for one community or (no community) the whole alliance."""

    __tablename__ = "rotation_slot"
    __table_args__ = (
        UniqueConstraint("year", "month", "community_id"),
        Index("ix_rotation_slot_year_month", "year", "month"),
        # NULLs are distinct in a unique constraint: one alliance-wide chair a month needs its own.
        Index(
            "uq_rotation_slot_alliance_month",
            "year",
            "month",
            unique=True,
            sqlite_where=text("community_id IS NULL"),
            postgresql_where=text("community_id IS NULL"),
        ),
    )
    year: Mapped[int] = mapped_column()
    month: Mapped[int] = mapped_column()
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), default=None)
    chair_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    theme: Mapped[str] = mapped_column(String(200), default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RotationStatus] = mapped_column(default=RotationStatus.PLANNED)
    proposed_on: Mapped[date | None] = mapped_column(default=None)
    reminded_on: Mapped[date | None] = mapped_column(default=None)


class Meeting(TimestampMixin, SoftDeleteMixin, Base):
    """A joint meeting (联席会议) with its agenda, minutes and decisions."""

    __tablename__ = "meeting"
    __table_args__ = (Index("ix_meeting_held", "held_on"),)
    kind: Mapped[MeetingKind] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column()
    place: Mapped[str] = mapped_column(String(200), default="")
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), default=None)
    convenor_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), default=None)
    agenda: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")

    attendance: Mapped[list[MeetingAttendance]] = relationship(back_populates="meeting")
    action_items: Mapped[list[ActionItem]] = relationship(
        back_populates="meeting", foreign_keys="ActionItem.meeting_id"
    )


class MeetingAttendance(TimestampMixin, Base):
    """A unit invited to a meeting, and whether it came."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "unit_id"),)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    attended: Mapped[bool] = mapped_column(default=True)

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")


class ActionItem(TimestampMixin, Base):
    """A task a joint meeting gave to one unit (待办事项)."""

    __tablename__ = "action_item"
    __table_args__ = (
        Index("ix_action_item_status_due", "status", "due_on"),
        Index("ix_action_item_owner", "owner_unit_id"),
    )
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    content: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(default=None)
    status: Mapped[ActionStatus] = mapped_column(default=ActionStatus.OPEN)
    closed_on: Mapped[date | None] = mapped_column(default=None)
    closing_note: Mapped[str] = mapped_column(Text, default="")
    carried_to_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"), default=None)
    # the meeting whose deletion moved this item to another meeting or dropped it (undo reports them)
    disposed_from_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"), default=None)
    version: Mapped[int] = mapped_column(default=1)

    meeting: Mapped[Meeting] = relationship(back_populates="action_items", foreign_keys=[meeting_id])

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def is_overdue(self, today: date) -> bool:
        return self.status == ActionStatus.OPEN and self.due_on is not None and self.due_on < today
