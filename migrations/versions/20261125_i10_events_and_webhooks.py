"""events outbox; webhook owners, secret rotation, dispatcher leases and delivery log

Revision ID: i10_events
Revises: i13_outcomes
Create Date: 2026-11-25 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

from api.models.base import UTCDateTime

revision: str = "i10_events"
down_revision: str | None = "i13_outcomes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("subject_type", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_event_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
        sa.UniqueConstraint("org_id", "seq", name="uq_event_org_id_seq"),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            "ix_event_unnumbered",
            ["occurred_at"],
            unique=False,
            sqlite_where=sa.text("seq IS NULL"),
            postgresql_where=sa.text("seq IS NULL"),
        )

    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_client_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("owner_user_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "owner_role",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=False,
                server_default="admin",
            )
        )
        batch_op.add_column(
            sa.Column(
                "previous_secret", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
            )
        )
        batch_op.add_column(sa.Column("previous_secret_expires_at", UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("consecutive_failures", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column(
                "disabled_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True
            )
        )
        batch_op.add_column(sa.Column("disabled_at", UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("lease_owner", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
        batch_op.add_column(sa.Column("leased_until", UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_webhook_subscription_owner_client_id_api_client"),
            "api_client",
            ["owner_client_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_webhook_subscription_owner_user_id_user_account"),
            "user_account",
            ["owner_user_id"],
            ["id"],
        )

    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("last_duration_ms", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "response_excerpt", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
            )
        )
        batch_op.create_index(
            "ix_webhook_delivery_queue",
            ["subscription_id", "status", "event_seq"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_delivery_queue")
        batch_op.drop_column("response_excerpt")
        batch_op.drop_column("last_duration_ms")
        batch_op.drop_column("event_seq")
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_webhook_subscription_owner_user_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_webhook_subscription_owner_client_id_api_client"), type_="foreignkey"
        )
        for column in (
            "leased_until",
            "lease_owner",
            "disabled_at",
            "disabled_reason",
            "consecutive_failures",
            "previous_secret_expires_at",
            "previous_secret",
            "owner_role",
            "owner_user_id",
            "owner_client_id",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_unnumbered")
        batch_op.drop_index(batch_op.f("ix_event_person_id"))
        batch_op.drop_index(batch_op.f("ix_event_org_id"))
    op.drop_table("event")
