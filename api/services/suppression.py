"""Small-count suppression: no aggregate may single out a person.

Staff (admins and coordinators) see exact numbers. Everyone else who may read a report (an
analyst, a funder) sees counts from 1 to 4 as `null` with `suppressed: true`. Zero is shown:
it describes nobody.

Use it in three steps:

    exact = sees_exact_counts(caller)
    started = count(17, exact=exact)                        # one figure
    by_reason = counts({"completed": 12, "other": 2}, exact=exact)  # a breakdown
    rate = share(achieved, started)                         # a proportion of two Counts

A breakdown whose parts add up to a total shown elsewhere would give a single hidden cell
away by subtraction, so `counts` also hides the next smallest cell when exactly one is
hidden (secondary suppression). A share is null when either of its counts is hidden.
"""

from collections.abc import Mapping

from pydantic import BaseModel, Field

from api.auth.principal import Principal
from api.auth.scopes import STAFF_ROLES

SMALLEST_SHOWN = 5


class Count(BaseModel):
    """A count as the caller may see it."""

    value: int | None = Field(description="The number; null when suppressed.")
    suppressed: bool = Field(False, description="True when 1 to 4 and hidden from this caller.")


def sees_exact_counts(caller: Principal) -> bool:
    """Staff see exact numbers; every other reader gets small counts suppressed."""
    return caller.role in STAFF_ROLES


def is_small(value: int) -> bool:
    return 0 < value < SMALLEST_SHOWN


def count(value: int, *, exact: bool) -> Count:
    """One count, hidden when it is from 1 to 4 and the reader is not staff."""
    if not exact and is_small(value):
        return Count(value=None, suppressed=True)
    return Count(value=value)


def counts(values: Mapping[str, int], *, exact: bool) -> dict[str, Count]:
    """A breakdown: each small cell hidden, and one more when only one would be."""
    hidden = {key for key, value in values.items() if not exact and is_small(value)}
    if len(hidden) == 1:
        others = sorted(
            (value, key) for key, value in values.items() if key not in hidden and value > 0
        )
        if others:
            hidden.add(others[0][1])
    return {
        key: Count(value=None, suppressed=True) if key in hidden else Count(value=value)
        for key, value in values.items()
    }


def share(part: Count, whole: Count, digits: int = 3) -> float | None:
    """`part / whole`, or null when either is hidden or the whole is zero."""
    if part.value is None or not whole.value:
        return None
    return round(part.value / whole.value, digits)
