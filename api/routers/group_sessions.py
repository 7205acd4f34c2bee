"""`/group-sessions`: one meeting with attendees from several relationships."""

import uuid
from typing import Annotated

from fastapi import Response, status

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models import GroupSession
from api.models.common import Page
from api.models.session import (
    AttendanceRecord,
    GroupAttendeesAdd,
    GroupSessionCreate,
    GroupSessionRead,
)
from api.routers.common import Cursor, IfMatch, Limit, with_etag
from api.routers.resource_router import ResourceRouter
from api.services import group_sessions

router = ResourceRouter(
    prefix="/group-sessions", tags=["sessions"], responses=problem_responses(401, 403, 429)
)


@router.get(
    "",
    summary="List group sessions",
    response_model=Page[GroupSessionRead],
    responses=problem_responses(422),
)
async def list_group_sessions(
    db: DB,
    caller: Annotated[Principal, may("sessions.read")],
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[GroupSessionRead]:
    """By start time: the ones you run, or where someone you may see attends."""
    rows, next_cursor = await group_sessions.list_group_sessions(
        db, caller, limit=limit, cursor=cursor
    )
    return Page(items=await group_sessions.present(db, caller, rows), next_cursor=next_cursor)


@router.post(
    "",
    summary="Plan a group session",
    status_code=status.HTTP_201_CREATED,
    response_model=GroupSessionRead,
    responses=problem_responses(409, 422),
)
async def create_group_session(
    db: DB,
    caller: Annotated[Principal, may("sessions.write")],
    body: GroupSessionCreate,
    response: Response,
) -> GroupSessionRead:
    """Facilitated by one or more mentors (a mentor: one of them, with their own mentees);
    each attendee's relationship gets a `group` session of it."""
    group = await group_sessions.create_group_session(db, caller, body)
    response.headers["Location"] = f"/api/v1/group-sessions/{group.id}"
    return await _answer(db, caller, group, response)


@router.get(
    "/{group_session_id}",
    summary="Get a group session",
    response_model=GroupSessionRead,
    responses=problem_responses(404, 422),
)
async def get_group_session(
    db: DB,
    caller: Annotated[Principal, may("sessions.read")],
    group_session_id: uuid.UUID,
    response: Response,
) -> GroupSessionRead:
    """The group session, its facilitators and the attendance you may see."""
    group = await group_sessions.find_group_session(db, caller, group_session_id)
    return await _answer(db, caller, group, response)


@router.post(
    "/{group_session_id}/attendance",
    summary="Record attendance",
    response_model=GroupSessionRead,
    responses=problem_responses(404, 409, 422),
)
async def record_attendance(
    db: DB,
    caller: Annotated[Principal, may("sessions.write")],
    group_session_id: uuid.UUID,
    body: AttendanceRecord,
    response: Response,
) -> GroupSessionRead:
    """`attended`, `missed` or `cancelled` per attendee: not before the session starts, and
    within each relationship's life. Recorded outcomes are final (409)."""
    group = await group_sessions.record_attendance(db, caller, group_session_id, body)
    return await _answer(db, caller, group, response)


@router.post(
    "/{group_session_id}/attendees",
    summary="Add attendees",
    response_model=GroupSessionRead,
    responses=problem_responses(404, 409, 422),
)
async def add_attendees(
    db: DB,
    caller: Annotated[Principal, may("sessions.write")],
    group_session_id: uuid.UUID,
    body: GroupAttendeesAdd,
    response: Response,
) -> GroupSessionRead:
    """Each from an open relationship you may record sessions of (a mentor: their own
    mentees), not already attending; each relationship gets a `group` session, `expected`.
    A walk-in may be added after the start, then marked."""
    group = await group_sessions.add_attendees(db, caller, group_session_id, body)
    return await _answer(db, caller, group, response)


@router.delete(
    "/{group_session_id}/attendees/{relationship_id}",
    summary="Remove an attendee",
    response_model=GroupSessionRead,
    responses=problem_responses(404, 409, 412, 422),
)
async def remove_attendee(
    db: DB,
    caller: Annotated[Principal, may("sessions.write")],
    group_session_id: uuid.UUID,
    relationship_id: uuid.UUID,
    if_match: IfMatch,
    response: Response,
) -> GroupSessionRead:
    """Before the group starts, and while their attendance is still `expected`: their
    relationship's `group` session goes. After the start, record them `cancelled` or
    `missed` instead (409). The last attendee stays (409)."""
    group = await group_sessions.remove_attendee(
        db, caller, group_session_id, relationship_id, if_match=if_match
    )
    return await _answer(db, caller, group, response)


async def _answer(
    db: DB, caller: Principal, group: GroupSession, response: Response
) -> GroupSessionRead:
    with_etag(response, group)
    return (await group_sessions.present(db, caller, [group]))[0]
