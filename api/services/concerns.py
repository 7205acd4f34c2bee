"""Safeguarding and wellbeing concerns: raised by a mentor or staff, triaged by staff.

A concern is never visible to the mentee or to a partner; the mentor who raised it sees it
and its status, staff see it all. Every read is audited, as a person's record is.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import Conflict, Invalid, NotFound
from api.models import Concern, MentoringRelationship, Person
from api.models.base import utc_today, utcnow
from api.models.enums import (
    OPEN_RELATIONSHIP_STATUSES,
    AlertRule,
    PersonKind,
    Role,
    Severity,
)
from api.models.support import (
    ConcernCategory,
    ConcernClose,
    ConcernCreate,
    ConcernEscalation,
    ConcernMove,
    ConcernRead,
    ConcernStatus,
    ConcernUrgency,
)
from api.services import alerts, audit, people, policy
from api.services.alerts import Subject
from api.services.pagination import paginate
from api.services.visibility import visible_concerns_clause, visible_relationships_clause

# Staff triage: open → in_review → closed (an open concern may be closed straight away).
MOVES: dict[ConcernMove, tuple[frozenset[str], ConcernStatus]] = {
    ConcernMove.review: (frozenset({ConcernStatus.open}), ConcernStatus.in_review),
    ConcernMove.close: (
        frozenset({ConcernStatus.open, ConcernStatus.in_review}),
        ConcernStatus.closed,
    ),
}
TRIAGE_FIELDS = ("outcome", "escalated_to", "escalated_on", "escalation_reference", "history")


@dataclass(frozen=True)
class ConcernFilter:
    status: ConcernStatus | None = None
    urgency: ConcernUrgency | None = None
    category: ConcernCategory | None = None
    person_id: uuid.UUID | None = None
    updated_since: datetime | None = None


async def raise_concern(db: AsyncSession, caller: Principal, data: ConcernCreate) -> Concern:
    policy.authorize(caller, "concerns.raise")
    person_id, relationship_id = await _about(db, caller, data)
    concern = Concern(
        org_id=caller.org_id,
        person_id=person_id,
        relationship_id=relationship_id,
        category=data.category,
        urgency=data.urgency,
        description=data.description,
        raised_by=caller.subject,
        raised_by_person_id=caller.person_id if caller.role == Role.mentor else None,
        history=[_change(caller, ConcernStatus.open, None)],
    )
    db.add(concern)
    if data.urgency == ConcernUrgency.urgent:
        await _raise_urgent_alert(db, caller, concern)
    audit.record(
        db,
        caller,
        "concern.raise",
        entity_type="concern",
        entity_id=concern.id,
        person_id=person_id,
        urgency=data.urgency,
    )
    await db.commit()
    return concern


async def _about(
    db: AsyncSession, caller: Principal, data: ConcernCreate
) -> tuple[uuid.UUID, uuid.UUID | None]:
    """The person concerned and the relationship, both ones the caller may reach (else 422).

    A mentor raises concerns about their own mentees and relationships only."""
    relationship = None
    if data.relationship_id is not None:
        relationship = (
            await db.exec(
                select(MentoringRelationship).where(
                    MentoringRelationship.id == data.relationship_id,
                    visible_relationships_clause(caller),
                )
            )
        ).first()
        if relationship is None or (
            caller.role == Role.mentor and relationship.status not in OPEN_RELATIONSHIP_STATUSES
        ):
            raise Invalid(
                "No relationship with that id that you may see.", loc=["body", "relationship_id"]
            )
    person_id = data.person_id or (relationship.mentee_id if relationship else None)
    assert person_id is not None
    if relationship is not None and person_id not in (
        relationship.mentee_id,
        relationship.mentor_id,
    ):
        raise Invalid("That person is not in that relationship.", loc=["body", "person_id"])
    try:
        await people.find_person(db, caller, person_id)
    except NotFound as exc:
        raise Invalid(
            "No person with that id that you may see.", loc=["body", "person_id"]
        ) from exc
    return person_id, relationship.id if relationship else None


async def list_concerns(
    db: AsyncSession, caller: Principal, filters: ConcernFilter, *, limit: int, cursor: str | None
) -> tuple[Sequence[Concern], str | None]:
    stmt = select(Concern).where(visible_concerns_clause(caller))
    for column, value in (
        (Concern.status, filters.status),
        (Concern.urgency, filters.urgency),
        (Concern.category, filters.category),
        (Concern.person_id, filters.person_id),
    ):
        if value is not None:
            stmt = stmt.where(col(column) == value)
    if filters.updated_since:
        stmt = stmt.where(col(Concern.updated_at) >= filters.updated_since)
    # the people concerned are audited once for the request (`api/services/audit.py`)
    return await paginate(db, stmt, Concern, limit=limit, cursor=cursor)


async def find_concern(db: AsyncSession, caller: Principal, concern_id: uuid.UUID) -> Concern:
    found = (
        await db.exec(
            select(Concern).where(Concern.id == concern_id, visible_concerns_clause(caller))
        )
    ).first()
    if found is None:
        raise NotFound("No concern with that id.")
    return found


async def get_concern(db: AsyncSession, caller: Principal, concern_id: uuid.UUID) -> Concern:
    concern = await find_concern(db, caller, concern_id)
    _audit_read(db, caller, concern, "concern.read")
    await db.commit()
    return concern


async def move(
    db: AsyncSession,
    caller: Principal,
    concern_id: uuid.UUID,
    step: ConcernMove,
    *,
    note: str | None = None,
    closing: ConcernClose | None = None,
) -> Concern:
    """Triage one step, or refuse it with 409."""
    policy.authorize(caller, "concerns.triage")
    concern = await find_concern(db, caller, concern_id)
    allowed_from, target = MOVES[step]
    if concern.status not in allowed_from:
        raise Conflict(f"A concern that is {concern.status} cannot {step}.")
    if closing is not None:
        concern.outcome = closing.outcome
        note = closing.outcome
    concern.status = target
    _log(concern, caller, target, note)
    if target == ConcernStatus.closed:
        await alerts.clear(db, caller, AlertRule.urgent_concern, concern.id)
    audit.record(
        db,
        caller,
        f"concern.{step}",
        entity_type="concern",
        entity_id=concern.id,
        person_id=concern.person_id,
    )
    await db.commit()
    return concern


async def escalate(
    db: AsyncSession, caller: Principal, concern_id: uuid.UUID, data: ConcernEscalation
) -> Concern:
    """Record which agency was told (the local authority, the police...)."""
    policy.authorize(caller, "concerns.triage")
    concern = await find_concern(db, caller, concern_id)
    if concern.status == ConcernStatus.closed:
        raise Conflict("A closed concern is not escalated; record a new one.")
    concern.escalated_to = data.agency
    concern.escalated_on = data.escalated_on or utc_today()
    concern.escalation_reference = data.reference
    _log(concern, caller, concern.status, f"Escalated to {data.agency}.")
    audit.record(
        db,
        caller,
        "concern.escalate",
        entity_type="concern",
        entity_id=concern.id,
        person_id=concern.person_id,
    )
    await db.commit()
    return concern


def present(caller: Principal, concern: Concern) -> ConcernRead:
    """The concern; its triage only for staff (omitted for the mentor who raised it)."""
    fields = concern.model_dump()
    if not policy.allows(caller, "concerns.read_triage"):
        for name in TRIAGE_FIELDS:
            fields.pop(name)
    return ConcernRead.model_validate(fields)


async def _raise_urgent_alert(db: AsyncSession, caller: Principal, concern: Concern) -> None:
    """An urgent concern raises an urgent alert for staff (and the mentor who raised it);
    closing the concern resolves it. The alert names the category, never the words."""
    person = await db.get(Person, concern.person_id)
    assert person is not None
    await alerts.raise_alert(
        db,
        caller,
        AlertRule.urgent_concern,
        Severity.urgent,
        Subject(
            type="concern",
            id=concern.id,
            mentee_id=person.id if person.kind == PersonKind.mentee else None,
            mentor_id=concern.raised_by_person_id,
            relationship_id=concern.relationship_id,
        ),
        f"An urgent {concern.category.replace('_', ' ')} concern was raised: triage it now.",
        {"concern_id": str(concern.id), "category": concern.category},
    )


def _audit_read(db: AsyncSession, caller: Principal, concern: Concern, action: str) -> None:
    audit.record(
        db,
        caller,
        action,
        entity_type="concern",
        entity_id=concern.id,
        person_id=concern.person_id,
    )


def _change(caller: Principal, to: str, note: str | None) -> dict[str, str | None]:
    return {"to": to, "at": utcnow().isoformat(), "by": caller.subject, "note": note}


def _log(concern: Concern, caller: Principal, to: str, note: str | None) -> None:
    concern.history = [*concern.history, _change(caller, to, note)]
    concern.updated_at = utcnow()
