"""Non-associations: people a mentee must never be matched with (a hard exclusion)."""

import uuid
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.models import NonAssociation, Person
from api.models.enums import PersonKind
from api.models.relationship import NonAssociationCreate, NonAssociationRead
from api.services import audit, people, policy
from api.services.pagination import MAX_LIMIT, paginate


async def list_for(
    db: AsyncSession,
    caller: Principal,
    mentee_id: uuid.UUID,
    *,
    limit: int = MAX_LIMIT,
    cursor: str | None = None,
) -> tuple[Sequence[NonAssociation], str | None]:
    """A page of the mentee's non-associations, oldest first."""
    mentee = await people.find_person(db, caller, mentee_id)
    stmt = select(NonAssociation).where(NonAssociation.mentee_id == mentee.id)
    return await paginate(db, stmt, NonAssociation, limit=limit, cursor=cursor)


async def add(
    db: AsyncSession, caller: Principal, mentee_id: uuid.UUID, data: NonAssociationCreate
) -> NonAssociation:
    policy.authorize(caller, "non_associations.write")
    mentee = await people.find_person(db, caller, mentee_id)
    if mentee.kind != PersonKind.mentee:
        raise Invalid("Non-associations are recorded on a mentee.", loc=["path", "mentee_id"])
    other = (
        await db.exec(
            select(Person).where(
                Person.id == data.other_person_id,
                Person.org_id == caller.org_id,
                col(Person.deleted_at).is_(None),
            )
        )
    ).first()
    if other is None or other.id == mentee.id:
        raise Invalid("No such other person in your organisation.", loc=["body", "other_person_id"])
    if data.reason is not None and not caller.has("people:sensitive"):
        raise Forbidden("Writing a non-association's reason needs people:sensitive.")
    row = NonAssociation(
        org_id=caller.org_id,
        mentee_id=mentee.id,
        other_person_id=other.id,
        kind=data.kind,
        reason=data.reason,
        by=caller.subject,
    )
    db.add(row)
    audit.record(
        db,
        caller,
        "non_association.create",
        entity_type="non_association",
        entity_id=row.id,
        person_id=mentee.id,
    )
    try:
        await db.commit()
    except IntegrityError as exc:
        await db.rollback()
        raise Conflict("That non-association is already recorded.") from exc
    return row


async def remove(
    db: AsyncSession, caller: Principal, mentee_id: uuid.UUID, non_association_id: uuid.UUID
) -> None:
    policy.authorize(caller, "non_associations.write")
    mentee = await people.find_person(db, caller, mentee_id)
    row = await db.get(NonAssociation, non_association_id)
    if row is None or row.mentee_id != mentee.id:
        raise NotFound("No such non-association for this mentee.")
    await db.delete(row)
    audit.record(
        db,
        caller,
        "non_association.delete",
        entity_type="non_association",
        entity_id=row.id,
        person_id=row.mentee_id,
    )
    await db.commit()


def present(row: NonAssociation, caller: Principal) -> NonAssociationRead:
    fields = row.model_dump()
    if not caller.has("people:sensitive"):
        fields.pop("reason")
    return NonAssociationRead.model_validate(fields)
