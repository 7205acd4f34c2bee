"""Consents: a person's decisions about optional uses of their data, kept as a history."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import Field as PydField
from pydantic import field_validator
from sqlalchemy.orm import aliased, column_property
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, col

from api.models.base import OrgRecord, UTCDateTime, utcnow
from api.models.common import Input, RecordRead, Text500, Timestamp
from api.models.enums import ConsentEvidence, ConsentPurpose, ConsentStatus
from api.models.person import MentorProfile


class Consent(OrgRecord, table=True):
    """One decision: `purpose` granted or withdrawn at `at`. The latest decision for a
    purpose (by `at`, then by when it was recorded) is the one in force."""

    __tablename__ = "consent"
    __table_args__ = (sa.Index("ix_consent_person_purpose", "person_id", "purpose", "at"),)

    person_id: uuid.UUID = Field(foreign_key="person.id")
    purpose: str = Field(max_length=40)
    status: str = Field(max_length=10)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    evidence: str = Field(max_length=20)
    note: str | None = Field(default=None, max_length=500)
    recorded_by: str = Field(max_length=80)


# The two aliases `consenting` compares, made once (an alias costs more to make than the rest
# of the expression); each use is its own EXISTS, so sharing them cannot mix two uses up.
_DECISION, _LATER = aliased(Consent), aliased(Consent)


def consenting(purpose: ConsentPurpose, person_id: Any) -> ColumnElement[bool]:
    """True for the people (`person_id`, a column) whose decision in force grants `purpose`."""
    decision, later = _DECISION, _LATER
    superseded = sa.exists().where(
        col(later.person_id) == col(decision.person_id),
        col(later.purpose) == purpose,
        sa.or_(
            col(later.at) > col(decision.at),
            sa.and_(col(later.at) == col(decision.at), col(later.created_at) > decision.created_at),
        ),
    )
    return sa.exists().where(
        col(decision.person_id) == person_id,
        col(decision.purpose) == purpose,
        col(decision.status) == ConsentStatus.granted,
        sa.not_(superseded),
    )


# Loaded with every mentor profile, so a mentor's lived experience is shown only with
# their consent to disclose it, whoever reads the profile and however it was found.
MentorProfile.__mapper__.add_property(  # type: ignore[attr-defined]
    "lived_experience_disclosed",
    column_property(
        consenting(ConsentPurpose.lived_experience_disclosure, MentorProfile.person_id)
    ),
)


def lived_experience_disclosed(profile: MentorProfile) -> bool:
    """The loaded answer (never a lazy load: a profile made or changed in this request and
    not read back counts as not disclosed)."""
    return bool(sa.inspect(profile).dict.get("lived_experience_disclosed"))


class ConsentCreate(Input):
    purpose: ConsentPurpose
    status: ConsentStatus
    evidence: ConsentEvidence = PydField(description="How the person's decision is evidenced.")
    at: Timestamp | None = PydField(
        None, description="When the person decided (default: now); never in the future."
    )
    note: Text500 | None = PydField(
        None, description="Where the evidence is kept, e.g. the form's reference."
    )

    @field_validator("at")
    @classmethod
    def _not_in_future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value > utcnow():
            raise ValueError("a decision cannot be recorded before it is made")
        return value


class ConsentRead(RecordRead):
    person_id: uuid.UUID
    purpose: ConsentPurpose
    status: ConsentStatus
    at: datetime
    evidence: ConsentEvidence
    note: str | None
    recorded_by: str
