import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Field

from api.models.base import OrgRecord, UTCDateTime, empty_dict, json_column, utcnow


class AuditEvent(OrgRecord, table=True):
    """Who read or changed which person's record, when, and from which client."""

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_org_page", "org_id", "created_at", "id"),
        sa.Index("ix_audit_event_person", "person_id", "at"),
        # one link per place in the organisation's chain: concurrent appends cannot fork it
        sa.UniqueConstraint("org_id", "seq", name="uq_audit_event_org_id_seq"),
    )

    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=80)
    actor_role: str = Field(max_length=20)
    client: str | None = Field(default=None, max_length=200)
    action: str = Field(max_length=40)
    entity_type: str = Field(max_length=40)
    entity_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    request_id: str | None = Field(default=None, max_length=64)
    details: dict[str, Any] = Field(default_factory=empty_dict, sa_column=json_column())
    # The organisation's hash chain (`api/services/audit.py`); empty on rows older than it.
    seq: int | None = Field(default=None, sa_type=sa.BigInteger)
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)


class AuditEventRead(BaseModel):
    id: uuid.UUID
    at: datetime
    actor: str
    actor_role: str
    client: str | None
    action: str
    entity_type: str
    entity_id: uuid.UUID | None
    person_id: uuid.UUID | None
    request_id: str | None
    details: dict[str, Any]
