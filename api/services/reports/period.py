"""The period (and optional region) every report covers."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from api.errors import Invalid
from api.models.base import utc_today
from api.models.common import EarliestDate

LONGEST_PERIOD_DAYS = 366 * 10
DEFAULT_PERIOD_DAYS = 365
LATEST_DATE = date(2999, 12, 31)


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    region: str | None = None

    @classmethod
    def of(cls, start: date | None, end: date | None, region: str | None = None) -> "Period":
        """`from`..`to` inclusive; by default the year up to today. Refused when backwards."""
        for name, day in (("from", start), ("to", end)):
            if day is not None and not EarliestDate <= day <= LATEST_DATE:
                raise Invalid(
                    f"`{name}` must be between {EarliestDate} and {LATEST_DATE}.",
                    loc=["query", name],
                )
        end = end or utc_today()
        start = start or end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        if start > end:
            raise Invalid("`from` must be on or before `to`.", loc=["query", "from"])
        if (end - start).days > LONGEST_PERIOD_DAYS:
            raise Invalid("A report covers at most ten years.", loc=["query", "from"])
        return cls(start, end, (region or "").strip() or None)

    @property
    def first_instant(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def after_last_instant(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)
