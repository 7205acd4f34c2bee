"""`/people/{mentor_id}/supervisions`, `/trainings` and `/establishment-clearances`: the
support a mentor gets, and the establishments they may visit."""

import uuid
from typing import Annotated

from fastapi import Response, status

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models import EstablishmentClearance, Supervision, Training
from api.models.common import Page
from api.models.support import (
    ClearanceCreate,
    ClearanceRead,
    SupervisionCreate,
    SupervisionRead,
    TrainingCreate,
    TrainingRead,
)
from api.routers.common import Cursor, Limit
from api.routers.resource_router import ResourceRouter
from api.services import mentor_support

router = ResourceRouter(
    prefix="/people/{mentor_id}",
    tags=["mentor support"],
    responses=problem_responses(401, 403, 429),
)


@router.get(
    "/supervisions",
    summary="List a mentor's supervisions",
    response_model=Page[SupervisionRead],
    response_model_exclude_unset=True,
    responses=problem_responses(404, 422),
)
async def list_supervisions(
    db: DB,
    caller: Annotated[Principal, may("mentor_support.read")],
    mentor_id: uuid.UUID,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[SupervisionRead]:
    """Staff, and the mentor themselves (without the notes, which are for staff)."""
    rows, next_cursor = await mentor_support.list_records(
        db, caller, mentor_id, Supervision, limit=limit, cursor=cursor
    )
    items = [mentor_support.present_supervision(caller, r) for r in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/supervisions",
    summary="Record a supervision",
    status_code=status.HTTP_201_CREATED,
    response_model=SupervisionRead,
    responses=problem_responses(404, 422),
)
async def add_supervision(
    db: DB,
    caller: Annotated[Principal, may("mentor_support.write")],
    mentor_id: uuid.UUID,
    body: SupervisionCreate,
    response: Response,
) -> SupervisionRead:
    """A one-to-one, group or therapeutic supervision; updates `last_supervision_on`."""
    row = await mentor_support.add_supervision(db, caller, mentor_id, body)
    response.headers["Location"] = f"/api/v1/people/{mentor_id}/supervisions/{row.id}"
    return mentor_support.present_supervision(caller, row)


@router.delete(
    "/supervisions/{supervision_id}",
    summary="Remove a supervision recorded in error",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 422),
)
async def remove_supervision(
    db: DB,
    caller: Annotated[Principal, may("mentor_support.write")],
    mentor_id: uuid.UUID,
    supervision_id: uuid.UUID,
) -> None:
    """`last_supervision_on` goes back to the latest one left."""
    await mentor_support.remove(db, caller, mentor_id, Supervision, supervision_id)


@router.get(
    "/trainings",
    summary="List a mentor's training",
    response_model=Page[TrainingRead],
    responses=problem_responses(404, 422),
)
async def list_trainings(
    db: DB,
    caller: Annotated[Principal, may("mentor_support.read")],
    mentor_id: uuid.UUID,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[TrainingRead]:
    """Courses completed, with their expiry."""
    rows, next_cursor = await mentor_support.list_records(
        db, caller, mentor_id, Training, limit=limit, cursor=cursor
    )
    items = [TrainingRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/trainings",
    summary="Record a completed course",
    status_code=status.HTTP_201_CREATED,
    response_model=TrainingRead,
    responses=problem_responses(404, 422),
)
async def add_training(
    db: DB,
    caller: Annotated[Principal, may("mentor_support.write")],
    mentor_id: uuid.UUID,
    body: TrainingCreate,
    response: Response,
) -> TrainingRead:
    """Updates `training_completed_on` (the latest course not expired)."""
    row = await mentor_support.add_training(db, caller, mentor_id, body)
    response.headers["Location"] = f"/api/v1/people/{mentor_id}/trainings/{row.id}"
    return TrainingRead.model_validate(row, from_attributes=True)


@router.delete(
    "/trainings/{training_id}",
    summary="Remove a course recorded in error",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 422),
)
async def remove_training(
    db: DB,
    caller: Annotated[Principal, may("mentor_support.write")],
    mentor_id: uuid.UUID,
    training_id: uuid.UUID,
) -> None:
    """`training_completed_on` goes back to the latest course left in date."""
    await mentor_support.remove(db, caller, mentor_id, Training, training_id)


@router.get(
    "/establishment-clearances",
    summary="List a mentor's establishment clearances",
    response_model=Page[ClearanceRead],
    responses=problem_responses(404, 422),
)
async def list_clearances(
    db: DB,
    caller: Annotated[Principal, may("mentor_support.read")],
    mentor_id: uuid.UUID,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ClearanceRead]:
    """The establishments (prisons) the mentor is cleared to visit, expired ones too."""
    rows, next_cursor = await mentor_support.list_records(
        db, caller, mentor_id, EstablishmentClearance, limit=limit, cursor=cursor
    )
    items = [ClearanceRead.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.post(
    "/establishment-clearances",
    summary="Record an establishment clearance",
    status_code=status.HTTP_201_CREATED,
    response_model=ClearanceRead,
    responses=problem_responses(404, 422),
)
async def add_clearance(
    db: DB,
    caller: Annotated[Principal, may("mentor_support.write")],
    mentor_id: uuid.UUID,
    body: ClearanceCreate,
    response: Response,
) -> ClearanceRead:
    """Until `expires_on`, the mentor may be suggested for mentees held there."""
    row = await mentor_support.add_clearance(db, caller, mentor_id, body)
    response.headers["Location"] = f"/api/v1/people/{mentor_id}/establishment-clearances/{row.id}"
    return ClearanceRead.model_validate(row, from_attributes=True)


@router.delete(
    "/establishment-clearances/{clearance_id}",
    summary="Remove an establishment clearance",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 422),
)
async def remove_clearance(
    db: DB,
    caller: Annotated[Principal, may("mentor_support.write")],
    mentor_id: uuid.UUID,
    clearance_id: uuid.UUID,
) -> None:
    """Withdrawn, or recorded in error: the mentor is no longer cleared by it."""
    await mentor_support.remove(db, caller, mentor_id, EstablishmentClearance, clearance_id)
