"""`/organisation`: the caller's own organisation and its settings."""

from typing import Annotated

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models.matching import OrganisationRead, OrganisationUpdate
from api.routers.resource_router import ResourceRouter
from api.services import organisation

router = ResourceRouter(
    prefix="/organisation", tags=["organisation"], responses=problem_responses(401, 403, 429)
)


@router.get("", summary="Get your organisation", response_model=OrganisationRead)
async def get_organisation(
    db: DB, caller: Annotated[Principal, may("organisation.read")]
) -> OrganisationRead:
    """The organisation the token belongs to, with its settings."""
    return organisation.present(await organisation.get_organisation(db, caller))


@router.patch(
    "",
    summary="Change your organisation's settings",
    response_model=OrganisationRead,
    responses=problem_responses(422),
)
async def update_organisation(
    db: DB, caller: Annotated[Principal, may("organisation.update")], body: OrganisationUpdate
) -> OrganisationRead:
    """Set the matching weights (each 0..1; 0 switches a factor off). Admin only."""
    return organisation.present(await organisation.update_organisation(db, caller, body))
