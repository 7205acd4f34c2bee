"""mentee profiles: the sensitive facts a referring probation service holds (MAPPA level,
licence end date, probation practitioner)

Revision ID: i9b_referral_facts
Revises: i9a_referral_boundary
Create Date: 2026-11-25 15:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "i9b_referral_facts"
down_revision: str | None = "i9a_referral_boundary"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mentee_profile") as batch:
        batch.add_column(sa.Column("mappa_level", sa.String(length=1), nullable=True))
        batch.add_column(sa.Column("licence_end_date", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column(
                "probation_practitioner",
                sa.JSON().with_variant(JSONB(), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("mentee_profile") as batch:
        batch.drop_column("probation_practitioner")
        batch.drop_column("licence_end_date")
        batch.drop_column("mappa_level")
