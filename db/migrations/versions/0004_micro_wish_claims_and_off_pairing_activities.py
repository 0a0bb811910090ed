"""micro-wish claims dated and linked from activities; a reason for activities off the pairings

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

* ``need.claimed_on``: the day a unit claimed the need (六个一 counts a claimed 微心愿 in its year).
  Existing claims take the day of their contract task (source ``need``) where there is one, else
  the day the need was raised.
* ``activity.need_id``: the 微心愿 an activity of kind 认领微心愿 is about (counted once with its claim),
  with a covering index for the 六个一 count.
* ``activity.off_pairing_reason``: why the admin recorded an activity in a community the unit is
  not paired with (and no member reported to).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEED_INDEX = ["need_id", "kind", "held_on", "deleted_at", "unit_id"]


def upgrade() -> None:
    op.add_column("need", sa.Column("claimed_on", sa.Date(), nullable=True))
    op.execute("UPDATE need SET claimed_on = raised_on WHERE claimed_by_unit_id IS NOT NULL")
    op.execute(  # one pass over the tasks (UPDATE … FROM: SQLite 3.33+, PostgreSQL), not a lookup per need
        """
        UPDATE need SET claimed_on = t.day
        FROM (SELECT source_id, unit_id, MIN(claimed_on) AS day FROM contract_task
              WHERE source_type = 'need' GROUP BY source_id, unit_id) AS t
        WHERE t.source_id = need.id AND t.unit_id = need.claimed_by_unit_id
        """
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("need_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("off_pairing_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_activity_need_id_need"), "need", ["need_id"], ["id"])
        batch_op.create_index("ix_activity_need", NEED_INDEX, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_need")
        batch_op.drop_constraint(op.f("fk_activity_need_id_need"), type_="foreignkey")
        batch_op.drop_column("off_pairing_reason")
        batch_op.drop_column("need_id")
    op.drop_column("need", "claimed_on")  # plain ALTER: rebuilding need would trip the keys that point at it
