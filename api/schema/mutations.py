"""Mutations: the REST workflows, answering a typed result or a `Problem`, never an exception."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import strawberry
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from api.auth.principal import Principal
from api.errors import DomainError, Invalid
from api.models.enums import Transition
from api.models.matching import OrganisationUpdate
from api.models.person import PersonCreate, PersonUpdate
from api.models.relationship import (
    CheckInCreate,
    CheckInRead,
    NonAssociationCreate,
    RelationshipCreate,
    RelationshipEnd,
    RelationshipUpdate,
)
from api.schema.context import Context
from api.schema.inputs import input_type, to_model
from api.schema.problems import Problem, problem_of
from api.schema.types import CheckIn, NonAssociation, Organisation, Person, Relationship
from api.services import non_associations, organisation, people, relationships

R = TypeVar("R")


@strawberry.type(description="What was removed.")
class Removed:
    id: uuid.UUID


PersonResult = Annotated[Person | Problem, strawberry.union("PersonResult")]
RelationshipResult = Annotated[Relationship | Problem, strawberry.union("RelationshipResult")]
CheckInResult = Annotated[CheckIn | Problem, strawberry.union("CheckInResult")]
NonAssociationResult = Annotated[NonAssociation | Problem, strawberry.union("NonAssociationResult")]
OrganisationResult = Annotated[Organisation | Problem, strawberry.union("OrganisationResult")]
RemovedResult = Annotated[Removed | Problem, strawberry.union("RemovedResult")]

PersonCreateInput = input_type(PersonCreate)
PersonUpdateInput = input_type(PersonUpdate)
RelationshipCreateInput = input_type(RelationshipCreate)
RelationshipUpdateInput = input_type(RelationshipUpdate)
RelationshipEndInput = input_type(RelationshipEnd)
CheckInCreateInput = input_type(CheckInCreate)
NonAssociationCreateInput = input_type(NonAssociationCreate)
OrganisationUpdateInput = input_type(OrganisationUpdate)

ExpectedVersion = Annotated[
    int | None,
    strawberry.argument(description="The version you last saw (REST's If-Match)."),
]


async def _attempt(
    info: Info[Context, None],
    scopes: tuple[str, ...],
    work: Callable[[AsyncSession, Principal], Awaitable[R]],
) -> R | Problem:
    """Run one use case; any refusal becomes the `Problem` member of the result union."""
    context = info.context
    try:
        return await work(context.db, context.require(*scopes))
    except (DomainError, ValidationError) as exc:
        await context.db.rollback()
        return problem_of(exc)


async def _relationship(db: AsyncSession, row: Any) -> Relationship:
    (read,) = await relationships.present(db, [row])
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

        return await _attempt(info, ("people:write",), work)

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

        return await _attempt(info, ("people:write",), work)

    @strawberry.mutation(description="Remove a person (soft delete). Staff only.")
    async def delete_person(
        self, info: Info[Context, None], id: uuid.UUID, expected_version: ExpectedVersion = None
    ) -> RemovedResult:
        async def work(db: AsyncSession, caller: Principal) -> Removed:
            await people.delete_person(db, caller, id, if_match=expected_version)
            return Removed(id=id)

        return await _attempt(info, ("people:write",), work)

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
            return await _relationship(db, row)

        return await _attempt(info, ("relationships:write",), work)

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
            return await _relationship(db, row)

        return await _attempt(info, ("relationships:write",), work)

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
            return await _relationship(db, row)

        return await _attempt(info, ("relationships:write",), work)

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
            return await _relationship(db, row)

        return await _attempt(info, ("relationships:write",), work)

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
            return CheckIn.from_pydantic(CheckInRead.model_validate(row, from_attributes=True))

        return await _attempt(info, ("relationships:write",), work)

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

        return await _attempt(info, ("people:write",), work)

    @strawberry.mutation(description="Remove a non-association.")
    async def remove_non_association(
        self, info: Info[Context, None], mentee_id: uuid.UUID, id: uuid.UUID
    ) -> RemovedResult:
        async def work(db: AsyncSession, caller: Principal) -> Removed:
            await non_associations.remove(db, caller, mentee_id, id)
            return Removed(id=id)

        return await _attempt(info, ("people:write",), work)

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

        return await _attempt(info, ("admin",), work)
