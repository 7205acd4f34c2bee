"""establishment clearances: the prisons a mentor is cleared to visit, until when

Revision ID: i17d_establishment_clearances
Revises: i17g_expectations_compared
Create Date: 2026-11-26 00:41:19
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from api.models.base import UTCDateTime

revision: str = "i17d_establishment_clearances"
down_revision: str | None = "i17g_expectations_compared"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "establishment_clearance",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_id", sa.Uuid(), nullable=False),
        sa.Column("establishment", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("granted_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["person.id"], name=op.f("fk_establishment_clearance_mentor_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_establishment_clearance_org_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_establishment_clearance")),
    )
    with op.batch_alter_table("establishment_clearance", schema=None) as batch_op:
        batch_op.create_index(
            "ix_establishment_clearance_mentor_expires", ["mentor_id", "expires_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_establishment_clearance_org_id"), ["org_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("establishment_clearance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_establishment_clearance_org_id"))
        batch_op.drop_index("ix_establishment_clearance_mentor_expires")

    op.drop_table("establishment_clearance")
