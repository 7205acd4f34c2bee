"""The caller's own organisation and its settings."""

from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import NotFound
from api.models import Organisation
from api.models.matching import MatchingWeights, OrganisationRead, OrganisationUpdate
from api.services import audit


async def get_organisation(db: AsyncSession, caller: Principal) -> Organisation:
    org = await db.get(Organisation, caller.org_id)
    if org is None:
        raise NotFound("The organisation no longer exists.")
    return org


def matching_weights(org: Organisation) -> MatchingWeights:
    return MatchingWeights.model_validate(org.settings.get("matching_weights", {}))


async def update_organisation(
    db: AsyncSession, caller: Principal, data: OrganisationUpdate
) -> Organisation:
    org = await get_organisation(db, caller)
    if data.matching_weights is not None:
        org.settings = {**org.settings, "matching_weights": data.matching_weights.model_dump()}
    audit.record(
        db,
        caller,
        "organisation.update",
        entity_type="organisation",
        entity_id=org.id,
        fields=sorted(data.model_dump(exclude_unset=True)),
    )
    await db.commit()
    return org


def present(org: Organisation) -> OrganisationRead:
    return OrganisationRead(id=org.id, name=org.name, matching_weights=matching_weights(org))
