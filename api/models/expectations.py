"""What each side expects of a mentoring relationship: stated on the mentee's and the
mentor's profiles before matching, compared by matching, and kept with the relationship as
agreed (`api/services/expectations.py` holds the rules)."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from api.models.common import Input, unique
from api.models.enums import ContactChannel, ContactFrequency, Pathway, SessionSetting

Settings = Annotated[
    list[SessionSetting], Field(max_length=len(SessionSetting)), AfterValidator(unique)
]
FocusPathways = Annotated[list[Pathway], Field(max_length=len(Pathway)), AfterValidator(unique)]
Channels = Annotated[
    list[ContactChannel], Field(max_length=len(ContactChannel)), AfterValidator(unique)
]


class Expectations(Input):
    """What someone expects of a mentoring relationship; each part left out is unstated."""

    contact_frequency: ContactFrequency | None = Field(
        None, description="How often they expect to be in touch (a mentor: what they offer)."
    )
    settings: Settings = Field(
        [], description="Where they would meet: in custody, a community venue, phone, video."
    )
    pathways: FocusPathways = Field([], description="The pathways they would focus on.")
    length_months: int | None = Field(
        None, ge=1, le=60, description="How many months they expect the relationship to last."
    )
    communication: Channels = Field([], description="How they would keep in touch.")

    not_null = frozenset({"settings", "pathways", "communication"})


class AgreedExpectations(Expectations):
    """The expectations a relationship's two sides agreed, and when each side agreed them."""

    mentee_agreed_at: datetime | None = Field(
        description="When the mentee agreed to the match and these expectations."
    )
    mentor_agreed_at: datetime | None = Field(
        description="When the mentor's side agreed them: the relationship's activation."
    )
