"""Deliver queued webhooks: at least once, in order per subscription, with back-off.

A dispatcher claims a subscription's queue with a lease (candidates picked with
`FOR UPDATE SKIP LOCKED` on PostgreSQL, the lease set by a compare-and-set update on every
database), so two dispatchers never send one subscription's deliveries at the same time. A
delivery is marked delivered only after its 2xx: a dispatcher that dies mid-delivery leaves it
pending, and when the lease runs out another dispatcher sends it again (same `webhook-id`).
"""

import asyncio
import random
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col, select, update

from api.auth.principal import Principal
from api.models import WebhookDelivery, WebhookSubscription
from api.models.base import utcnow
from api.services import audit
from api.services.webhook_delivery import Attempt, attempt
from api.tenancy import enter_organisation, span_organisations
from api.worker import Context, periodic

BATCH = 100
# Successful outcomes are written every WRITE_EVERY deliveries or WRITE_AFTER seconds.
WRITE_EVERY = 50
WRITE_AFTER = 0.5
S = WebhookSubscription
D = WebhookDelivery


def _lease(context: Context) -> timedelta:
    return timedelta(seconds=context.settings.webhook_timeout_seconds * 2 + 5)


@periodic("webhooks.deliver")
async def deliver(context: Context) -> int:
    claimed = await _claim(context)
    if not claimed:
        return 0
    sent = await asyncio.gather(*(_drain(context, *queue) for queue in claimed))
    return sum(sent)


