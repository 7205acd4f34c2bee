"""API models for match suggestions and the organisation's matching weights."""

import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from api.models.alert import AlertThresholds
from api.models.common import Input

DEFAULT_WEIGHTS: dict[str, float] = {
    "needs": 0.35,
    "peer": 0.15,
    "region": 0.15,
    "capacity": 0.15,
    "language": 0.10,
    "background": 0.15,
    "availability": 0.10,
    "expectations": 0.10,
    "women_specific": 0.05,
    "supervision": 0.05,
    "establishment_access": 0.05,
}


class MatchingWeights(Input):
    """How much each factor counts; 0 switches a factor off. Scores are normalised."""

    needs: float = Field(
        DEFAULT_WEIGHTS["needs"],
        ge=0,
        le=1,
        description="Share of the mentee's needs the mentor's skills cover.",
    )
    peer: float = Field(
        DEFAULT_WEIGHTS["peer"],
        ge=0,
        le=1,
        description="Lived experience, when the mentee prefers a peer mentor.",
    )
    region: float = Field(
        DEFAULT_WEIGHTS["region"],
        ge=0,
        le=1,
        description="Mentor's region is the mentee's region or release area.",
    )
    capacity: float = Field(
        DEFAULT_WEIGHTS["capacity"],
        ge=0,
        le=1,
        description="Free places in the mentor's caseload (spreads load).",
    )
    language: float = Field(
        DEFAULT_WEIGHTS["language"], ge=0, le=1, description="A language both speak."
    )
    women_specific: float = Field(
        DEFAULT_WEIGHTS["women_specific"],
        ge=0,
        le=1,
        description="A woman mentor when the mentee has women-specific needs.",
    )
    background: float = Field(
        DEFAULT_WEIGHTS["background"],
        ge=0,
        le=1,
        description="Shares the ethnicity, religion or culture the mentee asked for "
        "(only with both people's consent; counted only when the mentee asks).",
    )
    availability: float = Field(
        DEFAULT_WEIGHTS["availability"],
        ge=0,
        le=1,
        description="Share of the mentee's weekly times (day parts) the mentor can meet too.",
    )
    expectations: float = Field(
        DEFAULT_WEIGHTS["expectations"],
        ge=0,
        le=1,
        description="Share of the expectations both sides state (contact, settings, focus, "
        "length, keeping in touch) on which they agree; counts only where both state some.",
    )
    supervision: float = Field(
        DEFAULT_WEIGHTS["supervision"],
        ge=0,
        le=1,
        description="The mentor was supervised in the last 90 days.",
    )
    establishment_access: float = Field(
        DEFAULT_WEIGHTS["establishment_access"],
        ge=0,
        le=1,
        description="For a mentee in custody: the mentor's clearance for their establishment "
        "lasts until their release (or 90 days). Uncleared mentors are never suggested.",
    )


class Effect(StrEnum):
    raised = "raised"
    lowered = "lowered"
    not_counted = "not_counted"


class Reason(BaseModel):
    factor: str = Field(examples=["needs"])
    effect: Effect
    detail: str = Field(examples=["covers accommodation, drugs_alcohol of 2 needs"])


class MatchSuggestion(BaseModel):
    mentor_id: uuid.UUID
    mentor_name: str = Field(description="The name the mentor goes by.")
    open_relationships: int = Field(description="The mentor's open relationships now.")
    max_caseload: int
    availability: str | None = Field(description="When the mentor says they can meet.")
    score: float = Field(ge=0, le=1)
    reasons: list[Reason]


class MatchExplanation(MatchSuggestion):
    """One mentor for one mentee: the score with every factor, and what keeps them out."""

    suggested: bool = Field(description="Whether the mentor is among the eligible ones.")
    exclusions: list[str] = Field(
        description="Each rule that keeps the mentor out of this mentee's suggestions.",
        examples=[["caseload full (3 of 3)", "the mentee asked for a female mentor"]],
    )
    held_back: str | None = Field(
        description="Eligible, but held back from new matches, and why (staff)."
    )


class HeldBack(BaseModel):
    mentor_id: uuid.UUID
    reason: str = Field(examples=["supervision overdue: none since 2026-05-01 (over 120 days)"])


class MatchSuggestions(BaseModel):
    items: list[MatchSuggestion]
    held_back: list[HeldBack] = Field(
        description="Mentors otherwise eligible but not suggested, and why (supervision "
        "overdue beyond the organisation's `unmatched_after_days_unsupervised`)."
    )


DEFAULT_PARTNER_VISIBILITY_DAYS = 90
PartnerVisibilityDays = Annotated[
    int,
    Field(
        ge=0,
        le=3650,
        description="Days a partner still sees a person after its referral is declined, "
        "withdrawn or completed.",
    ),
]


DEFAULT_UNMATCHED_AFTER_DAYS = 120
UnmatchedAfterDays = Annotated[
    int,
    Field(
        ge=7,
        le=730,
        description="Days without supervision after which a mentor is no longer suggested "
        "for new matches (counted from training for a mentor never supervised).",
    ),
]
ResearchNeedsConsent = Annotated[
    bool,
    Field(
        description="Whether the Justice Data Lab cohort holds only people whose consent "
        "to `research_and_evaluation` is in force (the lawful basis is the provider's call)."
    ),
]


DEFAULT_RETENTION_YEARS = 6
RetentionYears = Annotated[
    int,
    Field(
        ge=1,
        le=100,
        description="Years a person's record is kept after their last relationship or "
        "referral ends; then `throughgate retention` erases its personal data.",
    ),
]


class OrganisationRead(BaseModel):
    id: uuid.UUID
    name: str
    matching_weights: MatchingWeights
    partner_visibility_days: PartnerVisibilityDays
    unmatched_after_days_unsupervised: UnmatchedAfterDays
    research_needs_consent: ResearchNeedsConsent
    retention_years: RetentionYears
    alert_thresholds: AlertThresholds


class OrganisationUpdate(Input):
    matching_weights: MatchingWeights | None = None
    partner_visibility_days: PartnerVisibilityDays | None = None
    unmatched_after_days_unsupervised: UnmatchedAfterDays | None = None
    research_needs_consent: ResearchNeedsConsent | None = None
    retention_years: RetentionYears | None = None
    alert_thresholds: AlertThresholds | None = Field(
        None, description="The thresholds given change; the others stay as they are."
    )
