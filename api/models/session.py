"""Mentoring sessions (the table is not called `session`: that word means the database's)."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from api.models.base import OrgRecord, UTCDateTime, json_column


class MentoringSession(OrgRecord, table=True):
    __tablename__ = "mentoring_session"
    __table_args__ = (
        sa.Index("ix_mentoring_session_org_page", "org_id", "created_at", "id"),
        sa.Index("ix_mentoring_session_relationship_start", "relationship_id", "scheduled_start"),
    )

    relationship_id: uuid.UUID = Field(foreign_key="mentoring_relationship.id")
    scheduled_start: datetime = Field(sa_type=UTCDateTime)
    duration_minutes: int | None = None
    format: str = Field(default="one_to_one", max_length=20)
    setting: str = Field(max_length=20)
    status: str = Field(default="scheduled", max_length=20)
    status_reason: str | None = Field(default=None, max_length=1000)
    topics: list[str] = Field(default_factory=list, sa_column=json_column())
    notes: str | None = Field(default=None, max_length=8000)
    private_notes: str | None = Field(default=None, max_length=8000)
    wellbeing: int | None = None


class SessionGoal(SQLModel, table=True):
    """The goals discussed in a session."""

    __tablename__ = "session_goal"

    session_id: uuid.UUID = Field(foreign_key="mentoring_session.id", primary_key=True)
    goal_id: uuid.UUID = Field(foreign_key="goal.id", primary_key=True, index=True)
