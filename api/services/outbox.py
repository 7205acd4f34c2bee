"""`emit`: an event written in the same transaction as the change it describes (a
transactional outbox). It is committed exactly when the change is, and a rolled-back change
leaves no event; the dispatcher (`api/worker/`) numbers and delivers it after the commit."""

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.models import Event, Record
from api.models.event import CATALOGUE


def emit(
    db: AsyncSession,
    caller: Principal,
    type_: str,
    subject: Record,
    *,
    person_id: uuid.UUID | None,
    **data: Any,
) -> Event:
    """Record that `type_` happened to `subject`, in the caller's transaction."""
    event = Event(**event_row(caller, type_, subject.id, person_id=person_id, **data))
    db.add(event)
    return event


def event_row(
    caller: Principal,
    type_: str,
    subject_id: uuid.UUID,
    *,
    person_id: uuid.UUID | None,
    **data: Any,
) -> dict[str, Any]:
    """The event's row: what `emit` adds, or one of many for `emit_rows`."""
    assert type_ in CATALOGUE, f"{type_} is not in the event catalogue"
    family = type_.split(".", 1)[0]
    payload = {f"{family}_id": str(subject_id), **_jsonable(data)}
    if person_id is not None and family != "person":
        payload.setdefault("person_id", str(person_id))
    return {
        "org_id": caller.org_id,
        "type": type_,
        "subject_type": family,
        "subject_id": subject_id,
        "person_id": person_id,
        "data": payload,
    }


async def emit_rows(db: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Many events (`event_row`) in one statement, in the caller's transaction: for a change
    that writes thousands of rows at once, where an object each would cost more than the
    change itself."""
    if rows:
        await db.exec(sa.insert(Event.__table__), params=rows)  # type: ignore[attr-defined]


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {
        key: str(value) if isinstance(value, uuid.UUID) else value
        for key, value in data.items()
        if value is not None
    }
