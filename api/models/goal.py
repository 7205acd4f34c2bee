"""Goals set with (and by) the mentee, their small steps and dated reviews."""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field

from api.models.base import OrgRecord, UTCDateTime, utcnow


class Goal(OrgRecord, table=True):
    __table_args__ = (
        sa.Index("ix_goal_org_page", "org_id", "created_at", "id"),
        sa.Index("ix_goal_org_review", "org_id", "review_date"),
    )

    mentee_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    relationship_id: uuid.UUID | None = Field(
        default=None, foreign_key="mentoring_relationship.id", index=True
    )
    pathway: str = Field(max_length=40)
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    set_by: str = Field(max_length=20)
    agreed_by_mentee: bool = False
    agreed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    agreed_by: str | None = Field(default=None, max_length=80)
    status: str = Field(default="proposed", max_length=20)
    target_date: date | None = None
    review_date: date | None = None


class GoalStep(OrgRecord, table=True):
    __tablename__ = "goal_step"
    __table_args__ = (sa.Index("ix_goal_step_goal_position", "goal_id", "position"),)

    goal_id: uuid.UUID = Field(foreign_key="goal.id")
    position: int
    title: str = Field(max_length=200)
    due_date: date | None = None
    status: str = Field(default="todo", max_length=10)
    done_on: date | None = None


class GoalReview(OrgRecord, table=True):
    __tablename__ = "goal_review"

    goal_id: uuid.UUID = Field(foreign_key="goal.id", index=True)
    reviewed_on: date
    note: str = Field(max_length=4000)
    progress: int
    lapse: bool = False
    by: str = Field(max_length=80)


class GoalStatusChange(OrgRecord, table=True):
    __tablename__ = "goal_status_change"

    goal_id: uuid.UUID = Field(foreign_key="goal.id", index=True)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    by: str = Field(max_length=80)
    note: str | None = Field(default=None, max_length=4000)
