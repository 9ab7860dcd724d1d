"""busy time indexes: an organizer's busy blocks, calendar busy time and bookings by end

Revision ID: e5f9b3c8d2a7
Revises: d4e8a2b7c6f1
Create Date: 2026-12-02 02:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "e5f9b3c8d2a7"
down_revision = "d4e8a2b7c6f1"
branch_labels = None
depends_on = None


# Plain CREATE INDEX, never a batch: a batch could rebuild a table on SQLite, and dropping
# bookings there would cascade-delete its reminders_sent rows.
def upgrade():
    op.create_index("ix_busy_blocks_user_id_end_start", "busy_blocks", ["user_id", "end", "start"])
    op.create_index(
        "ix_calendar_busy_user_id_end_start", "calendar_busy", ["user_id", "end", "start"]
    )
    op.create_index("ix_bookings_user_id_end", "bookings", ["user_id", "end"])


def downgrade():
    op.drop_index("ix_bookings_user_id_end", table_name="bookings")
    op.drop_index("ix_calendar_busy_user_id_end_start", table_name="calendar_busy")
    op.drop_index("ix_busy_blocks_user_id_end_start", table_name="busy_blocks")
