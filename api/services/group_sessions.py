"""Group sessions: one meeting, several attendees from several relationships.

Each attendee's relationship holds a `format: group` session of the meeting, whose status
is that attendee's attendance, so every rule, report and alert that counts a relationship's
sessions counts the group session too.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import Conflict, Invalid, NotFound
from api.models import (
    GroupFacilitator,
    GroupSession,
    MentoringRelationship,
    MentoringSession,
    Person,
    RelationshipCheckIn,
    SessionGoal,
)
from api.models.base import utcnow
from api.models.enums import OPEN_RELATIONSHIP_STATUSES, PersonKind, SessionFormat
from api.models.session import (
    ATTENDANCE_STATUS,
    Attendance,
    AttendanceRecord,
    GroupAttendee,
    GroupAttendeesAdd,
    GroupSessionCreate,
    GroupSessionRead,
)
from api.services import audit, policy, referrals
from api.services.grouping import group_by
from api.services.pagination import paginate
from api.services.sessions import check_truth, emit_if_missed
from api.services.versioning import check_version
from api.services.visibility import (
    visible_group_sessions_clause,
    visible_relationships_clause,
    visible_sessions_clause,
)

ATTENDANCE_OF: dict[str, Attendance] = {
    status: attendance for attendance, status in ATTENDANCE_STATUS.items()
}


@dataclass(frozen=True)
class Facilitation:
    """Who runs a group session: the row the policy's owner rule reads."""

    facilitator_ids: frozenset[uuid.UUID]


async def create_group_session(
    db: AsyncSession, caller: Principal, data: GroupSessionCreate
) -> GroupSession:
    facilitators = frozenset(data.facilitator_ids)
    policy.authorize(caller, "group_sessions.run", Facilitation(facilitators))
    await _check_facilitators(db, caller, facilitators)
    relationships = await _open_relationships(db, caller, data.relationship_ids)
    group = GroupSession(
        org_id=caller.org_id,
        **data.model_dump(exclude={"facilitator_ids", "relationship_ids"}),
    )
    db.add(group)
    await db.flush()
    for mentor_id in facilitators:
        db.add(GroupFacilitator(group_session_id=group.id, mentor_id=mentor_id))
    await _enrol(db, caller, group, relationships)
    await db.commit()
    return group


async def add_attendees(
    db: AsyncSession, caller: Principal, group_id: uuid.UUID, data: GroupAttendeesAdd
) -> GroupSession:
    """More attendees, each from an open relationship the caller may record sessions of
    (a walk-in may be added after the start, then marked)."""
    group = await find_group_session(db, caller, group_id)
    policy.authorize(caller, "group_sessions.run", await _facilitation(db, group.id))
    attending = set(
        (
            await db.exec(
                select(MentoringSession.relationship_id).where(
                    col(MentoringSession.group_session_id) == group.id
                )
            )
        ).all()
    )
    already = [str(r) for r in data.relationship_ids if r in attending]
    if already:
        raise Conflict(f"Already attending this group session: {', '.join(already)}.")
    relationships = await _open_relationships(db, caller, data.relationship_ids)
    await _enrol(db, caller, group, relationships)
    group.updated_at = utcnow()
    await db.commit()
    return group


