"""The outbox of notices (站内消息 and e-mail), every delivery attempt, and the scheduler's state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, TimestampMixin
from domain.enums import NoticeChannel, NoticeEvent, NoticeStatus


class Notice(TimestampMixin, Base):
    """One notice to one user on one channel; ``key`` makes it exist at most once (the outbox)."""

    __tablename__ = "notice"
    __table_args__ = (
        Index("ix_notice_status_next", "status", "next_attempt_at"),
        Index("ix_notice_recipient_read", "recipient_user_id", "read_at"),
        Index("ix_notice_unit", "unit_id"),
        Index("ix_notice_community", "community_id"),
        Index("ix_notice_topic", "topic"),
    )
    key: Mapped[str] = mapped_column(String(200), unique=True)
    topic: Mapped[str] = mapped_column(String(160))  # the event's part of the key (one per recipient share it)
    event: Mapped[NoticeEvent] = mapped_column()
    channel: Mapped[NoticeChannel] = mapped_column()
    recipient_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), default=None)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), default=None)
    params: Mapped[str] = mapped_column(Text, default="{}")  # JSON, rendered in the reader's language
    link: Mapped[str] = mapped_column(String(300), default="")  # a path of the app (/whistle?id=3)
    due_at: Mapped[datetime] = mapped_column()
    status: Mapped[NoticeStatus] = mapped_column(default=NoticeStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    read_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")


class NoticeAttempt(TimestampMixin, Base):
    """One try at delivering a notice: when, how it went, the error."""

    __tablename__ = "notice_attempt"
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"), index=True)
    at: Mapped[datetime] = mapped_column()
    status: Mapped[NoticeStatus] = mapped_column()
    error: Mapped[str] = mapped_column(Text, default="")


class SchedulerState(TimestampMixin, Base):
    """The scheduler's one row: the moment of the last pass and who holds the lease until when."""

    __tablename__ = "scheduler_state"
    last_pass_at: Mapped[datetime | None] = mapped_column(default=None)
    lease_holder: Mapped[str] = mapped_column(String(120), default="")
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
