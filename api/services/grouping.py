"""Batch helpers for the loaders: one query's rows, handed back per parent."""

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")


def group_by(
    parent_ids: Sequence[uuid.UUID], rows: Iterable[T], parent_of: Callable[[T], uuid.UUID]
) -> dict[uuid.UUID, list[T]]:
    """Every parent id, with its rows in query order (an empty list when it has none)."""
    grouped: dict[uuid.UUID, list[T]] = {parent_id: [] for parent_id in parent_ids}
    for row in rows:
        grouped[parent_of(row)].append(row)
    return grouped
