"""GraphQL object types, made from the same read models the REST API returns."""

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Generic, TypeVar

import strawberry
from strawberry.permission import BasePermission
from strawberry.scalars import JSON
from strawberry.types import Info

from api.models.accounts import Me as MeModel
from api.models.alert import AlertHistoryEntry, AlertRead, AlertThresholds
from api.models.assessment import AssessmentRead, DistanceTravelled, PathwayDistance
from api.models.caseload import Caseload as CaseloadModel
from api.models.caseload import CaseloadEntry as CaseloadEntryModel
from api.models.caseload import NextSession as NextSessionModel
from api.models.caseload import OpenGoal as OpenGoalModel
from api.models.consent import ConsentRead
from api.models.custody import CustodyEventRead
from api.models.enums import (
    EndingReason,
    Pathway,
    Phase,
    ReferralStatus,
    RelationshipStatus,
    Role,
)
from api.models.event import EventPage, EventRead
from api.models.expectations import AgreedExpectations as AgreedExpectationsModel
from api.models.expectations import Expectations as ExpectationsModel
from api.models.goal import GoalRead, GoalStatusChangeRead, ReviewRead, StepProgress, StepRead
from api.models.matching import HeldBack as HeldBackModel
from api.models.matching import MatchExplanation as ExplanationModel
from api.models.matching import MatchingWeights as WeightsModel
from api.models.matching import MatchSuggestion as SuggestionModel
from api.models.matching import OrganisationRead
from api.models.matching import Reason as ReasonModel
from api.models.outcome import OutcomeRead
from api.models.person import (
    MenteePreferences,
    MenteeProfileRead,
    MentorProfileRead,
    PersonRead,
    ProbationPractitioner,
)
from api.models.referral import Progress, ProgressStep, ReferralChange, ReferralRead
from api.models.relationship import (
    CheckInRead,
    LatestCheckIns,
    MenteeAgreementRead,
    NonAssociationRead,
    RelationshipEventRead,
    RelationshipRead,
)
from api.models.service import ServiceRead
from api.models.session import GroupAttendee as GroupAttendeeModel
from api.models.session import GroupSessionRead, SessionRead
from api.models.support import ClearanceRead, ConcernRead, SupervisionRead, TrainingRead
from api.models.support import ConcernChange as ConcernChangeModel

if TYPE_CHECKING:
    from api.schema.context import Context

T = TypeVar("T")


class CanSeeSensitive(BasePermission):
    """Sensitive fields resolve only for callers with `people:sensitive` (else a field error)."""

    message = "This field needs the people:sensitive scope."

    def has_permission(self, source: object, info: Info, **kwargs: object) -> bool:
        context: Context = info.context
        return context.caller.has("people:sensitive")


def sensitive() -> object:
    return strawberry.field(permission_classes=[CanSeeSensitive])


class MayReadPrivateNotes(CanSeeSensitive):
    """`people:sensitive`, or a mentor: which of their sessions' notes a mentor reads (the
    ones they wrote) is the policy's `sessions.read_private_notes`, applied as the session
    is presented."""

    def has_permission(self, source: object, info: Info, **kwargs: object) -> bool:
        context: Context = info.context
        return super().has_permission(source, info) or context.caller.role == Role.mentor


@strawberry.experimental.pydantic.type(model=MenteePreferences, all_fields=True)
class Preferences:
    pass


@strawberry.experimental.pydantic.type(model=ProbationPractitioner, all_fields=True)
class ProbationPractitionerType:
    pass


@strawberry.experimental.pydantic.type(
    model=ExpectationsModel,
    all_fields=True,
    name="Expectations",
    description="What someone expects of a mentoring relationship; matching compares them.",
)
class ExpectationsType:
    pass


@strawberry.experimental.pydantic.type(
    model=AgreedExpectationsModel,
    all_fields=True,
    name="AgreedExpectations",
    description="The expectations a relationship's two sides agreed, and when each did.",
)
class AgreedExpectationsType:
    pass


