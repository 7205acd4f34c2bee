"""`/relationships`: matches between a mentee and a mentor, from proposal to a definitive end."""

import uuid
from typing import Annotated, Literal

from fastapi import Body, Path, Response, status

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models import MentoringRelationship
from api.models.common import Page, Timestamp
from api.models.enums import Phase, RelationshipStatus, Transition
from api.models.relationship import (
    CheckInCreate,
    CheckInRead,
    MenteeAgreementCreate,
    MenteeDecline,
    RelationshipCreate,
    RelationshipEnd,
    RelationshipRead,
    RelationshipUpdate,
    TransitionNote,
)
from api.routers.common import Cursor, IfMatch, Limit, one_of, with_etag
from api.routers.resource_router import ResourceRouter
from api.services import relationships
from api.services.relationships import RelationshipFilter

router = ResourceRouter(
    prefix="/relationships", tags=["relationships"], responses=problem_responses(401, 403, 429)
)
OptionalNote = Annotated[TransitionNote | None, Body()]


@router.get(
    "",
    summary="List relationships",
    response_model=Page[RelationshipRead],
    responses=problem_responses(422),
)
async def list_relationships(
    db: DB,
    caller: Annotated[Principal, may("relationships.read")],
    status: RelationshipStatus | None = None,
    phase: Phase | None = None,
    mentor_id: uuid.UUID | None = None,
    mentee_id: uuid.UUID | None = None,
    updated_since: Timestamp | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[RelationshipRead]:
    """Staff see the organisation's relationships; mentors and mentees their own."""
    filters = RelationshipFilter(
        status=status,
        phase=phase,
        mentor_id=mentor_id,
        mentee_id=mentee_id,
        updated_since=updated_since,
    )
    rows, next_cursor = await relationships.list_relationships(
        db, caller, filters, limit=limit, cursor=cursor
    )
    return Page(items=await relationships.present(db, caller, rows), next_cursor=next_cursor)


@router.post(
    "",
    summary="Propose a match",
    status_code=status.HTTP_201_CREATED,
    response_model=RelationshipRead,
    responses=problem_responses(409, 422),
)
async def create_relationship(
    db: DB,
    caller: Annotated[Principal, may("relationships.create")],
    body: RelationshipCreate,
    response: Response,
) -> RelationshipRead:
    """Match a mentee with a mentor (status `proposed`). Staff only.

    Refused with 409 when the mentee already has an open relationship, the mentor's caseload
    is full, the mentor is not cleared, in date and trained, or a non-association links them.
    """
    relationship = await relationships.create_relationship(db, caller, body)
    response.headers["Location"] = f"/api/v1/relationships/{relationship.id}"
    return await _answer(db, caller, relationship, response)


@router.get(
    "/{relationship_id}",
    summary="Get a relationship",
    response_model=RelationshipRead,
    responses=problem_responses(404, 422),
)
async def get_relationship(
    db: DB,
    caller: Annotated[Principal, may("relationships.read")],
    relationship_id: uuid.UUID,
    response: Response,
) -> RelationshipRead:
    """One relationship with its history and the latest check-in from each side."""
    relationship = await relationships.find_relationship(db, caller, relationship_id)
    return await _answer(db, caller, relationship, response)


@router.patch(
    "/{relationship_id}",
    summary="Change a relationship",
    response_model=RelationshipRead,
    responses=problem_responses(404, 409, 412, 422),
)
async def update_relationship(
    db: DB,
    caller: Annotated[Principal, may("relationships.change")],
    relationship_id: uuid.UUID,
    body: RelationshipUpdate,
    if_match: IfMatch,
    response: Response,
) -> RelationshipRead:
    """Move the phase forward, or change the expectations or the review date."""
    relationship = await relationships.update_relationship(
        db, caller, relationship_id, body, if_match=if_match
    )
    return await _answer(db, caller, relationship, response)


@router.post(
    "/{relationship_id}/end",
    summary="End a relationship",
    response_model=RelationshipRead,
    responses=problem_responses(404, 409, 412, 422),
)
async def end_relationship(
    db: DB,
    caller: Annotated[Principal, may("relationships.change")],
    relationship_id: uuid.UUID,
    body: RelationshipEnd,
    if_match: IfMatch,
    response: Response,
) -> RelationshipRead:
    """Any open state → `ended`, with a reason and a closing summary. It never reopens."""
    relationship = await relationships.transition(
        db, caller, relationship_id, Transition.end, ending=body, if_match=if_match
    )
    return await _answer(db, caller, relationship, response)


@router.post(
    "/{relationship_id}/check-ins",
    summary="Record a check-in",
    status_code=status.HTTP_201_CREATED,
    response_model=CheckInRead,
    responses=problem_responses(404, 409, 422),
)
async def create_check_in(
    db: DB,
    caller: Annotated[Principal, may("relationships.check_in")],
    relationship_id: uuid.UUID,
    body: CheckInCreate,
) -> CheckInRead:
    """How the relationship feels to the mentor or the mentee after a session."""
    check_in = await relationships.record_check_in(db, caller, relationship_id, body)
    return await relationships.present_new_check_in(db, caller, check_in)


@router.get(
    "/{relationship_id}/check-ins",
    summary="List check-ins",
    response_model=Page[CheckInRead],
    responses=problem_responses(404, 422),
)
async def list_check_ins(
    db: DB,
    caller: Annotated[Principal, may("relationships.read")],
    relationship_id: uuid.UUID,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CheckInRead]:
    """Every check-in on the relationship, oldest first."""
    items, next_cursor = await relationships.list_check_ins(
        db, caller, relationship_id, limit=limit, cursor=cursor
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/{relationship_id}/agree",
    summary="Record the mentee's agreement to a proposed match",
    response_model=RelationshipRead,
    responses=problem_responses(404, 409, 422),
)
async def agree_to_relationship(
    db: DB,
    caller: Annotated[Principal, may("relationships.mentee_say")],
    relationship_id: uuid.UUID,
    response: Response,
    body: Annotated[MenteeAgreementCreate | None, Body()] = None,
) -> RelationshipRead:
    """The mentee agrees to the match: needed before `activate` (409 without it). The mentee
    themself, or staff on their behalf with a `note` of how the mentee agreed (422 without)."""
    relationship = await relationships.agree(
        db, caller, relationship_id, body or MenteeAgreementCreate()
    )
    return await _answer(db, caller, relationship, response)


@router.post(
    "/{relationship_id}/decline",
    summary="Decline a proposed match for the mentee",
    response_model=RelationshipRead,
    responses=problem_responses(404, 409, 422),
)
async def decline_relationship(
    db: DB,
    caller: Annotated[Principal, may("relationships.mentee_say")],
    relationship_id: uuid.UUID,
    body: MenteeDecline,
    response: Response,
) -> RelationshipRead:
    """The mentee does not want this match (themself, or staff on their behalf): a proposed
    relationship ends before it starts, as `mentee_withdrew`, the reason as its summary."""
    relationship = await relationships.decline(db, caller, relationship_id, body)
    return await _answer(db, caller, relationship, response)


SIMPLE_MOVES = (Transition.activate, Transition.pause, Transition.resume)


@router.post(
    f"/{{relationship_id}}/{one_of('move', SIMPLE_MOVES)}",
    summary="Activate, pause or resume a relationship",
    response_model=RelationshipRead,
    responses=problem_responses(404, 409, 412, 422),
)
async def move_relationship(
    db: DB,
    caller: Annotated[Principal, may("relationships.change")],
    relationship_id: uuid.UUID,
    move: Annotated[
        Literal[Transition.activate, Transition.pause, Transition.resume],
        Path(
            description="`activate`: proposed → active (records the start date); "
            "`pause`: active → paused; `resume`: paused → active."
        ),
    ],
    if_match: IfMatch,
    response: Response,
    body: OptionalNote = None,
) -> RelationshipRead:
    """Apply one move of the state machine; any other move from the current state is a 409."""
    relationship = await relationships.transition(
        db, caller, relationship_id, move, note=body.note if body else None, if_match=if_match
    )
    return await _answer(db, caller, relationship, response)


async def _answer(
    db: DB, caller: Principal, relationship: MentoringRelationship, response: Response
) -> RelationshipRead:
    with_etag(response, relationship)
    return (await relationships.present(db, caller, [relationship]))[0]
