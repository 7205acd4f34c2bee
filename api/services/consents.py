"""Consent in force: what the rest of the code asks before an optional use of a person's data.

Other code asks `has_consent` (one person) or filters with `consenting` (in SQL, for many):
the decision in force for a purpose is the latest one recorded for it, and a person who
never decided has not consented.
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import Person
from api.models.consent import consenting
from api.models.enums import ConsentPurpose

__all__ = ["consenting", "granted_among", "has_consent"]


async def has_consent(db: AsyncSession, person_id: uuid.UUID, purpose: ConsentPurpose) -> bool:
    """Whether the person's decision in force grants `purpose` (never decided: no)."""
    return bool(
        (await db.exec(select(consenting(purpose, sa.literal(person_id, sa.Uuid()))))).one()
    )


async def granted_among(
    db: AsyncSession, person_ids: Sequence[uuid.UUID], purpose: ConsentPurpose
) -> set[uuid.UUID]:
    """Those of `person_ids` who have consented to `purpose` (one query for a batch)."""
    if not person_ids:
        return set()
    found = await db.exec(
        select(Person.id).where(col(Person.id).in_(person_ids), consenting(purpose, Person.id))
    )
    return set(found.all())
