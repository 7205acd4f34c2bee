"""Root queries: each calls the same service function as the matching REST endpoint."""

import uuid
from datetime import datetime
from typing import TypeVar

import strawberry
from pydantic import TypeAdapter, ValidationError
from strawberry.types import Info

from api.errors import Invalid, NotFound
from api.models.common import Timestamp
from api.models.enums import PersonKind, Phase, RelationshipStatus
from api.schema.context import Context
from api.schema.limits import MAX_PAGE
from api.schema.types import (
    Connection,
    MatchSuggestion,
    Me,
    NonAssociation,
    Organisation,
    PageInfo,
    Person,
    Relationship,
)
from api.services import (
    accounts,
    matching,
    non_associations,
    organisation,
    people,
    relationships,
)
from api.services.people import PeopleFilter
from api.services.relationships import RelationshipFilter

T = TypeVar("T")


def _page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise Invalid(f"`first` must be between 1 and {MAX_PAGE}.", loc=["first"])
    return first


def _zoned(when: datetime | None) -> datetime | None:
    """REST's timestamp rule: a zone is required, and the instant must be representable."""
    if when is None:
        return None
    try:
        return TypeAdapter(Timestamp).validate_python(when)
    except ValidationError as exc:
        raise Invalid(
            "`updatedSince` needs a time zone (e.g. ...Z) and a real date.", loc=["updatedSince"]
        ) from exc


def _page(nodes: list[T], cursor: str | None) -> Connection[T]:
    return Connection(
        nodes=nodes, page_info=PageInfo(end_cursor=cursor, has_next_page=cursor is not None)
    )


@strawberry.type
class Query:
    @strawberry.field(description="Who the token is.")
    def me(self, info: Info[Context, None]) -> Me:
        return Me.from_pydantic(accounts.describe(info.context.require()))

    @strawberry.field(description="Your organisation and its settings.")
    async def organisation(self, info: Info[Context, None]) -> Organisation:
        context = info.context
        org = await organisation.get_organisation(context.db, context.require())
        return Organisation.from_pydantic(organisation.present(org))

    @strawberry.field(description="One person, or null if absent or not yours to see.")
    async def person(self, info: Info[Context, None], id: uuid.UUID) -> Person | None:
        context = info.context
        caller = context.require("people:read")
        try:
            found = await people.get_person(context.db, caller, id)
        except NotFound:
            return None
        return Person.from_pydantic(people.present(found, caller))

    @strawberry.field(description="People you may see, oldest first.")
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
        caller = context.require("people:read")
        filters = PeopleFilter(
            kind=kind,
            region=region,
            q=q,
            external_ref=external_ref,
            updated_since=_zoned(updated_since),
        )
        rows, cursor = await people.list_people(
            context.db, caller, filters, limit=_page_size(first), cursor=after
        )
        return _page([Person.from_pydantic(people.present(p, caller)) for p in rows], cursor)

    @strawberry.field(description="One relationship, or null if absent or not yours to see.")
    async def relationship(self, info: Info[Context, None], id: uuid.UUID) -> Relationship | None:
        context = info.context
        caller = context.require("relationships:read")
        try:
            found = await relationships.find_relationship(context.db, caller, id)
        except NotFound:
            return None
        (read,) = await relationships.present(context.db, [found])
        return Relationship.from_pydantic(read)

    @strawberry.field(description="Relationships you may see, oldest first.")
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
        caller = context.require("relationships:read")
        filters = RelationshipFilter(
            status=status,
            phase=phase,
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            updated_since=_zoned(updated_since),
        )
        rows, cursor = await relationships.list_relationships(
            context.db, caller, filters, limit=_page_size(first), cursor=after
        )
        reads = await relationships.present(context.db, rows)
        return _page([Relationship.from_pydantic(read) for read in reads], cursor)

    @strawberry.field(description="Eligible mentors for a mentee, best first (staff).")
    async def match_suggestions(
        self, info: Info[Context, None], mentee_id: uuid.UUID, limit: int = 10
    ) -> list[MatchSuggestion]:
        context = info.context
        caller = context.require("relationships:write")
        if not 1 <= limit <= 50:
            raise Invalid("`limit` must be between 1 and 50.", loc=["limit"])
        found = await matching.suggest(context.db, caller, mentee_id, limit=limit)
        return [MatchSuggestion.from_pydantic(s) for s in found]

    @strawberry.field(description="People a mentee must never be matched with.")
    async def non_associations(
        self, info: Info[Context, None], mentee_id: uuid.UUID
    ) -> list[NonAssociation]:
        context = info.context
        caller = context.require("people:read")
        rows = await non_associations.list_for(context.db, caller, mentee_id)
        return [NonAssociation.from_pydantic(non_associations.present(r, caller)) for r in rows]
