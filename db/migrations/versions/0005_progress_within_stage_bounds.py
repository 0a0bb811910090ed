"""progress within its stage's bound

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Progress (%) counts the carrying out of a project, so its stage bounds it (``domain.project_path``):
0 % before 实施中 (征集需求, 形成议题, 讨论协商, 确定项目), 0–99 % while 实施中, 100 % once 已完成 or
已评价. Existing rows are brought to the nearest progress within their bound. The bounds are written
out here, not imported: a migration keeps the rule of its day. Data only; the downgrade leaves the
corrected values (the old ones were not a state anyone chose).
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# stage → (lowest, highest) progress, as domain.project_path.PROGRESS_BOUNDS read at this revision
BOUNDS: dict[str, tuple[int, int]] = {
    "collect": (0, 0),
    "topic": (0, 0),
    "consult": (0, 0),
    "decided": (0, 0),
    "in_progress": (0, 99),
    "done": (100, 100),
    "evaluated": (100, 100),
}


def upgrade() -> None:
    for stage, (low, high) in BOUNDS.items():
        op.execute(f"UPDATE project SET progress = {low} WHERE stage = '{stage}' AND progress < {low}")
        op.execute(f"UPDATE project SET progress = {high} WHERE stage = '{stage}' AND progress > {high}")


def downgrade() -> None:
    pass
