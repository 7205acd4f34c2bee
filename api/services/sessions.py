"""Mentoring sessions: meetings within a relationship, planned or logged after the fact."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import Conflict, Invalid, NotFound
from api.models import Goal, MentoringRelationship, MentoringSession, SessionGoal
from api.models.base import utcnow
from api.models.enums import RelationshipStatus, SessionStatus
from api.models.session import SessionCreate, SessionRead, SessionSort, SessionUpdate
from api.services import audit, policy, referrals
from api.services.grouping import group_by
from api.services.outbox import emit
from api.services.pagination import paginate
from api.services.versioning import check_version
from api.services.visibility import visible_relationships_clause, visible_sessions_clause

NEEDS_REASON = frozenset(
    {SessionStatus.cancelled, SessionStatus.missed_by_mentee, SessionStatus.missed_by_mentor}
)
# A session is planned, then happens, is cancelled or is missed; those outcomes are final.
SESSION_MOVES = {SessionStatus.scheduled: frozenset(SessionStatus) - {SessionStatus.scheduled}}
# What happened (not what was planned or called off) happens within the relationship's life.
HAPPENED = frozenset(
    {SessionStatus.held, SessionStatus.missed_by_mentee, SessionStatus.missed_by_mentor}
)


@dataclass(frozen=True)
class SessionFilter:
    relationship_id: uuid.UUID | None = None
    mentee_id: uuid.UUID | None = None
    mentor_id: uuid.UUID | None = None
    status: SessionStatus | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    updated_since: datetime | None = None
    sort: SessionSort | None = None


async def list_sessions(
    db: AsyncSession, caller: Principal, filters: SessionFilter, *, limit: int, cursor: str | None
) -> tuple[Sequence[MentoringSession], str | None]:
    stmt = select(MentoringSession).where(visible_sessions_clause(caller))
    if filters.mentee_id or filters.mentor_id:
        related = select(MentoringRelationship.id)
        if filters.mentee_id:
            related = related.where(MentoringRelationship.mentee_id == filters.mentee_id)
        if filters.mentor_id:
            related = related.where(MentoringRelationship.mentor_id == filters.mentor_id)
        stmt = stmt.where(col(MentoringSession.relationship_id).in_(related))
    if filters.relationship_id:
        stmt = stmt.where(MentoringSession.relationship_id == filters.relationship_id)
    if filters.status:
        stmt = stmt.where(MentoringSession.status == filters.status)
    if filters.starts_from:
        stmt = stmt.where(col(MentoringSession.scheduled_start) >= filters.starts_from)
    if filters.starts_before:
        stmt = stmt.where(col(MentoringSession.scheduled_start) < filters.starts_before)
    if filters.updated_since:
        stmt = stmt.where(col(MentoringSession.updated_at) >= filters.updated_since)
    if filters.sort is None:
        return await paginate(db, stmt, MentoringSession, limit=limit, cursor=cursor)
    return await paginate(
        db,
        stmt,
        MentoringSession,
        limit=limit,
        cursor=cursor,
        order_by=MentoringSession.scheduled_start,
        descending=filters.sort == SessionSort.scheduled_start_desc,
    )


async def of_relationships(
    db: AsyncSession, caller: Principal, relationship_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[MentoringSession]]:
    """Each visible relationship's sessions, by start time (one query)."""
    rows = (
        await db.exec(
            select(MentoringSession)
            .where(
                col(MentoringSession.relationship_id).in_(relationship_ids),
                visible_sessions_clause(caller),
            )
            .order_by(col(MentoringSession.scheduled_start), col(MentoringSession.id))
        )
    ).all()
    return group_by(relationship_ids, rows, lambda session: session.relationship_id)


async def find_session(
    db: AsyncSession, caller: Principal, session_id: uuid.UUID
) -> MentoringSession:
    found = (
        await db.exec(
            select(MentoringSession).where(
                MentoringSession.id == session_id, visible_sessions_clause(caller)
            )
        )
    ).first()
    if found is None:
        raise NotFound("No session with that id.")
    return found


async def create_session(
    db: AsyncSession, caller: Principal, data: SessionCreate
) -> MentoringSession:
    relationship = (
        await db.exec(
            select(MentoringRelationship).where(
                MentoringRelationship.id == data.relationship_id,
                visible_relationships_clause(caller, "sessions"),
            )
        )
    ).first()
    if relationship is None:
        raise Invalid(
            "No relationship with that id that you may see.", loc=["body", "relationship_id"]
        )
    policy.authorize(caller, "sessions.write", relationship)
    _check_private_notes(caller, relationship, data)
    check_truth(relationship, data.status, data.status_reason, data.scheduled_start)
    session = MentoringSession(
        org_id=caller.org_id,
        **data.model_dump(exclude={"goal_ids"}),
    )
    if data.private_notes is not None:
        session.private_notes_by = caller.subject
    db.add(session)
    await _set_goals(db, session, relationship.mentee_id, data.goal_ids)
    emit_if_missed(db, caller, session, relationship, None)
    audit.record(
        db,
        caller,
        "session.create",
        entity_type="session",
        entity_id=session.id,
        person_id=relationship.mentee_id,
    )
    await referrals.touch_for(db, relationship.mentee_id)
    await db.commit()
    return session


