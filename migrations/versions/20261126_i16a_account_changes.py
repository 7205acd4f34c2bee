"""PostgreSQL tells each worker when a login's or client's standing changes (api/auth/standing.py)

Revision ID: i16a_account_changes
Revises: i17h_clearance_key
Create Date: 2026-11-26 17:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "i16a_account_changes"
down_revision: str | None = "i17h_clearance_key"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What authentication reads of each (api/auth/standing.py: Standing).
WATCHED = {
    "user_account": "is_active, role, token_generation, org_id, person_id",
    "api_client": "is_active, role, token_generation, org_id",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite workers read the row each time, so need no notice
    op.execute(
        """
        CREATE FUNCTION throughgate_account_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('throughgate_accounts', TG_TABLE_NAME);
            RETURN NULL;
        END $$
        """
    )
    for table, columns in WATCHED.items():
        op.execute(
            f"CREATE TRIGGER {table}_changed AFTER UPDATE OF {columns} OR DELETE OR TRUNCATE"
            f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION throughgate_account_changed()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in WATCHED:
        op.execute(f"DROP TRIGGER {table}_changed ON {table}")
    op.execute("DROP FUNCTION throughgate_account_changed()")
