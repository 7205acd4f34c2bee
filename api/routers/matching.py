"""Matching: suggested mentors for a mentee, and the people they must never meet."""

import uuid
from typing import Annotated

from fastapi import Query, Response, status

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models.common import Page
from api.models.matching import MatchExplanation, MatchSuggestions
from api.models.relationship import NonAssociationCreate, NonAssociationRead
from api.routers.common import Cursor, Limit
from api.routers.resource_router import ResourceRouter
from api.services import matching, non_associations

router = ResourceRouter(
    prefix="/people/{mentee_id}",
    tags=["matching"],
    responses=problem_responses(401, 403, 404, 422, 429),
)


@router.get(
    "/match-suggestions", summary="Suggest mentors for a mentee", response_model=MatchSuggestions
)
async def match_suggestions(
    db: DB,
    caller: Annotated[Principal, may("matching.suggest")],
    mentee_id: uuid.UUID,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> MatchSuggestions:
    """Eligible mentors, best first, each with a score in 0..1 and the reasons for it.

    Never suggested: mentors at capacity, not cleared, with vetting expired or untrained,
    of another gender than the mentee asked for, non-associated with the mentee, or whose
    earlier relationship with them ended for safeguarding. Mentors whose supervision is
    overdue (`unmatched_after_days_unsupervised`) are listed in `held_back` with the reason instead.
    Weights and the threshold are organisation settings (`PATCH /organisation`). Staff only.
    """
    return await matching.suggest(db, caller, mentee_id, limit=limit)


@router.get(
    "/match-suggestions/{mentor_id}",
    summary="Explain one mentor for a mentee",
    response_model=MatchExplanation,
)
async def match_explanation(
    db: DB,
    caller: Annotated[Principal, may("matching.suggest")],
    mentee_id: uuid.UUID,
    mentor_id: uuid.UUID,
) -> MatchExplanation:
    """Why this mentor is or is not suggested: the score with every factor (as in the
    suggestions), each rule that keeps them out (`exclusions`), or why they are held back.
    404 when no mentor of your organisation has that id. Staff only."""
    return await matching.explain(db, caller, mentee_id, mentor_id)


@router.get(
    "/non-associations",
    summary="List a mentee's non-associations",
    response_model=Page[NonAssociationRead],
    response_model_exclude_unset=True,
)
async def list_non_associations(
    db: DB,
    caller: Annotated[Principal, may("non_associations.read")],
    mentee_id: uuid.UUID,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[NonAssociationRead]:
    """People this mentee must never be matched with; the reason needs `people:sensitive`."""
    rows, next_cursor = await non_associations.list_for(
        db, caller, mentee_id, limit=limit, cursor=cursor
    )
    return Page(
        items=[non_associations.present(row, caller) for row in rows], next_cursor=next_cursor
    )


@router.post(
    "/non-associations",
    summary="Record a non-association",
    status_code=status.HTTP_201_CREATED,
    response_model=NonAssociationRead,
    response_model_exclude_unset=True,
    responses=problem_responses(409),
)
async def add_non_association(
    db: DB,
    caller: Annotated[Principal, may("non_associations.write")],
    mentee_id: uuid.UUID,
    body: NonAssociationCreate,
) -> NonAssociationRead:
    """A co-defendant, victim, known associate or anyone else never to be matched. Staff only."""
    row = await non_associations.add(db, caller, mentee_id, body)
    return non_associations.present(row, caller)


@router.delete(
    "/non-associations/{non_association_id}",
    summary="Remove a non-association",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def remove_non_association(
    db: DB,
    caller: Annotated[Principal, may("non_associations.write")],
    mentee_id: uuid.UUID,
    non_association_id: uuid.UUID,
) -> Response:
    """Staff only."""
    await non_associations.remove(db, caller, mentee_id, non_association_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
