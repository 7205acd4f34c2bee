"""`/outcomes`: a mentee's situation at the programme's milestones."""

import uuid
from typing import Annotated

from fastapi import Response, status

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models.common import Page, Timestamp
from api.models.enums import Milestone
from api.models.outcome import OutcomeCreate, OutcomeRead, OutcomeUpdate
from api.routers.common import Cursor, IfMatch, Limit, with_etag
from api.routers.resource_router import ResourceRouter
from api.services import outcomes
from api.services.outcomes import OutcomeFilter

router = ResourceRouter(
    prefix="/outcomes", tags=["outcomes"], responses=problem_responses(401, 403, 429)
)


@router.get(
    "",
    summary="List outcomes",
    response_model=Page[OutcomeRead],
    responses=problem_responses(422),
)
async def list_outcomes(
    db: DB,
    caller: Annotated[Principal, may("outcomes.read")],
    mentee_id: uuid.UUID | None = None,
    milestone: Milestone | None = None,
    updated_since: Timestamp | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[OutcomeRead]:
    """Outcomes of the mentees the caller works with (staff: all; a mentor: their mentees)."""
    filters = OutcomeFilter(mentee_id=mentee_id, milestone=milestone, updated_since=updated_since)
    rows, next_cursor = await outcomes.list_outcomes(
        db, caller, filters, limit=limit, cursor=cursor
    )
    return Page(
        items=[OutcomeRead.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_cursor,
    )


@router.post(
    "",
    summary="Record an outcome",
    status_code=status.HTTP_201_CREATED,
    response_model=OutcomeRead,
    responses=problem_responses(422),
)
async def record_outcome(
    db: DB,
    caller: Annotated[Principal, may("outcomes.write")],
    body: OutcomeCreate,
    response: Response,
) -> OutcomeRead:
    """Where the mentee stands at a milestone: accommodation, work or learning, treatment,
    GP, bank account, ID, benefits, and reoffending or recall known to the programme."""
    outcome = await outcomes.record_outcome(db, caller, body)
    response.headers["Location"] = f"/api/v1/outcomes/{outcome.id}"
    with_etag(response, outcome)
    return OutcomeRead.model_validate(outcome, from_attributes=True)


@router.get(
    "/{outcome_id}",
    summary="Get an outcome",
    response_model=OutcomeRead,
    responses=problem_responses(404, 422),
)
async def get_outcome(
    db: DB,
    caller: Annotated[Principal, may("outcomes.read")],
    outcome_id: uuid.UUID,
    response: Response,
) -> OutcomeRead:
    """One outcome record."""
    outcome = await outcomes.find_outcome(db, caller, outcome_id)
    with_etag(response, outcome)
    return OutcomeRead.model_validate(outcome, from_attributes=True)


@router.patch(
    "/{outcome_id}",
    summary="Correct an outcome",
    response_model=OutcomeRead,
    responses=problem_responses(404, 412, 422),
)
async def update_outcome(
    db: DB,
    caller: Annotated[Principal, may("outcomes.write")],
    outcome_id: uuid.UUID,
    body: OutcomeUpdate,
    if_match: IfMatch,
    response: Response,
) -> OutcomeRead:
    """Correct what was recorded (the milestone and the mentee stay)."""
    outcome = await outcomes.update_outcome(db, caller, outcome_id, body, if_match=if_match)
    with_etag(response, outcome)
    return OutcomeRead.model_validate(outcome, from_attributes=True)
