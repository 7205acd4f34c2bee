"""non-associations and check-ins

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 01:44:36.363890
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from api.models.base import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "non_association",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("other_person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentee_id"], ["person.id"], name=op.f("fk_non_association_mentee_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_non_association_org_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["other_person_id"],
            ["person.id"],
            name=op.f("fk_non_association_other_person_id_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_non_association")),
        sa.UniqueConstraint(
            "mentee_id",
            "other_person_id",
            name=op.f("uq_non_association_mentee_id_other_person_id"),
        ),
    )
    with op.batch_alter_table("non_association", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_non_association_mentee_id"), ["mentee_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_non_association_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_non_association_other_person_id"), ["other_person_id"], unique=False
        )

    op.create_table(
        "relationship_check_in",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("relationship_id", sa.Uuid(), nullable=False),
        sa.Column("side", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("feeling", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_relationship_check_in_org_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["relationship_id"],
            ["mentoring_relationship.id"],
            name=op.f("fk_relationship_check_in_relationship_id_mentoring_relationship"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["mentoring_session.id"],
            name=op.f("fk_relationship_check_in_session_id_mentoring_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relationship_check_in")),
    )
    with op.batch_alter_table("relationship_check_in", schema=None) as batch_op:
        batch_op.create_index(
            "ix_relationship_check_in_latest", ["relationship_id", "side", "at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_relationship_check_in_org_id"), ["org_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("relationship_check_in", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relationship_check_in_org_id"))
        batch_op.drop_index("ix_relationship_check_in_latest")

    op.drop_table("relationship_check_in")
    with op.batch_alter_table("non_association", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_non_association_other_person_id"))
        batch_op.drop_index(batch_op.f("ix_non_association_org_id"))
        batch_op.drop_index(batch_op.f("ix_non_association_mentee_id"))

    op.drop_table("non_association")
