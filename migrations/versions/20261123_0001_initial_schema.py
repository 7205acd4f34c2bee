"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 01:23:17.995040
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

from api.models.base import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("caller", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("request_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column(
            "response_headers",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_record")),
        sa.UniqueConstraint("caller", "key", name=op.f("uq_idempotency_record_caller_key")),
    )
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_record_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "organisation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "settings", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("name", name=op.f("uq_organisation_name")),
    )
    op.create_table(
        "api_client",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("secret_hash", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_api_client_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_client")),
        sa.UniqueConstraint("client_id", name=op.f("uq_api_client_client_id")),
    )
    with op.batch_alter_table("api_client", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_client_org_id"), ["org_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("actor_role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("client", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("entity_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=True),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("request_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column(
            "details", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_audit_event_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "ix_audit_event_org_page", ["org_id", "created_at", "id"], unique=False
        )
        batch_op.create_index("ix_audit_event_person", ["person_id", "at"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("given_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("family_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("preferred_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("pronouns", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("gender", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column(
            "languages", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_person_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "ix_person_org_kind_region", ["org_id", "kind", "region"], unique=False
        )
        batch_op.create_index("ix_person_org_page", ["org_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_person_org_updated", ["org_id", "updated_at"], unique=False)

    op.create_table(
        "service",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("area", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("opening_times", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("eligibility", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("accepts_referrals", sa.Boolean(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_service_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service")),
    )
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_org_category_area", ["org_id", "category", "area"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_service_org_id"), ["org_id"], unique=False)
        batch_op.create_index("ix_service_org_page", ["org_id", "created_at", "id"], unique=False)

    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column(
            "events", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("secret", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_webhook_subscription_org_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscription")),
    )
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_subscription_org_id"), ["org_id"], unique=False
        )

    op.create_table(
        "assessment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column(
            "scores", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentee_id"], ["person.id"], name=op.f("fk_assessment_mentee_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_assessment_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_mentee_id"), ["mentee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessment_org_id"), ["org_id"], unique=False)

    op.create_table(
        "mentee_profile",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("custody_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("establishment", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("release_date", sa.Date(), nullable=True),
        sa.Column("probation_region", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column(
            "needs", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "preferred_mentor_gender", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True
        ),
        sa.Column("peer_mentor_preferred", sa.Boolean(), nullable=False),
        sa.Column("external_ref", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("risk_level", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("offence_summary", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_mentee_profile_org_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_mentee_profile_person_id_person")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_mentee_profile")),
        sa.UniqueConstraint(
            "org_id", "external_ref", name=op.f("uq_mentee_profile_org_id_external_ref")
        ),
    )
    with op.batch_alter_table("mentee_profile", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mentee_profile_release_date"), ["release_date"], unique=False
        )

    op.create_table(
        "mentor_profile",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column(
            "skills", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("max_caseload", sa.Integer(), nullable=False),
        sa.Column("training_completed_on", sa.Date(), nullable=True),
        sa.Column("vetting_status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("vetting_expires_on", sa.Date(), nullable=True),
        sa.Column("last_supervision_on", sa.Date(), nullable=True),
        sa.Column("availability", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("lived_experience", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_mentor_profile_person_id_person")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_mentor_profile")),
    )
    with op.batch_alter_table("mentor_profile", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mentor_profile_vetting_status"), ["vetting_status"], unique=False
        )

    op.create_table(
        "mentoring_relationship",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_id", sa.Uuid(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("phase", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("expectations", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("ending_reason", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column("ending_summary", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["mentee_id"], ["person.id"], name=op.f("fk_mentoring_relationship_mentee_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["person.id"], name=op.f("fk_mentoring_relationship_mentor_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_mentoring_relationship_org_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_relationship")),
    )
    with op.batch_alter_table("mentoring_relationship", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mentoring_relationship_mentor_status", ["mentor_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mentoring_relationship_org_id"), ["org_id"], unique=False
        )
        batch_op.create_index(
            "ix_mentoring_relationship_org_page", ["org_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_mentoring_relationship_org_status", ["org_id", "status"], unique=False
        )
        batch_op.create_index(
            "uq_mentoring_relationship_open_mentee",
            ["mentee_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('proposed', 'active', 'paused')"),
            postgresql_where=sa.text("status IN ('proposed', 'active', 'paused')"),
        )

    op.create_table(
        "user_account",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("last_login_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_user_account_org_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_user_account_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_account_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_account_person_id"), ["person_id"], unique=False)

    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_webhook_delivery_org_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscription.id"],
            name=op.f("fk_webhook_delivery_subscription_id_webhook_subscription"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
    )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_delivery_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_webhook_delivery_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_webhook_delivery_subscription_id"), ["subscription_id"], unique=False
        )

    op.create_table(
        "goal",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("relationship_id", sa.Uuid(), nullable=True),
        sa.Column("pathway", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column("set_by", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("agreed_by_mentee", sa.Boolean(), nullable=False),
        sa.Column("agreed_at", UTCDateTime(), nullable=True),
        sa.Column("agreed_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["mentee_id"], ["person.id"], name=op.f("fk_goal_mentee_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_goal_org_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["relationship_id"],
            ["mentoring_relationship.id"],
            name=op.f("fk_goal_relationship_id_mentoring_relationship"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal")),
    )
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goal_mentee_id"), ["mentee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_goal_org_id"), ["org_id"], unique=False)
        batch_op.create_index("ix_goal_org_page", ["org_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_goal_org_review", ["org_id", "review_date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_goal_relationship_id"), ["relationship_id"], unique=False
        )

    op.create_table(
        "mentoring_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("relationship_id", sa.Uuid(), nullable=False),
        sa.Column("scheduled_start", UTCDateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("format", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("setting", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("status_reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column(
            "topics", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=True),
        sa.Column("private_notes", sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=True),
        sa.Column("wellbeing", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_mentoring_session_org_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["relationship_id"],
            ["mentoring_relationship.id"],
            name=op.f("fk_mentoring_session_relationship_id_mentoring_relationship"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_session")),
    )
    with op.batch_alter_table("mentoring_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentoring_session_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "ix_mentoring_session_org_page", ["org_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_mentoring_session_relationship_start",
            ["relationship_id", "scheduled_start"],
            unique=False,
        )

    op.create_table(
        "referral",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("direction", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column("mentee_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("external_ref", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("referred_by_client_id", sa.Uuid(), nullable=True),
        sa.Column("referred_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["mentee_id"], ["person.id"], name=op.f("fk_referral_mentee_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_referral_org_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["referred_by_client_id"],
            ["api_client.id"],
            name=op.f("fk_referral_referred_by_client_id_api_client"),
        ),
        sa.ForeignKeyConstraint(
            ["referred_by_user_id"],
            ["user_account.id"],
            name=op.f("fk_referral_referred_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_referral_service_id_service")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_mentee_id"), ["mentee_id"], unique=False)
        batch_op.create_index(
            "ix_referral_org_direction_status", ["org_id", "direction", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_referral_org_id"), ["org_id"], unique=False)
        batch_op.create_index("ix_referral_org_page", ["org_id", "created_at", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_referral_referred_by_client_id"), ["referred_by_client_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_referral_service_id"), ["service_id"], unique=False)

    op.create_table(
        "refresh_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_refresh_token_org_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_refresh_token_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_token_token_hash")),
    )
    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refresh_token_family_id"), ["family_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_refresh_token_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_refresh_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "relationship_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("relationship_id", sa.Uuid(), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("from_value", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("to_value", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_relationship_event_org_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["relationship_id"],
            ["mentoring_relationship.id"],
            name=op.f("fk_relationship_event_relationship_id_mentoring_relationship"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relationship_event")),
    )
    with op.batch_alter_table("relationship_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_relationship_event_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_relationship_event_relationship_id"), ["relationship_id"], unique=False
        )

    op.create_table(
        "goal_review",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("goal_id", sa.Uuid(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("lapse", sa.Boolean(), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.ForeignKeyConstraint(["goal_id"], ["goal.id"], name=op.f("fk_goal_review_goal_id_goal")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_goal_review_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_review")),
    )
    with op.batch_alter_table("goal_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goal_review_goal_id"), ["goal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_goal_review_org_id"), ["org_id"], unique=False)

    op.create_table(
        "goal_status_change",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("goal_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goal.id"], name=op.f("fk_goal_status_change_goal_id_goal")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_goal_status_change_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_status_change")),
    )
    with op.batch_alter_table("goal_status_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_goal_status_change_goal_id"), ["goal_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_goal_status_change_org_id"), ["org_id"], unique=False)

    op.create_table(
        "goal_step",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("goal_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["goal_id"], ["goal.id"], name=op.f("fk_goal_step_goal_id_goal")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_goal_step_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_step")),
    )
    with op.batch_alter_table("goal_step", schema=None) as batch_op:
        batch_op.create_index("ix_goal_step_goal_position", ["goal_id", "position"], unique=False)
        batch_op.create_index(batch_op.f("ix_goal_step_org_id"), ["org_id"], unique=False)

    op.create_table(
        "referral_status_change",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_referral_status_change_org_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_referral_status_change_referral_id_referral"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_status_change")),
    )
    with op.batch_alter_table("referral_status_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_status_change_org_id"), ["org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_referral_status_change_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "session_goal",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("goal_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goal.id"], name=op.f("fk_session_goal_goal_id_goal")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["mentoring_session.id"],
            name=op.f("fk_session_goal_session_id_mentoring_session"),
        ),
        sa.PrimaryKeyConstraint("session_id", "goal_id", name=op.f("pk_session_goal")),
    )
    with op.batch_alter_table("session_goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_goal_goal_id"), ["goal_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("session_goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_goal_goal_id"))

    op.drop_table("session_goal")
    with op.batch_alter_table("referral_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_status_change_referral_id"))
        batch_op.drop_index(batch_op.f("ix_referral_status_change_org_id"))

    op.drop_table("referral_status_change")
    with op.batch_alter_table("goal_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_step_org_id"))
        batch_op.drop_index("ix_goal_step_goal_position")

    op.drop_table("goal_step")
    with op.batch_alter_table("goal_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_status_change_org_id"))
        batch_op.drop_index(batch_op.f("ix_goal_status_change_goal_id"))

    op.drop_table("goal_status_change")
    with op.batch_alter_table("goal_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_review_org_id"))
        batch_op.drop_index(batch_op.f("ix_goal_review_goal_id"))

    op.drop_table("goal_review")
    with op.batch_alter_table("relationship_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relationship_event_relationship_id"))
        batch_op.drop_index(batch_op.f("ix_relationship_event_org_id"))

    op.drop_table("relationship_event")
    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refresh_token_user_id"))
        batch_op.drop_index(batch_op.f("ix_refresh_token_org_id"))
        batch_op.drop_index(batch_op.f("ix_refresh_token_family_id"))

    op.drop_table("refresh_token")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_service_id"))
        batch_op.drop_index(batch_op.f("ix_referral_referred_by_client_id"))
        batch_op.drop_index("ix_referral_org_page")
        batch_op.drop_index(batch_op.f("ix_referral_org_id"))
        batch_op.drop_index("ix_referral_org_direction_status")
        batch_op.drop_index(batch_op.f("ix_referral_mentee_id"))

    op.drop_table("referral")
    with op.batch_alter_table("mentoring_session", schema=None) as batch_op:
        batch_op.drop_index("ix_mentoring_session_relationship_start")
        batch_op.drop_index("ix_mentoring_session_org_page")
        batch_op.drop_index(batch_op.f("ix_mentoring_session_org_id"))

    op.drop_table("mentoring_session")
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_relationship_id"))
        batch_op.drop_index("ix_goal_org_review")
        batch_op.drop_index("ix_goal_org_page")
        batch_op.drop_index(batch_op.f("ix_goal_org_id"))
        batch_op.drop_index(batch_op.f("ix_goal_mentee_id"))

    op.drop_table("goal")
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_delivery_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_webhook_delivery_org_id"))
        batch_op.drop_index("ix_webhook_delivery_due")

    op.drop_table("webhook_delivery")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_account_person_id"))
        batch_op.drop_index(batch_op.f("ix_user_account_org_id"))

    op.drop_table("user_account")
    with op.batch_alter_table("mentoring_relationship", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_mentoring_relationship_open_mentee",
            sqlite_where=sa.text("status IN ('proposed', 'active', 'paused')"),
            postgresql_where=sa.text("status IN ('proposed', 'active', 'paused')"),
        )
        batch_op.drop_index("ix_mentoring_relationship_org_status")
        batch_op.drop_index("ix_mentoring_relationship_org_page")
        batch_op.drop_index(batch_op.f("ix_mentoring_relationship_org_id"))
        batch_op.drop_index("ix_mentoring_relationship_mentor_status")

    op.drop_table("mentoring_relationship")
    with op.batch_alter_table("mentor_profile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentor_profile_vetting_status"))

    op.drop_table("mentor_profile")
    with op.batch_alter_table("mentee_profile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentee_profile_release_date"))

    op.drop_table("mentee_profile")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_org_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_mentee_id"))

    op.drop_table("assessment")
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_subscription_org_id"))

    op.drop_table("webhook_subscription")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_index("ix_service_org_page")
        batch_op.drop_index(batch_op.f("ix_service_org_id"))
        batch_op.drop_index("ix_service_org_category_area")

    op.drop_table("service")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_org_updated")
        batch_op.drop_index("ix_person_org_page")
        batch_op.drop_index("ix_person_org_kind_region")
        batch_op.drop_index(batch_op.f("ix_person_org_id"))

    op.drop_table("person")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_person")
        batch_op.drop_index("ix_audit_event_org_page")
        batch_op.drop_index(batch_op.f("ix_audit_event_org_id"))

    op.drop_table("audit_event")
    with op.batch_alter_table("api_client", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_client_org_id"))

    op.drop_table("api_client")
    op.drop_table("organisation")
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_record_expires_at"))

    op.drop_table("idempotency_record")
