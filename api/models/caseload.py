"""The mentor's caseload: everything their app shows on its first screen, in one answer."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from api.models.alert import AlertRead
from api.models.enums import GoalStatus, Pathway, Phase, RelationshipStatus, SessionSetting


class NextSession(BaseModel):
    id: uuid.UUID
    scheduled_start: datetime
    setting: SessionSetting
    group_session_id: uuid.UUID | None


class OpenGoal(BaseModel):
    id: uuid.UUID
    title: str
    pathway: Pathway
    status: GoalStatus
    target_date: date | None
    review_date: date | None


class CaseloadEntry(BaseModel):
    relationship_id: uuid.UUID
    mentee_id: uuid.UUID
    mentee_name: str
    status: RelationshipStatus
    phase: Phase
    started_on: date | None
    next_session: NextSession | None = Field(description="The next scheduled session, if any.")
    open_goals: list[OpenGoal] = Field(description="Proposed, active and on-hold goals.")
    open_alerts: list[AlertRead] = Field(
        description="Alerts not yet resolved (open or acknowledged) about this mentee or "
        "relationship that the mentor may see."
    )


class Caseload(BaseModel):
    items: list[CaseloadEntry]
