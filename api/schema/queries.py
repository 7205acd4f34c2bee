"""Root queries: each calls the same service function as the matching REST endpoint."""

import functools
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import ParamSpec, TypeVar

import strawberry
from pydantic import TypeAdapter, ValidationError
from strawberry.types import Info

from api.errors import Invalid, NotFound
from api.models.assessment import AssessmentRead
from api.models.common import QueryText, Timestamp
from api.models.consent import ConsentRead
from api.models.custody import CustodyEventRead
from api.models.enums import (
    AlertRule,
    AlertStatus,
    ConsentPurpose,
    GoalStatus,
    Milestone,
    Pathway,
    PersonKind,
    Phase,
    ReferralDirection,
    ReferralStatus,
    RelationshipStatus,
    SessionStatus,
    Severity,
)
from api.models.outcome import OutcomeRead
from api.models.service import ServiceRead
from api.models.session import SessionSort
from api.schema.context import Context
from api.schema.limits import MAX_PAGE
from api.schema.types import (
    Alert,
    Assessment,
    Connection,
    Consent,
    CustodyEvent,
    DistanceTravelledType,
    EventFeed,
    Goal,
    HeldBack,
    MatchExplanation,
    MatchSuggestion,
    Me,
    NonAssociation,
    Organisation,
    Outcome,
    PageInfo,
    Person,
    Referral,
    ReferralProgress,
    Relationship,
    Service,
    Session,
)
from api.services import (
    accounts,
    alerts,
    assessments,
    consent_records,
    directory,
    goals,
    matching,
    non_associations,
    organisation,
    outcomes,
    people,
    referrals,
    relationships,
    sessions,
)
from api.services import events as event_feed
from api.services.alerts import AlertFilter
from api.services.directory import ServiceFilter
from api.services.goals import GoalFilter
from api.services.outcomes import OutcomeFilter
from api.services.pagination import MAX_LIMIT
from api.services.people import PeopleFilter
from api.services.referrals import ReferralFilter
from api.services.relationships import RelationshipFilter
from api.services.sessions import SessionFilter

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")


def page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise Invalid(f"`first` must be between 1 and {MAX_PAGE}.", loc=["first"])
    return first


def zoned(when: datetime | None) -> datetime | None:
    """REST's timestamp rule: a zone is required, and the instant must be representable."""
    if when is None:
        return None
    try:
        return TypeAdapter(Timestamp).validate_python(when)
    except ValidationError as exc:
        raise Invalid(
            "`updatedSince` needs a time zone (e.g. ...Z) and a real date.", loc=["updatedSince"]
        ) from exc


