"""The signposting directory: services a mentee can be referred or signposted to."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from api.models.base import OrgRecord, UTCDateTime


class Service(OrgRecord, table=True):
    __table_args__ = (
        sa.Index("ix_service_org_page", "org_id", "created_at", "id"),
        sa.Index("ix_service_org_category_area", "org_id", "category", "area"),
    )

    name: str = Field(max_length=200)
    provider: str = Field(max_length=200)
    category: str = Field(max_length=40)
    area: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=4000)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    url: str | None = Field(default=None, max_length=500)
    address: str | None = Field(default=None, max_length=500)
    opening_times: str | None = Field(default=None, max_length=500)
    eligibility: str | None = Field(default=None, max_length=2000)
    accepts_referrals: bool = True
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
