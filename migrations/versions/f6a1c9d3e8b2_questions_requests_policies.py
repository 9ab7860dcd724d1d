"""questions, requests and booking policies (SPEC §9): new meeting type, booking and link columns

Revision ID: f6a1c9d3e8b2
Revises: e5f9b3c8d2a7
Create Date: 2026-12-02 06:00:00

"""

import sqlalchemy as sa
from alembic import op

from bwm.models.rows import UTCDateTime

# revision identifiers, used by Alembic.
revision = "f6a1c9d3e8b2"
down_revision = "e5f9b3c8d2a7"
branch_labels = None
depends_on = None

EMPTY_LIST = sa.text("'[]'")


# Plain ADD COLUMN, never a batch: a batch could rebuild a table on SQLite, and dropping
# bookings there would cascade-delete its reminders_sent rows.
def upgrade():
    add = op.add_column
    add(
        "meeting_types",
        sa.Column("questions", sa.JSON(), nullable=False, server_default=EMPTY_LIST),
    )
    add(
        "meeting_types",
        sa.Column("requires_confirmation", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    add(
        "meeting_types",
        sa.Column("pending_hours", sa.Integer(), nullable=False, server_default="48"),
    )
    add(
        "meeting_types",
        sa.Column(
            "attendee_change_cutoff_minutes", sa.Integer(), nullable=False, server_default="0"
        ),
    )
    add(
        "meeting_types",
        sa.Column("durations_minutes", sa.JSON(), nullable=False, server_default=EMPTY_LIST),
    )
    add("meeting_types", sa.Column("max_per_week", sa.Integer(), nullable=True))
    add("meeting_types", sa.Column("max_per_month", sa.Integer(), nullable=True))
    add("meeting_types", sa.Column("blocking_calendars", sa.JSON(), nullable=True))
    add("meeting_types", sa.Column("color", sa.String(7), nullable=True))
    add(
        "meeting_types", sa.Column("reminder_message", sa.Text(), nullable=False, server_default="")
    )
    add("meeting_types", sa.Column("follow_up_minutes", sa.Integer(), nullable=True))
    add(
        "meeting_types",
        sa.Column("follow_up_message", sa.Text(), nullable=False, server_default=""),
    )

    add("bookings", sa.Column("answers", sa.JSON(), nullable=False, server_default=EMPTY_LIST))
    add("bookings", sa.Column("pending_until", UTCDateTime(), nullable=True))
    add("bookings", sa.Column("decided_at", UTCDateTime(), nullable=True))
    add("bookings", sa.Column("decline_reason", sa.Text(), nullable=False, server_default=""))
    add("bookings", sa.Column("reschedule_requested_at", UTCDateTime(), nullable=True))
    add("bookings", sa.Column("follow_up_sent_at", UTCDateTime(), nullable=True))
    op.create_index("ix_bookings_pending_until", "bookings", ["pending_until"])

    add("private_links", sa.Column("name", sa.String(200), nullable=False, server_default=""))
    add("private_links", sa.Column("email", sa.String(254), nullable=False, server_default=""))


def downgrade():
    for column in ("email", "name"):
        op.drop_column("private_links", column)
    op.drop_index("ix_bookings_pending_until", table_name="bookings")
    for column in (
        "follow_up_sent_at",
        "reschedule_requested_at",
        "decline_reason",
        "decided_at",
        "pending_until",
        "answers",
    ):
        op.drop_column("bookings", column)
    for column in (
        "follow_up_message",
        "follow_up_minutes",
        "reminder_message",
        "color",
        "blocking_calendars",
        "max_per_month",
        "max_per_week",
        "durations_minutes",
        "attendee_change_cutoff_minutes",
        "pending_hours",
        "requires_confirmation",
        "questions",
    ):
        op.drop_column("meeting_types", column)
