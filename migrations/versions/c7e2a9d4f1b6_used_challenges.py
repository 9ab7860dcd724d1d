"""bots (SPEC §11): proof-of-work challenges already spent

Revision ID: c7e2a9d4f1b6
Revises: b9d3f5a7c2e4
Create Date: 2026-12-03 10:30:00

"""

import sqlalchemy as sa
from alembic import op

from bwm.models.rows import UTCDateTime

# revision identifiers, used by Alembic.
revision = "c7e2a9d4f1b6"
down_revision = "b9d3f5a7c2e4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "used_challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("signature"),
    )
    op.create_index("ix_used_challenges_expires_at", "used_challenges", ["expires_at"])


def downgrade():
    op.drop_index("ix_used_challenges_expires_at", table_name="used_challenges")
    op.drop_table("used_challenges")