async def update_session(
    db: AsyncSession,
    caller: Principal,
    session_id: uuid.UUID,
    data: SessionUpdate,
    *,
    if_match: int | None = None,
) -> MentoringSession:
    session = await find_session(db, caller, session_id)
    relationship = await db.get(MentoringRelationship, session.relationship_id)
    assert relationship is not None
    policy.authorize(caller, "sessions.write", relationship)
    check_version(session, if_match)
    if session.group_session_id is not None and "status" in data.model_fields_set:
        raise Conflict("Attendance at a group session is recorded on the group session.")
    _check_private_notes(caller, relationship, data)
    changes = data.model_dump(exclude_unset=True)
    status = changes.get("status", session.status)
    allowed = SESSION_MOVES.get(SessionStatus(session.status), frozenset())
    if status != session.status and status not in allowed:
        raise Conflict(f"A session that is {session.status} cannot become {status}.")
    check_truth(
        relationship,
        status,
        changes.get("status_reason", session.status_reason),
        changes.get("scheduled_start", session.scheduled_start),
    )
    goal_ids = changes.pop("goal_ids", None)
    before = session.status
    for name, value in changes.items():
        setattr(session, name, value)
    if "private_notes" in changes:
        session.private_notes_by = caller.subject if session.private_notes else None
    emit_if_missed(db, caller, session, relationship, before)
    if goal_ids is not None:
        await _set_goals(db, session, relationship.mentee_id, goal_ids)
    session.updated_at = utcnow()
    audit.record(
        db,
        caller,
        "session.update",
        entity_type="session",
        entity_id=session.id,
        person_id=relationship.mentee_id,
        fields=sorted(data.model_dump(exclude_unset=True)),
    )
    await referrals.touch_for(db, relationship.mentee_id)
    await db.commit()
    return session


def emit_if_missed(
    db: AsyncSession,
    caller: Principal,
    session: MentoringSession,
    relationship: MentoringRelationship,
    before: str | None,
) -> None:
    missed = (SessionStatus.missed_by_mentee, SessionStatus.missed_by_mentor)
    if session.status in missed and session.status != before:
        emit(
            db,
            caller,
            "session.missed",
            session,
            person_id=relationship.mentee_id,
            relationship_id=relationship.id,
            status=session.status,
            scheduled_start=session.scheduled_start.isoformat(),
        )


async def present(
    db: AsyncSession, caller: Principal, sessions: Sequence[MentoringSession]
) -> list[SessionRead]:
    """Sessions with their people and goals (two queries); private notes need the scope."""
    relationship_ids = {s.relationship_id for s in sessions}
    pairs = {
        r.id: (r.mentee_id, r.mentor_id)
        for r in (
            await db.exec(
                select(MentoringRelationship).where(
                    col(MentoringRelationship.id).in_(relationship_ids)
                )
            )
        ).all()
    }
    links = (
        await db.exec(
            select(SessionGoal).where(col(SessionGoal.session_id).in_([s.id for s in sessions]))
        )
    ).all()
    goals: dict[uuid.UUID, list[uuid.UUID]] = {}
    for link in links:
        goals.setdefault(link.session_id, []).append(link.goal_id)
    reads = []
    for session in sessions:
        fields = session.model_dump()
        if not policy.allows(caller, "sessions.read_private_notes", session):
            fields.pop("private_notes")
        mentee_id, mentor_id = pairs[session.relationship_id]
        reads.append(
            SessionRead.model_validate(
                {
                    **fields,
                    "mentee_id": mentee_id,
                    "mentor_id": mentor_id,
                    "goal_ids": sorted(goals.get(session.id, []), key=str),
                }
            )
        )
    return reads


def check_truth(
    relationship: MentoringRelationship,
    status: SessionStatus | str,
    reason: str | None,
    scheduled_start: datetime,
) -> None:
    """A session tells the truth: held or missed ones are in the past and within the
    relationship's active life; an ended relationship takes only what happened before its
    end (409 otherwise)."""
    if status in NEEDS_REASON and not reason:
        raise Invalid(
            f"A session that is {status} needs a status_reason.", loc=["body", "status_reason"]
        )
    if status in HAPPENED and scheduled_start > utcnow():
        raise Invalid(f"A session in the future cannot be {status} yet.", loc=["body", "status"])
    on = scheduled_start.date()
    if relationship.status == RelationshipStatus.ended:
        ended_on = relationship.ended_on
        if status == SessionStatus.scheduled or ended_on is None or on > ended_on:
            raise Conflict(
                "The relationship has ended; only what happened before its end is recorded now."
            )
    if status not in HAPPENED:
        return
    if relationship.status == RelationshipStatus.proposed:
        raise Conflict("The relationship has not started: no session has happened in it yet.")
    if relationship.started_on is not None and on < relationship.started_on:
        raise Invalid(
            f"The relationship started on {relationship.started_on}; a session before that "
            "was not part of it.",
            loc=["body", "scheduled_start"],
        )


def _check_private_notes(
    caller: Principal, relationship: MentoringRelationship, data: SessionCreate | SessionUpdate
) -> None:
    if "private_notes" in data.model_fields_set:
        policy.authorize(caller, "sessions.write_private_notes", relationship)


async def _set_goals(
    db: AsyncSession,
    session: MentoringSession,
    mentee_id: uuid.UUID,
    goal_ids: list[uuid.UUID],
) -> None:
    if goal_ids:
        found = (
            await db.exec(
                select(Goal.id).where(col(Goal.id).in_(goal_ids), Goal.mentee_id == mentee_id)
            )
        ).all()
        if len(set(found)) != len(set(goal_ids)):
            raise Invalid(
                "Every goal discussed must be one of the mentee's.", loc=["body", "goal_ids"]
            )
    await db.exec(delete(SessionGoal).where(col(SessionGoal.session_id) == session.id))
    await db.flush()
    for goal_id in dict.fromkeys(goal_ids):
        db.add(SessionGoal(session_id=session.id, goal_id=goal_id))
