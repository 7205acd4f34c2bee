"""Webhook subscriptions: administrators manage the organisation's, a partner its own."""

import base64
import secrets
import uuid
from collections.abc import Sequence
from datetime import timedelta

import httpx
from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import Conflict, Invalid, NotFound
from api.models import WebhookDelivery, WebhookSubscription
from api.models.base import utcnow
from api.models.webhook import (
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)
from api.services import audit, policy
from api.services.events import parse_types
from api.services.pagination import paginate
from api.services.versioning import check_version
from api.services.visibility import visible_webhooks_clause
from api.services.webhook_delivery import UnsafeUrl, attempt, check_url
from api.settings import Settings

PING = "webhook.ping"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _may_manage(caller: Principal) -> None:
    """The organisation's webhooks (administrators) or its own (a partner client)."""
    policy.authorize(caller, "webhooks.manage")
    if not policy.allows(caller, "webhooks.manage_organisation"):
        policy.authorize(caller, "webhooks.manage_own")


async def _checked_url(url: str, settings: Settings) -> str:
    try:
        await check_url(url, settings)
    except UnsafeUrl as exc:
        raise Invalid(f"This webhook URL is refused: {exc}.", loc=["body", "url"]) from exc
    return url


def present(subscription: WebhookSubscription) -> WebhookRead:
    owner = (
        f"client:{subscription.owner_client_id}"
        if subscription.owner_client_id
        else f"user:{subscription.owner_user_id}"
    )
    return WebhookRead.model_validate(
        {**subscription.model_dump(), "enabled": subscription.is_active, "owner": owner}
    )


def present_created(subscription: WebhookSubscription) -> WebhookCreated:
    return WebhookCreated(**present(subscription).model_dump(), secret=subscription.secret)


async def create(
    db: AsyncSession, caller: Principal, data: WebhookCreate, settings: Settings
) -> WebhookSubscription:
    _may_manage(caller)
    parse_types(data.events, ["body", "events"])
    subscription = WebhookSubscription(
        org_id=caller.org_id,
        url=await _checked_url(data.url, settings),
        events=list(dict.fromkeys(data.events)),
        description=data.description,
        secret=new_secret(),
        owner_client_id=caller.client_id,
        owner_user_id=caller.user_id,
        owner_role=caller.role,
    )
    db.add(subscription)
    audit.record(db, caller, "webhook.create", entity_type="webhook", entity_id=subscription.id)
    await db.commit()
    return subscription


async def list_webhooks(
    db: AsyncSession, caller: Principal, *, limit: int, cursor: str | None
) -> tuple[Sequence[WebhookSubscription], str | None]:
    _may_manage(caller)
    stmt = select(WebhookSubscription).where(visible_webhooks_clause(caller))
    return await paginate(db, stmt, WebhookSubscription, limit=limit, cursor=cursor)


async def find_webhook(
    db: AsyncSession, caller: Principal, webhook_id: uuid.UUID
) -> WebhookSubscription:
    _may_manage(caller)
    found = (
        await db.exec(
            select(WebhookSubscription).where(
                WebhookSubscription.id == webhook_id, visible_webhooks_clause(caller)
            )
        )
    ).first()
    if found is None:
        raise NotFound("No webhook subscription with that id.")
    return found


async def update_webhook(
    db: AsyncSession,
    caller: Principal,
    webhook_id: uuid.UUID,
    data: WebhookUpdate,
    settings: Settings,
    *,
    if_match: int | None = None,
) -> WebhookSubscription:
    subscription = await find_webhook(db, caller, webhook_id)
    check_version(subscription, if_match)
    changes = data.model_dump(exclude_unset=True)
    for name in ("url", "events", "enabled"):
        if name in changes and changes[name] is None:
            raise Invalid(f"`{name}` cannot be null.", loc=["body", name])
    if "url" in changes:
        subscription.url = await _checked_url(changes["url"], settings)
    if "events" in changes:
        parse_types(changes["events"], ["body", "events"])
        subscription.events = list(dict.fromkeys(changes["events"]))
    if "description" in changes:
        subscription.description = changes["description"]
    if changes.get("enabled") is True and not subscription.is_active:
        subscription.is_active = True
        subscription.disabled_reason = None
        subscription.disabled_at = None
        subscription.consecutive_failures = 0
        await db.exec(
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.subscription_id) == subscription.id,
                col(WebhookDelivery.status) == "pending",
            )
            .values(next_attempt_at=utcnow())
        )
    elif changes.get("enabled") is False:
        subscription.is_active = False
        subscription.disabled_reason = "Disabled by its owner."
        subscription.disabled_at = utcnow()
    subscription.updated_at = utcnow()
    audit.record(
        db,
        caller,
        "webhook.update",
        entity_type="webhook",
        entity_id=subscription.id,
        fields=sorted(changes),
    )
    await db.commit()
    return subscription