@strawberry.experimental.pydantic.type(model=MenteeProfileRead)
class MenteeProfile:
    custody_status: strawberry.auto
    establishment: strawberry.auto
    release_date: strawberry.auto
    probation_region: strawberry.auto
    needs: strawberry.auto
    weekly_availability: strawberry.auto
    expectations: strawberry.auto
    preferences: strawberry.auto
    external_ref: strawberry.auto
    risk_level: strawberry.auto = sensitive()
    offence_summary: strawberry.auto = sensitive()
    mappa_level: strawberry.auto = sensitive()
    licence_end_date: strawberry.auto = sensitive()
    probation_practitioner: strawberry.auto = sensitive()
    pnc_number: strawberry.auto = sensitive()
    prison_number: strawberry.auto = sensitive()


@strawberry.experimental.pydantic.type(model=MentorProfileRead)
class MentorProfile:
    skills: strawberry.auto
    max_caseload: strawberry.auto
    training_completed_on: strawberry.auto
    vetting_status: strawberry.auto
    vetting_expires_on: strawberry.auto
    last_supervision_on: strawberry.auto
    availability: strawberry.auto
    weekly_availability: strawberry.auto
    expectations: strawberry.auto
    lived_experience: strawberry.auto = sensitive()


@strawberry.experimental.pydantic.type(model=PersonRead, all_fields=True)
class Person:
    id: strawberry.auto
    ethnicity: strawberry.auto = sensitive()
    religion: strawberry.auto = sensitive()
    cultural_background: strawberry.auto = sensitive()

    @strawberry.field(description="Referrals of this mentee you may see (referrals:read).")
    async def referrals(
        self, info: Info
    ) -> list[Annotated["Referral", strawberry.lazy("api.schema.types")]]:
        context: Context = info.context
        return [Referral.from_pydantic(r) for r in await context.load.referrals_of.load(self.id)]

    @strawberry.field(description="This mentee's goals you may see (needs goals:read).")
    async def goals(
        self, info: Info
    ) -> list[Annotated["Goal", strawberry.lazy("api.schema.types")]]:
        context: Context = info.context
        return [Goal.from_pydantic(r) for r in await context.load.goals_of.load(self.id)]

    @strawberry.field(description="This person's relationships you may see, as mentee or mentor.")
    async def relationships(
        self, info: Info
    ) -> list[Annotated["Relationship", strawberry.lazy("api.schema.types")]]:
        context: Context = info.context
        reads = await context.load.relationships_of.load(self.id)
        return [Relationship.from_pydantic(read) for read in reads]


@strawberry.experimental.pydantic.type(model=RelationshipEventRead)
class RelationshipEvent:
    field: strawberry.auto
    from_: strawberry.auto = strawberry.field(name="from")
    to: strawberry.auto
    at: strawberry.auto
    by: strawberry.auto
    note: strawberry.auto


@strawberry.experimental.pydantic.type(model=MenteeAgreementRead, all_fields=True)
class MenteeAgreement:
    pass


@strawberry.experimental.pydantic.type(model=CheckInRead, all_fields=True)
class CheckIn:
    pass


@strawberry.experimental.pydantic.type(model=LatestCheckIns, all_fields=True)
class LatestCheckInsType:
    pass


@strawberry.type
class PhaseStart:
    phase: Phase
    started_at: datetime


