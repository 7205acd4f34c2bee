"""`GET /me/caseload`: a mentor's open relationships with what their app shows for each,
in a fixed number of queries (six) whatever the caseload."""

import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.models import Alert, Goal, MentoringRelationship, MentoringSession
from api.models.base import utcnow
from api.models.caseload import Caseload, CaseloadEntry, NextSession, OpenGoal
from api.models.enums import (
    OPEN_RELATIONSHIP_STATUSES,
    UNRESOLVED_ALERT_STATUSES,
    GoalStatus,
    SessionStatus,
)
from api.services import alerts, policy
from api.services.grouping import group_by
from api.services.relationships import display_names
from api.services.visibility import (
    visible_alerts_clause,
    visible_goals_clause,
    visible_relationships_clause,
    visible_sessions_clause,
)

OPEN_GOAL_STATUSES = (GoalStatus.proposed, GoalStatus.active, GoalStatus.on_hold)


async def caseload(db: AsyncSession, caller: Principal) -> Caseload:
    policy.authorize(caller, "caseload.read")
    relationships = (
        await db.exec(
            select(MentoringRelationship)
            .where(
                visible_relationships_clause(caller),
                col(MentoringRelationship.mentor_id) == caller.person_id,
                col(MentoringRelationship.status).in_(OPEN_RELATIONSHIP_STATUSES),
            )
            .order_by(col(MentoringRelationship.created_at), col(MentoringRelationship.id))
        )
    ).all()
    ids = [r.id for r in relationships]
    mentee_ids = [r.mentee_id for r in relationships]
    names = await display_names(db, mentee_ids)
    upcoming = group_by(
        ids,
        (
            await db.exec(
                select(MentoringSession)
                .where(
                    col(MentoringSession.relationship_id).in_(ids),
                    visible_sessions_clause(caller),
                    MentoringSession.status == SessionStatus.scheduled,
                    col(MentoringSession.scheduled_start) >= utcnow(),
                )
                .order_by(col(MentoringSession.scheduled_start), col(MentoringSession.id))
            )
        ).all(),
        lambda session: session.relationship_id,
    )
    goals = group_by(
        mentee_ids,
        (
            await db.exec(
                select(Goal)
                .where(
                    col(Goal.mentee_id).in_(mentee_ids),
                    visible_goals_clause(caller),
                    col(Goal.status).in_(OPEN_GOAL_STATUSES),
                )
                .order_by(col(Goal.created_at), col(Goal.id))
            )
        ).all(),
        lambda goal: goal.mentee_id,
    )
    open_alerts = group_by(
        mentee_ids,
        (
            await db.exec(
                select(Alert)
                .where(
                    visible_alerts_clause(caller),
                    col(Alert.mentee_id).in_(mentee_ids),
                    col(Alert.status).in_(UNRESOLVED_ALERT_STATUSES),
                )
                .order_by(col(Alert.raised_at).desc(), col(Alert.id))
            )
        ).all(),
        lambda alert: alert.mentee_id or uuid.UUID(int=0),
    )
    return Caseload(
        items=[
            CaseloadEntry(
                relationship_id=r.id,
                mentee_id=r.mentee_id,
                mentee_name=names[r.mentee_id],
                status=r.status,
                phase=r.phase,
                started_on=r.started_on,
                next_session=NextSession.model_validate(upcoming[r.id][0], from_attributes=True)
                if upcoming[r.id]
                else None,
                open_goals=[
                    OpenGoal.model_validate(g, from_attributes=True) for g in goals[r.mentee_id]
                ],
                open_alerts=[alerts.present(a) for a in open_alerts[r.mentee_id]],
            )
            for r in relationships
        ]
    )
