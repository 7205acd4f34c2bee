"""how well a match fitted when it was proposed (for the fairness report)

Revision ID: i17f_match_fit
Revises: i17c_weekly_availability
Create Date: 2026-11-26 01:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i17f_match_fit"
down_revision: str | None = "i17c_weekly_availability"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("match_score", sa.Float()),
    ("mentor_rank", sa.Integer()),
    ("suggestible_mentors", sa.Integer()),
)


def upgrade() -> None:
    with op.batch_alter_table("mentoring_relationship") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mentoring_relationship") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
