"""Assessments: dated self-assessments per pathway, and the distance travelled between them."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import NotFound
from api.models import Assessment
from api.models.assessment import AssessmentCreate, DistanceTravelled, PathwayDistance
from api.services import audit, people, policy
from api.services.pagination import paginate
from api.services.visibility import visible_assessments_clause


async def list_assessments(
    db: AsyncSession,
    caller: Principal,
    *,
    mentee_id: uuid.UUID | None,
    updated_since: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Assessment], str | None]:
    stmt = select(Assessment).where(visible_assessments_clause(caller))
    if mentee_id:
        stmt = stmt.where(Assessment.mentee_id == mentee_id)
    if updated_since:
        stmt = stmt.where(col(Assessment.updated_at) >= updated_since)
    return await paginate(db, stmt, Assessment, limit=limit, cursor=cursor)


async def find_assessment(
    db: AsyncSession, caller: Principal, assessment_id: uuid.UUID
) -> Assessment:
    found = (
        await db.exec(
            select(Assessment).where(
                Assessment.id == assessment_id, visible_assessments_clause(caller)
            )
        )
    ).first()
    if found is None:
        raise NotFound("No assessment with that id.")
    return found


async def record_assessment(
    db: AsyncSession, caller: Principal, data: AssessmentCreate
) -> Assessment:
    policy.authorize(caller, "assessments.write")
    mentee = await people.find_mentee_for(db, caller, data.mentee_id, "assessments")
    assessment = Assessment(
        org_id=caller.org_id,
        mentee_id=mentee.id,
        taken_on=data.taken_on,
        scores={str(pathway): score for pathway, score in data.scores.items()},
        recorded_by=caller.subject,
    )
    db.add(assessment)
    audit.record(
        db,
        caller,
        "assessment.create",
        entity_type="assessment",
        entity_id=assessment.id,
        person_id=mentee.id,
    )
    await db.commit()
    return assessment


async def distance_travelled(
    db: AsyncSession, caller: Principal, mentee_id: uuid.UUID
) -> DistanceTravelled:
    """Per pathway: the first and the latest score, and the change between them."""
    mentee = await people.find_person(db, caller, mentee_id, "assessments")
    taken = (
        await db.exec(
            select(Assessment)
            .where(Assessment.mentee_id == mentee.id)
            .order_by(col(Assessment.taken_on), col(Assessment.created_at))
        )
    ).all()
    first: dict[str, tuple[int, object]] = {}
    latest: dict[str, tuple[int, object]] = {}
    for assessment in taken:
        for pathway, score in assessment.scores.items():
            first.setdefault(pathway, (score, assessment.taken_on))
            latest[pathway] = (score, assessment.taken_on)
    return DistanceTravelled(
        mentee_id=mentee.id,
        assessments=len(taken),
        pathways=[
            PathwayDistance.model_validate(
                {
                    "pathway": pathway,
                    "first": first[pathway][0],
                    "first_on": first[pathway][1],
                    "latest": latest[pathway][0],
                    "latest_on": latest[pathway][1],
                    "change": latest[pathway][0] - first[pathway][0],
                }
            )
            for pathway in sorted(first)
        ],
    )
