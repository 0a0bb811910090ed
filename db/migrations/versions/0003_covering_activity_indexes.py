"""covering indexes for the activity aggregates

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = {
    "ix_activity_unit_held": ["unit_id", "held_on", "deleted_at", "kind"],
    "ix_activity_community_held": ["community_id", "held_on", "deleted_at", "kind"],
    "ix_activity_kind_held": ["kind", "held_on", "deleted_at", "unit_id"],
    "ix_activity_held": [
        "held_on", "deleted_at", "kind", "unit_id", "community_id",
        "volunteer_hours", "participants", "beneficiaries",
    ],
}
OLD = {
    "ix_activity_unit_held": ["unit_id", "held_on"],
    "ix_activity_community_held": ["community_id", "held_on"],
    "ix_activity_kind_held": ["kind", "held_on"],
    "ix_activity_held": ["held_on"],
}


def _swap(indexes: dict[str, list[str]]) -> None:
    for name, cols in indexes.items():
        op.drop_index(name, table_name="activity")
        op.create_index(name, "activity", cols)


def upgrade() -> None:
    _swap(NEW)


def downgrade() -> None:
    _swap(OLD)