async def remove_attendee(
    db: AsyncSession,
    caller: Principal,
    group_id: uuid.UUID,
    relationship_id: uuid.UUID,
    *,
    if_match: int | None = None,
) -> GroupSession:
    """Take an attendee off the list before the group starts; after that their attendance
    is recorded instead (`cancelled` or `missed`), so the register tells what happened."""
    group = await find_group_session(db, caller, group_id)
    policy.authorize(caller, "group_sessions.run", await _facilitation(db, group.id))
    check_version(group, if_match)
    rows = await _attendance(db, group.id)
    found = [(s, r) for s, r in rows if s.relationship_id == relationship_id]
    if not found:
        raise NotFound("That relationship is not one of the group's attendees.")
    ((session, relationship),) = found
    if ATTENDANCE_OF[session.status] != Attendance.expected:
        raise Conflict(
            f"Attendance is already recorded as {ATTENDANCE_OF[session.status]}; it stays."
        )
    if group.scheduled_start <= utcnow():
        raise Conflict("The group session has started: record the attendee as cancelled or missed.")
    if len(rows) == 1:
        raise Conflict("A group session keeps at least one attendee.")
    await db.exec(delete(SessionGoal).where(col(SessionGoal.session_id) == session.id))
    await db.exec(  # a check-in that named the session stays, without it
        update(RelationshipCheckIn)
        .where(col(RelationshipCheckIn.session_id) == session.id)
        .values(session_id=None)
    )
    await db.delete(session)
    audit.record(
        db,
        caller,
        "session.delete",
        entity_type="group_session",
        entity_id=group.id,
        person_id=relationship.mentee_id,
    )
    await referrals.touch_for(db, relationship.mentee_id)
    group.updated_at = utcnow()
    await db.commit()
    return group


async def record_attendance(
    db: AsyncSession, caller: Principal, group_id: uuid.UUID, data: AttendanceRecord
) -> GroupSession:
    """Each attendee attended, missed or was cancelled; an outcome, once recorded, stays."""
    group = await find_group_session(db, caller, group_id)
    policy.authorize(caller, "group_sessions.run", await _facilitation(db, group.id))
    rows = await _attendance(db, group.id)
    attendees = {session.relationship_id: (session, rel) for session, rel in rows}
    for index, mark in enumerate(data.marks):
        if mark.relationship_id not in attendees:
            raise Invalid(
                "That relationship is not one of the group's attendees.",
                loc=["body", "marks", index, "relationship_id"],
            )
        session, relationship = attendees[mark.relationship_id]
        status = ATTENDANCE_STATUS[Attendance(mark.attendance)]
        if session.status == status:
            continue
        if ATTENDANCE_OF[session.status] != Attendance.expected:
            raise Conflict(
                f"Attendance already recorded as {ATTENDANCE_OF[session.status]} "
                f"for relationship {relationship.id}."
            )
        reason = f"Marked {mark.attendance} at the group session."
        check_truth(relationship, status, reason, session.scheduled_start)
        before = session.status
        session.status = status
        session.status_reason = reason
        session.updated_at = utcnow()
        emit_if_missed(db, caller, session, relationship, before)
        audit.record(
            db,
            caller,
            "session.update",
            entity_type="group_session",
            entity_id=group.id,
            person_id=relationship.mentee_id,
            fields=["status"],
        )
        await referrals.touch_for(db, relationship.mentee_id)
    group.updated_at = utcnow()
    await db.commit()
    return group


async def find_group_session(
    db: AsyncSession, caller: Principal, group_id: uuid.UUID
) -> GroupSession:
    found = (
        await db.exec(
            select(GroupSession).where(
                GroupSession.id == group_id, visible_group_sessions_clause(caller)
            )
        )
    ).first()
    if found is None:
        raise NotFound("No group session with that id.")
    return found


async def list_group_sessions(
    db: AsyncSession, caller: Principal, *, limit: int, cursor: str | None
) -> tuple[Sequence[GroupSession], str | None]:
    stmt = select(GroupSession).where(visible_group_sessions_clause(caller))
    return await paginate(
        db, stmt, GroupSession, limit=limit, cursor=cursor, order_by=GroupSession.scheduled_start
    )


