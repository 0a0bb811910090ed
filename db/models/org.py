"""The alliance's members: communities, co-building units, Party members, users, categories."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base, SoftDeleteMixin, TimestampMixin
from domain.enums import Role


class Community(TimestampMixin, SoftDeleteMixin, Base):
    """A residents' community (社区) at the centre of its pairings."""

    __tablename__ = "community"
    name: Mapped[str] = mapped_column(String(100), unique=True)
    street: Mapped[str] = mapped_column(String(100), default="")
    contact: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")

    pairings: Mapped[list[Pairing]] = relationship(back_populates="community")


class Unit(TimestampMixin, SoftDeleteMixin, Base):
    """A co-building unit (共建单位): a department, enterprise, school, hospital …"""

    __tablename__ = "unit"
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(30), default="")
    contact: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    party_members: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    joined_on: Mapped[date | None] = mapped_column(default=None)

    pairings: Mapped[list[Pairing]] = relationship(back_populates="unit")


class Pairing(TimestampMixin, Base):
    """A unit paired with a community (结对)."""

    __tablename__ = "pairing"
    __table_args__ = (UniqueConstraint("unit_id", "community_id"),)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    paired_since: Mapped[date | None] = mapped_column(default=None)

    unit: Mapped[Unit] = relationship(back_populates="pairings")
    community: Mapped[Community] = relationship(back_populates="pairings")


class Member(TimestampMixin, SoftDeleteMixin, Base):
    """An in-service Party member (在职党员) who reported to a community (双报到)."""

    __tablename__ = "member"
    name: Mapped[str] = mapped_column(String(50))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), default=None)
    reported_on: Mapped[date | None] = mapped_column(default=None)
    phone: Mapped[str] = mapped_column(String(30), default="")


class User(TimestampMixin, Base):
    """Someone who logs in; bound to a community or a unit by role."""

    __tablename__ = "app_user"
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    email: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column()
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), default=None)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), default=None)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    first_failed_at: Mapped[datetime | None] = mapped_column(default=None)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    sessions_valid_after: Mapped[datetime | None] = mapped_column(default=None)
    language: Mapped[str] = mapped_column(String(8), default="zh_CN")


class LoginThrottle(Base):
    """The lockout count of a username no account has (domain/lockout.py): unknown names are
    counted and locked exactly like real ones, so the answers do not tell which names exist.
    A row is forgotten once its window and its lock are over (``expires_at``)."""

    __tablename__ = "login_throttle"
    __table_args__ = (Index("ix_login_throttle_expires_at", "expires_at"),)
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    first_failed_at: Mapped[datetime | None] = mapped_column(default=None)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)


class Category(TimestampMixin, SoftDeleteMixin, Base):
    """A category shared by needs and resources (需求/资源类别)."""

    __tablename__ = "category"
    name: Mapped[str] = mapped_column(String(50), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(Text, default="")


Index("ix_member_community", Member.community_id)
