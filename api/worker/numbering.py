"""Number committed events per organisation, and queue their webhook deliveries.

Numbering after the commit is what makes the pull feed safe: an event whose transaction
commits late gets its number late, after every event a reader may already have passed.
One numberer at a time (an advisory lock on PostgreSQL; SQLite has one writer), and the
unique `(org_id, seq)` keeps two from ever giving one number twice.
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.models import ApiClient, Event, WebhookDelivery, WebhookSubscription
from api.models.base import utcnow
from api.models.enums import Role
from api.models.event import expand
from api.services.events import render
from api.services.visibility import visible_events_clause
from api.tenancy import span_organisations
from api.worker import Context, periodic

BATCH = 500
LOCK_KEY = 0x7468726F  # any fixed number: "thro"


@periodic("events.number")
async def number_events(context: Context) -> int:
    async with context.factory() as db:
        span_organisations(db, "the dispatcher numbers the events of every organisation")
        if not context.settings.is_sqlite:
            locked = await db.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(LOCK_KEY)))
            if not locked:
                return 0
        events = (
            await db.exec(
                select(Event)
                .where(col(Event.seq).is_(None))
                .order_by(col(Event.occurred_at), col(Event.id))
                .limit(BATCH)
            )
        ).all()
        if not events:
            return 0
        orgs = {event.org_id for event in events}
        last: dict[uuid.UUID, int] = {
            org_id: seq or 0
            for org_id, seq in (
                await db.exec(
                    select(Event.org_id, sa.func.max(Event.seq))
                    .where(col(Event.org_id).in_(orgs))
                    .group_by(col(Event.org_id))
                )
            ).all()
        }
        for event in events:
            last[event.org_id] = last.get(event.org_id, 0) + 1
            event.seq = last[event.org_id]
        await db.flush()
        await queue_deliveries(db, events)
        try:
            await db.commit()
        except IntegrityError:  # another numberer got there first: its numbers stand
            await db.rollback()
            return 0
        return len(events)


async def queue_deliveries(db: AsyncSession, events: Sequence[Event]) -> None:
    """A delivery for each enabled subscription that may hear of each event, carrying the
    event as its owner may see it (a partner: minimised)."""
    orgs = {event.org_id for event in events}
    subscriptions = (
        await db.exec(
            select(WebhookSubscription)
            .outerjoin(ApiClient, col(ApiClient.id) == col(WebhookSubscription.owner_client_id))
            .where(
                col(WebhookSubscription.org_id).in_(orgs),
                col(WebhookSubscription.is_active),
                sa.or_(col(ApiClient.id).is_(None), col(ApiClient.is_active)),
            )
        )
    ).all()
    now = utcnow()
    for subscription in subscriptions:
        types = expand(subscription.events)
        ids = [e.id for e in events if e.org_id == subscription.org_id and e.type in types]
        if not ids:
            continue
        owner = Principal.owner(
            subscription.org_id,
            Role(subscription.owner_role),
            client_id=subscription.owner_client_id,
            user_id=subscription.owner_user_id,
        )
        heard = (
            await db.exec(
                select(Event)
                .where(col(Event.id).in_(ids), visible_events_clause(owner))
                .order_by(col(Event.seq))
            )
        ).all()
        for event, read in zip(heard, await render(db, owner, heard), strict=True):
            db.add(
                WebhookDelivery(
                    org_id=subscription.org_id,
                    subscription_id=subscription.id,
                    event_id=event.id,
                    event_seq=event.seq,
                    event_type=event.type,
                    payload={
                        "type": read.type,
                        "timestamp": read.occurred_at.isoformat(),
                        "data": read.data,
                    },
                    next_attempt_at=now,
                )
            )
