"""`/events`: the pull feed, for those who cannot receive webhooks."""

from typing import Annotated

from fastapi import Query

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models.common import QueryText
from api.models.event import EventPage
from api.routers.common import Limit
from api.routers.resource_router import ResourceRouter
from api.services import events

router = ResourceRouter(prefix="/events", tags=["events"], responses=problem_responses(401, 429))
Reader = Annotated[Principal, may("events.read")]


@router.get(
    "", summary="Read the events feed", response_model=EventPage, responses=problem_responses(422)
)
async def list_events(
    db: DB,
    caller: Reader,
    after: Annotated[
        str | None,
        Query(max_length=20, description="`next_cursor` from the last page; omit to start."),
    ] = None,
    type: Annotated[
        list[QueryText] | None,
        Query(description="Only these types: exact, a family (`referral.*`) or `*`."),
    ] = None,
    limit: Limit = 50,
) -> EventPage:
    """The events you may see, oldest first: each type needs its read scope (`referral.*`
    needs `referrals:read`, ...), and the person concerned must be one you may see. A
    partner hears of the people it referred, as the referral's progress view.

    Poll with `after=<next_cursor>`; an empty page keeps the same cursor. Events are numbered
    when they are committed, so one whose change committed late is never skipped."""
    return await events.feed(db, caller, after=after, types=type or (), limit=limit)
