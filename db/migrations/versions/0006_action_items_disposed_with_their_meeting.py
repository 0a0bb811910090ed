"""action items moved or dropped when their meeting is deleted

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

``action_item.disposed_from_meeting_id``: the meeting whose deletion moved the item to another
meeting or dropped it, so that undoing the deletion can say what stayed where. Existing rows have
none (no deletion asked before).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("action_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disposed_from_meeting_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_action_item_disposed_from_meeting_id_meeting"), "meeting", ["disposed_from_meeting_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("action_item", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_action_item_disposed_from_meeting_id_meeting"), type_="foreignkey")
        batch_op.drop_column("disposed_from_meeting_id")
