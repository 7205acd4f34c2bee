"""`/webhooks`: subscriptions to events, signed per Standard Webhooks, and their delivery log."""

import uuid
from typing import Annotated, Literal

from fastapi import Response, status

from api.auth.deps import AppSettings, may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models.common import Page
from api.models.webhook import (
    DeliveryRead,
    SecretRotation,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)
from api.routers.common import Cursor, IfMatch, Limit, with_etag
from api.routers.resource_router import ResourceRouter
from api.services import webhooks
from api.services.webhook_delivery import http_client

router = ResourceRouter(
    prefix="/webhooks", tags=["webhooks"], responses=problem_responses(401, 403, 429)
)
Manager = Annotated[Principal, may("webhooks.manage")]


@router.post(
    "",
    summary="Subscribe to events",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    responses=problem_responses(422),
)
async def create_webhook(
    db: DB, caller: Manager, settings: AppSettings, body: WebhookCreate, response: Response
) -> WebhookCreated:
    """Administrators subscribe for the organisation; a partner client for itself (it hears
    only about the people it referred). The answer carries the signing `secret` once."""
    subscription = await webhooks.create(db, caller, body, settings)
    response.headers["Location"] = f"/api/v1/webhooks/{subscription.id}"
    with_etag(response, subscription)
    return webhooks.present_created(subscription)


@router.get(
    "",
    summary="List webhook subscriptions",
    response_model=Page[WebhookRead],
    responses=problem_responses(422),
)
async def list_webhooks(
    db: DB, caller: Manager, limit: Limit = 50, cursor: Cursor = None
) -> Page[WebhookRead]:
    """All of the organisation's (administrators), or your own (a partner)."""
    rows, next_cursor = await webhooks.list_webhooks(db, caller, limit=limit, cursor=cursor)
    return Page(items=[webhooks.present(row) for row in rows], next_cursor=next_cursor)


@router.get(
    "/{webhook_id}",
    summary="Get a webhook subscription",
    response_model=WebhookRead,
    responses=problem_responses(404, 422),
)
async def get_webhook(
    db: DB, caller: Manager, webhook_id: uuid.UUID, response: Response
) -> WebhookRead:
    """With `disabled_reason` when the dispatcher stopped after repeated failures."""
    subscription = await webhooks.find_webhook(db, caller, webhook_id)
    with_etag(response, subscription)
    return webhooks.present(subscription)


@router.patch(
    "/{webhook_id}",
    summary="Change a webhook subscription",
    response_model=WebhookRead,
    responses=problem_responses(404, 409, 412, 422),
)
async def update_webhook(
    db: DB,
    caller: Manager,
    settings: AppSettings,
    webhook_id: uuid.UUID,
    body: WebhookUpdate,
    if_match: IfMatch,
    response: Response,
) -> WebhookRead:
    """`url`, `events`, `description`; `enabled: true` resumes a disabled subscription
    (its waiting deliveries are sent again), `false` pauses it."""
    subscription = await webhooks.update_webhook(
        db, caller, webhook_id, body, settings, if_match=if_match
    )
    with_etag(response, subscription)
    return webhooks.present(subscription)


@router.delete(
    "/{webhook_id}",
    summary="Delete a webhook subscription",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 412, 422),
)
async def delete_webhook(db: DB, caller: Manager, webhook_id: uuid.UUID, if_match: IfMatch) -> None:
    """Stops deliveries at once; its delivery log goes with it."""
    await webhooks.delete_webhook(db, caller, webhook_id, if_match=if_match)


@router.post(
    "/{webhook_id}/rotate-secret",
    summary="Rotate the signing secret",
    response_model=WebhookCreated,
    responses=problem_responses(404, 422),
)
async def rotate_secret(
    db: DB,
    caller: Manager,
    webhook_id: uuid.UUID,
    response: Response,
    body: SecretRotation | None = None,
) -> WebhookCreated:
    """A new secret, shown once. For `grace_hours` (default 24) deliveries carry a signature
    by the old secret too, so receivers can switch without missing one."""
    grace = (body or SecretRotation()).grace_hours
    subscription = await webhooks.rotate_secret(db, caller, webhook_id, grace)
    with_etag(response, subscription)
    return webhooks.present_created(subscription)


@router.post(
    "/{webhook_id}/ping",
    summary="Send a test delivery",
    response_model=DeliveryRead,
    responses=problem_responses(404, 422),
)
async def ping_webhook(
    db: DB, caller: Manager, settings: AppSettings, webhook_id: uuid.UUID
) -> DeliveryRead:
    """Sends a signed `webhook.ping` now and answers how it went (it is not retried)."""
    async with http_client(settings) as http:
        delivery = await webhooks.ping(db, caller, webhook_id, settings, http)
    return webhooks.present_delivery(delivery)


@router.get(
    "/{webhook_id}/deliveries",
    summary="The delivery log",
    response_model=Page[DeliveryRead],
    responses=problem_responses(404, 422),
)
async def list_deliveries(
    db: DB,
    caller: Manager,
    webhook_id: uuid.UUID,
    status: Literal["pending", "delivered", "failed"] | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[DeliveryRead]:
    """Each delivery: its event, attempts, last status code, duration and error, and the
    next retry; oldest first."""
    rows, next_cursor = await webhooks.list_deliveries(
        db, caller, webhook_id, status=status, limit=limit, cursor=cursor
    )
    return Page(items=[webhooks.present_delivery(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/retry",
    summary="Redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryRead,
    responses=problem_responses(404, 409, 422),
)
async def retry_delivery(
    db: DB, caller: Manager, webhook_id: uuid.UUID, delivery_id: uuid.UUID
) -> DeliveryRead:
    """Queue the delivery again, with the same `webhook-id` (receivers deduplicate)."""
    delivery = await webhooks.retry_delivery(db, caller, webhook_id, delivery_id)
    return webhooks.present_delivery(delivery)
