"""The audit log and the alliance's settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, TimestampMixin
from domain.enums import AuditAction


class AuditEntry(TimestampMixin, Base):
    """Who did what to which record, with the record before and after (操作记录)."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_at", "at"),
        Index("ix_audit_entry_entity", "entity", "entity_id"),
    )
    at: Mapped[datetime] = mapped_column()
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    username: Mapped[str] = mapped_column(String(40), default="")
    action: Mapped[AuditAction] = mapped_column()
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(default=None)
    before: Mapped[str | None] = mapped_column(Text, default=None)
    after: Mapped[str | None] = mapped_column(Text, default=None)


class Setting(TimestampMixin, Base):
    """One setting of the alliance (JSON value): demo flag, whistle time limits, formula …"""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(60), unique=True)
    value: Mapped[str] = mapped_column(Text)


class DataVersion(Base):
    """The data version of one area of the data (db/areas.py): a new token in every transaction that
    writes one of the area's tables, so a cached read keyed by it is never served after that write, in
    any process. No id, no timestamps mixin: one row per area, read whole at every script run."""

    __tablename__ = "data_version"
    area: Mapped[str] = mapped_column(String(20), primary_key=True)
    version: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column()
