"""The audit trail of who read or changed a person's record (contract §2, Audit)."""

import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.models import AuditEvent


def record(
    db: AsyncSession,
    caller: Principal,
    action: str,
    *,
    entity_type: str,
    entity_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
    **details: Any,
) -> None:
    """Add an audit event to the caller's transaction: it is kept exactly when the work is."""
    db.add(
        AuditEvent(
            org_id=caller.org_id,
            actor=caller.subject,
            actor_role=caller.role,
            client=caller.client_label,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            person_id=person_id,
            request_id=caller.request_id,
            details=details,
        )
    )
