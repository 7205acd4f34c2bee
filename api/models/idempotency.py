from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from api.models.base import Record, UTCDateTime, empty_dict, json_column


class IdempotencyRecord(Record, table=True):
    """The first response to a POST with an `Idempotency-Key`, replayed to its retries."""

    __tablename__ = "idempotency_record"
    __table_args__ = (sa.UniqueConstraint("caller", "key"),)

    caller: str = Field(max_length=80)
    key: str = Field(max_length=200)
    method: str = Field(max_length=10)
    path: str = Field(max_length=1000)
    request_hash: str = Field(max_length=64)
    status_code: int | None = None  # None while the first request is still running
    response_headers: dict[str, str] = Field(default_factory=empty_dict, sa_column=json_column())
    response_body: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)

    def replay_headers(self) -> dict[str, Any]:
        return {**self.response_headers, "idempotent-replayed": "true"}
