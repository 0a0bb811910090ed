"""the residents' wall: submissions, 公示, public writes, a need's 公开 flag

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

* ``resident_submission``: a resident's need, 微心愿 or 异议 in a community's queue (居民提交), with its
  decision (accepted / merged into a need / declined with a reason); phone and client address are
  erased after 180 days (``personal_erased_at``).
* ``publicity`` and ``publicity_project``: a 公示 (a shortlist or a result of projects) for a period.
* ``public_write``: the public writes counted per session and per client address (rate limits).
* ``need.is_public``: the need is shown on its community's public board (公开).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('public_write',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_write'))
    )
    with op.batch_alter_table('public_write', schema=None) as batch_op:
        batch_op.create_index('ix_public_write_key_at', ['key', 'at'], unique=False)

    op.create_table('publicity',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('shortlist', 'result', name='publicitykind', native_enum=False, length=24), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('posted_by_user_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_publicity_community_id_community')),
    sa.ForeignKeyConstraint(['posted_by_user_id'], ['app_user.id'], name=op.f('fk_publicity_posted_by_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publicity'))
    )
    with op.batch_alter_table('publicity', schema=None) as batch_op:
        batch_op.create_index('ix_publicity_community_period', ['community_id', 'ends_on'], unique=False)

    op.create_table('publicity_project',
    sa.Column('publicity_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_publicity_project_project_id_project')),
    sa.ForeignKeyConstraint(['publicity_id'], ['publicity.id'], name=op.f('fk_publicity_project_publicity_id_publicity')),
    sa.PrimaryKeyConstraint('publicity_id', 'project_id', name=op.f('pk_publicity_project'))
    )
    with op.batch_alter_table('publicity_project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publicity_project_project_id'), ['project_id'], unique=False)

    op.create_table('resident_submission',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('need', 'wish', 'objection', name='submissionkind', native_enum=False, length=24), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('display_name', sa.String(length=40), nullable=False),
    sa.Column('show_name', sa.Boolean(), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('publicity_id', sa.Integer(), nullable=True),
    sa.Column('client_address', sa.String(length=64), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'accepted', 'merged', 'declined', name='submissionstatus', native_enum=False, length=24), nullable=False),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
    sa.Column('personal_erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_resident_submission_category_id_category')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_resident_submission_community_id_community')),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['app_user.id'], name=op.f('fk_resident_submission_decided_by_user_id_app_user')),
    sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_resident_submission_need_id_need')),
    sa.ForeignKeyConstraint(['publicity_id'], ['publicity.id'], name=op.f('fk_resident_submission_publicity_id_publicity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_submission'))
    )
    with op.batch_alter_table('resident_submission', schema=None) as batch_op:
        batch_op.create_index('ix_resident_submission_community_status', ['community_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_submission_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_submission_publicity_id'), ['publicity_id'], unique=False)
        batch_op.create_index('ix_resident_submission_submitted_at', ['submitted_at'], unique=False)

    # a plain ALTER: rebuilding need would trip the keys that point at it
    op.add_column('need', sa.Column('is_public', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_column('need', 'is_public')  # plain ALTER, as in upgrade

    with op.batch_alter_table('resident_submission', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_submission_submitted_at')
        batch_op.drop_index(batch_op.f('ix_resident_submission_publicity_id'))
        batch_op.drop_index(batch_op.f('ix_resident_submission_need_id'))
        batch_op.drop_index('ix_resident_submission_community_status')

    op.drop_table('resident_submission')
    with op.batch_alter_table('publicity_project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publicity_project_project_id'))

    op.drop_table('publicity_project')
    with op.batch_alter_table('publicity', schema=None) as batch_op:
        batch_op.drop_index('ix_publicity_community_period')

    op.drop_table('publicity')
    with op.batch_alter_table('public_write', schema=None) as batch_op:
        batch_op.drop_index('ix_public_write_key_at')

    op.drop_table('public_write')
