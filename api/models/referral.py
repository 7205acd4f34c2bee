"""Referrals into the programme (from partners) and out of it (to services)."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic import Field as PydField
from sqlmodel import Field

from api.models.base import OrgRecord, UTCDateTime, utcnow
from api.models.common import Input, NoNul, RecordRead, Text100, Text4000, Variant
from api.models.enums import (
    EndingReason,
    PersonKind,
    Phase,
    ReferralDirection,
    ReferralOutcome,
    ReferralStatus,
    RelationshipStatus,
)
from api.models.person import PersonCreate


class Referral(OrgRecord, table=True):
    __table_args__ = (
        sa.Index("ix_referral_org_page", "org_id", "created_at", "id"),
        sa.Index("ix_referral_org_direction_status", "org_id", "direction", "status"),
    )

    direction: str = Field(max_length=10)
    status: str = Field(default="draft", max_length=20)
    reason: str | None = Field(default=None, max_length=4000)
    mentee_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    service_id: uuid.UUID | None = Field(default=None, foreign_key="service.id", index=True)
    external_ref: str | None = Field(default=None, max_length=100)
    referred_by_client_id: uuid.UUID | None = Field(
        default=None, foreign_key="api_client.id", index=True
    )
    referred_by_user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    outcome: str | None = Field(default=None, max_length=20)
    # Inbound: an existing mentee holds this case reference but did not come in through this
    # client's referral; staff confirm (same person) or reject. Never shown to the partner.
    pending_match_id: uuid.UUID | None = Field(default=None, foreign_key="person.id")
    # When the referral reached declined, withdrawn or completed, and until when its partner
    # still sees the person (the organisation's `partner_visibility_days` after closing).
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    visible_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ReferralStatusChange(OrgRecord, table=True):
    __tablename__ = "referral_status_change"

    referral_id: uuid.UUID = Field(foreign_key="referral.id", index=True)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    by: str = Field(max_length=80)
    note: str | None = Field(default=None, max_length=4000)


# --- API models -----------------------------------------------------------------------------


class InboundPerson(PersonCreate):
    """The person referred in: always a mentee, with their mentee profile."""

    kind: Literal[PersonKind.mentee] = PersonKind.mentee


class ReferralCreate(Input):
    direction: ReferralDirection
    reason: Text4000 | None = PydField(None, description="Why the referral is made.")
    # inbound
    person: InboundPerson | None = PydField(None, description="Inbound: who is referred in.")
    external_ref: Text100 | None = PydField(
        None, description="Inbound: the partner's own case reference (links repeat referrals)."
    )
    # outbound
    mentee_id: uuid.UUID | None = PydField(None, description="Outbound: who is referred.")
    service_id: uuid.UUID | None = PydField(None, description="Outbound: to which service.")
    signpost: bool | None = PydField(
        None, description="Outbound: record signposting only (the referral is completed at once)."
    )

    variants = (
        "direction",
        {
            ReferralDirection.inbound: Variant(
                required=frozenset({"person", "external_ref"}),
                absent=frozenset({"mentee_id", "service_id", "signpost"}),
            ),
            ReferralDirection.outbound: Variant(
                required=frozenset({"mentee_id", "service_id"}),
                absent=frozenset({"person", "external_ref"}),
            ),
        },
    )


class ReferralUpdate(Input):
    reason: Text4000 | None = None
    service_id: uuid.UUID | None = None


class ReferralMove(Input):
    note: Text4000 | None = None


class ReferralReasoned(Input):
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), NoNul
    ]


class ReferralCompletion(Input):
    outcome: ReferralOutcome
    note: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), NoNul
    ]


class MatchDecision(Input):
    decision: Literal["confirm", "reject"] = PydField(
        description="`confirm`: the referred person is the mentee who holds the reference; "
        "`reject`: they are someone else."
    )


class ReferralChange(BaseModel):
    from_: ReferralStatus | None = PydField(alias="from", serialization_alias="from")
    to: ReferralStatus
    at: datetime
    by: str
    note: str | None

    model_config = ConfigDict(populate_by_name=True)


class ReferralRead(RecordRead):
    direction: ReferralDirection
    status: ReferralStatus
    reason: str | None
    mentee_id: uuid.UUID
    service_id: uuid.UUID | None
    external_ref: str | None
    outcome: ReferralOutcome | None
    pending_match_id: uuid.UUID | None = PydField(
        None,
        description="Inbound, staff only: the mentee who already holds this case reference "
        "(confirm or reject with `POST /referrals/{id}/pending-match`).",
    )
    history: list[ReferralChange]


class ProgressStep(BaseModel):
    """A referral's move as its referrer follows it: the states and when, not who or why."""

    from_: ReferralStatus | None = PydField(alias="from", serialization_alias="from")
    to: ReferralStatus
    at: datetime

    model_config = ConfigDict(populate_by_name=True)


class Progress(BaseModel):
    """What a referring partner may know of the journey: counts and states, never notes.
    Without the person's `share_progress_with_referrer` consent, a partner learns the
    referral's own status and history only (`progress_shared` false, the rest null)."""

    referral_status: ReferralStatus
    history: list[ProgressStep]
    progress_shared: bool = PydField(
        description="False when the person has not consented to share their progress "
        "with the referrer: the relationship, session and goal figures are then null."
    )
    relationship_status: RelationshipStatus | None = None
    relationship_phase: Phase | None = None
    ending_reason: EndingReason | None = PydField(
        None, description="Why the relationship ended, once it has (never its summary)."
    )
    sessions_held: int | None = None
    sessions_missed: int | None = None
    goals_by_status: dict[str, int] | None = None
