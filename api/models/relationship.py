"""Mentoring relationships and their history of status and phase changes."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic import Field as PydField
from sqlmodel import Field

from api.models.base import OrgRecord, UTCDateTime, json_column, utcnow
from api.models.common import Input, NoNul, RecordRead, Text500, Text4000
from api.models.enums import (
    CheckInFeeling,
    EndingReason,
    NonAssociationKind,
    Phase,
    RelationshipStatus,
    Side,
)
from api.models.expectations import AgreedExpectations, Expectations

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
        sa.Index("ix_mentoring_relationship_mentee_status", "mentee_id", "status"),
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
    # The mentee's say: a proposal is activated only once the mentee agreed to it (themself,
    # or staff on their behalf, with a note of how).
    mentee_agreed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    mentee_agreed_by: str | None = Field(default=None, max_length=80)
    mentee_agreement_note: str | None = Field(default=None, max_length=500)
    mentee_agreed_on_behalf: bool | None = None
    # How well the match fitted when it was proposed, for the fairness report: the mentor's
    # score, their rank among the mentee's suggestions (null when not suggestible) and how
    # many mentors were suggestible. Null for matches proposed before these were kept.
    match_score: float | None = None
    mentor_rank: int | None = None
    suggestible_mentors: int | None = None
    # The structured expectations both sides agreed (`api/models/expectations.py`); the
    # mentee's side is their agreement above, the mentor's side the activation.
    agreed_expectations: dict[str, Any] | None = Field(
        default=None, sa_column=json_column(nullable=True)
    )
    mentor_agreed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    mentor_agreed_by: str | None = Field(default=None, max_length=80)


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


class NonAssociation(OrgRecord, table=True):
    """Someone who must never be matched with a mentee (co-defendant, victim, associate...)."""

    __tablename__ = "non_association"
    __table_args__ = (sa.UniqueConstraint("mentee_id", "other_person_id"),)

    mentee_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    other_person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=30)
    reason: str | None = Field(default=None, max_length=2000)  # sensitive
    by: str = Field(max_length=80)


class RelationshipCheckIn(OrgRecord, table=True):
    """How the relationship feels to one side, recorded after a session."""

    __tablename__ = "relationship_check_in"
    __table_args__ = (sa.Index("ix_relationship_check_in_latest", "relationship_id", "side", "at"),)

    relationship_id: uuid.UUID = Field(foreign_key="mentoring_relationship.id")
    side: str = Field(max_length=10)  # "mentor" or "mentee"
    feeling: str = Field(max_length=20)
    comment: str | None = Field(default=None, max_length=2000)
    session_id: uuid.UUID | None = Field(default=None, foreign_key="mentoring_session.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    by: str = Field(max_length=80)


# --- API models -----------------------------------------------------------------------------


class RelationshipCreate(Input):
    mentee_id: uuid.UUID
    mentor_id: uuid.UUID
    phase: Phase | None = PydField(
        None,
        description="Defaults from the mentee's custody status: in custody → `custody`, "
        "released → `through_the_gate`, community sentence → `community`.",
    )
    expectations: Text4000 | None = PydField(
        None, description="What mentor and mentee agreed to expect of each other at the start."
    )
    agreed_expectations: Expectations | None = PydField(
        None,
        description="The structured expectations the two sides agree. Left out: what the "
        "mentee's and the mentor's stated expectations agree on (null when nothing does).",
    )
    review_date: date | None = None


class RelationshipUpdate(Input):
    phase: Phase | None = PydField(None, description="Moves forward only.")
    expectations: Text4000 | None = None
    agreed_expectations: Expectations | None = PydField(
        None,
        description="Changed only while proposed and before the mentee agreed (409 otherwise).",
    )
    review_date: date | None = None

    not_null = frozenset({"phase"})


class TransitionNote(Input):
    note: Text4000 | None = None


class MenteeAgreementCreate(Input):
    note: Text500 | None = PydField(
        None,
        description="Required when staff record the agreement on the mentee's behalf: how and "
        "when the mentee agreed (e.g. 'Agreed at the visit on 3 March').",
    )


class MenteeDecline(Input):
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), NoNul
    ] = PydField(description="Why the mentee does not want this match.")


class MenteeAgreementRead(BaseModel):
    at: datetime
    by: str = PydField(description="Who recorded it: the mentee themself, or staff.")
    on_behalf: bool = PydField(description="Recorded by staff on the mentee's behalf.")
    note: str | None = PydField(description="Staff and the relationship's mentor only.")


class RelationshipEnd(Input):
    ending_reason: EndingReason
    ending_summary: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), NoNul
    ]


class RelationshipEventRead(BaseModel):
    field: str = PydField(description="`status` or `phase`.")
    from_: str | None = PydField(alias="from", serialization_alias="from")
    to: str
    at: datetime
    by: str
    note: str | None = PydField(description="Staff and the relationship's mentor only.")

    model_config = ConfigDict(populate_by_name=True)


class CheckInCreate(Input):
    feeling: CheckInFeeling
    comment: Text4000 | None = None
    session_id: uuid.UUID | None = None
    side: Side | None = PydField(
        None, description="Staff recording on someone's behalf say whose view it is."
    )


class CheckInRead(BaseModel):
    id: uuid.UUID
    side: Side
    feeling: CheckInFeeling
    comment: str | None = PydField(description="Seen by its own side and by staff.")
    session_id: uuid.UUID | None
    at: datetime
    by: str


class LatestCheckIns(BaseModel):
    mentor: CheckInRead | None
    mentee: CheckInRead | None


class RelationshipRead(RecordRead):
    mentee_id: uuid.UUID
    mentee_name: str | None = PydField(description="The name the mentee goes by.")
    mentor_id: uuid.UUID
    mentor_name: str | None = PydField(description="The name the mentor goes by.")
    status: RelationshipStatus
    phase: Phase
    phase_started_at: dict[Phase, datetime] = PydField(
        description="When each phase the relationship has been in began."
    )
    expectations: str | None
    agreed_expectations: AgreedExpectations | None = PydField(
        None, description="The structured expectations agreed, and when each side agreed them."
    )
    started_on: date | None
    ended_on: date | None
    ending_reason: EndingReason | None
    ending_summary: str | None = PydField(description="Staff and the mentor only.")
    review_date: date | None
    mentee_agreement: MenteeAgreementRead | None = PydField(
        None,
        description="The mentee's agreement to the match: needed before `activate` (409).",
    )
    latest_check_ins: LatestCheckIns
    end_outcome_due: bool = PydField(
        description="Ended, and no `end` outcome is recorded for it yet: a prompt, not a rule."
    )
    history: list[RelationshipEventRead]


class NonAssociationCreate(Input):
    other_person_id: uuid.UUID
    kind: NonAssociationKind
    reason: Text4000 | None = PydField(None, description="Sensitive.")


class NonAssociationRead(RecordRead):
    mentee_id: uuid.UUID
    other_person_id: uuid.UUID
    kind: NonAssociationKind
    reason: str | None = PydField(None, description="Only with `people:sensitive`.")
