import uuid
from datetime import date

from pydantic import BaseModel, field_validator
from pydantic import Field as PydField
from sqlmodel import Field

from api.models.base import OrgRecord, empty_dict, json_column
from api.models.common import Input, RecordRead
from api.models.enums import Pathway


class Assessment(OrgRecord, table=True):
    """A dated self-assessment: pathway → score 1..10, for distance travelled."""

    mentee_id: uuid.UUID = Field(foreign_key="person.id", index=True)
    taken_on: date
    scores: dict[str, int] = Field(default_factory=empty_dict, sa_column=json_column())
    recorded_by: str = Field(max_length=80)


# --- API models -----------------------------------------------------------------------------


class AssessmentCreate(Input):
    mentee_id: uuid.UUID
    taken_on: date
    scores: dict[Pathway, int] = PydField(
        min_length=1, description="Pathway → score from 1 (struggling) to 10 (going well)."
    )

    @field_validator("scores")
    @classmethod
    def _in_range(cls, scores: dict[Pathway, int]) -> dict[Pathway, int]:
        for pathway, score in scores.items():
            if not 1 <= score <= 10:
                raise ValueError(f"{pathway}: scores run from 1 to 10")
        return scores

    @field_validator("taken_on")
    @classmethod
    def _not_in_future(cls, taken_on: date) -> date:
        if taken_on > date.today():
            raise ValueError("taken_on cannot be in the future")
        return taken_on


class AssessmentRead(RecordRead):
    mentee_id: uuid.UUID
    taken_on: date
    scores: dict[Pathway, int]
    recorded_by: str


class PathwayDistance(BaseModel):
    pathway: Pathway
    first: int
    first_on: date
    latest: int
    latest_on: date
    change: int = PydField(description="latest minus first: positive is progress.")


class DistanceTravelled(BaseModel):
    mentee_id: uuid.UUID
    assessments: int
    pathways: list[PathwayDistance]
