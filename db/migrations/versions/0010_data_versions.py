"""data versions: one row per data area, a new version in every transaction that writes the area

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

* ``data_version``: the area's name (db/areas.py), its version (a random token) and when it changed.
  Cached reads are keyed by the versions of the areas they read, so a write in one process is seen by
  the next script run of every other (this replaces the 60-second time-to-live of the caches).
  Every area starts with a version of its own, so no cache made before the migration is ever served.
"""
from collections.abc import Sequence
from datetime import UTC, datetime
import secrets

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AREAS = ("activities", "evaluation", "lists", "meetings", "org", "residents", "settings", "whistle")


def upgrade() -> None:
    table = op.create_table('data_version',
    sa.Column('area', sa.String(length=20), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('area', name=op.f('pk_data_version'))
    )
    now = datetime.now(UTC)
    op.bulk_insert(table, [{"area": a, "version": secrets.token_hex(16), "changed_at": now} for a in AREAS])


def downgrade() -> None:
    op.drop_table('data_version')
