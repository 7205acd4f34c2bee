"""Events read back as the caller may see them: the pull feed, and the payloads of webhook
deliveries.

The dispatcher numbers committed events per organisation (`seq`); the feed pages by that
number, so an event whose transaction commits late is numbered late and is never skipped.
"""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import Invalid
from api.models import Event, Referral
from api.models.enums import Role
from api.models.event import EventPage, EventRead, expand
from api.services import referrals
from api.services.pagination import DEFAULT_LIMIT, MAX_LIMIT
from api.services.visibility import visible_events_clause, visible_referrals_clause


def parse_types(patterns: Sequence[str], loc: list[str | int]) -> frozenset[str]:
    """Catalogue types named by patterns; a pattern naming none is a 422."""
    for index, pattern in enumerate(patterns):
        if not expand([pattern]):
            raise Invalid(
                f"`{pattern}` names no event type; see the catalogue in the README.",
                loc=[*loc, index],
            )
    return expand(list(patterns))


def parse_after(after: str | None) -> int:
    if after is None or after == "":
        return 0
    if not after.isdigit() or len(after) > 18:
        raise Invalid("`after` is a cursor this API gave out (a number).", loc=["query", "after"])
    return int(after)


async def feed(
    db: AsyncSession,
    caller: Principal,
    *,
    after: str | None,
    types: Sequence[str] = (),
    limit: int = DEFAULT_LIMIT,
) -> EventPage:
    """The events the caller may see after a cursor, oldest first."""
    start = parse_after(after)
    stmt = select(Event).where(visible_events_clause(caller), col(Event.seq) > start)
    if types:
        stmt = stmt.where(col(Event.type).in_(sorted(parse_types(types, ["query", "type"]))))
    limit = max(1, min(limit, MAX_LIMIT))
    rows = (await db.exec(stmt.order_by(col(Event.seq)).limit(limit))).all()
    items = await render(db, caller, rows)
    return EventPage(items=items, next_cursor=items[-1].cursor if items else str(start))


async def render(db: AsyncSession, caller: Principal, events: Sequence[Event]) -> list[EventRead]:
    """Events as the caller may see them. Staff, mentors and mentees get the stored payload
    (ids and states only); a partner gets its referral's progress view instead."""
    if caller.role != Role.partner:
        return [_read(event, event.data) for event in events]
    views: dict[uuid.UUID, dict[str, Any]] = {}
    answer = []
    for event in events:
        referral_id = await _partner_referral(db, caller, event)
        if referral_id not in views:
            progress = await referrals.progress(db, caller, referral_id)
            views[referral_id] = progress.model_dump(mode="json", by_alias=True)
        data = {
            "referral_id": str(referral_id),
            "person_id": str(event.person_id),
            "progress": views[referral_id],
        }
        answer.append(_read(event, data))
    return answer


async def _partner_referral(db: AsyncSession, caller: Principal, event: Event) -> uuid.UUID:
    if event.subject_type == "referral":
        return event.subject_id
    latest = (
        await db.exec(
            select(Referral.id)
            .where(Referral.mentee_id == event.person_id, visible_referrals_clause(caller))
            .order_by(col(Referral.created_at).desc())
        )
    ).first()
    assert latest is not None, "the events clause shows a partner only the people it referred"
    return latest


def _read(event: Event, data: dict[str, Any]) -> EventRead:
    return EventRead(
        id=event.id,
        type=event.type,
        occurred_at=event.occurred_at,
        cursor=str(event.seq),
        data=data,
    )
