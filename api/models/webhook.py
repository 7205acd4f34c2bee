"""Webhook subscriptions and the log of their signed deliveries."""

import uuid
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, StringConstraints
from pydantic import Field as PydField
from sqlmodel import Field

from api.models.base import OrgRecord, UTCDateTime, empty_dict, empty_list, json_column
from api.models.common import Input, NoNul, RecordRead, Text500


class WebhookSubscription(OrgRecord, table=True):
    __tablename__ = "webhook_subscription"

    url: str = Field(max_length=1000)
    events: list[str] = Field(default_factory=empty_list, sa_column=json_column())
    secret: str = Field(max_length=200)  # HMAC key: needed in clear to sign deliveries
    description: str | None = Field(default=None, max_length=500)
    is_active: bool = True
    # A partner client's own subscription hears only about the people it referred.
    owner_client_id: uuid.UUID | None = Field(default=None, foreign_key="api_client.id")
    owner_user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    owner_role: str = Field(default="admin", max_length=20)
    previous_secret: str | None = Field(default=None, max_length=200)
    previous_secret_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consecutive_failures: int = 0
    disabled_reason: str | None = Field(default=None, max_length=500)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The dispatcher holding this subscription's queue, and until when.
    lease_owner: str | None = Field(default=None, max_length=80)
    leased_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookDelivery(OrgRecord, table=True):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        sa.Index("ix_webhook_delivery_queue", "subscription_id", "status", "event_seq"),
    )

    subscription_id: uuid.UUID = Field(foreign_key="webhook_subscription.id", index=True)
    event_id: uuid.UUID
    event_seq: int | None = Field(default=None, sa_type=sa.BigInteger)
    event_type: str = Field(max_length=60)
    payload: dict[str, Any] = Field(default_factory=empty_dict, sa_column=json_column())
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=1000)
    last_duration_ms: int | None = None
    response_excerpt: str | None = Field(default=None, max_length=200)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# --- API models -----------------------------------------------------------------------------

EventPattern = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=60, pattern=r"^[a-z_]+(\.[a-z_*]+)?$|^\*$"
    ),
    NoNul,
]
WebhookUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000), NoNul
]


class WebhookCreate(Input):
    url: WebhookUrl = PydField(
        description="Where to POST deliveries: https, and not a private, loopback or "
        "link-local address.",
        examples=["https://partner.example.org/throughgate/webhooks"],
    )
    events: list[EventPattern] = PydField(
        min_length=1,
        max_length=50,
        description="Event types to hear: exact (`relationship.ended`), a family "
        "(`referral.*`) or everything (`*`).",
        examples=[["referral.*", "relationship.ended"]],
    )
    description: Text500 | None = None


class WebhookUpdate(Input):
    url: WebhookUrl | None = None
    events: list[EventPattern] | None = PydField(None, min_length=1, max_length=50)
    description: Text500 | None = None
    enabled: bool | None = PydField(
        None, description="`true` re-enables a subscription the dispatcher disabled."
    )


class WebhookRead(RecordRead):
    url: str
    events: list[str]
    description: str | None
    enabled: bool
    disabled_reason: str | None = PydField(
        description="Why the dispatcher stopped delivering (after repeated failures)."
    )
    disabled_at: datetime | None
    consecutive_failures: int
    owner: str = PydField(description="`client:<id>` or `user:<id>`: who manages it.")


class WebhookCreated(WebhookRead):
    secret: str = PydField(
        description="The signing secret (`whsec_...`): shown once, keep it safe."
    )


class SecretRotation(Input):
    grace_hours: int = PydField(
        24, ge=0, le=168, description="How long the old secret keeps verifying."
    )


class DeliveryRead(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID = PydField(description="The `webhook-id` sent with every attempt.")
    event_type: str
    status: str = PydField(description="`pending`, `delivered` or `failed`.")
    attempts: int
    last_status_code: int | None
    last_duration_ms: int | None
    last_error: str | None
    response_excerpt: str | None = PydField(description="The first characters of the reply.")
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
