"""Supervision, training and establishment clearance records of a mentor, and the two dates
derived from them.

`mentor_profile.last_supervision_on` and `training_completed_on` are kept by this module
whenever a record is added or removed, so matching, eligibility and the alert rules keep
reading one column each. A date set on the profile directly (an import) stands until the
first record of its kind changes. Clearances derive no date: matching reads them directly
(`api/services/establishment_access.py`).
"""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import Invalid, NotFound
from api.models import EstablishmentClearance, MentorProfile, Person, Supervision, Training
from api.models.base import utc_today
from api.models.enums import PersonKind
from api.models.support import (
    ClearanceCreate,
    SupervisionCreate,
    SupervisionRead,
    TrainingCreate,
    establishment_key,
)
from api.services import audit, people, policy
from api.services.pagination import paginate
from api.services.visibility import visible_mentor_records_clause

Row = TypeVar("Row", Supervision, Training, EstablishmentClearance)


async def find_mentor(db: AsyncSession, caller: Principal, mentor_id: uuid.UUID) -> Person:
    """The mentor, if the caller may see their support records (else 404)."""
    mentor = await people.find_person(db, caller, mentor_id)
    if mentor.kind != PersonKind.mentor or not policy.allows(caller, "mentor_support.read", mentor):
        raise NotFound("No mentor with that id.")
    return mentor


async def list_records(
    db: AsyncSession,
    caller: Principal,
    mentor_id: uuid.UUID,
    model: type[Row],
    *,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Row], str | None]:
    mentor = await find_mentor(db, caller, mentor_id)
    stmt = select(model).where(
        visible_mentor_records_clause(caller, model), col(model.mentor_id) == mentor.id
    )
    rows, next_cursor = await paginate(db, stmt, model, limit=limit, cursor=cursor)
    audit.record(
        db,
        caller,
        f"{model.__tablename__}.list",
        entity_type=str(model.__tablename__),
        person_id=mentor.id,
    )
    await db.commit()
    return rows, next_cursor


async def add_supervision(
    db: AsyncSession, caller: Principal, mentor_id: uuid.UUID, data: SupervisionCreate
) -> Supervision:
    mentor = await _mentor_to_write(db, caller, mentor_id)
    _not_in_future(data.held_on, "held_on")
    row = Supervision(
        org_id=caller.org_id, mentor_id=mentor.id, recorded_by=caller.subject, **data.model_dump()
    )
    return await _add(db, caller, mentor, row)


async def add_training(
    db: AsyncSession, caller: Principal, mentor_id: uuid.UUID, data: TrainingCreate
) -> Training:
    mentor = await _mentor_to_write(db, caller, mentor_id)
    _not_in_future(data.completed_on, "completed_on")
    row = Training(
        org_id=caller.org_id, mentor_id=mentor.id, recorded_by=caller.subject, **data.model_dump()
    )
    return await _add(db, caller, mentor, row)


async def add_clearance(
    db: AsyncSession, caller: Principal, mentor_id: uuid.UUID, data: ClearanceCreate
) -> EstablishmentClearance:
    mentor = await _mentor_to_write(db, caller, mentor_id)
    _not_in_future(data.granted_on, "granted_on")
    row = EstablishmentClearance(
        org_id=caller.org_id,
        mentor_id=mentor.id,
        establishment_key=establishment_key(data.establishment),
        recorded_by=caller.subject,
        **data.model_dump(),
    )
    return await _add(db, caller, mentor, row)


async def remove(
    db: AsyncSession, caller: Principal, mentor_id: uuid.UUID, model: type[Row], row_id: uuid.UUID
) -> None:
    """Take back a record entered in error; the derived date follows."""
    mentor = await _mentor_to_write(db, caller, mentor_id)
    row = (
        await db.exec(
            select(model).where(
                col(model.id) == row_id,
                col(model.mentor_id) == mentor.id,
                visible_mentor_records_clause(caller, model),
            )
        )
    ).first()
    if row is None:
        raise NotFound("No such record of this mentor.")
    await db.delete(row)
    await db.flush()
    await refresh_date(db, mentor.id, model)
    _audit(db, caller, f"{model.__tablename__}.delete", row)
    await db.commit()


def present_supervision(caller: Principal, row: Supervision) -> SupervisionRead:
    """Supervision notes are for staff; the mentor sees the rest of their own records."""
    fields = row.model_dump()
    if not policy.allows(caller, "mentor_support.read_notes"):
        fields.pop("notes")
    return SupervisionRead.model_validate(fields)


async def refresh_date(db: AsyncSession, mentor_id: uuid.UUID, model: type[Row]) -> None:
    """Derive the mentor's date that `model`'s records keep: `last_supervision_on` is the
    latest supervision; `training_completed_on` the latest course still in date (none
    once every course has expired). Clearances keep no date of the mentor's."""
    if model is EstablishmentClearance:
        return
    if model is Supervision:
        column, value = "last_supervision_on", sa.func.max(col(Supervision.held_on))
        where = [col(Supervision.mentor_id) == mentor_id]
    else:
        column, value = "training_completed_on", sa.func.max(col(Training.completed_on))
        where = [
            col(Training.mentor_id) == mentor_id,
            sa.or_(col(Training.expires_on).is_(None), col(Training.expires_on) >= utc_today()),
        ]
    await db.exec(
        sa.update(MentorProfile)
        .where(col(MentorProfile.person_id) == mentor_id)
        .values({column: sa.select(value).where(*where).scalar_subquery()})
    )


async def _mentor_to_write(db: AsyncSession, caller: Principal, mentor_id: uuid.UUID) -> Person:
    policy.authorize(caller, "mentor_support.write")
    return await find_mentor(db, caller, mentor_id)


async def _add(db: AsyncSession, caller: Principal, mentor: Person, row: Row) -> Row:
    db.add(row)
    await db.flush()
    await refresh_date(db, mentor.id, type(row))
    _audit(db, caller, f"{row.__tablename__}.create", row)
    await db.commit()
    await db.refresh(row)
    return row


def _audit(
    db: AsyncSession,
    caller: Principal,
    action: str,
    row: Supervision | Training | EstablishmentClearance,
) -> None:
    audit.record(
        db,
        caller,
        action,
        entity_type=str(row.__tablename__),
        entity_id=row.id,
        person_id=row.mentor_id,
    )


def _not_in_future(value: date, field: str) -> None:
    if value > utc_today():
        raise Invalid(
            "A record of what happened cannot be dated in the future.", loc=["body", field]
        )