@strawberry.experimental.pydantic.type(model=RelationshipRead)
class Relationship:
    id: strawberry.auto
    created_at: strawberry.auto
    updated_at: strawberry.auto
    version: strawberry.auto
    mentee_id: strawberry.auto
    mentee_name: strawberry.auto
    mentor_id: strawberry.auto
    mentor_name: strawberry.auto
    status: strawberry.auto
    phase: strawberry.auto
    expectations: strawberry.auto
    agreed_expectations: strawberry.auto
    started_on: strawberry.auto
    ended_on: strawberry.auto
    ending_reason: strawberry.auto
    ending_summary: strawberry.auto
    review_date: strawberry.auto
    mentee_agreement: strawberry.auto
    latest_check_ins: strawberry.auto
    end_outcome_due: strawberry.auto
    history: strawberry.auto

    @strawberry.field(description="When each phase the relationship has been in began.")
    def phase_starts(self) -> list[PhaseStart]:
        return [
            PhaseStart(phase=Phase(event.to), started_at=event.at)
            for event in self.history
            if event.field == "phase"
        ]

    @strawberry.field(description="The relationship's sessions (needs sessions:read).")
    async def sessions(
        self, info: Info
    ) -> list[Annotated["Session", strawberry.lazy("api.schema.types")]]:
        context: Context = info.context
        return [Session.from_pydantic(r) for r in await context.load.sessions_of.load(self.id)]

    @strawberry.field(description="Alerts about the relationship you may see, newest first.")
    async def alerts(
        self, info: Info
    ) -> list[Annotated["Alert", strawberry.lazy("api.schema.types")]]:
        context: Context = info.context
        return [Alert.from_pydantic(r) for r in await context.load.alerts_of.load(self.id)]

    @strawberry.field(description="The mentee, if you may see them.")
    async def mentee(self, info: Info) -> Person | None:
        return await _person(info, self.mentee_id)

    @strawberry.field(description="The mentor, if you may see them.")
    async def mentor(self, info: Info) -> Person | None:
        return await _person(info, self.mentor_id)


async def _person(info: Info, person_id: uuid.UUID) -> Person | None:
    context: Context = info.context
    read = await context.load.person.load(person_id)
    return Person.from_pydantic(read) if read else None


@strawberry.experimental.pydantic.type(model=GoalStatusChangeRead)
class GoalStatusChange:
    from_: strawberry.auto = strawberry.field(name="from")
    to: strawberry.auto
    at: strawberry.auto
    by: strawberry.auto
    note: strawberry.auto


@strawberry.experimental.pydantic.type(model=StepProgress, all_fields=True)
class StepProgressType:
    pass


@strawberry.experimental.pydantic.type(model=StepRead, all_fields=True)
class Step:
    pass


@strawberry.experimental.pydantic.type(model=ReviewRead, all_fields=True)
class Review:
    pass


@strawberry.experimental.pydantic.type(model=GoalRead)
class Goal:
    id: strawberry.auto
    created_at: strawberry.auto
    updated_at: strawberry.auto
    version: strawberry.auto
    mentee_id: strawberry.auto
    relationship_id: strawberry.auto
    pathway: strawberry.auto
    title: strawberry.auto
    description: strawberry.auto
    set_by: strawberry.auto
    agreed_by_mentee: strawberry.auto
    agreed_at: strawberry.auto
    agreed_by: strawberry.auto
    status: strawberry.auto
    target_date: strawberry.auto
    review_date: strawberry.auto
    history: strawberry.auto
    step_progress: strawberry.auto

    @strawberry.field(description="The action plan's small steps, in order.")
    async def steps(self, info: Info) -> list[Step]:
        context: Context = info.context
        return [Step.from_pydantic(r) for r in await context.load.steps_of.load(self.id)]

    @strawberry.field(description="Dated progress notes, oldest first.")
    async def reviews(self, info: Info) -> list[Review]:
        context: Context = info.context
        return [Review.from_pydantic(r) for r in await context.load.reviews_of.load(self.id)]


@strawberry.experimental.pydantic.type(model=SessionRead)
class Session:
    id: strawberry.auto
    created_at: strawberry.auto
    updated_at: strawberry.auto
    version: strawberry.auto
    relationship_id: strawberry.auto
    mentee_id: strawberry.auto
    mentor_id: strawberry.auto
    scheduled_start: strawberry.auto
    duration_minutes: strawberry.auto
    format: strawberry.auto
    setting: strawberry.auto
    status: strawberry.auto
    status_reason: strawberry.auto
    topics: strawberry.auto
    goal_ids: strawberry.auto
    notes: strawberry.auto
    wellbeing: strawberry.auto
    group_session_id: strawberry.auto
    private_notes: strawberry.auto = strawberry.field(permission_classes=[MayReadPrivateNotes])


@strawberry.experimental.pydantic.type(model=GroupAttendeeModel, all_fields=True)
class GroupAttendee:
    pass


