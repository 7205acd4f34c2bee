"""indexes the alert rules read by (a relationship's sessions by status, a mentee's
relationships by status), and the page of alerts by status

Revision ID: i11b_alert_rule_indexes
Revises: i15_refresh_client
Create Date: 2026-11-25 19:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "i11b_alert_rule_indexes"
down_revision: str | None = "i15_refresh_client"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index(
            "ix_alert_org_status_page", ["org_id", "status", "created_at", "id"], unique=False
        )
    with op.batch_alter_table("mentoring_session", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mentoring_session_relationship_status_start",
            ["relationship_id", "status", "scheduled_start"],
            unique=False,
        )
    with op.batch_alter_table("mentoring_relationship", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mentoring_relationship_mentee_status", ["mentee_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_org_status_page")
    with op.batch_alter_table("mentoring_relationship", schema=None) as batch_op:
        batch_op.drop_index("ix_mentoring_relationship_mentee_status")
    with op.batch_alter_table("mentoring_session", schema=None) as batch_op:
        batch_op.drop_index("ix_mentoring_session_relationship_status_start")
