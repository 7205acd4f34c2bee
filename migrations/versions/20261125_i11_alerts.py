"""alerts, and the marks that tell the worker which rules to evaluate

Revision ID: i11_alerts
Revises: i9c_custody_events
Create Date: 2026-11-25 18:09:41.843557
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

from api.models.base import UTCDateTime

revision: str = "i11_alerts"
down_revision: str | None = "i9c_custody_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNRESOLVED = sa.text("status IN ('open', 'acknowledged')")


def _record() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
    ]


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _json() -> sa.types.TypeEngine:  # type: ignore[type-arg]
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "alert_check",
        *_record(),
        sa.Column("source", _text(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_alert_check_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_check")),
    )
    with op.batch_alter_table("alert_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_check_org_id"), ["org_id"], unique=False)

    op.create_table(
        "alert",
        *_record(),
        sa.Column("rule", _text(40), nullable=False),
        sa.Column("severity", _text(10), nullable=False),
        sa.Column("status", _text(12), nullable=False),
        sa.Column("subject_type", _text(20), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=True),
        sa.Column("mentor_id", sa.Uuid(), nullable=True),
        sa.Column("relationship_id", sa.Uuid(), nullable=True),
        sa.Column("message", _text(1000), nullable=False),
        sa.Column("facts", _json(), nullable=False),
        sa.Column("raised_at", UTCDateTime(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_by", _text(80), nullable=True),
        sa.Column("cleared_at", UTCDateTime(), nullable=True),
        sa.Column("history", _json(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentee_id"], ["person.id"], name=op.f("fk_alert_mentee_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["person.id"], name=op.f("fk_alert_mentor_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_alert_org_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["relationship_id"],
            ["mentoring_relationship.id"],
            name=op.f("fk_alert_relationship_id_mentoring_relationship"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        for column in ("mentee_id", "mentor_id", "org_id", "relationship_id"):
            batch_op.create_index(batch_op.f(f"ix_alert_{column}"), [column], unique=False)
        batch_op.create_index("ix_alert_org_page", ["org_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_alert_org_status", ["org_id", "status"], unique=False)
        batch_op.create_index("ix_alert_rule_subject", ["rule", "subject_id"], unique=False)
        batch_op.create_index(
            "uq_alert_unresolved_subject",
            ["org_id", "rule", "subject_id"],
            unique=True,
            sqlite_where=_UNRESOLVED,
            postgresql_where=_UNRESOLVED,
        )


def downgrade() -> None:
    op.drop_table("alert")  # its indexes go with it
    op.drop_table("alert_check")
