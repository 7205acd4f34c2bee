"""concerns, supervision, training and group sessions

Revision ID: i12_mentor_support
Revises: i11b_alert_rule_indexes
Create Date: 2026-11-25 18:05:09.487136
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

from api.models.base import UTCDateTime

revision: str = "i12_mentor_support"
down_revision: str | None = "i11b_alert_rule_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("scheduled_start", UTCDateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("setting", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column(
            "topics", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_group_session_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_session")),
    )
    with op.batch_alter_table("group_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_session_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "ix_group_session_org_page", ["org_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "group_facilitator",
        sa.Column("group_session_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_session_id"],
            ["group_session.id"],
            name=op.f("fk_group_facilitator_group_session_id_group_session"),
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["person.id"], name=op.f("fk_group_facilitator_mentor_id_person")
        ),
        sa.PrimaryKeyConstraint("group_session_id", "mentor_id", name=op.f("pk_group_facilitator")),
    )
    with op.batch_alter_table("group_facilitator", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_facilitator_mentor_id"), ["mentor_id"], unique=False
        )

    op.create_table(
        "supervision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("supervisor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column("wellbeing", sa.Integer(), nullable=True),
        sa.Column("retraumatisation", sa.Boolean(), nullable=False),
        sa.Column("burnout", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["person.id"], name=op.f("fk_supervision_mentor_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_supervision_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision")),
    )
    with op.batch_alter_table("supervision", schema=None) as batch_op:
        batch_op.create_index("ix_supervision_mentor_held", ["mentor_id", "held_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_supervision_org_id"), ["org_id"], unique=False)

    op.create_table(
        "training",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_id", sa.Uuid(), nullable=False),
        sa.Column("course", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["person.id"], name=op.f("fk_training_mentor_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_training_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training")),
    )
    with op.batch_alter_table("training", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_mentor_completed", ["mentor_id", "completed_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_training_org_id"), ["org_id"], unique=False)

    op.create_table(
        "concern",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("relationship_id", sa.Uuid(), nullable=True),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("urgency", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("escalated_to", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("escalated_on", sa.Date(), nullable=True),
        sa.Column(
            "escalation_reference", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
        ),
        sa.Column("raised_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("raised_by_person_id", sa.Uuid(), nullable=True),
        sa.Column(
            "history", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_concern_org_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_concern_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["relationship_id"],
            ["mentoring_relationship.id"],
            name=op.f("fk_concern_relationship_id_mentoring_relationship"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concern")),
    )
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_concern_org_id"), ["org_id"], unique=False)
        batch_op.create_index("ix_concern_org_page", ["org_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_concern_org_status", ["org_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_concern_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_concern_raised_by_person_id"), ["raised_by_person_id"], unique=False
        )

    with op.batch_alter_table("mentoring_session", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "private_notes_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True
            )
        )
        batch_op.add_column(sa.Column("group_session_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_mentoring_session_group_session_id"), ["group_session_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_mentoring_session_group_session_id_group_session"),
            "group_session",
            ["group_session_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("mentoring_session", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_mentoring_session_group_session_id_group_session"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_mentoring_session_group_session_id"))
        batch_op.drop_column("group_session_id")
        batch_op.drop_column("private_notes_by")

    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_concern_raised_by_person_id"))
        batch_op.drop_index(batch_op.f("ix_concern_person_id"))
        batch_op.drop_index("ix_concern_org_status")
        batch_op.drop_index("ix_concern_org_page")
        batch_op.drop_index(batch_op.f("ix_concern_org_id"))

    op.drop_table("concern")
    with op.batch_alter_table("training", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_org_id"))
        batch_op.drop_index("ix_training_mentor_completed")

    op.drop_table("training")
    with op.batch_alter_table("supervision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supervision_org_id"))
        batch_op.drop_index("ix_supervision_mentor_held")

    op.drop_table("supervision")
    with op.batch_alter_table("group_facilitator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_facilitator_mentor_id"))

    op.drop_table("group_facilitator")
    with op.batch_alter_table("group_session", schema=None) as batch_op:
        batch_op.drop_index("ix_group_session_org_page")
        batch_op.drop_index(batch_op.f("ix_group_session_org_id"))

    op.drop_table("group_session")
