"""`/concerns`: safeguarding and wellbeing concerns, raised by mentors and staff."""

import uuid
from typing import Annotated

from fastapi import Body, Response, status

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models import Concern
from api.models.common import Page, Timestamp
from api.models.support import (
    ConcernCategory,
    ConcernClose,
    ConcernCreate,
    ConcernEscalation,
    ConcernMove,
    ConcernRead,
    ConcernReview,
    ConcernStatus,
    ConcernUrgency,
)
from api.routers.common import Cursor, Limit, with_etag
from api.routers.resource_router import ResourceRouter
from api.services import concerns
from api.services.concerns import ConcernFilter

router = ResourceRouter(
    prefix="/concerns", tags=["concerns"], responses=problem_responses(401, 403, 429)
)
TRIAGE = problem_responses(404, 409, 422)


@router.get(
    "",
    summary="List concerns",
    response_model=Page[ConcernRead],
    response_model_exclude_unset=True,
    responses=problem_responses(422),
)
async def list_concerns(
    db: DB,
    caller: Annotated[Principal, may("concerns.read")],
    status: ConcernStatus | None = None,
    urgency: ConcernUrgency | None = None,
    category: ConcernCategory | None = None,
    person_id: uuid.UUID | None = None,
    updated_since: Timestamp | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ConcernRead]:
    """Staff see the organisation's concerns; a mentor the ones they raised. Audited."""
    filters = ConcernFilter(
        status=status,
        urgency=urgency,
        category=category,
        person_id=person_id,
        updated_since=updated_since,
    )
    rows, next_cursor = await concerns.list_concerns(
        db, caller, filters, limit=limit, cursor=cursor
    )
    return Page(items=[concerns.present(caller, r) for r in rows], next_cursor=next_cursor)


@router.post(
    "",
    summary="Raise a concern",
    status_code=status.HTTP_201_CREATED,
    response_model=ConcernRead,
    response_model_exclude_unset=True,
    responses=problem_responses(422),
)
async def raise_concern(
    db: DB,
    caller: Annotated[Principal, may("concerns.raise")],
    body: ConcernCreate,
    response: Response,
) -> ConcernRead:
    """About a person or a relationship (a mentor: their own mentees). Never seen by the
    mentee or a partner. An urgent concern raises an urgent alert."""
    concern = await concerns.raise_concern(db, caller, body)
    response.headers["Location"] = f"/api/v1/concerns/{concern.id}"
    return _answer(caller, concern, response)


@router.get(
    "/{concern_id}",
    summary="Get a concern",
    response_model=ConcernRead,
    response_model_exclude_unset=True,
    responses=problem_responses(404, 422),
)
async def get_concern(
    db: DB,
    caller: Annotated[Principal, may("concerns.read")],
    concern_id: uuid.UUID,
    response: Response,
) -> ConcernRead:
    """One concern and its status; its triage (outcome, escalation, history) for staff."""
    return _answer(caller, await concerns.get_concern(db, caller, concern_id), response)


@router.post(
    "/{concern_id}/review",
    summary="Start reviewing a concern",
    response_model=ConcernRead,
    responses=TRIAGE,
)
async def review_concern(
    db: DB,
    caller: Annotated[Principal, may("concerns.triage")],
    concern_id: uuid.UUID,
    response: Response,
    body: Annotated[ConcernReview | None, Body()] = None,
) -> ConcernRead:
    """`open` → `in_review`."""
    note = body.note if body else None
    concern = await concerns.move(db, caller, concern_id, ConcernMove.review, note=note)
    return _answer(caller, concern, response)


@router.post(
    "/{concern_id}/close",
    summary="Close a concern with its outcome",
    response_model=ConcernRead,
    responses=TRIAGE,
)
async def close_concern(
    db: DB,
    caller: Annotated[Principal, may("concerns.triage")],
    concern_id: uuid.UUID,
    body: ConcernClose,
    response: Response,
) -> ConcernRead:
    """`open` or `in_review` → `closed`, with the outcome."""
    concern = await concerns.move(db, caller, concern_id, ConcernMove.close, closing=body)
    return _answer(caller, concern, response)


@router.post(
    "/{concern_id}/escalate",
    summary="Record an escalation",
    response_model=ConcernRead,
    responses=TRIAGE,
)
async def escalate_concern(
    db: DB,
    caller: Annotated[Principal, may("concerns.triage")],
    concern_id: uuid.UUID,
    body: ConcernEscalation,
    response: Response,
) -> ConcernRead:
    """Which agency was told, when, and its reference."""
    concern = await concerns.escalate(db, caller, concern_id, body)
    return _answer(caller, concern, response)


def _answer(caller: Principal, concern: Concern, response: Response) -> ConcernRead:
    with_etag(response, concern)
    return concerns.present(caller, concern)
