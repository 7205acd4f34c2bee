"""Custody events: releases, recalls, transfers and ends of sentence, as reported."""

import uuid
from datetime import date

from pydantic import Field as PydField
from pydantic import model_validator
from sqlmodel import Field

from api.models.base import OrgRecord
from api.models.common import Input, RecordRead, Text200
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

    @model_validator(mode="after")
    def _what_each_event_needs(self) -> "CustodyEventCreate":
        if self.event == CustodyEventName.released and self.occurred_on is None:
            raise ValueError("a release needs `occurred_on`")
        if self.event == CustodyEventName.transferred and self.establishment is None:
            raise ValueError("a transfer needs the new `establishment`")
        return self


class CustodyEventRead(RecordRead):
    person_id: uuid.UUID
    event: CustodyEventName
    occurred_on: date | None
    establishment: str | None
    by: str
