"""one alliance-wide chair per month

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "uq_rotation_slot_alliance_month", "rotation_slot", ["year", "month"], unique=True,
        sqlite_where=sa.text("community_id IS NULL"), postgresql_where=sa.text("community_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_rotation_slot_alliance_month", table_name="rotation_slot")
