"""Reading the audit trail (administrators only)."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.models import AuditEvent
from api.services.pagination import paginate


async def list_events(
    db: AsyncSession,
    caller: Principal,
    *,
    person_id: uuid.UUID | None,
    actor: str | None,
    since: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[AuditEvent], str | None]:
    stmt = select(AuditEvent).where(AuditEvent.org_id == caller.org_id)
    if person_id:
        stmt = stmt.where(AuditEvent.person_id == person_id)
    if actor:
        stmt = stmt.where(AuditEvent.actor == actor)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    return await paginate(db, stmt, AuditEvent, limit=limit, cursor=cursor)
