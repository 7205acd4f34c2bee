"""Keyset pagination on `(created_at, id)` with an opaque cursor: one helper for every list."""

import base64
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from api.errors import Invalid
from api.models.base import Record

MAX_LIMIT = 200
DEFAULT_LIMIT = 50

R = TypeVar("R", bound=Record)


def encode_cursor(row: Record, key: str = "created_at") -> str:
    value = getattr(row, key)
    plain = value.isoformat() if isinstance(value, date | datetime) else value
    raw = json.dumps([plain, str(row.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kind: type = datetime) -> tuple[Any, uuid.UUID]:
    """The (sort value, id) a cursor names; the value is of `kind` (datetime, date or int)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        plain, row_id = json.loads(raw)
        return _sort_value(plain, kind), uuid.UUID(row_id)
    except (ValueError, TypeError, OverflowError) as exc:
        raise Invalid("The cursor is not one this API gave out.", loc=["query", "cursor"]) from exc


def _sort_value(plain: Any, kind: type) -> Any:
    if kind is datetime:
        when = datetime.fromisoformat(plain)
        if when.tzinfo is None:
            raise ValueError("naive timestamp")
        return when.astimezone(UTC)
    if kind is date:
        return date.fromisoformat(plain)
    if kind is int and type(plain) is int and abs(plain) < 2**62:
        return plain
    raise ValueError("not a sort value")


async def paginate(
    db: AsyncSession,
    stmt: SelectOfScalar[R],
    model: type[R],
    *,
    limit: int,
    cursor: str | None,
    order_by: Any = None,
    descending: bool = False,
) -> tuple[Sequence[R], str | None]:
    """One page of `stmt` in `order_by` order (creation by default; `descending` reverses
    it), ties broken by id, and the cursor of the next page (or None)."""
    key: Any = model.created_at if order_by is None else order_by
    row_id: Any = model.id
    if cursor:
        after, after_id = decode_cursor(cursor, getattr(key.type, "impl", key.type).python_type)
        if descending:
            stmt = stmt.where(sa.or_(key < after, sa.and_(key == after, row_id < after_id)))
        else:
            stmt = stmt.where(sa.or_(key > after, sa.and_(key == after, row_id > after_id)))
    limit = max(1, min(limit, MAX_LIMIT))
    order = (key.desc(), row_id.desc()) if descending else (key, row_id)
    rows = (await db.exec(stmt.order_by(*order).limit(limit + 1))).all()
    if len(rows) > limit:
        return rows[:limit], encode_cursor(rows[limit - 1], key.key)
    return rows, None
