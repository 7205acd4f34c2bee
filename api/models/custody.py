"""Custody events: releases, recalls, transfers and ends of sentence, as reported."""

import uuid
from datetime import date

from pydantic import Field as PydField
from sqlmodel import Field

from api.models.base import OrgRecord
from api.models.common import Input, RecordRead, Text200, Variant
from api.models.enums import CustodyEventName


class CustodyEvent(OrgRecord, table=True):
    __tablename__ = "custody_event"

    person_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    event: str = Field(max_length=20)
    occurred_on: date | None = None
    establishment: str | None = Field(default=None, max_length=200)
    by: str = Field(max_length=80)


class CustodyEventCreate(Input):
    event: CustodyEventName
    occurred_on: date | None = PydField(
        None, description="The day it happened; required for `released`."
    )
    establishment: Text200 | None = PydField(
        None,
        description="The prison the person is now in: required for `transferred`, "
        "optional for `recalled`.",
    )
    variants = (
        "event",
        {
            CustodyEventName.released: Variant(required=frozenset({"occurred_on"})),
            CustodyEventName.transferred: Variant(required=frozenset({"establishment"})),
        },
    )


class CustodyEventRead(RecordRead):
    person_id: uuid.UUID
    event: CustodyEventName
    occurred_on: date | None
    establishment: str | None
    by: str
