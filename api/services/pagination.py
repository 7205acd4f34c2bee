"""Keyset pagination on `(created_at, id)` with an opaque cursor: one helper for every list."""

import base64
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from api.errors import Invalid
from api.models.base import Record

MAX_LIMIT = 200
DEFAULT_LIMIT = 50

R = TypeVar("R", bound=Record)


def encode_cursor(row: Record) -> str:
    raw = json.dumps([row.created_at.isoformat(), str(row.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, row_id = json.loads(raw)
        when = datetime.fromisoformat(created_at)
        if when.tzinfo is None:
            raise ValueError("naive timestamp")
        return when.astimezone(UTC), uuid.UUID(row_id)
    except (ValueError, TypeError, OverflowError) as exc:
        raise Invalid("The cursor is not one this API gave out.", loc=["query", "cursor"]) from exc


async def paginate(
    db: AsyncSession,
    stmt: SelectOfScalar[R],
    model: type[R],
    *,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[R], str | None]:
    """One page of `stmt` in creation order, and the cursor of the next page (or None)."""
    created_at: Any = model.created_at
    row_id: Any = model.id
    if cursor:
        after_at, after_id = decode_cursor(cursor)
        stmt = stmt.where(
            sa.or_(created_at > after_at, sa.and_(created_at == after_at, row_id > after_id))
        )
    limit = max(1, min(limit, MAX_LIMIT))
    rows = (await db.exec(stmt.order_by(created_at, row_id).limit(limit + 1))).all()
    if len(rows) > limit:
        return rows[:limit], encode_cursor(rows[limit - 1])
    return rows, None
