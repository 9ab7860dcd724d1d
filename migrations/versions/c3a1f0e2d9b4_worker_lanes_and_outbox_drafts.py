"""worker lanes (heartbeat), outbox drafts and failing_since

Revision ID: c3a1f0e2d9b4
Revises: 0c65f83d8e90
Create Date: 2026-12-01 23:00:00

"""
from alembic import op
import sqlalchemy as sa

import bwm.models


# revision identifiers, used by Alembic.
revision = 'c3a1f0e2d9b4'
down_revision = '0c65f83d8e90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('worker_lanes',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('worker', sa.String(length=200), nullable=False),
    sa.Column('last_pass_at', bwm.models.UTCDateTime(), nullable=False),
    sa.Column('last_ok_at', bwm.models.UTCDateTime(), nullable=True),
    sa.Column('last_count', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_lanes'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failing_since', bwm.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('template', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('facts', sa.Text(), nullable=True))
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)
    with op.batch_alter_table('calendar_write_backs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failing_since', bwm.models.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('calendar_write_backs', schema=None) as batch_op:
        batch_op.drop_column('failing_since')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_due')
        batch_op.drop_column('facts')
        batch_op.drop_column('template')
        batch_op.drop_column('failing_since')
    op.drop_table('worker_lanes')
