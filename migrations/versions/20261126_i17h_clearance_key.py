"""establishment clearances found by a normalised establishment name, through an index

Revision ID: i17h_clearance_key
Revises: i17d_establishment_clearances
Create Date: 2026-11-26 02:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "i17h_clearance_key"
down_revision: str | None = "i17d_establishment_clearances"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("establishment_clearance") as batch:
        batch.add_column(
            sa.Column(
                "establishment_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
            )
        )
    op.execute("UPDATE establishment_clearance SET establishment_key = lower(trim(establishment))")
    with op.batch_alter_table("establishment_clearance") as batch:
        batch.alter_column(
            "establishment_key",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=200),
            nullable=False,
        )
        batch.create_index(
            "ix_establishment_clearance_org_key",
            ["org_id", "establishment_key", "mentor_id", "expires_on"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("establishment_clearance") as batch:
        batch.drop_index("ix_establishment_clearance_org_key")
        batch.drop_column("establishment_key")
