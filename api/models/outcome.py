"""Outcomes: where a mentee stands at the programme's milestones, for evaluation."""

import uuid
from datetime import date

import sqlalchemy as sa
from pydantic import Field as PydField
from pydantic import field_validator
from sqlmodel import Field

from api.models.base import OrgRecord
from api.models.common import Input, RecordRead, Text4000
from api.models.enums import Accommodation, Employment, Milestone


class Outcome(OrgRecord, table=True):
    """A mentee's situation on a date, at one milestone of their time on the programme."""

    __table_args__ = (
        sa.Index("ix_outcome_org_page", "org_id", "created_at", "id"),
        sa.Index("ix_outcome_mentee_milestone", "mentee_id", "milestone"),
        sa.Index("ix_outcome_org_milestone_recorded", "org_id", "milestone", "recorded_on"),
    )

    mentee_id: uuid.UUID = Field(foreign_key="person.id")
    relationship_id: uuid.UUID | None = Field(
        default=None, foreign_key="mentoring_relationship.id", index=True
    )
    milestone: str = Field(max_length=20)
    recorded_on: date
    accommodation: str = Field(default="unknown", max_length=20)
    employment: str = Field(default="unknown", max_length=20)
    drug_alcohol_treatment: bool | None = None
    gp_registered: bool | None = None
    bank_account: bool | None = None
    id_documents: bool | None = None
    benefits_in_payment: bool | None = None
    reoffended_known: bool | None = None
    recalled: bool | None = None
    note: str | None = Field(default=None, max_length=4000)
    recorded_by: str = Field(max_length=80)


# --- API models -----------------------------------------------------------------------------

Known = bool | None


class _OutcomeFacts(Input):
    accommodation: Accommodation = Accommodation.unknown
    employment: Employment = PydField(
        Employment.unknown, description="Employment, training or education."
    )
    drug_alcohol_treatment: Known = PydField(
        None, description="Engaged with drug or alcohol treatment (null: not known)."
    )
    gp_registered: Known = None
    bank_account: Known = None
    id_documents: Known = PydField(None, description="Holds identity documents.")
    benefits_in_payment: Known = None
    reoffended_known: Known = PydField(
        None, description="The programme knows of further offending since the last milestone."
    )
    recalled: Known = PydField(None, description="Recalled to custody, as known to the programme.")
    note: Text4000 | None = None


def _not_in_future(value: date | None) -> date | None:
    if value is not None and value > date.today():
        raise ValueError("recorded_on cannot be in the future")
    return value


class OutcomeCreate(_OutcomeFacts):
    mentee_id: uuid.UUID
    milestone: Milestone
    recorded_on: date | None = PydField(None, description="Defaults to today.")
    relationship_id: uuid.UUID | None = PydField(
        None,
        description="The relationship it belongs to; an `end` record defaults to the "
        "mentee's most recently ended one.",
    )

    _recorded = field_validator("recorded_on")(_not_in_future)


class OutcomeUpdate(Input):
    recorded_on: date | None = None
    accommodation: Accommodation | None = None
    employment: Employment | None = None
    drug_alcohol_treatment: Known = None
    gp_registered: Known = None
    bank_account: Known = None
    id_documents: Known = None
    benefits_in_payment: Known = None
    reoffended_known: Known = None
    recalled: Known = None
    note: Text4000 | None = None

    _recorded = field_validator("recorded_on")(_not_in_future)

    not_null = frozenset({"recorded_on", "accommodation", "employment"})


class OutcomeRead(RecordRead):
    mentee_id: uuid.UUID
    relationship_id: uuid.UUID | None
    milestone: Milestone
    recorded_on: date
    accommodation: Accommodation
    employment: Employment
    drug_alcohol_treatment: bool | None
    gp_registered: bool | None
    bank_account: bool | None
    id_documents: bool | None
    benefits_in_payment: bool | None
    reoffended_known: bool | None
    recalled: bool | None
    note: str | None
    recorded_by: str
