"""custody events reported for a mentee (release, recall, transfer, end of sentence)

Revision ID: i9c_custody_events
Revises: i10_events
Create Date: 2026-11-25 16:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from api.models.base import UTCDateTime

revision: str = "i9c_custody_events"
down_revision: str | None = "i10_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "custody_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("establishment", sa.String(length=200), nullable=True),
        sa.Column("by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_custody_event_org_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_custody_event_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_event")),
    )
    with op.batch_alter_table("custody_event") as batch:
        batch.create_index("ix_custody_event_org_id", ["org_id"])
        batch.create_index("ix_custody_event_person_id", ["person_id"])


def downgrade() -> None:
    op.drop_table("custody_event")