@strawberry.experimental.pydantic.type(model=GroupSessionRead, all_fields=True)
class GroupSession:
    pass


@strawberry.type
class PathwayScore:
    pathway: Pathway
    score: int


@strawberry.type
class Assessment:
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int
    mentee_id: uuid.UUID
    taken_on: date
    scores: list[PathwayScore]
    recorded_by: str

    @classmethod
    def of(cls, read: AssessmentRead) -> "Assessment":
        fields = read.model_dump(exclude={"scores"})
        scores = [PathwayScore(pathway=p, score=v) for p, v in sorted(read.scores.items())]
        return cls(**fields, scores=scores)


@strawberry.experimental.pydantic.type(model=PathwayDistance, all_fields=True)
class PathwayDistanceType:
    pass


@strawberry.experimental.pydantic.type(model=DistanceTravelled, all_fields=True)
class DistanceTravelledType:
    pass


@strawberry.experimental.pydantic.type(model=ServiceRead, all_fields=True)
class Service:
    pass


@strawberry.experimental.pydantic.type(model=OutcomeRead, all_fields=True)
class Outcome:
    pass


@strawberry.experimental.pydantic.type(model=ReferralChange)
class ReferralChangeType:
    from_: strawberry.auto = strawberry.field(name="from")
    to: strawberry.auto
    at: strawberry.auto
    by: strawberry.auto
    note: strawberry.auto


@strawberry.experimental.pydantic.type(model=ProgressStep)
class ProgressStepType:
    from_: strawberry.auto = strawberry.field(name="from")
    to: strawberry.auto
    at: strawberry.auto


@strawberry.experimental.pydantic.type(model=ReferralRead, all_fields=True)
class Referral:
    pass


@strawberry.type
class StatusCount:
    status: str
    count: int


@strawberry.type(description="What a referring partner may know: states and counts only.")
class ReferralProgress:
    referral_status: ReferralStatus
    history: list[ProgressStepType]
    progress_shared: bool = strawberry.field(
        description="False without the person's consent to share progress with the "
        "referrer: the relationship, session and goal figures are then null."
    )
    relationship_status: RelationshipStatus | None
    relationship_phase: Phase | None
    ending_reason: EndingReason | None
    sessions_held: int | None
    sessions_missed: int | None
    goals_by_status: list[StatusCount] | None

    @classmethod
    def of(cls, progress: Progress) -> "ReferralProgress":
        return cls(
            referral_status=progress.referral_status,
            history=[ProgressStepType.from_pydantic(c) for c in progress.history],
            progress_shared=progress.progress_shared,
            relationship_status=progress.relationship_status,
            relationship_phase=progress.relationship_phase,
            ending_reason=progress.ending_reason,
            sessions_held=progress.sessions_held,
            sessions_missed=progress.sessions_missed,
            goals_by_status=None
            if progress.goals_by_status is None
            else [
                StatusCount(status=s, count=n) for s, n in sorted(progress.goals_by_status.items())
            ],
        )


@strawberry.experimental.pydantic.type(model=NonAssociationRead)
class NonAssociation:
    id: strawberry.auto
    created_at: strawberry.auto
    updated_at: strawberry.auto
    version: strawberry.auto
    mentee_id: strawberry.auto
    other_person_id: strawberry.auto
    kind: strawberry.auto
    reason: strawberry.auto = sensitive()


@strawberry.experimental.pydantic.type(model=CustodyEventRead, all_fields=True)
class CustodyEvent:
    pass


@strawberry.experimental.pydantic.type(model=ConsentRead, all_fields=True)
class Consent:
    pass


@strawberry.experimental.pydantic.type(model=ReasonModel, all_fields=True)
class Reason:
    pass


@strawberry.experimental.pydantic.type(model=SuggestionModel, all_fields=True)
class MatchSuggestion:
    pass


@strawberry.experimental.pydantic.type(model=ExplanationModel, all_fields=True)
class MatchExplanation:
    pass


@strawberry.experimental.pydantic.type(
    model=HeldBackModel,
    all_fields=True,
    description="A mentor otherwise eligible but not suggested, and why.",
)
class HeldBack:
    pass


