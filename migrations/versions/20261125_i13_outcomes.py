"""outcomes and justice identifiers

Revision ID: i13_outcomes
Revises: i9b_referral_facts
Create Date: 2026-11-25 14:59:49.977844
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from api.models.base import UTCDateTime

revision: str = "i13_outcomes"
down_revision: str | None = "i9b_referral_facts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outcome",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("relationship_id", sa.Uuid(), nullable=True),
        sa.Column("milestone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("accommodation", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("employment", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("drug_alcohol_treatment", sa.Boolean(), nullable=True),
        sa.Column("gp_registered", sa.Boolean(), nullable=True),
        sa.Column("bank_account", sa.Boolean(), nullable=True),
        sa.Column("id_documents", sa.Boolean(), nullable=True),
        sa.Column("benefits_in_payment", sa.Boolean(), nullable=True),
        sa.Column("reoffended_known", sa.Boolean(), nullable=True),
        sa.Column("recalled", sa.Boolean(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentee_id"], ["person.id"], name=op.f("fk_outcome_mentee_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_outcome_org_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["relationship_id"],
            ["mentoring_relationship.id"],
            name=op.f("fk_outcome_relationship_id_mentoring_relationship"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome")),
    )
    with op.batch_alter_table("outcome", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outcome_mentee_milestone", ["mentee_id", "milestone"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outcome_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "ix_outcome_org_milestone_recorded",
            ["org_id", "milestone", "recorded_on"],
            unique=False,
        )
        batch_op.create_index("ix_outcome_org_page", ["org_id", "created_at", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outcome_relationship_id"), ["relationship_id"], unique=False
        )

    with op.batch_alter_table("mentee_profile", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pnc_number", sqlmodel.sql.sqltypes.AutoString(length=13), nullable=True)
        )
        batch_op.add_column(
            sa.Column("prison_number", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("mentee_profile", schema=None) as batch_op:
        batch_op.drop_column("prison_number")
        batch_op.drop_column("pnc_number")

    with op.batch_alter_table("outcome", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcome_relationship_id"))
        batch_op.drop_index("ix_outcome_org_page")
        batch_op.drop_index("ix_outcome_org_milestone_recorded")
        batch_op.drop_index(batch_op.f("ix_outcome_org_id"))
        batch_op.drop_index("ix_outcome_mentee_milestone")

    op.drop_table("outcome")
