"""HTTP conventions every router shares: pagination parameters, ETag and If-Match."""

import re
from typing import Annotated

from fastapi import Depends, Header, Query, Response

from api.errors import PreconditionFailed
from api.models.base import Record
from api.services.pagination import DEFAULT_LIMIT, MAX_LIMIT

Limit = Annotated[
    int,
    Query(ge=1, le=MAX_LIMIT, description=f"Page size (default {DEFAULT_LIMIT}, max {MAX_LIMIT})."),
]
Cursor = Annotated[
    str | None,
    Query(max_length=200, description="`next_cursor` from the previous page."),
]

_ETAG = re.compile(r'^(?:W/)?"(\d{1,18})"$')


def etag(record: Record) -> str:
    return f'"{record.version}"'


def with_etag(response: Response, record: Record) -> None:
    response.headers["ETag"] = etag(record)


def expected_version(
    if_match: Annotated[
        str | None,
        Header(description='The ETag you last saw (`"3"`); a stale one gets 412.'),
    ] = None,
) -> int | None:
    """The version an `If-Match` header pins, or None when absent or `*`."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise PreconditionFailed('If-Match must be an ETag this API gave out, such as "3".')
    return int(match.group(1))


IfMatch = Annotated[int | None, Depends(expected_version)]
