"""how it looks (SPEC §12): a page's brand colour, banner and photo

Revision ID: d8f3b1c6e2a7
Revises: c7e2a9d4f1b6
Create Date: 2026-12-03 11:05:00

"""

import sqlalchemy as sa
from alembic import op

from bwm.models.rows import UTCDateTime

# revision identifiers, used by Alembic.
revision = "d8f3b1c6e2a7"
down_revision = "c7e2a9d4f1b6"
branch_labels = None
depends_on = None


# Plain ADD COLUMN (no batch): nothing on SQLite is rebuilt.
def upgrade():
    op.add_column("booking_pages", sa.Column("brand_color", sa.String(length=7), nullable=True))
    op.add_column("booking_pages", sa.Column("banner", sa.String(length=32), nullable=True))
    op.create_table(
        "page_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("mimetype", sa.String(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["booking_pages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("page_id", "kind"),
    )


def downgrade():
    op.drop_table("page_images")
    op.drop_column("booking_pages", "banner")
    op.drop_column("booking_pages", "brand_color")
