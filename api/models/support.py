"""Mentors' support and safeguarding: concerns, supervision, training and clearance records."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, StringConstraints, model_validator
from pydantic import Field as PydField
from sqlmodel import Field

from api.models.base import OrgRecord, empty_list, json_column
from api.models.common import (
    SINCE_1900,
    EarliestDate,
    Input,
    NoNul,
    RecordRead,
    Text200,
    Text500,
    Text4000,
)


class ConcernCategory(StrEnum):
    safeguarding_adult = "safeguarding_adult"
    safeguarding_child = "safeguarding_child"
    risk_to_others = "risk_to_others"
    self_harm = "self_harm"
    substance_use = "substance_use"
    wellbeing = "wellbeing"
    other = "other"


class ConcernUrgency(StrEnum):
    routine = "routine"
    soon = "soon"
    urgent = "urgent"


class ConcernStatus(StrEnum):
    open = "open"
    in_review = "in_review"
    closed = "closed"


class ConcernMove(StrEnum):
    review = "review"
    close = "close"


class SupervisionKind(StrEnum):
    one_to_one = "one_to_one"
    group = "group"
    therapeutic = "therapeutic"


class Concern(OrgRecord, table=True):
    """A safeguarding or wellbeing concern about a person, raised by a mentor or staff."""

    __table_args__ = (
        sa.Index("ix_concern_org_page", "org_id", "created_at", "id"),
        sa.Index("ix_concern_org_status", "org_id", "status"),
    )

    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    relationship_id: uuid.UUID | None = Field(default=None, foreign_key="mentoring_relationship.id")
    category: str = Field(max_length=30)
    urgency: str = Field(max_length=10)
    description: str = Field(max_length=4000)
    status: str = Field(default="open", max_length=10)
    outcome: str | None = Field(default=None, max_length=500)
    escalated_to: str | None = Field(default=None, max_length=200)
    escalated_on: date | None = None
    escalation_reference: str | None = Field(default=None, max_length=200)
    raised_by: str = Field(max_length=80)
    raised_by_person_id: uuid.UUID | None = Field(default=None, index=True)
    history: list[dict[str, Any]] = Field(default_factory=empty_list, sa_column=json_column())


class Supervision(OrgRecord, table=True):
    """A supervision session a mentor had: the record behind `last_supervision_on`."""

    __table_args__ = (sa.Index("ix_supervision_mentor_held", "mentor_id", "held_on"),)

    mentor_id: uuid.UUID = Field(foreign_key="person.id")
    held_on: date
    kind: str = Field(max_length=20)
    supervisor: str = Field(max_length=200)
    notes: str | None = Field(default=None, max_length=4000)
    wellbeing: int | None = None
    retraumatisation: bool = False
    burnout: bool = False
    recorded_by: str = Field(max_length=80)


class Training(OrgRecord, table=True):
    """A course a mentor completed: the records behind `training_completed_on`."""

    __table_args__ = (sa.Index("ix_training_mentor_completed", "mentor_id", "completed_on"),)

    mentor_id: uuid.UUID = Field(foreign_key="person.id")
    course: str = Field(max_length=200)
    completed_on: date
    expires_on: date | None = None
    recorded_by: str = Field(max_length=80)


def establishment_key(name: str) -> str:
    """How establishments are compared: ignoring case and surrounding spaces."""
    return name.strip().lower()


class EstablishmentClearance(OrgRecord, table=True):
    """A mentor's clearance to visit an establishment (a prison), in force until it expires."""

    __tablename__ = "establishment_clearance"
    __table_args__ = (
        sa.Index("ix_establishment_clearance_mentor_expires", "mentor_id", "expires_on"),
        # matching looks up one establishment's clearances: no scan of the whole table
        sa.Index(
            "ix_establishment_clearance_org_key",
            "org_id",
            "establishment_key",
            "mentor_id",
            "expires_on",
        ),
    )

    mentor_id: uuid.UUID = Field(foreign_key="person.id")
    establishment: str = Field(max_length=200)
    establishment_key: str = Field(max_length=200)  # `establishment_key(establishment)`
    granted_on: date
    granted_by: str = Field(max_length=200)
    expires_on: date
    recorded_by: str = Field(max_length=80)


