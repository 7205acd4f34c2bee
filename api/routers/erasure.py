"""`/people/{id}/erase` and `/people/{id}/legal-hold`: erasure on request, and what stops it."""

import uuid
from typing import Annotated

from fastapi import Response, status

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models.erasure import ErasureRead, LegalHoldRead, LegalHoldSet
from api.routers.resource_router import ResourceRouter
from api.services import erasure

router = ResourceRouter(
    prefix="/people/{person_id}",
    tags=["data protection"],
    responses=problem_responses(401, 403, 404, 422, 429),
)


@router.post(
    "/erase",
    summary="Erase a person's personal data",
    response_model=ErasureRead,
    responses=problem_responses(409),
)
async def erase_person(
    db: DB, caller: Annotated[Principal, may("people.erase")], person_id: uuid.UUID
) -> ErasureRead:
    """Remove for good the person's names, date of birth, contact details, identifiers and
    every free text about them (notes, descriptions, comments, summaries) across their
    records; the coded facts reports count stay. Refused (409) while a relationship or a
    referral is open, while a legal hold is set, and for a record erased already; a deleted
    record may be erased. Audited without what was erased. Administrators only."""
    return await erasure.erase_person(db, caller, person_id)


@router.get("/legal-hold", summary="A person's legal hold", response_model=LegalHoldRead)
async def get_legal_hold(
    db: DB, caller: Annotated[Principal, may("people.legal_hold")], person_id: uuid.UUID
) -> LegalHoldRead:
    """The hold keeping the record from erasure; 404 when none is set. Administrators only."""
    return await erasure.get_legal_hold(db, caller, person_id)


@router.put(
    "/legal-hold",
    summary="Set a legal hold",
    response_model=LegalHoldRead,
    responses=problem_responses(409),
)
async def set_legal_hold(
    db: DB,
    caller: Annotated[Principal, may("people.legal_hold")],
    person_id: uuid.UUID,
    body: LegalHoldSet,
) -> LegalHoldRead:
    """Keep the record from erasure, on request or by the retention run, until lifted; a
    second PUT changes the reason. Administrators only."""
    return await erasure.set_legal_hold(db, caller, person_id, body)


@router.delete("/legal-hold", summary="Lift a legal hold", status_code=status.HTTP_204_NO_CONTENT)
async def lift_legal_hold(
    db: DB, caller: Annotated[Principal, may("people.legal_hold")], person_id: uuid.UUID
) -> Response:
    """The record may be erased again (by request, or once past retention). Administrators
    only."""
    await erasure.lift_legal_hold(db, caller, person_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
