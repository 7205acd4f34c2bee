"""`/people/{id}/consents`: recording a person's decisions and reading them back."""

import uuid
from collections.abc import Sequence

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.models import Consent
from api.models.base import utcnow
from api.models.consent import ConsentCreate
from api.models.enums import ConsentPurpose
from api.services import audit, people, policy
from api.services.pagination import paginate


async def list_for(
    db: AsyncSession,
    caller: Principal,
    person_id: uuid.UUID,
    *,
    purpose: ConsentPurpose | None = None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Consent], str | None]:
    """The person's decisions as recorded, oldest first."""
    policy.authorize(caller, "consents.read")
    person = await people.find_person(db, caller, person_id)
    stmt = select(Consent).where(Consent.person_id == person.id)
    if purpose is not None:
        stmt = stmt.where(Consent.purpose == purpose)
    return await paginate(db, stmt, Consent, limit=limit, cursor=cursor)


async def record(
    db: AsyncSession, caller: Principal, person_id: uuid.UUID, data: ConsentCreate
) -> Consent:
    """Record a decision; it takes effect at once (the latest decision is the one in force)."""
    policy.authorize(caller, "consents.write")
    person = await people.find_person(db, caller, person_id)
    row = Consent(
        org_id=caller.org_id,
        person_id=person.id,
        purpose=data.purpose,
        status=data.status,
        at=data.at or utcnow(),
        evidence=data.evidence,
        note=data.note,
        recorded_by=caller.subject,
    )
    db.add(row)
    audit.record(
        db,
        caller,
        "consent.record",
        entity_type="consent",
        entity_id=row.id,
        person_id=person.id,
        purpose=data.purpose,
        status=data.status,
    )
    await db.commit()
    return row
