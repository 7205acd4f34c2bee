"""Events: what happened, written in the same transaction as the change (a transactional
outbox). The dispatcher numbers each committed event per organisation (`seq`), which is the
order of the pull feed and of webhook deliveries."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from pydantic import Field as PydField
from sqlmodel import Field

from api.models.base import OrgRecord, UTCDateTime, empty_dict, json_column, utcnow


class Event(OrgRecord, table=True):
    __tablename__ = "event"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "seq", name="uq_event_org_id_seq"),
        sa.Index(
            "ix_event_unnumbered",
            "occurred_at",
            sqlite_where=sa.text("seq IS NULL"),
            postgresql_where=sa.text("seq IS NULL"),
        ),
    )

    type: str = Field(max_length=60)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    subject_type: str = Field(max_length=30)
    subject_id: uuid.UUID
    person_id: uuid.UUID | None = Field(default=None, index=True)
    data: dict[str, Any] = Field(default_factory=empty_dict, sa_column=json_column())
    seq: int | None = Field(default=None, sa_type=sa.BigInteger)


class EventRead(BaseModel):
    """One event as a caller may see it (the same `data` a webhook delivery carries)."""

    id: uuid.UUID = PydField(description="Also the `webhook-id` of its deliveries.")
    type: str = PydField(examples=["referral.accepted"])
    occurred_at: datetime
    cursor: str = PydField(description="Pass as `after` to read the events after this one.")
    data: dict[str, Any] = PydField(
        description="The subject's ids and a minimal payload; for a partner, the referral's "
        "progress view (states and counts, never notes or sensitive fields)."
    )


class EventPage(BaseModel):
    items: list[EventRead]
    next_cursor: str = PydField(
        description="Pass as `after` next time; it stays put when there is nothing new."
    )


# The catalogue: every event type, and the read scope a caller needs to hear of it.
CATALOGUE: dict[str, str] = {
    **{
        f"referral.{name}": "referrals:read"
        for name in (
            "created",
            "sent",
            "accepted",
            "declined",
            "started",
            "completed",
            "withdrawn",
        )
    },
    **{
        f"relationship.{name}": "relationships:read"
        for name in ("proposed", "activated", "paused", "resumed", "ended", "phase_changed")
    },
    "person.custody_changed": "people:read",
    "goal.achieved": "goals:read",
    "session.missed": "sessions:read",
    "alert.raised": "people:read",
}
# What a referring partner hears about the people it referred (alerts are staff business).
PARTNER_TYPES = frozenset(CATALOGUE) - {"alert.raised"}


def expand(patterns: list[str]) -> frozenset[str]:
    """The catalogue types a subscription's patterns name (`*`, `referral.*`, exact)."""
    return frozenset(
        kind
        for kind in CATALOGUE
        for pattern in patterns
        if pattern in ("*", kind) or (pattern.endswith(".*") and kind.startswith(pattern[:-1]))
    )
