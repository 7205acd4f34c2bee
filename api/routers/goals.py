"""`/goals`: the mentee's goals, their small steps and dated reviews."""

import uuid
from typing import Annotated

from fastapi import Query, Response, status

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models import Goal
from api.models.common import Day, Page, Timestamp
from api.models.enums import GoalStatus, Pathway
from api.models.goal import (
    GoalCreate,
    GoalRead,
    GoalUpdate,
    ReviewCreate,
    ReviewRead,
    StepCreate,
    StepOrder,
    StepRead,
    StepUpdate,
)
from api.routers.common import Cursor, IfMatch, Limit, with_etag
from api.routers.resource_router import ResourceRouter
from api.services import goals
from api.services.goals import GoalFilter

router = ResourceRouter(prefix="/goals", tags=["goals"], responses=problem_responses(401, 403, 429))


@router.get(
    "", summary="List goals", response_model=Page[GoalRead], responses=problem_responses(422)
)
async def list_goals(
    db: DB,
    caller: Annotated[Principal, may("goals.read")],
    mentee_id: uuid.UUID | None = None,
    relationship_id: uuid.UUID | None = None,
    pathway: Pathway | None = None,
    status: GoalStatus | None = None,
    review_due_before: Annotated[
        Day | None, Query(description="Open goals whose review date is before this day.")
    ] = None,
    updated_since: Timestamp | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[GoalRead]:
    """Goals of the mentees the caller may see (a mentee: their own), oldest first."""
    filters = GoalFilter(
        mentee_id=mentee_id,
        relationship_id=relationship_id,
        pathway=pathway,
        status=status,
        review_due_before=review_due_before,
        updated_since=updated_since,
    )
    rows, next_cursor = await goals.list_goals(db, caller, filters, limit=limit, cursor=cursor)
    return Page(items=await goals.present(db, rows), next_cursor=next_cursor)


@router.post(
    "",
    summary="Set a goal",
    status_code=status.HTTP_201_CREATED,
    response_model=GoalRead,
    responses=problem_responses(422),
)
async def create_goal(
    db: DB, caller: Annotated[Principal, may("goals.write")], body: GoalCreate, response: Response
) -> GoalRead:
    """`set_by` comes from the caller. A mentee's own goal is agreed and active at once; one
    proposed by a mentor or coordinator waits for the mentee's agreement."""
    goal = await goals.create_goal(db, caller, body)
    response.headers["Location"] = f"/api/v1/goals/{goal.id}"
    return await _answer(db, goal, response)


@router.get(
    "/{goal_id}",
    summary="Get a goal",
    response_model=GoalRead,
    responses=problem_responses(404, 422),
)
async def get_goal(
    db: DB, caller: Annotated[Principal, may("goals.read")], goal_id: uuid.UUID, response: Response
) -> GoalRead:
    """One goal with its step progress and status history."""
    return await _answer(db, await goals.find_goal(db, caller, goal_id), response)


@router.patch(
    "/{goal_id}",
    summary="Change a goal",
    response_model=GoalRead,
    responses=problem_responses(404, 409, 412, 422),
)
async def update_goal(
    db: DB,
    caller: Annotated[Principal, may("goals.write")],
    goal_id: uuid.UUID,
    body: GoalUpdate,
    if_match: IfMatch,
    response: Response,
) -> GoalRead:
    """Change fields, record the mentee's agreement, or move the status (illegal: 409)."""
    goal = await goals.update_goal(db, caller, goal_id, body, if_match=if_match)
    return await _answer(db, goal, response)


@router.get(
    "/{goal_id}/steps",
    summary="List a goal's steps",
    response_model=Page[StepRead],
    responses=problem_responses(404, 422),
)
async def list_steps(
    db: DB,
    caller: Annotated[Principal, may("goals.read")],
    goal_id: uuid.UUID,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[StepRead]:
    """The action plan's small steps, in order."""
    rows, next_cursor = await goals.list_steps(db, caller, goal_id, limit=limit, cursor=cursor)
    return Page(items=[_step(s) for s in rows], next_cursor=next_cursor)


@router.post(
    "/{goal_id}/steps",
    summary="Add a step",
    status_code=status.HTTP_201_CREATED,
    response_model=StepRead,
    responses=problem_responses(404, 422),
)
async def add_step(
    db: DB, caller: Annotated[Principal, may("goals.write")], goal_id: uuid.UUID, body: StepCreate
) -> StepRead:
    """Add a small step at the end of the plan."""
    return _step(await goals.add_step(db, caller, goal_id, body))


@router.post(
    "/{goal_id}/steps/order",
    summary="Reorder the steps",
    response_model=list[StepRead],
    responses=problem_responses(404, 422),
)
async def reorder_steps(
    db: DB, caller: Annotated[Principal, may("goals.write")], goal_id: uuid.UUID, body: StepOrder
) -> list[StepRead]:
    """Name every step once, in the new order."""
    return [_step(s) for s in await goals.reorder_steps(db, caller, goal_id, body)]


@router.patch(
    "/{goal_id}/steps/{step_id:uuid}",
    summary="Change a step",
    response_model=StepRead,
    responses=problem_responses(404, 412, 422),
)
async def update_step(
    db: DB,
    caller: Annotated[Principal, may("goals.write")],
    goal_id: uuid.UUID,
    step_id: uuid.UUID,
    body: StepUpdate,
    if_match: IfMatch,
    response: Response,
) -> StepRead:
    """Rename, re-date, or mark `done` (with `done_on`, today by default) or `skipped`."""
    step = await goals.update_step(db, caller, goal_id, step_id, body, if_match=if_match)
    with_etag(response, step)
    return _step(step)


@router.delete(
    "/{goal_id}/steps/{step_id:uuid}",
    summary="Remove a step",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 422),
)
async def remove_step(
    db: DB, caller: Annotated[Principal, may("goals.write")], goal_id: uuid.UUID, step_id: uuid.UUID
) -> Response:
    """Take a step out of the plan."""
    await goals.remove_step(db, caller, goal_id, step_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{goal_id}/reviews",
    summary="List a goal's reviews",
    response_model=Page[ReviewRead],
    responses=problem_responses(404, 422),
)
async def list_reviews(
    db: DB,
    caller: Annotated[Principal, may("goals.read")],
    goal_id: uuid.UUID,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ReviewRead]:
    """Dated progress notes, in the order they were recorded."""
    rows, next_cursor = await goals.list_reviews(db, caller, goal_id, limit=limit, cursor=cursor)
    return Page(
        items=[ReviewRead.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_cursor,
    )


@router.post(
    "/{goal_id}/reviews",
    summary="Review progress",
    status_code=status.HTTP_201_CREATED,
    response_model=ReviewRead,
    responses=problem_responses(404, 422),
)
async def add_review(
    db: DB, caller: Annotated[Principal, may("goals.write")], goal_id: uuid.UUID, body: ReviewCreate
) -> ReviewRead:
    """A dated note with progress 0..10; a lapse is recorded and never changes the status."""
    review = await goals.add_review(db, caller, goal_id, body)
    return ReviewRead.model_validate(review, from_attributes=True)


def _step(step: object) -> StepRead:
    return StepRead.model_validate(step, from_attributes=True)


async def _answer(db: DB, goal: Goal, response: Response) -> GoalRead:
    with_etag(response, goal)
    return (await goals.present(db, [goal]))[0]