async def _claim(context: Context) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Subscriptions whose next delivery is due, leased to this worker: (id, org_id)."""
    now = utcnow()
    free = sa.or_(col(S.leased_until).is_(None), col(S.leased_until) < now)
    earlier = aliased(D)
    head_is_due = (
        sa.exists()
        .where(
            col(D.subscription_id) == col(S.id),
            col(D.status) == "pending",
            col(D.next_attempt_at) <= now,
            ~sa.exists().where(
                col(earlier.subscription_id) == col(D.subscription_id),
                col(earlier.status) == "pending",
                col(earlier.event_seq) < col(D.event_seq),
            ),
        )
        .correlate(S)
    )
    stmt = (
        select(S.id, S.org_id)
        .where(col(S.is_active), free, head_is_due)
        .limit(context.settings.webhook_concurrency)
    )
    if not context.settings.is_sqlite:
        stmt = stmt.with_for_update(skip_locked=True, of=S)
    async with context.factory() as db:
        span_organisations(db, "the dispatcher serves the subscriptions of every organisation")
        candidates = (await db.exec(stmt)).all()
        claimed = []
        for subscription_id, org_id in candidates:
            done = await db.exec(
                update(S)
                .where(col(S.id) == subscription_id, free)
                .values(lease_owner=context.name, leased_until=now + _lease(context))
            )
            if done.rowcount:
                claimed.append((subscription_id, org_id))
        await db.commit()
    return claimed


async def _drain(context: Context, subscription_id: uuid.UUID, org_id: uuid.UUID) -> int:
    """Send the subscription's due deliveries in order; stop at the first failure (it is
    retried later, and nothing overtakes it). Outcomes are written a few at a time: a worker
    that dies before writing them sends those again (the receiver dedupes by `webhook-id`)."""
    sent = 0
    try:
        while True:
            async with context.factory() as db:
                enter_organisation(db, org_id)
                subscription = await db.get(S, subscription_id)
                if (
                    subscription is None
                    or not subscription.is_active
                    or subscription.lease_owner != context.name
                ):
                    return sent
                queue = (
                    await db.exec(
                        select(D)
                        .where(D.subscription_id == subscription_id, D.status == "pending")
                        .order_by(col(D.event_seq), col(D.created_at))
                        .limit(BATCH)
                    )
                ).all()
            if not queue:
                return sent
            outcomes: list[tuple[WebhookDelivery, Attempt]] = []
            written = time.monotonic()
            stop = False
            for delivery in queue:
                if delivery.next_attempt_at is not None and delivery.next_attempt_at > utcnow():
                    stop = True
                    break
                result = await attempt(
                    context.http,
                    context.settings,
                    subscription,
                    str(delivery.event_id),
                    delivery.payload,
                )
                outcomes.append((delivery, result))
                if not result.ok:
                    break
                if len(outcomes) >= WRITE_EVERY or time.monotonic() - written > WRITE_AFTER:
                    if not await _record(context, subscription, outcomes):
                        return sent + len(outcomes)
                    sent, outcomes, written = sent + len(outcomes), [], time.monotonic()
            still_ours = await _record(context, subscription, outcomes)
            sent += sum(result.ok for _, result in outcomes)
            failed = bool(outcomes) and not outcomes[-1][1].ok
            if stop or failed or not still_ours:
                return sent
    finally:
        async with context.factory() as db:
            enter_organisation(db, org_id)
            await db.exec(
                update(S)
                .where(col(S.id) == subscription_id, col(S.lease_owner) == context.name)
                .values(lease_owner=None, leased_until=None)
            )
            await db.commit()


async def _record(
    context: Context,
    subscription: WebhookSubscription,
    outcomes: list[tuple[WebhookDelivery, Attempt]],
) -> bool:
    """Log attempts (successes, perhaps ending in one failure) in one transaction and
    schedule what follows; answers whether the lease is still ours."""
    if not outcomes:
        return True
    now = utcnow()
    async with context.factory() as db:
        enter_organisation(db, subscription.org_id)
        delivery, last = outcomes[-1]
        delivered = [(d, result) for d, result in outcomes if result.ok]
        if delivered:
            connection = await db.connection()
            await connection.execute(
                _DELIVERED.values(delivered_at=now, updated_at=now),
                [
                    {
                        "b_id": d.id,
                        "b_org_id": d.org_id,
                        "b_attempts": d.attempts + 1,
                        "b_code": result.status_code,
                        "b_ms": result.duration_ms,
                        "b_excerpt": result.excerpt,
                    }
                    for d, result in delivered
                ],
            )
        if not last.ok:
            await db.exec(
                update(D)
                .where(col(D.id) == delivery.id, col(D.status) == "pending")
                .values(_failure(context, delivery, last, now))
            )
        ours = col(S.id) == subscription.id, col(S.lease_owner) == context.name
        values: dict[str, Any] = {"leased_until": now + _lease(context)}
        if last.ok:
            values["consecutive_failures"] = 0
        else:
            values["consecutive_failures"] = (
                1 if len(outcomes) > 1 else col(S.consecutive_failures) + 1
            )
        exhausted = not last.ok and delivery.attempts + 1 > len(
            context.settings.webhook_retry_delays
        )
        if exhausted:
            reason = (
                f"Stopped after {delivery.attempts + 1} consecutive failed attempts to deliver "
                f"{delivery.event_type} {delivery.event_id}; the last: {last.error}"
            )[:500]
            values |= {
                "is_active": False,
                "disabled_reason": reason,
                "disabled_at": now,
                "updated_at": now,
                "version": col(S.version) + 1,
            }
            audit.record(
                db,
                Principal.system(subscription.org_id, "webhooks.deliver"),
                "webhook.disable",
                entity_type="webhook",
                entity_id=subscription.id,
                reason=reason,
            )
        kept = await db.exec(update(S).where(*ours).values(values))
        await db.commit()
    return bool(kept.rowcount)


def _failure(
    context: Context, delivery: WebhookDelivery, result: Attempt, now: datetime
) -> dict[str, Any]:
    """A delivery's columns after a failed attempt: due again later, or failed for good."""
    attempts = delivery.attempts + 1
    delays = context.settings.webhook_retry_delays
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_status_code": result.status_code,
        "last_error": result.error,
        "last_duration_ms": result.duration_ms,
        "response_excerpt": result.excerpt,
        "updated_at": now,
        "version": col(D.version) + 1,
    }
    if attempts <= len(delays):
        delay = delays[attempts - 1] * random.uniform(0.8, 1.2)  # noqa: S311  (jitter)
        return values | {"next_attempt_at": now + timedelta(seconds=delay)}
    return values | {"status": "failed", "next_attempt_at": None}


_TABLE: Any = WebhookDelivery.__table__  # type: ignore[attr-defined]
# Successful attempts, written together (one statement, executed for many rows).
_DELIVERED = (
    sa.update(_TABLE)
    .where(
        _TABLE.c.id == sa.bindparam("b_id"),
        _TABLE.c.org_id == sa.bindparam("b_org_id"),
        _TABLE.c.status == "pending",
    )
    .values(
        status="delivered",
        next_attempt_at=None,
        attempts=sa.bindparam("b_attempts"),
        last_status_code=sa.bindparam("b_code"),
        last_error=None,
        last_duration_ms=sa.bindparam("b_ms"),
        response_excerpt=sa.bindparam("b_excerpt"),
        version=_TABLE.c.version + 1,
    )
)
