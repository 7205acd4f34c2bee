"""Mutations: the REST workflows, answering a typed result or a `Problem`, never an exception."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any, TypeVar

import strawberry
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from api.auth.principal import Principal
from api.errors import DomainError, Invalid
from api.models.alert import AlertAcknowledge, AlertResolve
from api.models.assessment import AssessmentCreate, AssessmentRead
from api.models.consent import ConsentCreate, ConsentRead
from api.models.custody import CustodyEventCreate, CustodyEventRead
from api.models.enums import Pathway, ReferralMoveName, ReferralOutcome, Transition
from api.models.expectations import Expectations
from api.models.goal import (
    GoalCreate,
    GoalUpdate,
    ReviewCreate,
    ReviewRead,
    StepCreate,
    StepRead,
    StepUpdate,
)
from api.models.matching import OrganisationUpdate
from api.models.outcome import OutcomeCreate, OutcomeRead, OutcomeUpdate
from api.models.person import PersonCreate, PersonUpdate
from api.models.referral import (
    MatchDecision,
    ReferralCompletion,
    ReferralCreate,
    ReferralMove,
    ReferralReasoned,
)
from api.models.relationship import (
    CheckInCreate,
    MenteeAgreementCreate,
    MenteeDecline,
    NonAssociationCreate,
    RelationshipCreate,
    RelationshipEnd,
    RelationshipUpdate,
)
from api.models.service import ServiceCreate, ServiceRead, ServiceUpdate
from api.models.session import SessionCreate, SessionUpdate
from api.schema.context import Context
from api.schema.inputs import input_type, to_model
from api.schema.problems import Problem, problem_of
from api.schema.types import (
    Alert,
    Assessment,
    CheckIn,
    Consent,
    CustodyEvent,
    Goal,
    NonAssociation,
    Organisation,
    Outcome,
    Person,
    Referral,
    Relationship,
    Review,
    Service,
    Session,
    Step,
)
from api.services import (
    alerts,
    assessments,
    consent_records,
    directory,
    expectations,
    goals,
    non_associations,
    organisation,
    outcomes,
    people,
    referrals,
    relationships,
    sessions,
)

R = TypeVar("R")


@strawberry.input(description="One pathway's score, 1..10.")
class PathwayScoreInput:
    pathway: Pathway
    score: int


@strawberry.type(description="What was removed.")
class Removed:
    id: uuid.UUID


PersonResult = Annotated[Person | Problem, strawberry.union("PersonResult")]
RelationshipResult = Annotated[Relationship | Problem, strawberry.union("RelationshipResult")]
CheckInResult = Annotated[CheckIn | Problem, strawberry.union("CheckInResult")]
ConsentResult = Annotated[Consent | Problem, strawberry.union("ConsentResult")]
CustodyEventResult = Annotated[CustodyEvent | Problem, strawberry.union("CustodyEventResult")]
NonAssociationResult = Annotated[NonAssociation | Problem, strawberry.union("NonAssociationResult")]
OrganisationResult = Annotated[Organisation | Problem, strawberry.union("OrganisationResult")]
GoalResult = Annotated[Goal | Problem, strawberry.union("GoalResult")]
StepResult = Annotated[Step | Problem, strawberry.union("StepResult")]
ReviewResult = Annotated[Review | Problem, strawberry.union("ReviewResult")]
SessionResult = Annotated[Session | Problem, strawberry.union("SessionResult")]
AssessmentResult = Annotated[Assessment | Problem, strawberry.union("AssessmentResult")]
AlertResult = Annotated[Alert | Problem, strawberry.union("AlertResult")]
OutcomeResult = Annotated[Outcome | Problem, strawberry.union("OutcomeResult")]
ServiceResult = Annotated[Service | Problem, strawberry.union("ServiceResult")]
ReferralResult = Annotated[Referral | Problem, strawberry.union("ReferralResult")]
RemovedResult = Annotated[Removed | Problem, strawberry.union("RemovedResult")]

PersonCreateInput = input_type(PersonCreate)
PersonUpdateInput = input_type(PersonUpdate)
ExpectationsInput = input_type(Expectations)
RelationshipCreateInput = input_type(RelationshipCreate)
RelationshipUpdateInput = input_type(RelationshipUpdate)
RelationshipEndInput = input_type(RelationshipEnd)
CheckInCreateInput = input_type(CheckInCreate)
ConsentCreateInput = input_type(ConsentCreate)
CustodyEventCreateInput = input_type(CustodyEventCreate)
NonAssociationCreateInput = input_type(NonAssociationCreate)
OrganisationUpdateInput = input_type(OrganisationUpdate)
GoalCreateInput = input_type(GoalCreate)
GoalUpdateInput = input_type(GoalUpdate)
StepCreateInput = input_type(StepCreate)
StepUpdateInput = input_type(StepUpdate)
ReviewCreateInput = input_type(ReviewCreate)
SessionCreateInput = input_type(SessionCreate)
SessionUpdateInput = input_type(SessionUpdate)
ServiceCreateInput = input_type(ServiceCreate)
ServiceUpdateInput = input_type(ServiceUpdate)
ReferralCreateInput = input_type(ReferralCreate)
OutcomeCreateInput = input_type(OutcomeCreate)
OutcomeUpdateInput = input_type(OutcomeUpdate)

ExpectedVersion = Annotated[
    int | None,
    strawberry.argument(description="The version you last saw (REST's If-Match)."),
]


async def attempt(
    info: Info[Context, None],
    action: str,
    work: Callable[[AsyncSession, Principal], Awaitable[R]],
) -> R | Problem:
    """Run one use case; any refusal becomes the `Problem` member of the result union."""
    context = info.context
    try:
        return await work(context.db, context.authorize(action))
    except (DomainError, ValidationError) as exc:
        await context.db.rollback()
        return problem_of(exc)


async def _relationship(db: AsyncSession, caller: Principal, row: Any) -> Relationship:
    (read,) = await relationships.present(db, caller, [row])
    return Relationship.from_pydantic(read)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Add a mentee (with their profile) or a mentor. Staff only.")
    async def create_person(
        self,
        info: Info[Context, None],
        input: PersonCreateInput,  # type: ignore[valid-type]
    ) -> PersonResult:
        async def work(db: AsyncSession, caller: Principal) -> Person:
            person = await people.create_person(db, caller, to_model(PersonCreate, input))
            return Person.from_pydantic(people.present(person, caller))

        return await attempt(info, "people.create", work)

    @strawberry.mutation(description="Change the fields given; null clears an optional one.")
    async def update_person(
        self,
        info: Info[Context, None],
        id: uuid.UUID,
        input: PersonUpdateInput,  # type: ignore[valid-type]
        expected_version: ExpectedVersion = None,
    ) -> PersonResult:
        async def work(db: AsyncSession, caller: Principal) -> Person:
            person = await people.update_person(
                db, caller, id, to_model(PersonUpdate, input), if_match=expected_version
            )
            return Person.from_pydantic(people.present(person, caller))

        return await attempt(info, "people.update", work)

    @strawberry.mutation(
        description="State what a mentee or a mentor expects of a relationship (replacing "
        "what they stated before): the person themself, or staff."
    )
    async def state_expectations(
        self,
        info: Info[Context, None],
        person_id: uuid.UUID,
        input: ExpectationsInput,  # type: ignore[valid-type]
    ) -> PersonResult:
        async def work(db: AsyncSession, caller: Principal) -> Person:
            person = await expectations.state(db, caller, person_id, to_model(Expectations, input))
            return Person.from_pydantic(people.present(person, caller))

        return await attempt(info, "people.expectations", work)

    @strawberry.mutation(description="Remove a person (soft delete). Staff only.")
    async def delete_person(
        self, info: Info[Context, None], id: uuid.UUID, expected_version: ExpectedVersion = None
    ) -> RemovedResult:
        async def work(db: AsyncSession, caller: Principal) -> Removed:
            await people.delete_person(db, caller, id, if_match=expected_version)
            return Removed(id=id)

        return await attempt(info, "people.delete", work)

    @strawberry.mutation(description="Propose a match between a mentee and a mentor. Staff only.")
    async def create_relationship(
        self,
        info: Info[Context, None],
        input: RelationshipCreateInput,  # type: ignore[valid-type]
    ) -> RelationshipResult:
        async def work(db: AsyncSession, caller: Principal) -> Relationship:
            row = await relationships.create_relationship(
                db, caller, to_model(RelationshipCreate, input)
            )
            return await _relationship(db, caller, row)

        return await attempt(info, "relationships.create", work)

    @strawberry.mutation(description="Move the phase forward or change expectations.")
    async def update_relationship(
        self,
        info: Info[Context, None],
        id: uuid.UUID,
        input: RelationshipUpdateInput,  # type: ignore[valid-type]
        expected_version: ExpectedVersion = None,
    ) -> RelationshipResult:
        async def work(db: AsyncSession, caller: Principal) -> Relationship:
            row = await relationships.update_relationship(
                db, caller, id, to_model(RelationshipUpdate, input), if_match=expected_version
            )
            return await _relationship(db, caller, row)

        return await attempt(info, "relationships.change", work)

    @strawberry.mutation(description="Apply `activate`, `pause` or `resume` to a relationship.")
    async def move_relationship(
        self,
        info: Info[Context, None],
        id: uuid.UUID,
        move: Transition,
        note: str | None = None,
        expected_version: ExpectedVersion = None,
    ) -> RelationshipResult:
        async def work(db: AsyncSession, caller: Principal) -> Relationship:
            if move == Transition.end:
                raise Invalid(
                    "Use endRelationship: ending needs a reason and a summary.", loc=["move"]
                )
            row = await relationships.transition(
                db, caller, id, move, note=note, if_match=expected_version
            )
            return await _relationship(db, caller, row)

        return await attempt(info, "relationships.change", work)

    @strawberry.mutation(description="End a relationship with a reason and a closing summary.")
    async def end_relationship(
        self,
        info: Info[Context, None],
        id: uuid.UUID,
        input: RelationshipEndInput,  # type: ignore[valid-type]
        expected_version: ExpectedVersion = None,
    ) -> RelationshipResult:
        async def work(db: AsyncSession, caller: Principal) -> Relationship:
            row = await relationships.transition(
                db,
                caller,
                id,
                Transition.end,
                ending=to_model(RelationshipEnd, input),
                if_match=expected_version,
            )
            return await _relationship(db, caller, row)

        return await attempt(info, "relationships.change", work)

    @strawberry.mutation(
        description="The mentee agrees to a proposed match (themself, or staff on their "
        "behalf with a note); needed before activation."
    )
    async def agree_to_relationship(
        self, info: Info[Context, None], id: uuid.UUID, note: str | None = None
    ) -> RelationshipResult:
        async def work(db: AsyncSession, caller: Principal) -> Relationship:
            data = to_model(MenteeAgreementCreate, {"note": note} if note is not None else {})
            row = await relationships.agree(db, caller, id, data)
            return await _relationship(db, caller, row)

        return await attempt(info, "relationships.mentee_say", work)

    @strawberry.mutation(
        description="The mentee declines a proposed match: it ends as `mentee_withdrew`."
    )
    async def decline_relationship(
        self, info: Info[Context, None], id: uuid.UUID, reason: str
    ) -> RelationshipResult:
        async def work(db: AsyncSession, caller: Principal) -> Relationship:
            row = await relationships.decline(
                db, caller, id, to_model(MenteeDecline, {"reason": reason})
            )
            return await _relationship(db, caller, row)

        return await attempt(info, "relationships.mentee_say", work)

    @strawberry.mutation(description="Record how the relationship feels to one side.")
    async def record_check_in(
        self,
        info: Info[Context, None],
        relationship_id: uuid.UUID,
        input: CheckInCreateInput,  # type: ignore[valid-type]
    ) -> CheckInResult:
        async def work(db: AsyncSession, caller: Principal) -> CheckIn:
            row = await relationships.record_check_in(
                db, caller, relationship_id, to_model(CheckInCreate, input)
            )
            return CheckIn.from_pydantic(await relationships.present_new_check_in(db, caller, row))

        return await attempt(info, "relationships.check_in", work)

    @strawberry.mutation(description="Record someone a mentee must never be matched with.")
    async def add_non_association(
        self,
        info: Info[Context, None],
        mentee_id: uuid.UUID,
        input: NonAssociationCreateInput,  # type: ignore[valid-type]
    ) -> NonAssociationResult:
        async def work(db: AsyncSession, caller: Principal) -> NonAssociation:
            row = await non_associations.add(
                db, caller, mentee_id, to_model(NonAssociationCreate, input)
            )
            return NonAssociation.from_pydantic(non_associations.present(row, caller))

        return await attempt(info, "non_associations.write", work)

    @strawberry.mutation(description="Remove a non-association.")
    async def remove_non_association(
        self, info: Info[Context, None], mentee_id: uuid.UUID, id: uuid.UUID
    ) -> RemovedResult:
        async def work(db: AsyncSession, caller: Principal) -> Removed:
            await non_associations.remove(db, caller, mentee_id, id)
            return Removed(id=id)

        return await attempt(info, "non_associations.write", work)

    @strawberry.mutation(description="Change your organisation's matching weights. Admin only.")
    async def update_organisation(
        self,
        info: Info[Context, None],
        input: OrganisationUpdateInput,  # type: ignore[valid-type]
    ) -> OrganisationResult:
        async def work(db: AsyncSession, caller: Principal) -> Organisation:
            org = await organisation.update_organisation(
                db, caller, to_model(OrganisationUpdate, input)
            )
            return Organisation.from_pydantic(organisation.present(org))

        return await attempt(info, "organisation.update", work)

    @strawberry.mutation(description="Set a goal; a mentee's own goal is agreed at once.")
    async def create_goal(
        self,
        info: Info[Context, None],
        input: GoalCreateInput,  # type: ignore[valid-type]
    ) -> GoalResult:
        async def work(db: AsyncSession, caller: Principal) -> Goal:
            goal = await goals.create_goal(db, caller, to_model(GoalCreate, input))
            return Goal.from_pydantic((await goals.present(db, [goal]))[0])

        return await attempt(info, "goals.write", work)

    @strawberry.mutation(description="Change a goal, record agreement, or move its status.")
    async def update_goal(
        self,
        info: Info[Context, None],
        id: uuid.UUID,
        input: GoalUpdateInput,  # type: ignore[valid-type]
        expected_version: ExpectedVersion = None,
    ) -> GoalResult:
        async def work(db: AsyncSession, caller: Principal) -> Goal:
            goal = await goals.update_goal(
                db, caller, id, to_model(GoalUpdate, input), if_match=expected_version
            )
            return Goal.from_pydantic((await goals.present(db, [goal]))[0])

        return await attempt(info, "goals.write", work)

    @strawberry.mutation(description="Add a small step at the end of a goal's plan.")
    async def add_step(
        self,
        info: Info[Context, None],
        goal_id: uuid.UUID,
        input: StepCreateInput,  # type: ignore[valid-type]
    ) -> StepResult:
        async def work(db: AsyncSession, caller: Principal) -> Step:
            step = await goals.add_step(db, caller, goal_id, to_model(StepCreate, input))
            return Step.from_pydantic(StepRead.model_validate(step, from_attributes=True))

        return await attempt(info, "goals.write", work)

    @strawberry.mutation(description="Rename, re-date, or mark a step done or skipped.")
    async def update_step(
        self,
        info: Info[Context, None],
        goal_id: uuid.UUID,
        id: uuid.UUID,
        input: StepUpdateInput,  # type: ignore[valid-type]
    ) -> StepResult:
        async def work(db: AsyncSession, caller: Principal) -> Step:
            step = await goals.update_step(db, caller, goal_id, id, to_model(StepUpdate, input))
            return Step.from_pydantic(StepRead.model_validate(step, from_attributes=True))

        return await attempt(info, "goals.write", work)

    @strawberry.mutation(description="Add a dated progress review; a lapse changes no status.")
    async def add_review(
        self,
        info: Info[Context, None],
        goal_id: uuid.UUID,
        input: ReviewCreateInput,  # type: ignore[valid-type]
    ) -> ReviewResult:
        async def work(db: AsyncSession, caller: Principal) -> Review:
            review = await goals.add_review(db, caller, goal_id, to_model(ReviewCreate, input))
            return Review.from_pydantic(ReviewRead.model_validate(review, from_attributes=True))

        return await attempt(info, "goals.write", work)

    @strawberry.mutation(description="Plan a session, or record one that has happened.")
    async def create_session(
        self,
        info: Info[Context, None],
        input: SessionCreateInput,  # type: ignore[valid-type]
    ) -> SessionResult:
        async def work(db: AsyncSession, caller: Principal) -> Session:
            session = await sessions.create_session(db, caller, to_model(SessionCreate, input))
            return Session.from_pydantic((await sessions.present(db, caller, [session]))[0])

        return await attempt(info, "sessions.write", work)

    @strawberry.mutation(description="Reschedule a session or record how it went.")
    async def update_session(
        self,
        info: Info[Context, None],
        id: uuid.UUID,
        input: SessionUpdateInput,  # type: ignore[valid-type]
        expected_version: ExpectedVersion = None,
    ) -> SessionResult:
        async def work(db: AsyncSession, caller: Principal) -> Session:
            session = await sessions.update_session(
                db, caller, id, to_model(SessionUpdate, input), if_match=expected_version
            )
            return Session.from_pydantic((await sessions.present(db, caller, [session]))[0])

        return await attempt(info, "sessions.write", work)

    @strawberry.mutation(description="Record a self-assessment: a 1..10 score per pathway.")
    async def record_assessment(
        self,
        info: Info[Context, None],
        mentee_id: uuid.UUID,
        taken_on: date,
        scores: list[PathwayScoreInput],
    ) -> AssessmentResult:
        async def work(db: AsyncSession, caller: Principal) -> Assessment:
            data = AssessmentCreate.model_validate(
                {
                    "mentee_id": mentee_id,
                    "taken_on": taken_on,
                    "scores": {s.pathway.value: s.score for s in scores},
                }
            )
            row = await assessments.record_assessment(db, caller, data)
            return Assessment.of(AssessmentRead.model_validate(row, from_attributes=True))

        return await attempt(info, "assessments.write", work)

    @strawberry.mutation(description="Someone is dealing with this alert (staff).")
    async def acknowledge_alert(
        self,
        info: Info[Context, None],
        id: uuid.UUID,
        note: str | None = None,
        expected_version: ExpectedVersion = None,
    ) -> AlertResult:
        async def work(db: AsyncSession, caller: Principal) -> Alert:
            body = to_model(AlertAcknowledge, {"note": note})
            row = await alerts.acknowledge(db, caller, id, body.note, if_match=expected_version)
            return Alert.from_pydantic(alerts.present(row))

        return await attempt(info, "alerts.change", work)

    @strawberry.mutation(description="Resolve an alert with a note of what was done (staff).")
    async def resolve_alert(
        self,
        info: Info[Context, None],
        id: uuid.UUID,
        note: str,
        expected_version: ExpectedVersion = None,
    ) -> AlertResult:
        async def work(db: AsyncSession, caller: Principal) -> Alert:
            body = to_model(AlertResolve, {"note": note})
            row = await alerts.resolve(db, caller, id, body.note, if_match=expected_version)
            return Alert.from_pydantic(alerts.present(row))

        return await attempt(info, "alerts.change", work)

    @strawberry.mutation(description="Record a mentee's outcome at a milestone.")
    async def record_outcome(
        self,
        info: Info[Context, None],
        input: OutcomeCreateInput,  # type: ignore[valid-type]
    ) -> OutcomeResult:
        async def work(db: AsyncSession, caller: Principal) -> Outcome:
            row = await outcomes.record_outcome(db, caller, to_model(OutcomeCreate, input))
            return Outcome.from_pydantic(OutcomeRead.model_validate(row, from_attributes=True))

        return await attempt(info, "outcomes.write", work)

    @strawberry.mutation(description="Correct an outcome record.")
    async def update_outcome(
        self,
        info: Info[Context, None],
        id: uuid.UUID,
        input: OutcomeUpdateInput,  # type: ignore[valid-type]
        expected_version: ExpectedVersion = None,
    ) -> OutcomeResult:
        async def work(db: AsyncSession, caller: Principal) -> Outcome:
            row = await outcomes.update_outcome(
                db, caller, id, to_model(OutcomeUpdate, input), if_match=expected_version
            )
            return Outcome.from_pydantic(OutcomeRead.model_validate(row, from_attributes=True))

        return await attempt(info, "outcomes.write", work)

    @strawberry.mutation(description="Add a service to the directory. Staff only.")
    async def create_service(
        self,
        info: Info[Context, None],
        input: ServiceCreateInput,  # type: ignore[valid-type]
    ) -> ServiceResult:
        async def work(db: AsyncSession, caller: Principal) -> Service:
            row = await directory.create_service(db, caller, to_model(ServiceCreate, input))
            return _service(row)

        return await attempt(info, "services.write", work)

    @strawberry.mutation(description="Change a service. Staff only.")
    async def update_service(
        self,
        info: Info[Context, None],
        id: uuid.UUID,
        input: ServiceUpdateInput,  # type: ignore[valid-type]
        expected_version: ExpectedVersion = None,
    ) -> ServiceResult:
        async def work(db: AsyncSession, caller: Principal) -> Service:
            row = await directory.update_service(
                db, caller, id, to_model(ServiceUpdate, input), if_match=expected_version
            )
            return _service(row)

        return await attempt(info, "services.write", work)

    @strawberry.mutation(description="Retire a service: no longer offered, still readable.")
    async def retire_service(
        self, info: Info[Context, None], id: uuid.UUID, expected_version: ExpectedVersion = None
    ) -> ServiceResult:
        async def work(db: AsyncSession, caller: Principal) -> Service:
            return _service(
                await directory.retire_service(db, caller, id, if_match=expected_version)
            )

        return await attempt(info, "services.write", work)

    @strawberry.mutation(description="Refer someone in (partners, coordinators) or a mentee out.")
    async def create_referral(
        self,
        info: Info[Context, None],
        input: ReferralCreateInput,  # type: ignore[valid-type]
    ) -> ReferralResult:
        async def work(db: AsyncSession, caller: Principal) -> Referral:
            row = await referrals.create_referral(db, caller, to_model(ReferralCreate, input))
            return Referral.from_pydantic((await referrals.present(db, caller, [row]))[0])

        return await attempt(info, "referrals.write", work)

    @strawberry.mutation(
        description="Move a referral: `send`, `accept` and `start` take an optional note; "
        "`decline` and `withdraw` need it as their reason; `complete` needs an outcome and a note."
    )
    async def move_referral(
        self,
        info: Info[Context, None],
        id: uuid.UUID,
        move: ReferralMoveName,
        note: str | None = None,
        outcome: ReferralOutcome | None = None,
        expected_version: ExpectedVersion = None,
    ) -> ReferralResult:
        async def work(db: AsyncSession, caller: Principal) -> Referral:
            # The REST bodies' rules, validated by the same models.
            if move in (ReferralMoveName.decline, ReferralMoveName.withdraw):
                note_text: str | None = ReferralReasoned(reason=note or "").reason
            elif move == ReferralMoveName.complete:
                completion = ReferralCompletion.model_validate(
                    {"outcome": outcome, "note": note or ""}
                )
                note_text = completion.note
            else:
                note_text = ReferralMove(note=note).note
            row = await referrals.move(
                db, caller, id, move, note=note_text, outcome=outcome, if_match=expected_version
            )
            return Referral.from_pydantic((await referrals.present(db, caller, [row]))[0])

        return await attempt(info, "referrals.write", work)

    @strawberry.mutation(
        description="The referring partner or staff: a mentee was released, recalled, "
        "transferred or their sentence ended; the relationship follows."
    )
    async def report_custody_event(
        self,
        info: Info[Context, None],
        person_id: uuid.UUID,
        input: CustodyEventCreateInput,  # type: ignore[valid-type]
    ) -> CustodyEventResult:
        async def work(db: AsyncSession, caller: Principal) -> CustodyEvent:
            data = to_model(CustodyEventCreate, input)
            row = await people.report_custody_event(db, caller, person_id, data)
            return CustodyEvent.from_pydantic(
                CustodyEventRead.model_validate(row, from_attributes=True)
            )

        return await attempt(info, "custody.report", work)

    @strawberry.mutation(
        description="Staff: a person's consent granted or withdrawn, in force at once."
    )
    async def record_consent(
        self,
        info: Info[Context, None],
        person_id: uuid.UUID,
        input: ConsentCreateInput,  # type: ignore[valid-type]
    ) -> ConsentResult:
        async def work(db: AsyncSession, caller: Principal) -> Consent:
            row = await consent_records.record(
                db, caller, person_id, to_model(ConsentCreate, input)
            )
            return Consent.from_pydantic(ConsentRead.model_validate(row, from_attributes=True))

        return await attempt(info, "consents.write", work)

    @strawberry.mutation(
        description="Staff: the inbound referral's case reference is held by another mentee; "
        "`confirm` (the same person) or `reject` (someone else)."
    )
    async def decide_pending_match(
        self, info: Info[Context, None], id: uuid.UUID, decision: str
    ) -> ReferralResult:
        async def work(db: AsyncSession, caller: Principal) -> Referral:
            data = MatchDecision.model_validate({"decision": decision})
            row = await referrals.decide_pending_match(db, caller, id, data)
            return Referral.from_pydantic((await referrals.present(db, caller, [row]))[0])

        return await attempt(info, "referrals.decide_inbound", work)


def _service(row: Any) -> Service:
    return Service.from_pydantic(ServiceRead.model_validate(row, from_attributes=True))
