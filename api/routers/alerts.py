"""`/alerts`: early warnings about relationships, mentees and mentors."""

import uuid
from typing import Annotated

from fastapi import Body, Response

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models.alert import AlertAcknowledge, AlertRead, AlertResolve
from api.models.common import Page, Timestamp
from api.models.enums import AlertRule, AlertStatus, Severity
from api.routers.common import Cursor, IfMatch, Limit, with_etag
from api.routers.resource_router import ResourceRouter
from api.services import alerts
from api.services.alerts import AlertFilter

router = ResourceRouter(
    prefix="/alerts", tags=["alerts"], responses=problem_responses(401, 403, 429)
)


@router.get(
    "", summary="List alerts", response_model=Page[AlertRead], responses=problem_responses(422)
)
async def list_alerts(
    db: DB,
    caller: Annotated[Principal, may("alerts.read")],
    status: AlertStatus | None = None,
    rule: AlertRule | None = None,
    severity: Severity | None = None,
    mentee_id: uuid.UUID | None = None,
    mentor_id: uuid.UUID | None = None,
    relationship_id: uuid.UUID | None = None,
    updated_since: Timestamp | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AlertRead]:
    """Staff: the organisation's alerts; a mentor: those about their relationships and
    themselves. Oldest first, like every list."""
    filters = AlertFilter(
        status=status,
        rule=rule,
        severity=severity,
        mentee_id=mentee_id,
        mentor_id=mentor_id,
        relationship_id=relationship_id,
        updated_since=updated_since,
    )
    rows, next_cursor = await alerts.list_alerts(db, caller, filters, limit=limit, cursor=cursor)
    return Page(items=[alerts.present(r) for r in rows], next_cursor=next_cursor)


@router.get(
    "/{alert_id}",
    summary="Get an alert",
    response_model=AlertRead,
    responses=problem_responses(404, 422),
)
async def get_alert(
    db: DB,
    caller: Annotated[Principal, may("alerts.read")],
    alert_id: uuid.UUID,
    response: Response,
) -> AlertRead:
    """One alert, with its history."""
    alert = await alerts.find_alert(db, caller, alert_id)
    with_etag(response, alert)
    return alerts.present(alert)


@router.post(
    "/{alert_id}/acknowledge",
    summary="Acknowledge an alert",
    response_model=AlertRead,
    responses=problem_responses(404, 409, 412, 422),
)
async def acknowledge_alert(
    db: DB,
    caller: Annotated[Principal, may("alerts.change")],
    alert_id: uuid.UUID,
    if_match: IfMatch,
    response: Response,
    body: Annotated[AlertAcknowledge | None, Body()] = None,
) -> AlertRead:
    """Someone is dealing with it. It stays acknowledged until its condition clears (then it
    resolves itself) or someone resolves it."""
    note = body.note if body else None
    alert = await alerts.acknowledge(db, caller, alert_id, note, if_match=if_match)
    with_etag(response, alert)
    return alerts.present(alert)


@router.post(
    "/{alert_id}/resolve",
    summary="Resolve an alert",
    response_model=AlertRead,
    responses=problem_responses(404, 409, 412, 422),
)
async def resolve_alert(
    db: DB,
    caller: Annotated[Principal, may("alerts.change")],
    alert_id: uuid.UUID,
    body: AlertResolve,
    if_match: IfMatch,
    response: Response,
) -> AlertRead:
    """Close it with a note of what was done. While its condition still holds, no new alert
    is raised for the same rule and subject."""
    alert = await alerts.resolve(db, caller, alert_id, body.note, if_match=if_match)
    with_etag(response, alert)
    return alerts.present(alert)
