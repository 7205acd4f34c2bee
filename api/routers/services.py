"""`/services`: the signposting directory."""

import uuid
from typing import Annotated

from fastapi import Query, Response, status

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models import Service
from api.models.common import Page, QueryText, Timestamp
from api.models.enums import Pathway
from api.models.service import ServiceCreate, ServiceRead, ServiceUpdate
from api.routers.common import Cursor, IfMatch, Limit, with_etag
from api.routers.resource_router import ResourceRouter
from api.services import directory
from api.services.directory import ServiceFilter

router = ResourceRouter(
    prefix="/services", tags=["services"], responses=problem_responses(401, 403, 429)
)


@router.get(
    "",
    summary="Search the directory",
    response_model=Page[ServiceRead],
    responses=problem_responses(422),
)
async def list_services(
    db: DB,
    caller: Annotated[Principal, may("services.read")],
    category: Pathway | None = None,
    area: QueryText | None = None,
    accepts_referrals: bool | None = None,
    q: Annotated[
        QueryText | None, Query(description="Text in name, provider or description.")
    ] = None,
    include_retired: bool = False,
    updated_since: Timestamp | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ServiceRead]:
    """Services on offer (retired ones only with `include_retired`), oldest first."""
    filters = ServiceFilter(
        category=category,
        area=area,
        accepts_referrals=accepts_referrals,
        q=q,
        include_retired=include_retired,
        updated_since=updated_since,
    )
    rows, next_cursor = await directory.list_services(
        db, caller, filters, limit=limit, cursor=cursor
    )
    return Page(items=[_read(s) for s in rows], next_cursor=next_cursor)


@router.post(
    "",
    summary="Add a service",
    status_code=status.HTTP_201_CREATED,
    response_model=ServiceRead,
    responses=problem_responses(422),
)
async def create_service(
    db: DB,
    caller: Annotated[Principal, may("services.write")],
    body: ServiceCreate,
    response: Response,
) -> ServiceRead:
    """Staff only."""
    service = await directory.create_service(db, caller, body)
    response.headers["Location"] = f"/api/v1/services/{service.id}"
    return _answer(service, response)


@router.get(
    "/{service_id}",
    summary="Get a service",
    response_model=ServiceRead,
    responses=problem_responses(404, 422),
)
async def get_service(
    db: DB,
    caller: Annotated[Principal, may("services.read")],
    service_id: uuid.UUID,
    response: Response,
) -> ServiceRead:
    """One service, retired or not."""
    return _answer(await directory.find_service(db, caller, service_id), response)


@router.patch(
    "/{service_id}",
    summary="Change a service",
    response_model=ServiceRead,
    responses=problem_responses(404, 412, 422),
)
async def update_service(
    db: DB,
    caller: Annotated[Principal, may("services.write")],
    service_id: uuid.UUID,
    body: ServiceUpdate,
    if_match: IfMatch,
    response: Response,
) -> ServiceRead:
    """Staff only."""
    service = await directory.update_service(db, caller, service_id, body, if_match=if_match)
    return _answer(service, response)


@router.post(
    "/{service_id}/retire",
    summary="Retire a service",
    response_model=ServiceRead,
    responses=problem_responses(404, 409, 412, 422),
)
async def retire_service(
    db: DB,
    caller: Annotated[Principal, may("services.write")],
    service_id: uuid.UUID,
    if_match: IfMatch,
    response: Response,
) -> ServiceRead:
    """No longer offered, but still readable where old referrals name it. Staff only."""
    service = await directory.retire_service(db, caller, service_id, if_match=if_match)
    return _answer(service, response)


def _read(service: Service) -> ServiceRead:
    return ServiceRead.model_validate(service, from_attributes=True)


def _answer(service: Service, response: Response) -> ServiceRead:
    with_etag(response, service)
    return _read(service)
