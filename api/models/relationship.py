"""Mentoring relationships and their history of status and phase changes."""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from api.models.base import OrgRecord, UTCDateTime, utcnow

_OPEN = sa.text("status IN ('proposed', 'active', 'paused')")


class MentoringRelationship(OrgRecord, table=True):
    __tablename__ = "mentoring_relationship"
    __table_args__ = (
        # A mentee has at most one open relationship: the database holds the line.
        sa.Index(
            "uq_mentoring_relationship_open_mentee",
            "mentee_id",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        sa.Index("ix_mentoring_relationship_org_page", "org_id", "created_at", "id"),
        sa.Index("ix_mentoring_relationship_org_status", "org_id", "status"),
        sa.Index("ix_mentoring_relationship_mentor_status", "mentor_id", "status"),
    )

    mentee_id: uuid.UUID = Field(foreign_key="person.id")
    mentor_id: uuid.UUID = Field(foreign_key="person.id")
    status: str = Field(default="proposed", max_length=10)
    phase: str = Field(default="custody", max_length=20)
    expectations: str | None = Field(default=None, max_length=4000)
    started_on: date | None = None
    ended_on: date | None = None
    ending_reason: str | None = Field(default=None, max_length=30)
    ending_summary: str | None = Field(default=None, max_length=4000)
    review_date: date | None = None


class RelationshipEvent(OrgRecord, table=True):
    """A status or phase change: what moved, who moved it, when and why."""

    __tablename__ = "relationship_event"

    relationship_id: uuid.UUID = Field(foreign_key="mentoring_relationship.id", index=True)
    field: str = Field(max_length=10)  # "status" or "phase"
    from_value: str | None = Field(default=None, max_length=20)
    to_value: str = Field(max_length=20)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    by: str = Field(max_length=80)
    note: str | None = Field(default=None, max_length=4000)
