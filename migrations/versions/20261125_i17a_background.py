"""a person's ethnicity, religion and cultural background; a mentee's wish to share them

Revision ID: i17a_background
Revises: i14b_logins
Create Date: 2026-11-25 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "i17a_background"
down_revision: str | None = "i14b_logins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("ethnicity", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("religion", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("cultural_background", sa.String(length=200), nullable=True))
    with op.batch_alter_table("mentee_profile") as batch:
        batch.add_column(
            sa.Column(
                "shared_background",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=False,
                server_default="[]",
            )
        )
        batch.add_column(
            sa.Column(
                "shared_background_required",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("mentee_profile") as batch:
        batch.drop_column("shared_background_required")
        batch.drop_column("shared_background")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("cultural_background")
        batch.drop_column("religion")
        batch.drop_column("ethnicity")
