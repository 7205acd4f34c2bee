"""Erasure and legal holds: the API's shapes (the columns are on `Person`)."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel
from pydantic import Field as PydField

from api.models.common import Input, Text500


class LegalHoldSet(Input):
    reason: Annotated[Text500, PydField(min_length=1)] = PydField(
        description="Why the record must be kept (a claim, an inquiry, a request from the "
        "police); shown to administrators only."
    )


class LegalHoldRead(BaseModel):
    person_id: uuid.UUID
    reason: str
    since: datetime
    by: str = PydField(description="Who set it.")


class ErasureRead(BaseModel):
    person_id: uuid.UUID
    erased_at: datetime
    rows: dict[str, int] = PydField(
        description="How many rows of each table lost personal data (a count, never the data)."
    )
