"""weekly availability (day parts) of mentors and mentees

Revision ID: i17c_weekly_availability
Revises: i14r_retention
Create Date: 2026-11-25 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "i17c_weekly_availability"
down_revision: str | None = "i14r_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _column() -> sa.Column[object]:
    return sa.Column(
        "weekly_availability",
        sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
        nullable=False,
        server_default="[]",
    )


def upgrade() -> None:
    for table in ("mentor_profile", "mentee_profile"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(_column())


def downgrade() -> None:
    for table in ("mentee_profile", "mentor_profile"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("weekly_availability")
