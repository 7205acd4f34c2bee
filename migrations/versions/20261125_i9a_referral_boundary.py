"""referrals: a pending match for a case reference held by someone else; when a referral
closed and until when its partner still sees the person

Revision ID: i9a_referral_boundary
Revises: 0002
Create Date: 2026-11-25 15:40:00
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from api.models.base import UTCDateTime

revision: str = "i9a_referral_boundary"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLOSED = ("declined", "withdrawn", "completed")


def upgrade() -> None:
    with op.batch_alter_table("referral") as batch:
        batch.add_column(sa.Column("pending_match_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("closed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("visible_until", UTCDateTime(), nullable=True))
        batch.create_foreign_key(
            "fk_referral_pending_match_id_person", "person", ["pending_match_id"], ["id"]
        )
    # Referrals closed before: closed when last changed, seen for the default 90 days after.
    referral = sa.table(
        "referral",
        sa.column("id", sa.Uuid()),
        sa.column("status", sa.String()),
        sa.column("updated_at", UTCDateTime()),
        sa.column("closed_at", UTCDateTime()),
        sa.column("visible_until", UTCDateTime()),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(referral.c.id, referral.c.updated_at).where(referral.c.status.in_(CLOSED))
    ).all()
    for row_id, updated_at in rows:
        connection.execute(
            referral.update()
            .where(referral.c.id == row_id)
            .values(closed_at=updated_at, visible_until=updated_at + timedelta(days=90))
        )


def downgrade() -> None:
    with op.batch_alter_table("referral") as batch:
        batch.drop_constraint("fk_referral_pending_match_id_person", type_="foreignkey")
        batch.drop_column("visible_until")
        batch.drop_column("closed_at")
        batch.drop_column("pending_match_id")
