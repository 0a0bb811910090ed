"""data versions: one row per data area, a new version in every transaction that writes the area

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

* ``data_version``: the area's name (db/areas.py), its version (a random token) and when it changed.
  Cached reads are keyed by the versions of the areas they read, so a write in one process is seen by
  the next script run of every other (this replaces the 60-second time-to-live of the caches).
  An area gets its row at its first write (an upsert); until then its version is none. No rows here: a
  restore from a JSON-lines backup creates the schema by migrating and then loads the backup's rows.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('data_version',
    sa.Column('area', sa.String(length=20), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('area', name=op.f('pk_data_version'))
    )


def downgrade() -> None:
    op.drop_table('data_version')
