"""retention and erasure: when a person was erased, and the legal hold that stops it

Revision ID: i14r_retention
Revises: i17b_mentee_agreement
Create Date: 2026-11-25 21:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from api.models.base import UTCDateTime

revision: str = "i14r_retention"
down_revision: str | None = "i17b_mentee_agreement"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "legal_hold_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True
            )
        )
        batch_op.add_column(sa.Column("legal_hold_since", UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("legal_hold_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("legal_hold_by")
        batch_op.drop_column("legal_hold_since")
        batch_op.drop_column("legal_hold_reason")
        batch_op.drop_column("erased_at")