# --- API models -----------------------------------------------------------------------------

PastDate = Annotated[date, PydField(ge=EarliestDate, json_schema_extra=SINCE_1900)]


class ConcernCreate(Input):
    person_id: uuid.UUID | None = PydField(
        None, description="The person the concern is about (a mentor: one of their mentees)."
    )
    relationship_id: uuid.UUID | None = PydField(
        None, description="Or the relationship; its mentee is then the person concerned."
    )
    category: ConcernCategory
    urgency: ConcernUrgency
    description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), NoNul
    ]
    any_of = ("person_id", "relationship_id")


class ConcernClose(Input):
    outcome: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), NoNul
    ]


class ConcernReview(Input):
    note: Text500 | None = None


class ConcernEscalation(Input):
    agency: Text200 = PydField(description="Who was told: the local authority, the police...")
    escalated_on: PastDate | None = PydField(None, description="Defaults to today.")
    reference: Text200 | None = None


class ConcernChange(BaseModel):
    to: str
    at: datetime
    by: str
    note: str | None = None


class ConcernRead(RecordRead):
    person_id: uuid.UUID
    relationship_id: uuid.UUID | None
    category: ConcernCategory
    urgency: ConcernUrgency
    description: str
    status: ConcernStatus
    raised_by: str
    outcome: str | None = PydField(None, description="Staff only.")
    escalated_to: str | None = PydField(None, description="Staff only.")
    escalated_on: date | None = PydField(None, description="Staff only.")
    escalation_reference: str | None = PydField(None, description="Staff only.")
    history: list[ConcernChange] | None = PydField(None, description="Staff only.")


Wellbeing10 = Annotated[int, PydField(ge=1, le=10, description="1 (struggling) to 10 (thriving).")]


class SupervisionCreate(Input):
    held_on: PastDate
    kind: SupervisionKind
    supervisor: Text200
    notes: Text4000 | None = PydField(None, description="Staff only.")
    wellbeing: Wellbeing10 | None = None
    retraumatisation: bool = PydField(False, description="Signs of re-traumatisation.")
    burnout: bool = PydField(False, description="Signs of burnout.")


class SupervisionRead(RecordRead):
    mentor_id: uuid.UUID
    held_on: date
    kind: SupervisionKind
    supervisor: str
    notes: str | None = PydField(None, description="Staff only.")
    wellbeing: int | None
    retraumatisation: bool
    burnout: bool


class TrainingCreate(Input):
    course: Text200
    completed_on: PastDate
    expires_on: PastDate | None = None

    @model_validator(mode="after")
    def _expires_after(self) -> "TrainingCreate":
        if self.expires_on is not None and self.expires_on < self.completed_on:
            raise ValueError("expires_on cannot be before completed_on")
        return self


class TrainingRead(RecordRead):
    mentor_id: uuid.UUID
    course: str
    completed_on: date
    expires_on: date | None


class ClearanceCreate(Input):
    establishment: Text200 = PydField(
        description="The establishment as a mentee's profile names it, e.g. `HMP Durham` "
        "(compared ignoring case and surrounding spaces)."
    )
    granted_on: PastDate
    granted_by: Text200 = PydField(
        description="Who granted it, e.g. the establishment's security department."
    )
    expires_on: PastDate = PydField(description="The last day it is in force.")

    @model_validator(mode="after")
    def _expires_after(self) -> "ClearanceCreate":
        if self.expires_on < self.granted_on:
            raise ValueError("expires_on cannot be before granted_on")
        return self


class ClearanceRead(RecordRead):
    mentor_id: uuid.UUID
    establishment: str
    granted_on: date
    granted_by: str
    expires_on: date