async def present(
    db: AsyncSession, caller: Principal, groups: Sequence[GroupSession]
) -> list[GroupSessionRead]:
    """Groups with their facilitators and attendees (two queries). Staff and a group's
    facilitators see every attendee; anyone else the attendees they may see sessions of."""
    ids = [g.id for g in groups]
    facilitators = group_by(
        ids,
        (
            await db.exec(
                select(GroupFacilitator).where(col(GroupFacilitator.group_session_id).in_(ids))
            )
        ).all(),
        lambda row: row.group_session_id,
    )
    attendees = (
        await db.exec(
            select(MentoringSession, MentoringRelationship.mentee_id)
            .join(
                MentoringRelationship,
                col(MentoringRelationship.id) == col(MentoringSession.relationship_id),
            )
            .where(col(MentoringSession.group_session_id).in_(ids))
            .order_by(col(MentoringSession.created_at), col(MentoringSession.id))
        )
    ).all()
    visible = set(
        (
            await db.exec(
                select(MentoringSession.id).where(
                    col(MentoringSession.group_session_id).in_(ids),
                    visible_sessions_clause(caller),
                )
            )
        ).all()
    )
    reads = []
    for group in groups:
        running = frozenset(f.mentor_id for f in facilitators[group.id])
        sees_all = policy.allows(caller, "group_sessions.run", Facilitation(running))
        reads.append(
            GroupSessionRead.model_validate(
                {
                    **group.model_dump(),
                    "facilitator_ids": sorted(running, key=str),
                    "attendees": [
                        GroupAttendee(
                            relationship_id=session.relationship_id,
                            mentee_id=mentee_id,
                            session_id=session.id,
                            attendance=ATTENDANCE_OF[session.status],
                        )
                        for session, mentee_id in attendees
                        if session.group_session_id == group.id
                        and (sees_all or session.id in visible)
                    ],
                }
            )
        )
    return reads


async def _enrol(
    db: AsyncSession,
    caller: Principal,
    group: GroupSession,
    relationships: Sequence[MentoringRelationship],
) -> None:
    """Each attendee's relationship gets a `group` session of the meeting, expected."""
    for relationship in relationships:
        db.add(
            MentoringSession(
                org_id=caller.org_id,
                relationship_id=relationship.id,
                group_session_id=group.id,
                scheduled_start=group.scheduled_start,
                duration_minutes=group.duration_minutes,
                format=SessionFormat.group,
                setting=group.setting,
                topics=list(group.topics),
            )
        )
        audit.record(
            db,
            caller,
            "session.create",
            entity_type="group_session",
            entity_id=group.id,
            person_id=relationship.mentee_id,
        )
        await referrals.touch_for(db, relationship.mentee_id)


async def _attendance(
    db: AsyncSession, group_id: uuid.UUID
) -> Sequence[tuple[MentoringSession, MentoringRelationship]]:
    """Each attendee's session of the group, with the relationship it counts for."""
    rows = await db.exec(
        select(MentoringSession, MentoringRelationship)
        .join(
            MentoringRelationship,
            col(MentoringRelationship.id) == col(MentoringSession.relationship_id),
        )
        .where(col(MentoringSession.group_session_id) == group_id)
    )
    return rows.all()


async def _facilitation(db: AsyncSession, group_id: uuid.UUID) -> Facilitation:
    ids = (
        await db.exec(
            select(GroupFacilitator.mentor_id).where(
                col(GroupFacilitator.group_session_id) == group_id
            )
        )
    ).all()
    return Facilitation(frozenset(ids))


async def _check_facilitators(
    db: AsyncSession, caller: Principal, mentor_ids: frozenset[uuid.UUID]
) -> None:
    found = (
        await db.exec(
            select(Person.id).where(
                col(Person.id).in_(mentor_ids),
                Person.org_id == caller.org_id,
                Person.kind == PersonKind.mentor,
                col(Person.deleted_at).is_(None),
            )
        )
    ).all()
    if len(found) != len(mentor_ids):
        raise Invalid(
            "Every facilitator must be a mentor of your organisation.",
            loc=["body", "facilitator_ids"],
        )


async def _open_relationships(
    db: AsyncSession, caller: Principal, relationship_ids: list[uuid.UUID]
) -> Sequence[MentoringRelationship]:
    wanted = set(relationship_ids)
    found = (
        await db.exec(
            select(MentoringRelationship)
            .where(
                col(MentoringRelationship.id).in_(wanted),
                col(MentoringRelationship.status).in_(OPEN_RELATIONSHIP_STATUSES),
                visible_relationships_clause(caller, "sessions"),
            )
            .order_by(col(MentoringRelationship.created_at))
        )
    ).all()
    if len(found) != len(wanted):
        raise Invalid(
            "Every attendee must be in an open relationship you may record sessions of.",
            loc=["body", "relationship_ids"],
        )
    return found
