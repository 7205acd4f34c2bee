"""the mentee's agreement to a proposed match

Revision ID: i17b_mentee_agreement
Revises: i14c_audit_chain
Create Date: 2026-11-25 21:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from api.models.base import UTCDateTime

revision: str = "i17b_mentee_agreement"
down_revision: str | None = "i14c_audit_chain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mentoring_relationship") as batch:
        batch.add_column(sa.Column("mentee_agreed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("mentee_agreed_by", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("mentee_agreement_note", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("mentee_agreed_on_behalf", sa.Boolean(), nullable=True))
    # Relationships already under way began before the mentee had a say: they count as agreed.
    op.execute(
        "UPDATE mentoring_relationship SET mentee_agreed_at = created_at, "
        "mentee_agreed_by = 'migration', mentee_agreed_on_behalf = true "
        "WHERE status <> 'proposed'"
    )


def downgrade() -> None:
    with op.batch_alter_table("mentoring_relationship") as batch:
        batch.drop_column("mentee_agreed_on_behalf")
        batch.drop_column("mentee_agreement_note")
        batch.drop_column("mentee_agreed_by")
        batch.drop_column("mentee_agreed_at")
