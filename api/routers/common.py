"""HTTP conventions every router shares: pagination parameters, ETag and If-Match."""

import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.convertors import Convertor, register_url_convertor

from api.errors import Invalid, PreconditionFailed
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


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _declared_query(route: APIRoute) -> frozenset[str]:
    cached: frozenset[str] | None = getattr(route, "_declared_query", None)
    if cached is None:
        cached = frozenset(_query_names(route.dependant))
        setattr(route, "_declared_query", cached)  # noqa: B010
    return cached


async def known_query_only(request: Request) -> None:
    """A query parameter the operation does not declare is refused (422), never ignored:
    a misspelt filter would otherwise answer everything."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = sorted(set(request.query_params) - _declared_query(route))
    if unknown:
        raise Invalid(
            f"Unknown query parameter(s): {', '.join(unknown)}.", loc=["query", unknown[0]]
        )


KnownQueryOnly = Depends(known_query_only)

_ETAG = re.compile(r'^(?:W/)?"(\d{1,18})"$')


def etag(record: Record) -> str:
    return f'"{record.version}"'


def with_etag(response: Response, record: Record) -> None:
    response.headers["ETag"] = etag(record)


async def expected_version(
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


def one_of(name: str, words: Iterable[StrEnum]) -> str:
    """A path segment `{name}` that matches only `words`.

    Any other word is not this route at all, so `POST /referrals/{id}/progress` answers 405
    (the path exists, for GET) rather than a 422 about the segment.
    """
    values = sorted(w.value for w in words)
    convertor_name = f"one_of_{'_'.join(values)}".replace("-", "_")

    class Words(Convertor[str]):
        regex = "|".join(re.escape(v) for v in values)

        def convert(self, value: str) -> str:
            return value

        def to_string(self, value: str) -> str:
            return value

    register_url_convertor(convertor_name, Words())
    return f"{{{name}:{convertor_name}}}"
