"""The signposting directory: services a mentee can be referred or signposted to."""

from datetime import datetime

import sqlalchemy as sa
from pydantic import EmailStr, HttpUrl
from pydantic import Field as PydField
from sqlmodel import Field

from api.models.base import OrgRecord, UTCDateTime
from api.models.common import Input, Phone, RecordRead, Text100, Text200, Text500, Text4000
from api.models.enums import Pathway


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


# --- API models (field names follow Open Referral's HSDS service where they fit) -------------


class ServiceCreate(Input):
    name: Text200
    provider: Text200 = PydField(description="The organisation that runs it (HSDS organization).")
    category: Pathway
    area: Text100 | None = PydField(None, description="Where it is offered, e.g. a region.")
    description: Text4000 | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    url: HttpUrl | None = None
    address: Text500 | None = None
    opening_times: Text500 | None = None
    eligibility: Text4000 | None = None
    accepts_referrals: bool = PydField(True, description="False: signposting only.")


class ServiceUpdate(Input):
    name: Text200 | None = None
    provider: Text200 | None = None
    category: Pathway | None = None
    area: Text100 | None = None
    description: Text4000 | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    url: HttpUrl | None = None
    address: Text500 | None = None
    opening_times: Text500 | None = None
    eligibility: Text4000 | None = None
    accepts_referrals: bool | None = None

    not_null = frozenset({"name", "provider", "category", "accepts_referrals"})


class ServiceRead(RecordRead):
    name: str
    provider: str
    category: Pathway
    area: str | None
    description: str | None
    email: str | None
    phone: str | None
    url: str | None
    address: str | None
    opening_times: str | None
    eligibility: str | None
    accepts_referrals: bool
    retired_at: datetime | None = PydField(description="Retired services are not offered.")
