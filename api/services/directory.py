"""The services directory: where mentors signpost and refer mentees."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import Conflict, NotFound
from api.models import Service
from api.models.base import utcnow
from api.models.enums import Pathway
from api.models.service import ServiceCreate, ServiceUpdate
from api.services import audit, policy
from api.services.pagination import paginate
from api.services.versioning import check_version


@dataclass(frozen=True)
class ServiceFilter:
    category: Pathway | None = None
    area: str | None = None
    accepts_referrals: bool | None = None
    q: str | None = None
    include_retired: bool = False
    updated_since: datetime | None = None


async def list_services(
    db: AsyncSession,
    caller: Principal,
    filters: ServiceFilter,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Service], str | None]:
    stmt = select(Service).where(Service.org_id == caller.org_id)
    if not filters.include_retired:
        stmt = stmt.where(col(Service.retired_at).is_(None))
    if filters.category:
        stmt = stmt.where(Service.category == filters.category)
    if filters.area:
        stmt = stmt.where(sa.func.lower(col(Service.area)) == filters.area.lower())
    if filters.accepts_referrals is not None:
        stmt = stmt.where(Service.accepts_referrals == filters.accepts_referrals)
    if filters.q:
        needle = filters.q.strip().lower()
        stmt = stmt.where(
            sa.or_(
                *(
                    sa.func.lower(column).contains(needle, autoescape=True)
                    for column in (
                        col(Service.name),
                        col(Service.provider),
                        col(Service.description),
                    )
                )
            )
        )
    if filters.updated_since:
        stmt = stmt.where(col(Service.updated_at) >= filters.updated_since)
    return await paginate(db, stmt, Service, limit=limit, cursor=cursor)


async def find_service(db: AsyncSession, caller: Principal, service_id: uuid.UUID) -> Service:
    """Any service of the organisation, retired ones included (old referrals name them)."""
    service = await db.get(Service, service_id)
    if service is None or service.org_id != caller.org_id:
        raise NotFound("No service with that id.")
    return service


async def create_service(db: AsyncSession, caller: Principal, data: ServiceCreate) -> Service:
    policy.authorize(caller, "services.write")
    service = Service(org_id=caller.org_id, **_columns(data.model_dump()))
    db.add(service)
    audit.record(db, caller, "service.create", entity_type="service", entity_id=service.id)
    await db.commit()
    return service


async def update_service(
    db: AsyncSession,
    caller: Principal,
    service_id: uuid.UUID,
    data: ServiceUpdate,
    *,
    if_match: int | None = None,
) -> Service:
    policy.authorize(caller, "services.write")
    service = await find_service(db, caller, service_id)
    check_version(service, if_match)
    for name, value in _columns(data.model_dump(exclude_unset=True)).items():
        setattr(service, name, value)
    service.updated_at = utcnow()
    audit.record(
        db,
        caller,
        "service.update",
        entity_type="service",
        entity_id=service.id,
        fields=sorted(data.model_dump(exclude_unset=True)),
    )
    await db.commit()
    return service


async def retire_service(
    db: AsyncSession, caller: Principal, service_id: uuid.UUID, *, if_match: int | None = None
) -> Service:
    """No longer offered; still readable where old referrals name it."""
    policy.authorize(caller, "services.write")
    service = await find_service(db, caller, service_id)
    check_version(service, if_match)
    if service.retired_at is not None:
        raise Conflict("The service is already retired.")
    service.retired_at = utcnow()
    audit.record(db, caller, "service.retire", entity_type="service", entity_id=service.id)
    await db.commit()
    return service


async def import_services(
    db: AsyncSession, caller: Principal, rows: Sequence[ServiceCreate]
) -> list[Service]:
    """Add a whole directory in one transaction (the rows were validated beforehand)."""
    policy.authorize(caller, "services.write")
    services = [Service(org_id=caller.org_id, **_columns(row.model_dump())) for row in rows]
    db.add_all(services)
    audit.record(db, caller, "service.import", entity_type="service", count=len(services))
    await db.commit()
    return services


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("url") is not None:
        values["url"] = str(values["url"])
    return values
