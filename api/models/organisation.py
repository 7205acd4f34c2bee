from typing import Any

from sqlmodel import Field

from api.models.base import Record, empty_dict, json_column


class Organisation(Record, table=True):
    """A mentoring provider: the boundary no request ever crosses."""

    name: str = Field(max_length=200, unique=True)
    settings: dict[str, Any] = Field(default_factory=empty_dict, sa_column=json_column())
