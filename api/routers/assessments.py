"""`/assessments` and distance travelled: how the mentee rates each pathway over time."""

import uuid
from typing import Annotated

from fastapi import Response, status

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models.assessment import AssessmentCreate, AssessmentRead, DistanceTravelled
from api.models.common import Page, Timestamp
from api.routers.common import Cursor, Limit, with_etag
from api.routers.resource_router import ResourceRouter
from api.services import assessments

router = ResourceRouter(tags=["assessments"], responses=problem_responses(401, 403, 429))


@router.get(
    "/assessments",
    summary="List assessments",
    response_model=Page[AssessmentRead],
    responses=problem_responses(422),
)
async def list_assessments(
    db: DB,
    caller: Annotated[Principal, may("assessments.read")],
    mentee_id: uuid.UUID | None = None,
    updated_since: Timestamp | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AssessmentRead]:
    """Assessments of the mentees the caller may see (a mentee: their own)."""
    rows, next_cursor = await assessments.list_assessments(
        db, caller, mentee_id=mentee_id, updated_since=updated_since, limit=limit, cursor=cursor
    )
    return Page(
        items=[AssessmentRead.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_cursor,
    )


@router.post(
    "/assessments",
    summary="Record an assessment",
    status_code=status.HTTP_201_CREATED,
    response_model=AssessmentRead,
    responses=problem_responses(422),
)
async def record_assessment(
    db: DB,
    caller: Annotated[Principal, may("assessments.write")],
    body: AssessmentCreate,
    response: Response,
) -> AssessmentRead:
    """A dated self-assessment: a score from 1 to 10 for each pathway asked about."""
    assessment = await assessments.record_assessment(db, caller, body)
    response.headers["Location"] = f"/api/v1/assessments/{assessment.id}"
    with_etag(response, assessment)
    return AssessmentRead.model_validate(assessment, from_attributes=True)


@router.get(
    "/assessments/{assessment_id}",
    summary="Get an assessment",
    response_model=AssessmentRead,
    responses=problem_responses(404, 422),
)
async def get_assessment(
    db: DB,
    caller: Annotated[Principal, may("assessments.read")],
    assessment_id: uuid.UUID,
    response: Response,
) -> AssessmentRead:
    """One assessment."""
    assessment = await assessments.find_assessment(db, caller, assessment_id)
    with_etag(response, assessment)
    return AssessmentRead.model_validate(assessment, from_attributes=True)


@router.get(
    "/people/{mentee_id}/distance-travelled",
    summary="Distance travelled",
    response_model=DistanceTravelled,
    responses=problem_responses(404, 422),
)
async def distance_travelled(
    db: DB, caller: Annotated[Principal, may("assessments.read")], mentee_id: uuid.UUID
) -> DistanceTravelled:
    """Per pathway: the first and the latest score, and the change between them."""
    return await assessments.distance_travelled(db, caller, mentee_id)
