"""Building blocks shared by the API models of every resource."""

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

T = TypeVar("T")


def _reject_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text, and no honest value contains one.
    if "\x00" in value:
        raise ValueError("text may not contain NUL characters")
    return value


NoNul = AfterValidator(_reject_nul)

Text100 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NoNul
]
Text200 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul
]
Text500 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), NoNul]
Text4000 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000), NoNul]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), NoNul]
Phone = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=3, max_length=40, pattern=r"^[0-9+() .-]+$"
    ),
]


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00:00+01:00
        raise ValueError("timestamp out of range") from exc


# A timestamp with a zone (a zone-less one is ambiguous), kept in UTC.
Timestamp = Annotated[AwareDatetime, AfterValidator(_to_utc)]

# Query-string text (filters and searches).
QueryText = Annotated[str, StringConstraints(max_length=100), NoNul]
EarliestDate = date(1900, 1, 1)


class Input(BaseModel):
    """Request bodies: unknown fields are refused, so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid")

    def reject_nulls(self, *names: str) -> None:
        """In a PATCH, `null` may clear optional fields but never required ones."""
        for name in names:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")


class RecordRead(BaseModel):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Bumped on every change; sent back as the ETag.")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


def unique(values: list[Any]) -> list[Any]:
    """Drop repeats, keeping first-seen order."""
    return list(dict.fromkeys(values))
