"""`/audit-events`: who read or changed which person's record."""

import uuid
from typing import Annotated

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models.audit import AuditEventRead
from api.models.common import Page, QueryText, Timestamp
from api.routers.common import Cursor, Limit
from api.routers.resource_router import ResourceRouter
from api.services import audit_log

router = ResourceRouter(
    prefix="/audit-events", tags=["audit"], responses=problem_responses(401, 403, 422, 429)
)


@router.get("", summary="List audit events", response_model=Page[AuditEventRead])
async def list_audit_events(
    db: DB,
    caller: Annotated[Principal, may("audit.read")],
    person_id: uuid.UUID | None = None,
    actor: QueryText | None = None,
    since: Timestamp | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AuditEventRead]:
    """Every read and change of people's records in the organisation, oldest first."""
    rows, next_cursor = await audit_log.list_events(
        db, caller, person_id=person_id, actor=actor, since=since, limit=limit, cursor=cursor
    )
    return Page(
        items=[AuditEventRead.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_cursor,
    )
