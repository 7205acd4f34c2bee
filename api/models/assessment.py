import uuid
from datetime import date

from sqlmodel import Field

from api.models.base import OrgRecord, json_column


class Assessment(OrgRecord, table=True):
    """A dated self-assessment: pathway → score 1..10, for distance travelled."""

    mentee_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    taken_on: date
    scores: dict[str, int] = Field(default_factory=dict, sa_column=json_column())
    recorded_by: str = Field(max_length=80)