@strawberry.experimental.pydantic.type(model=WeightsModel, all_fields=True)
class MatchingWeights:
    pass


@strawberry.experimental.pydantic.type(model=AlertThresholds, all_fields=True)
class AlertThresholdsType:
    pass


@strawberry.experimental.pydantic.type(model=OrganisationRead, all_fields=True)
class Organisation:
    pass


@strawberry.experimental.pydantic.type(model=AlertHistoryEntry, all_fields=True)
class AlertHistory:
    pass


@strawberry.experimental.pydantic.type(model=AlertRead)
class Alert:
    id: strawberry.auto
    created_at: strawberry.auto
    updated_at: strawberry.auto
    version: strawberry.auto
    rule: strawberry.auto
    severity: strawberry.auto
    status: strawberry.auto
    subject_type: strawberry.auto
    subject_id: strawberry.auto
    mentee_id: strawberry.auto
    mentor_id: strawberry.auto
    relationship_id: strawberry.auto
    message: strawberry.auto
    facts: JSON = strawberry.field(description="The numbers that fired it.")
    raised_at: strawberry.auto
    acknowledged_at: strawberry.auto
    resolved_at: strawberry.auto
    resolved_by: strawberry.auto
    history: strawberry.auto


@strawberry.experimental.pydantic.type(model=ConcernChangeModel, all_fields=True)
class ConcernChange:
    pass


@strawberry.experimental.pydantic.type(
    model=ConcernRead,
    all_fields=True,
    description="A safeguarding or wellbeing concern. Never seen by the mentee or a partner; "
    "its triage (outcome, escalation, history) is null but for staff.",
)
class Concern:
    pass


@strawberry.experimental.pydantic.type(
    model=SupervisionRead,
    all_fields=True,
    description="A supervision a mentor had; `notes` is null but for staff.",
)
class Supervision:
    pass


@strawberry.experimental.pydantic.type(model=TrainingRead, all_fields=True)
class Training:
    pass


@strawberry.experimental.pydantic.type(
    model=ClearanceRead,
    all_fields=True,
    description="A mentor's clearance to visit an establishment (a prison) until `expiresOn`.",
)
class EstablishmentClearance:
    pass


@strawberry.experimental.pydantic.type(model=NextSessionModel, all_fields=True)
class NextSession:
    pass


@strawberry.experimental.pydantic.type(model=OpenGoalModel, all_fields=True)
class OpenGoal:
    pass


@strawberry.experimental.pydantic.type(model=CaseloadEntryModel, all_fields=True)
class CaseloadEntry:
    pass


@strawberry.experimental.pydantic.type(
    model=CaseloadModel,
    all_fields=True,
    description="A mentor's open relationships, with what their app shows for each.",
)
class Caseload:
    pass


@strawberry.experimental.pydantic.type(model=MeModel, all_fields=True)
class Me:
    pass


@strawberry.type
class PageInfo:
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")
    has_next_page: bool


@strawberry.type
class Connection(Generic[T]):
    nodes: list[T]
    page_info: PageInfo


@strawberry.type(
    description="Something that happened, as you may see it: the same `data` a "
    "webhook delivery carries (for a partner, the referral's progress view)."
)
class Event:
    id: uuid.UUID = strawberry.field(description="Also the `webhook-id` of its deliveries.")
    type: str
    occurred_at: datetime
    cursor: str = strawberry.field(description="Pass as `after` to read what followed.")
    data: JSON

    @classmethod
    def of(cls, read: EventRead) -> "Event":
        return cls(
            id=read.id,
            type=read.type,
            occurred_at=read.occurred_at,
            cursor=read.cursor,
            data=JSON(read.data),
        )


@strawberry.type(description="A page of the events feed, oldest first.")
class EventFeed:
    nodes: list[Event]
    next_cursor: str = strawberry.field(
        description="Pass as `after` next time; it stays put when there is nothing new."
    )

    @classmethod
    def of(cls, page: EventPage) -> "EventFeed":
        return cls(nodes=[Event.of(item) for item in page.items], next_cursor=page.next_cursor)