def one_at_a_time(resolver: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Root fields run concurrently; their database work takes turns on the one session."""

    @functools.wraps(resolver)
    async def run(*args: P.args, **kwargs: P.kwargs) -> R:
        info = kwargs["info"]
        assert isinstance(info, Info)
        async with info.context.db_lock:
            return await resolver(*args, **kwargs)

    return run


def _text(value: str | None, name: str) -> str | None:
    """REST's rule for filter text: at most 100 characters, no NUL."""
    if value is None:
        return None
    try:
        return TypeAdapter(QueryText).validate_python(value)
    except ValidationError as exc:
        raise Invalid(f"`{name}` must be up to 100 characters of text.", loc=[name]) from exc


def page_of(nodes: list[T], cursor: str | None) -> Connection[T]:
    return Connection(
        nodes=nodes, page_info=PageInfo(end_cursor=cursor, has_next_page=cursor is not None)
    )


@strawberry.type
class Query:
    @strawberry.field(description="Who the token is.")
    def me(self, info: Info[Context, None]) -> Me:
        return Me.from_pydantic(accounts.describe(info.context.authorize("me.read")))

    @strawberry.field(description="Your organisation and its settings.")
    @one_at_a_time
    async def organisation(self, info: Info[Context, None]) -> Organisation:
        context = info.context
        org = await organisation.get_organisation(
            context.db, context.authorize("organisation.read")
        )
        return Organisation.from_pydantic(organisation.present(org))

    @strawberry.field(description="One person, or null if absent or not yours to see.")
    @one_at_a_time
    async def person(self, info: Info[Context, None], id: uuid.UUID) -> Person | None:
        context = info.context
        caller = context.authorize("people.read")
        try:
            found = await people.get_person(context.db, caller, id)
        except NotFound:
            return None
        return Person.from_pydantic(people.present(found, caller))

    @strawberry.field(description="People you may see, oldest first.")
    @one_at_a_time
    async def people(
        self,
        info: Info[Context, None],
        kind: PersonKind | None = None,
        region: str | None = None,
        q: str | None = None,
        external_ref: str | None = None,
        updated_since: datetime | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Person]:
        context = info.context
        caller = context.authorize("people.read")
        filters = PeopleFilter(
            kind=kind,
            region=_text(region, "region"),
            q=_text(q, "q"),
            external_ref=_text(external_ref, "externalRef"),
            updated_since=zoned(updated_since),
        )
        rows, cursor = await people.list_people(
            context.db, caller, filters, limit=page_size(first), cursor=after
        )
        return page_of([Person.from_pydantic(people.present(p, caller)) for p in rows], cursor)

    @strawberry.field(description="One relationship, or null if absent or not yours to see.")
    @one_at_a_time
    async def relationship(self, info: Info[Context, None], id: uuid.UUID) -> Relationship | None:
        context = info.context
        caller = context.authorize("relationships.read")
        try:
            found = await relationships.find_relationship(context.db, caller, id)
        except NotFound:
            return None
        (read,) = await relationships.present(context.db, caller, [found])
        return Relationship.from_pydantic(read)

    @strawberry.field(description="Relationships you may see, oldest first.")
    @one_at_a_time
    async def relationships(
        self,
        info: Info[Context, None],
        status: RelationshipStatus | None = None,
        phase: Phase | None = None,
        mentor_id: uuid.UUID | None = None,
        mentee_id: uuid.UUID | None = None,
        updated_since: datetime | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Relationship]:
        context = info.context
        caller = context.authorize("relationships.read")
        filters = RelationshipFilter(
            status=status,
            phase=phase,
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            updated_since=zoned(updated_since),
        )
        rows, cursor = await relationships.list_relationships(
            context.db, caller, filters, limit=page_size(first), cursor=after
        )
        reads = await relationships.present(context.db, caller, rows)
        return page_of([Relationship.from_pydantic(read) for read in reads], cursor)

    @strawberry.field(description="One goal, or null if absent or not yours to see.")
    @one_at_a_time
    async def goal(self, info: Info[Context, None], id: uuid.UUID) -> Goal | None:
        context = info.context
        caller = context.authorize("goals.read")
        try:
            found = await goals.find_goal(context.db, caller, id)
        except NotFound:
            return None
        (read,) = await goals.present(context.db, [found])
        return Goal.from_pydantic(read)

    @strawberry.field(description="Goals of the mentees you may see, oldest first.")
    @one_at_a_time
    async def goals(
        self,
        info: Info[Context, None],
        mentee_id: uuid.UUID | None = None,
        relationship_id: uuid.UUID | None = None,
        pathway: Pathway | None = None,
        status: GoalStatus | None = None,
        review_due_before: date | None = None,
        updated_since: datetime | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Goal]:
        context = info.context
        caller = context.authorize("goals.read")
        filters = GoalFilter(
            mentee_id=mentee_id,
            relationship_id=relationship_id,
            pathway=pathway,
            status=status,
            review_due_before=review_due_before,
            updated_since=zoned(updated_since),
        )
        rows, cursor = await goals.list_goals(
            context.db, caller, filters, limit=page_size(first), cursor=after
        )
        return page_of(
            [Goal.from_pydantic(read) for read in await goals.present(context.db, rows)], cursor
        )

    @strawberry.field(description="One session, or null if absent or not yours to see.")
    @one_at_a_time
    async def session(self, info: Info[Context, None], id: uuid.UUID) -> Session | None:
        context = info.context
        caller = context.authorize("sessions.read")
        try:
            found = await sessions.find_session(context.db, caller, id)
        except NotFound:
            return None
        (read,) = await sessions.present(context.db, caller, [found])
        return Session.from_pydantic(read)

    @strawberry.field(description="Sessions of the relationships you may see.")
    @one_at_a_time
    async def sessions(
        self,
        info: Info[Context, None],
        relationship_id: uuid.UUID | None = None,
        mentee_id: uuid.UUID | None = None,
        mentor_id: uuid.UUID | None = None,
        status: SessionStatus | None = None,
        starts_from: datetime | None = None,
        starts_before: datetime | None = None,
        updated_since: datetime | None = None,
        sort: SessionSort | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Session]:
        context = info.context
        caller = context.authorize("sessions.read")
        filters = SessionFilter(
            relationship_id=relationship_id,
            mentee_id=mentee_id,
            mentor_id=mentor_id,
            status=status,
            starts_from=zoned(starts_from),
            starts_before=zoned(starts_before),
            updated_since=zoned(updated_since),
            sort=sort,
        )
        rows, cursor = await sessions.list_sessions(
            context.db, caller, filters, limit=page_size(first), cursor=after
        )
        reads = await sessions.present(context.db, caller, rows)
        return page_of([Session.from_pydantic(read) for read in reads], cursor)

    @strawberry.field(description="Assessments of the mentees you may see.")
    @one_at_a_time
    async def assessments(
        self,
        info: Info[Context, None],
        mentee_id: uuid.UUID | None = None,
        updated_since: datetime | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Assessment]:
        context = info.context
        caller = context.authorize("assessments.read")
        rows, cursor = await assessments.list_assessments(
            context.db,
            caller,
            mentee_id=mentee_id,
            updated_since=zoned(updated_since),
            limit=page_size(first),
            cursor=after,
        )
        return page_of(
            [Assessment.of(AssessmentRead.model_validate(r, from_attributes=True)) for r in rows],
            cursor,
        )

    @strawberry.field(description="Per pathway: first and latest score, and the change.")
    @one_at_a_time
    async def distance_travelled(
        self, info: Info[Context, None], mentee_id: uuid.UUID
    ) -> DistanceTravelledType | None:
        context = info.context
        caller = context.authorize("assessments.read")
        try:
            found = await assessments.distance_travelled(context.db, caller, mentee_id)
        except NotFound:
            return None
        return DistanceTravelledType.from_pydantic(found)

    @strawberry.field(description="Outcomes of the mentees you work with (staff, mentors).")
    @one_at_a_time
    async def outcomes(
        self,
        info: Info[Context, None],
        mentee_id: uuid.UUID | None = None,
        milestone: Milestone | None = None,
        updated_since: datetime | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Outcome]:
        context = info.context
        caller = context.authorize("outcomes.read")
        filters = OutcomeFilter(
            mentee_id=mentee_id, milestone=milestone, updated_since=zoned(updated_since)
        )
        rows, cursor = await outcomes.list_outcomes(
            context.db, caller, filters, limit=page_size(first), cursor=after
        )
        return page_of(
            [
                Outcome.from_pydantic(OutcomeRead.model_validate(r, from_attributes=True))
                for r in rows
            ],
            cursor,
        )

    @strawberry.field(description="One outcome record, or null.")
    @one_at_a_time
    async def outcome(self, info: Info[Context, None], id: uuid.UUID) -> Outcome | None:
        context = info.context
        caller = context.authorize("outcomes.read")
        try:
            found = await outcomes.find_outcome(context.db, caller, id)
        except NotFound:
            return None
        return Outcome.from_pydantic(OutcomeRead.model_validate(found, from_attributes=True))

    @strawberry.field(
        description="Early warnings: staff see the organisation's, a mentor those about "
        "their relationships and themselves."
    )
    @one_at_a_time
    async def alerts(
        self,
        info: Info[Context, None],
        status: AlertStatus | None = None,
        rule: AlertRule | None = None,
        severity: Severity | None = None,
        mentee_id: uuid.UUID | None = None,
        mentor_id: uuid.UUID | None = None,
        relationship_id: uuid.UUID | None = None,
        updated_since: datetime | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Alert]:
        context = info.context
        caller = context.authorize("alerts.read")
        filters = AlertFilter(
            status=status,
            rule=rule,
            severity=severity,
            mentee_id=mentee_id,
            mentor_id=mentor_id,
            relationship_id=relationship_id,
            updated_since=zoned(updated_since),
        )
        rows, cursor = await alerts.list_alerts(
            context.db, caller, filters, limit=page_size(first), cursor=after
        )
        return page_of([Alert.from_pydantic(alerts.present(r)) for r in rows], cursor)

    @strawberry.field(description="One alert, or null.")
    @one_at_a_time
    async def alert(self, info: Info[Context, None], id: uuid.UUID) -> Alert | None:
        context = info.context
        caller = context.authorize("alerts.read")
        try:
            found = await alerts.find_alert(context.db, caller, id)
        except NotFound:
            return None
        return Alert.from_pydantic(alerts.present(found))

    @strawberry.field(description="One service of the directory (retired ones too), or null.")
    @one_at_a_time
    async def service(self, info: Info[Context, None], id: uuid.UUID) -> Service | None:
        context = info.context
        caller = context.authorize("services.read")
        try:
            found = await directory.find_service(context.db, caller, id)
        except NotFound:
            return None
        return Service.from_pydantic(ServiceRead.model_validate(found, from_attributes=True))

    @strawberry.field(description="Search the services directory.")
    @one_at_a_time
    async def services(
        self,
        info: Info[Context, None],
        category: Pathway | None = None,
        area: str | None = None,
        accepts_referrals: bool | None = None,
        q: str | None = None,
        include_retired: bool = False,
        updated_since: datetime | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Service]:
        context = info.context
        caller = context.authorize("services.read")
        filters = ServiceFilter(
            category=category,
            area=_text(area, "area"),
            accepts_referrals=accepts_referrals,
            q=_text(q, "q"),
            include_retired=include_retired,
            updated_since=zoned(updated_since),
        )
        rows, cursor = await directory.list_services(
            context.db, caller, filters, limit=page_size(first), cursor=after
        )
        return page_of(
            [
                Service.from_pydantic(ServiceRead.model_validate(r, from_attributes=True))
                for r in rows
            ],
            cursor,
        )

    @strawberry.field(description="One referral, or null if absent or not yours to see.")
    @one_at_a_time
    async def referral(self, info: Info[Context, None], id: uuid.UUID) -> Referral | None:
        context = info.context
        caller = context.authorize("referrals.read")
        try:
            found = await referrals.find_referral(context.db, caller, id)
        except NotFound:
            return None
        (read,) = await referrals.present(context.db, caller, [found])
        return Referral.from_pydantic(read)

    @strawberry.field(description="Referrals you may see: a partner's own, a mentor's mentees'.")
    @one_at_a_time
    async def referrals(
        self,
        info: Info[Context, None],
        direction: ReferralDirection | None = None,
        status: ReferralStatus | None = None,
        mentee_id: uuid.UUID | None = None,
        service_id: uuid.UUID | None = None,
        category: Pathway | None = None,
        updated_since: datetime | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Referral]:
        context = info.context
        caller = context.authorize("referrals.read")
        filters = ReferralFilter(
            direction=direction,
            status=status,
            mentee_id=mentee_id,
            service_id=service_id,
            category=category,
            updated_since=zoned(updated_since),
        )
        rows, cursor = await referrals.list_referrals(
            context.db, caller, filters, limit=page_size(first), cursor=after
        )
        reads = await referrals.present(context.db, caller, rows)
        return page_of([Referral.from_pydantic(read) for read in reads], cursor)

    @strawberry.field(description="A referred person's journey, minimised for the referrer.")
    @one_at_a_time
    async def referral_progress(
        self, info: Info[Context, None], id: uuid.UUID
    ) -> ReferralProgress | None:
        context = info.context
        caller = context.authorize("referrals.read")
        try:
            return ReferralProgress.of(await referrals.progress(context.db, caller, id))
        except NotFound:
            return None

    @strawberry.field(
        description="The events feed: what happened that you may see, oldest first. Each "
        "type needs its read scope; an event numbered after a cursor is never skipped."
    )
    @one_at_a_time
    async def events(
        self,
        info: Info[Context, None],
        after: str | None = None,
        types: list[str] | None = None,
        first: int = 50,
    ) -> EventFeed:
        context = info.context
        caller = context.authorize("events.read")
        page = await event_feed.feed(
            context.db, caller, after=after, types=types or (), limit=page_size(first)
        )
        return EventFeed.of(page)

    @strawberry.field(description="Eligible mentors for a mentee, best first (staff).")
    @one_at_a_time
    async def match_suggestions(
        self, info: Info[Context, None], mentee_id: uuid.UUID, limit: int = 10
    ) -> list[MatchSuggestion]:
        context = info.context
        caller = context.authorize("matching.suggest")
        if not 1 <= limit <= 50:
            raise Invalid("`limit` must be between 1 and 50.", loc=["limit"])
        found = await matching.suggest(context.db, caller, mentee_id, limit=limit)
        return [MatchSuggestion.from_pydantic(s) for s in found.items]

    @strawberry.field(
        description="Mentors otherwise eligible for a mentee but held back from the "
        "suggestions, with the reason (supervision overdue beyond the organisation's "
        "`unmatchedAfterDaysUnsupervised`). Staff."
    )
    @one_at_a_time
    async def match_held_back(
        self, info: Info[Context, None], mentee_id: uuid.UUID, limit: int = 10
    ) -> list[HeldBack]:
        context = info.context
        caller = context.authorize("matching.suggest")
        if not 1 <= limit <= 50:
            raise Invalid("`limit` must be between 1 and 50.", loc=["limit"])
        found = await matching.suggest(context.db, caller, mentee_id, limit=limit)
        return [HeldBack.from_pydantic(h) for h in found.held_back]

    @strawberry.field(
        description="One mentor for a mentee: the score with every factor, and what keeps "
        "them out of the suggestions (staff)."
    )
    @one_at_a_time
    async def match_explanation(
        self, info: Info[Context, None], mentee_id: uuid.UUID, mentor_id: uuid.UUID
    ) -> MatchExplanation:
        context = info.context
        caller = context.authorize("matching.suggest")
        found = await matching.explain(context.db, caller, mentee_id, mentor_id)
        return MatchExplanation.from_pydantic(found)

    @strawberry.field(description="A mentee's custody events, oldest first (staff, referrer).")
    @one_at_a_time
    async def custody_events(
        self, info: Info[Context, None], person_id: uuid.UUID
    ) -> list[CustodyEvent]:
        context = info.context
        caller = context.authorize("custody.read")
        rows, _ = await people.custody_history(context.db, caller, person_id)
        return [
            CustodyEvent.from_pydantic(CustodyEventRead.model_validate(r, from_attributes=True))
            for r in rows
        ]

    @strawberry.field(description="A person's consent decisions, oldest first.")
    @one_at_a_time
    async def consents(
        self,
        info: Info[Context, None],
        person_id: uuid.UUID,
        purpose: ConsentPurpose | None = None,
    ) -> list[Consent]:
        context = info.context
        caller = context.authorize("consents.read")
        rows, _ = await consent_records.list_for(
            context.db, caller, person_id, purpose=purpose, limit=MAX_LIMIT, cursor=None
        )
        return [
            Consent.from_pydantic(ConsentRead.model_validate(r, from_attributes=True)) for r in rows
        ]

    @strawberry.field(description="People a mentee must never be matched with.")
    @one_at_a_time
    async def non_associations(
        self, info: Info[Context, None], mentee_id: uuid.UUID
    ) -> list[NonAssociation]:
        context = info.context
        caller = context.authorize("non_associations.read")
        rows, _ = await non_associations.list_for(context.db, caller, mentee_id)
        return [NonAssociation.from_pydantic(non_associations.present(r, caller)) for r in rows]
