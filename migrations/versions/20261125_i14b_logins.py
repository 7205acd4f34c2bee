"""logins under control: token generations, set-password tokens, revoked clients

Revision ID: i14b_logins
Revises: i12_mentor_support
Create Date: 2026-11-25 19:42:26.286314
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from api.models.base import UTCDateTime

revision: str = "i14b_logins"
down_revision: str | None = "i12_mentor_support"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_client", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("token_generation", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("revoked_at", UTCDateTime(), nullable=True))

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("token_generation", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column(
                "setup_token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
            )
        )
        batch_op.add_column(sa.Column("setup_token_expires_at", UTCDateTime(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_user_account_setup_token_hash"), ["setup_token_hash"]
        )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_user_account_setup_token_hash"), type_="unique")
        batch_op.drop_column("setup_token_expires_at")
        batch_op.drop_column("setup_token_hash")
        batch_op.drop_column("token_generation")

    with op.batch_alter_table("api_client", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("token_generation")
