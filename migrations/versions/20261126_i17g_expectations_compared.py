"""expectations: each side's stated profile, and those a relationship's two sides agreed

Revision ID: i17g_expectations_compared
Revises: i17f_match_fit
Create Date: 2026-11-26 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from api.models.base import UTCDateTime

revision: str = "i17g_expectations_compared"
down_revision: str | None = "i17f_match_fit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTS = ("expected_settings", "expected_pathways", "expected_communication")


def _json(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(
        name,
        sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
        nullable=nullable,
        server_default=None if nullable else "[]",
    )


def upgrade() -> None:
    for table in ("mentee_profile", "mentor_profile"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("expected_contact_frequency", sa.String(length=12), nullable=True)
            )
            for name in LISTS:
                batch.add_column(_json(name))
            batch.add_column(sa.Column("expected_length_months", sa.Integer(), nullable=True))
    with op.batch_alter_table("mentoring_relationship") as batch:
        batch.add_column(_json("agreed_expectations", nullable=True))
        batch.add_column(sa.Column("mentor_agreed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("mentor_agreed_by", sa.String(length=80), nullable=True))
    # Relationships already activated had the mentor's agreement when they were.
    op.execute(
        "UPDATE mentoring_relationship SET mentor_agreed_at = created_at, "
        "mentor_agreed_by = 'migration' WHERE status <> 'proposed'"
    )


def downgrade() -> None:
    with op.batch_alter_table("mentoring_relationship") as batch:
        batch.drop_column("mentor_agreed_by")
        batch.drop_column("mentor_agreed_at")
        batch.drop_column("agreed_expectations")
    for table in ("mentor_profile", "mentee_profile"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("expected_length_months")
            for name in reversed(LISTS):
                batch.drop_column(name)
            batch.drop_column("expected_contact_frequency")
