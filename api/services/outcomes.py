"""Outcomes at milestones: recorded by staff and the mentee's mentor, read by them only."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import Invalid, NotFound
from api.models import MentoringRelationship, Outcome
from api.models.base import utc_today
from api.models.enums import Milestone, RelationshipStatus
from api.models.outcome import OutcomeCreate, OutcomeUpdate
from api.services import audit, people, policy
from api.services.pagination import paginate
from api.services.versioning import check_version
from api.services.visibility import visible_outcomes_clause


@dataclass(frozen=True)
class OutcomeFilter:
    mentee_id: uuid.UUID | None = None
    milestone: Milestone | None = None
    updated_since: datetime | None = None


async def list_outcomes(
    db: AsyncSession, caller: Principal, filters: OutcomeFilter, *, limit: int, cursor: str | None
) -> tuple[Sequence[Outcome], str | None]:
    stmt = select(Outcome).where(visible_outcomes_clause(caller))
    if filters.mentee_id:
        stmt = stmt.where(Outcome.mentee_id == filters.mentee_id)
    if filters.milestone:
        stmt = stmt.where(Outcome.milestone == filters.milestone)
    if filters.updated_since:
        stmt = stmt.where(col(Outcome.updated_at) >= filters.updated_since)
    return await paginate(db, stmt, Outcome, limit=limit, cursor=cursor)


async def find_outcome(db: AsyncSession, caller: Principal, outcome_id: uuid.UUID) -> Outcome:
    found = (
        await db.exec(
            select(Outcome).where(Outcome.id == outcome_id, visible_outcomes_clause(caller))
        )
    ).first()
    if found is None:
        raise NotFound("No outcome with that id.")
    return found


async def record_outcome(db: AsyncSession, caller: Principal, data: OutcomeCreate) -> Outcome:
    policy.authorize(caller, "outcomes.write")
    mentee = await people.find_mentee_for(db, caller, data.mentee_id, "assessments")
    relationship_id = await _relationship_for(db, mentee.id, data)
    outcome = Outcome(
        org_id=caller.org_id,
        **data.model_dump(exclude={"mentee_id", "recorded_on", "relationship_id"}),
        mentee_id=mentee.id,
        relationship_id=relationship_id,
        recorded_on=data.recorded_on or utc_today(),
        recorded_by=caller.subject,
    )
    db.add(outcome)
    audit.record(
        db,
        caller,
        "outcome.create",
        entity_type="outcome",
        entity_id=outcome.id,
        person_id=mentee.id,
        milestone=data.milestone,
    )
    await db.commit()
    return outcome


async def update_outcome(
    db: AsyncSession,
    caller: Principal,
    outcome_id: uuid.UUID,
    data: OutcomeUpdate,
    *,
    if_match: int | None = None,
) -> Outcome:
    outcome = await find_outcome(db, caller, outcome_id)
    policy.authorize(caller, "outcomes.write")
    check_version(outcome, if_match)
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        setattr(outcome, name, value)
    audit.record(
        db,
        caller,
        "outcome.update",
        entity_type="outcome",
        entity_id=outcome.id,
        person_id=outcome.mentee_id,
        fields=sorted(changes),
    )
    await db.commit()
    return outcome


async def _relationship_for(
    db: AsyncSession, mentee_id: uuid.UUID, data: OutcomeCreate
) -> uuid.UUID | None:
    """The named relationship (it must be the mentee's), or an `end` record's default."""
    if data.relationship_id is not None:
        owner = (
            await db.exec(
                select(MentoringRelationship.mentee_id).where(
                    MentoringRelationship.id == data.relationship_id
                )
            )
        ).first()
        if owner != mentee_id:
            raise Invalid(
                "That relationship is not one of this mentee's.", loc=["body", "relationship_id"]
            )
        return data.relationship_id
    if data.milestone != Milestone.end:
        return None
    return (
        await db.exec(
            select(MentoringRelationship.id)
            .where(
                MentoringRelationship.mentee_id == mentee_id,
                MentoringRelationship.status == RelationshipStatus.ended,
            )
            .order_by(
                col(MentoringRelationship.ended_on).desc(),
                col(MentoringRelationship.updated_at).desc(),
            )
            .limit(1)
        )
    ).first()
