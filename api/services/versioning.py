"""Optimistic concurrency: `If-Match` against a record's `version`."""

from api.errors import PreconditionFailed
from api.models.base import Record


def check_version(row: Record, expected: int | None) -> None:
    """Refuse the change when the client saw an older version (None: the client did not say)."""
    if expected is not None and expected != row.version:
        raise PreconditionFailed(
            f"The record is at version {row.version}, not {expected}; fetch it again."
        )
