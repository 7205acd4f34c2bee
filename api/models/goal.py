"""Goals set with (and by) the mentee, their small steps and dated reviews."""

import uuid
from datetime import date, datetime
from typing import Annotated

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic import Field as PydField
from sqlmodel import Field

from api.models.base import OrgRecord, UTCDateTime, utcnow
from api.models.common import Input, NoNul, RecordRead, Text4000
from api.models.enums import GoalSetBy, GoalStatus, Pathway, StepStatus


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


# --- API models -----------------------------------------------------------------------------

Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul
]


class GoalCreate(Input):
    mentee_id: uuid.UUID
    relationship_id: uuid.UUID | None = None
    pathway: Pathway
    title: Title
    description: Text4000 | None = None
    target_date: date | None = None
    review_date: date | None = PydField(None, description="When progress is next reviewed.")


class GoalUpdate(Input):
    relationship_id: uuid.UUID | None = None
    pathway: Pathway | None = None
    title: Title | None = None
    description: Text4000 | None = None
    target_date: date | None = None
    review_date: date | None = None
    status: GoalStatus | None = PydField(
        None, description="Moves follow the goal state machine; `active` needs agreement."
    )
    agreed_by_mentee: bool | None = PydField(
        None, description="`true` records that the mentee agrees to a goal set with them."
    )

    not_null = frozenset({"pathway", "title", "status", "agreed_by_mentee"})


class GoalStatusChangeRead(BaseModel):
    from_: GoalStatus | None = PydField(alias="from", serialization_alias="from")
    to: GoalStatus
    at: datetime
    by: str
    note: str | None

    model_config = ConfigDict(populate_by_name=True)


class StepProgress(BaseModel):
    done: int
    total: int


class GoalRead(RecordRead):
    mentee_id: uuid.UUID
    relationship_id: uuid.UUID | None
    pathway: Pathway
    title: str
    description: str | None
    set_by: GoalSetBy
    agreed_by_mentee: bool
    agreed_at: datetime | None
    agreed_by: str | None
    status: GoalStatus
    target_date: date | None
    review_date: date | None
    step_progress: StepProgress = PydField(description="The action plan's steps done, of all.")
    history: list[GoalStatusChangeRead]


class StepCreate(Input):
    title: Title
    due_date: date | None = None


class StepUpdate(Input):
    title: Title | None = None
    due_date: date | None = None
    status: StepStatus | None = None
    done_on: date | None = PydField(None, description="Defaults to today when marked done.")

    not_null = frozenset({"title", "status"})


class StepOrder(Input):
    step_ids: list[uuid.UUID] = PydField(description="Every step of the goal, in the new order.")


class StepRead(RecordRead):
    goal_id: uuid.UUID
    position: int
    title: str
    due_date: date | None
    status: StepStatus
    done_on: date | None


class ReviewCreate(Input):
    reviewed_on: date | None = PydField(None, description="Defaults to today.")
    note: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), NoNul
    ]
    progress: int = PydField(ge=0, le=10, description="0 (none yet) to 10 (there).")
    lapse: bool = PydField(False, description="A slip back; never changes the goal's status.")


class ReviewRead(RecordRead):
    goal_id: uuid.UUID
    reviewed_on: date
    note: str
    progress: int
    lapse: bool
    by: str
