"""accounts: email changes waiting for confirmation, API token names

Revision ID: d4e8a2b7c6f1
Revises: c3a1f0e2d9b4
Create Date: 2026-12-03 10:00:00

"""

import sqlalchemy as sa
from alembic import op

import bwm.models

# revision identifiers, used by Alembic.
revision = "d4e8a2b7c6f1"
down_revision = "c3a1f0e2d9b4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "email_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.String(length=64), nullable=False),
        sa.Column("new_email", sa.String(length=254), nullable=False),
        sa.Column("created_at", bwm.models.UTCDateTime(), nullable=False),
        sa.Column("expires_at", bwm.models.UTCDateTime(), nullable=False),
        sa.Column("used_at", bwm.models.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", bwm.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_email_changes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_changes")),
        sa.UniqueConstraint("token_id", name=op.f("uq_email_changes_token_id")),
    )
    with op.batch_alter_table("email_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_changes_user_id"), ["user_id"], unique=False)

    # Adding a column needs no rebuild of the table on SQLite (nothing refers to api_tokens anyway).
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name", sa.String(length=100), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("name")
    with op.batch_alter_table("email_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_changes_user_id"))
    op.drop_table("email_changes")
