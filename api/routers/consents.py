"""`/people/{id}/consents`: a person's decisions about optional uses of their data."""

import uuid
from typing import Annotated

from fastapi import Response, status

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models.common import Page
from api.models.consent import ConsentCreate, ConsentRead
from api.models.enums import ConsentPurpose
from api.routers.common import Cursor, Limit, with_etag
from api.routers.resource_router import ResourceRouter
from api.services import consent_records

router = ResourceRouter(
    prefix="/people/{person_id}/consents",
    tags=["consents"],
    responses=problem_responses(401, 403, 404, 422, 429),
)


@router.get("", summary="A person's consent decisions", response_model=Page[ConsentRead])
async def list_consents(
    db: DB,
    caller: Annotated[Principal, may("consents.read")],
    person_id: uuid.UUID,
    purpose: ConsentPurpose | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ConsentRead]:
    """Every decision recorded, oldest first; for each purpose the latest (by `at`) is in
    force, and a purpose never decided is not consented to."""
    rows, next_cursor = await consent_records.list_for(
        db, caller, person_id, purpose=purpose, limit=limit, cursor=cursor
    )
    return Page(
        items=[ConsentRead.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_cursor,
    )


@router.post(
    "",
    summary="Record a consent decision",
    status_code=status.HTTP_201_CREATED,
    response_model=ConsentRead,
)
async def record_consent(
    db: DB,
    caller: Annotated[Principal, may("consents.write")],
    person_id: uuid.UUID,
    body: ConsentCreate,
    response: Response,
) -> ConsentRead:
    """`granted` or `withdrawn` for one purpose, with how it is evidenced; in force at once.
    Staff only."""
    row = await consent_records.record(db, caller, person_id, body)
    with_etag(response, row)
    return ConsentRead.model_validate(row, from_attributes=True)
