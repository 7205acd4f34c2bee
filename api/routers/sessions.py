"""`/sessions`: meetings within a mentoring relationship."""

import uuid
from typing import Annotated

from fastapi import Query, Response, status

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models import MentoringSession
from api.models.common import Page, Timestamp
from api.models.enums import SessionStatus
from api.models.session import SessionCreate, SessionRead, SessionSort, SessionUpdate
from api.routers.common import Cursor, IfMatch, Limit, with_etag
from api.routers.resource_router import ResourceRouter
from api.services import sessions
from api.services.sessions import SessionFilter

router = ResourceRouter(
    prefix="/sessions", tags=["sessions"], responses=problem_responses(401, 403, 429)
)


@router.get(
    "",
    summary="List sessions",
    response_model=Page[SessionRead],
    response_model_exclude_unset=True,
    responses=problem_responses(422),
)
async def list_sessions(
    db: DB,
    caller: Annotated[Principal, may("sessions.read")],
    relationship_id: uuid.UUID | None = None,
    mentee_id: uuid.UUID | None = None,
    mentor_id: uuid.UUID | None = None,
    status: SessionStatus | None = None,
    starts_from: Annotated[Timestamp | None, Query(alias="from")] = None,
    starts_before: Annotated[Timestamp | None, Query(alias="to")] = None,
    updated_since: Timestamp | None = None,
    sort: Annotated[
        SessionSort | None,
        Query(description="By start time (`-scheduled_start`: latest first); else by creation."),
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[SessionRead]:
    """Sessions of the relationships the caller may see; `from`/`to` bound the start time."""
    filters = SessionFilter(
        relationship_id=relationship_id,
        mentee_id=mentee_id,
        mentor_id=mentor_id,
        status=status,
        starts_from=starts_from,
        starts_before=starts_before,
        updated_since=updated_since,
        sort=sort,
    )
    rows, next_cursor = await sessions.list_sessions(
        db, caller, filters, limit=limit, cursor=cursor
    )
    return Page(items=await sessions.present(db, caller, rows), next_cursor=next_cursor)


@router.post(
    "",
    summary="Plan or record a session",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionRead,
    response_model_exclude_unset=True,
    responses=problem_responses(409, 422),
)
async def create_session(
    db: DB,
    caller: Annotated[Principal, may("sessions.write")],
    body: SessionCreate,
    response: Response,
) -> SessionRead:
    """Within an open relationship. A past session can be recorded straight away as held;
    cancelled and missed sessions need a `status_reason`. Held and missed sessions fall
    within the relationship's life and not in the future; an ended relationship takes only
    sessions from before its end (409)."""
    session = await sessions.create_session(db, caller, body)
    response.headers["Location"] = f"/api/v1/sessions/{session.id}"
    return await _answer(db, caller, session, response)


@router.get(
    "/{session_id}",
    summary="Get a session",
    response_model=SessionRead,
    response_model_exclude_unset=True,
    responses=problem_responses(404, 422),
)
async def get_session(
    db: DB,
    caller: Annotated[Principal, may("sessions.read")],
    session_id: uuid.UUID,
    response: Response,
) -> SessionRead:
    """One session; `private_notes` only with `people:sensitive`."""
    return await _answer(db, caller, await sessions.find_session(db, caller, session_id), response)


@router.patch(
    "/{session_id}",
    summary="Change or record a session",
    response_model=SessionRead,
    response_model_exclude_unset=True,
    responses=problem_responses(404, 409, 412, 422),
)
async def update_session(
    db: DB,
    caller: Annotated[Principal, may("sessions.write")],
    session_id: uuid.UUID,
    body: SessionUpdate,
    if_match: IfMatch,
    response: Response,
) -> SessionRead:
    """Reschedule, or record how it went: `held` (with duration, topics, goals discussed,
    notes, wellbeing), `cancelled`, `missed_by_mentee` or `missed_by_mentor`."""
    session = await sessions.update_session(db, caller, session_id, body, if_match=if_match)
    return await _answer(db, caller, session, response)


async def _answer(
    db: DB, caller: Principal, session: MentoringSession, response: Response
) -> SessionRead:
    with_etag(response, session)
    return (await sessions.present(db, caller, [session]))[0]
