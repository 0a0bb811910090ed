"""活动联办: joint activities logged by units, and the files attached to records."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from db.models.base import Base, SoftDeleteMixin, TimestampMixin
from domain.enums import ActivityKind, AttachmentOwner


class Activity(TimestampMixin, SoftDeleteMixin, Base):
    """Something a unit did with or for a community (活动), counted toward 六个一."""

    __tablename__ = "activity"
    __table_args__ = (
        # covering indexes: the aggregates over a million rows read the index alone (bench/results.md)
        Index("ix_activity_unit_held", "unit_id", "held_on", "deleted_at", "kind"),
        Index("ix_activity_community_held", "community_id", "held_on", "deleted_at", "kind"),
        Index("ix_activity_kind_held", "kind", "held_on", "deleted_at", "unit_id"),
        Index(
            "ix_activity_held",
            "held_on",
            "deleted_at",
            "kind",
            "unit_id",
            "community_id",
            "volunteer_hours",
            "participants",
            "beneficiaries",
        ),
        # the 认领微心愿 activities linked to a wish, read alone by the 六个一 count (few rows: need_id first)
        Index("ix_activity_need", "need_id", "kind", "held_on", "deleted_at", "unit_id"),
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    held_on: Mapped[date] = mapped_column()
    kind: Mapped[ActivityKind] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    participants: Mapped[int] = mapped_column(default=0)
    volunteer_hours: Mapped[float] = mapped_column(default=0.0)
    beneficiaries: Mapped[int] = mapped_column(default=0)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), default=None)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), default=None)
    logged_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    # the 微心愿 a 认领微心愿 activity is about: the wish counts once for 六个一, with or without it
    need_id: Mapped[int | None] = mapped_column(ForeignKey("need.id"), default=None)
    # why the admin recorded it in a community the unit is not paired with (None when it is)
    off_pairing_reason: Mapped[str | None] = mapped_column(Text, default=None)


class Attachment(TimestampMixin, Base):
    """A photo or scan kept in the database, so that backups hold it (附件)."""

    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_owner", "owner_type", "owner_id"),)
    owner_type: Mapped[AttachmentOwner] = mapped_column()
    owner_id: Mapped[int | None] = mapped_column(default=None)
    filename: Mapped[str] = mapped_column(String(200))
    mime_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    thumbnail: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
