"""Webhook subscriptions and the log of their signed deliveries."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from api.models.base import OrgRecord, UTCDateTime, json_column


class WebhookSubscription(OrgRecord, table=True):
    __tablename__ = "webhook_subscription"

    url: str = Field(max_length=1000)
    events: list[str] = Field(default_factory=list, sa_column=json_column())
    secret: str = Field(max_length=200)  # HMAC key: needed in clear to sign deliveries
    description: str | None = Field(default=None, max_length=500)
    is_active: bool = True


class WebhookDelivery(OrgRecord, table=True):
    __tablename__ = "webhook_delivery"
    __table_args__ = (sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    subscription_id: uuid.UUID = Field(foreign_key="webhook_subscription.id", index=True)
    event_id: uuid.UUID
    event_type: str = Field(max_length=60)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=1000)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
