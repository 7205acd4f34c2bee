"""What every table shares: naming convention, UTC timestamps, and the record fields."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every database (SQLite keeps no offset of its own)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC value")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def empty_list() -> list[Any]:
    """The default of a list field of a table. Not `default_factory=list`: a table model's
    constructor asks `inspect.signature` of every default factory it calls, and for a
    built-in type that costs up to a millisecond, on every row a write makes."""
    return []


def empty_dict() -> dict[str, Any]:
    """The default of a dict field of a table (see `empty_list`)."""
    return {}


def json_column(*, nullable: bool = False) -> Any:
    """A JSON column (JSONB on PostgreSQL)."""
    return sa.Column(sa.JSON().with_variant(JSONB(), "postgresql"), nullable=nullable)


def ts_field(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kwargs)


class Record(SQLModel):
    """`id, created_at, updated_at, version` — the fields the contract gives every record."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    created_at: datetime = ts_field(nullable=False)
    updated_at: datetime = ts_field(nullable=False, sa_column_kwargs={"onupdate": utcnow})
    version: int = Field(default=1, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        # Every UPDATE checks and bumps `version`, so concurrent writers cannot both win.
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class OrgOwned:
    """Marks a table whose rows belong to one organisation (an `org_id` column).

    `api/tenancy.py` limits every query on such a table to the session's organisation, so a
    new table is covered by inheriting from this (`OrgRecord` does).
    """


class OrgRecord(Record, OrgOwned):
    """A record owned by one organisation: every query filters on `org_id`."""

    org_id: uuid.UUID = Field(foreign_key="organisation.id", nullable=False, index=True)


def utc_today() -> date:
    return utcnow().date()
