"""Referrals into the programme (from partners) and out of it (to services)."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from api.models.base import OrgRecord, UTCDateTime, utcnow


class Referral(OrgRecord, table=True):
    __table_args__ = (
        sa.Index("ix_referral_org_page", "org_id", "created_at", "id"),
        sa.Index("ix_referral_org_direction_status", "org_id", "direction", "status"),
    )

    direction: str = Field(max_length=10)
    status: str = Field(default="draft", max_length=20)
    reason: str | None = Field(default=None, max_length=4000)
    mentee_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    service_id: uuid.UUID | None = Field(default=None, foreign_key="service.id", index=True)
    external_ref: str | None = Field(default=None, max_length=100)
    referred_by_client_id: uuid.UUID | None = Field(
        default=None, foreign_key="api_client.id", index=True
    )
    referred_by_user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    outcome: str | None = Field(default=None, max_length=20)


class ReferralStatusChange(OrgRecord, table=True):
    __tablename__ = "referral_status_change"

    referral_id: uuid.UUID = Field(foreign_key="referral.id", index=True)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    by: str = Field(max_length=80)
    note: str | None = Field(default=None, max_length=4000)