async def delete_webhook(
    db: AsyncSession, caller: Principal, webhook_id: uuid.UUID, *, if_match: int | None = None
) -> None:
    subscription = await find_webhook(db, caller, webhook_id)
    check_version(subscription, if_match)
    await db.exec(
        delete(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == subscription.id)
    )
    await db.delete(subscription)
    audit.record(db, caller, "webhook.delete", entity_type="webhook", entity_id=subscription.id)
    await db.commit()


async def rotate_secret(
    db: AsyncSession, caller: Principal, webhook_id: uuid.UUID, grace_hours: int
) -> WebhookSubscription:
    """A new secret; the old one keeps signing alongside it for `grace_hours`."""
    subscription = await find_webhook(db, caller, webhook_id)
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_expires_at = utcnow() + timedelta(hours=grace_hours)
    subscription.secret = new_secret()
    subscription.updated_at = utcnow()
    audit.record(db, caller, "webhook.rotate", entity_type="webhook", entity_id=subscription.id)
    await db.commit()
    return subscription


async def ping(
    db: AsyncSession,
    caller: Principal,
    webhook_id: uuid.UUID,
    settings: Settings,
    http: httpx.AsyncClient,
) -> WebhookDelivery:
    """Send a signed `webhook.ping` now and log it; it is not retried."""
    subscription = await find_webhook(db, caller, webhook_id)
    message_id = str(uuid.uuid4())
    now = utcnow()
    payload = {
        "type": PING,
        "timestamp": now.isoformat(),
        "data": {"webhook_id": str(subscription.id)},
    }
    result = await attempt(http, settings, subscription, message_id, payload)
    delivery = WebhookDelivery(
        org_id=subscription.org_id,
        subscription_id=subscription.id,
        event_id=uuid.UUID(message_id),
        event_type=PING,
        payload=payload,
        status="delivered" if result.ok else "failed",
        attempts=1,
        last_status_code=result.status_code,
        last_error=result.error,
        last_duration_ms=result.duration_ms,
        response_excerpt=result.excerpt,
        delivered_at=utcnow() if result.ok else None,
    )
    db.add(delivery)
    await db.commit()
    return delivery


async def list_deliveries(
    db: AsyncSession,
    caller: Principal,
    webhook_id: uuid.UUID,
    *,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[WebhookDelivery], str | None]:
    subscription = await find_webhook(db, caller, webhook_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    return await paginate(db, stmt, WebhookDelivery, limit=limit, cursor=cursor)


async def retry_delivery(
    db: AsyncSession, caller: Principal, webhook_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """Queue a delivery again (a fresh schedule of attempts, the same `webhook-id`)."""
    subscription = await find_webhook(db, caller, webhook_id)
    delivery = (
        await db.exec(
            select(WebhookDelivery).where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.subscription_id == subscription.id,
            )
        )
    ).first()
    if delivery is None:
        raise NotFound("No delivery with that id for this webhook.")
    if delivery.event_type == PING:
        raise Conflict("A ping is not redelivered; send a new ping.")
    if not subscription.is_active:
        raise Conflict("This webhook is disabled; enable it first (PATCH `enabled: true`).")
    delivery.status = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.updated_at = utcnow()
    await db.commit()
    return delivery


def present_delivery(delivery: WebhookDelivery) -> DeliveryRead:
    return DeliveryRead.model_validate(delivery, from_attributes=True)
