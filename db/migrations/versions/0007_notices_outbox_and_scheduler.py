"""the notices outbox (站内消息 and e-mail), their delivery attempts and the scheduler's state

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

* ``notice``: one notice to one user on one channel (inbox / email); ``key`` (event × recipient ×
  channel [× day]) is unique so a notice is never created twice; ``params`` JSON is rendered in
  the reader's language when shown or sent; status pending / sent / failed with attempts and the
  next attempt's moment.
* ``notice_attempt``: every delivery attempt (time, status, error).
* ``scheduler_state``: the last pass of ``manage.py notify`` and its lease (holder, until).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduler_state",
        sa.Column("last_pass_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_holder", sa.String(length=120), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_state")),
    )
    op.create_table(
        "notice",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=160), nullable=False),
        sa.Column(
            "event",
            sa.Enum(
                "chair_upcoming",
                "chair_start",
                "chair_missing",
                "whistle_raised",
                "whistle_warning",
                "whistle_passed",
                "whistle_overdue",
                "action_upcoming",
                "action_overdue",
                "test",
                name="noticeevent",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "channel", sa.Enum("inbox", "email", name="noticechannel", native_enum=False, length=24), nullable=False
        ),
        sa.Column("recipient_user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "sent", "failed", name="noticestatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"], name=op.f("fk_notice_community_id_community")),
        sa.ForeignKeyConstraint(
            ["recipient_user_id"], ["app_user.id"], name=op.f("fk_notice_recipient_user_id_app_user")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_notice_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
        sa.UniqueConstraint("key", name=op.f("uq_notice_key")),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index("ix_notice_community", ["community_id"], unique=False)
        batch_op.create_index("ix_notice_recipient_read", ["recipient_user_id", "read_at"], unique=False)
        batch_op.create_index("ix_notice_status_next", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_notice_topic", ["topic"], unique=False)
        batch_op.create_index("ix_notice_unit", ["unit_id"], unique=False)

    op.create_table(
        "notice_attempt",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "sent", "failed", name="noticestatus", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.ForeignKeyConstraint(["notice_id"], ["notice.id"], name=op.f("fk_notice_attempt_notice_id_notice")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_attempt")),
    )
    with op.batch_alter_table("notice_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_attempt_notice_id"), ["notice_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notice_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_attempt_notice_id"))

    op.drop_table("notice_attempt")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_unit")
        batch_op.drop_index("ix_notice_topic")
        batch_op.drop_index("ix_notice_status_next")
        batch_op.drop_index("ix_notice_recipient_read")
        batch_op.drop_index("ix_notice_community")

    op.drop_table("notice")
    op.drop_table("scheduler_state")
