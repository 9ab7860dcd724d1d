"""privacy and abuse (SPEC §11): retention, consent, email checks, the audit trail

Revision ID: b9d3f5a7c2e4
Revises: a8c2e4f6b1d3
Create Date: 2026-12-02 09:40:00

"""

import sqlalchemy as sa
from alembic import op

from bwm.models.rows import UTCDateTime

# revision identifiers, used by Alembic.
revision = "b9d3f5a7c2e4"
down_revision = "a8c2e4f6b1d3"
branch_labels = None
depends_on = None


# Plain ADD COLUMN, never a batch: a batch could rebuild a table on SQLite, and dropping
# bookings there would cascade-delete its reminders_sent rows.
def upgrade():
    op.add_column("org_settings", sa.Column("retention_days", sa.Integer(), nullable=True))
    op.add_column(
        "org_settings", sa.Column("consent_text", sa.Text(), nullable=False, server_default="")
    )
    op.add_column(
        "meeting_types",
        sa.Column("verify_email", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "bookings", sa.Column("consent_text", sa.Text(), nullable=False, server_default="")
    )
    op.add_column("bookings", sa.Column("verify_until", UTCDateTime(), nullable=True))
    op.add_column("bookings", sa.Column("verified_at", UTCDateTime(), nullable=True))
    op.add_column("bookings", sa.Column("anonymized_at", UTCDateTime(), nullable=True))
    op.create_index("ix_bookings_verify_until", "bookings", ["verify_until"])
    op.create_index("ix_bookings_anonymized_at_end", "bookings", ["anonymized_at", "end"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=254), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_action", "audit_events", ["action"])
    op.create_index("ix_audit_events_actor_id", "audit_events", ["actor_id"])


def downgrade():
    op.drop_index("ix_audit_events_actor_id", table_name="audit_events")
    op.drop_index("ix_audit_events_action", table_name="audit_events")
    op.drop_index("ix_audit_events_at", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index("ix_bookings_anonymized_at_end", table_name="bookings")
    op.drop_index("ix_bookings_verify_until", table_name="bookings")
    for column in ("anonymized_at", "verified_at", "verify_until", "consent_text"):
        op.drop_column("bookings", column)
    op.drop_column("meeting_types", "verify_email")
    op.drop_column("org_settings", "consent_text")
    op.drop_column("org_settings", "retention_days")
