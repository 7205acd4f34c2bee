"""Domain errors and their RFC 9457 problem+json rendering: the only error format served."""

import logging
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from asgi_correlation_id import correlation_id
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import DataError as DBAPIDataError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

log = logging.getLogger("throughgate.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
RETRY_UNAVAILABLE_SECONDS = 5

# Every problem `type` this API answers with is `/problems/<slug>`, one of these.
PROBLEM_TYPES: dict[str, str] = {
    "malformed-body": "The body cannot be read: not UTF-8, not JSON, or not a form (400).",
    "bad-request": "A request this API cannot act on (400).",
    "oauth-error": "The token endpoint refused the request; `error` holds the OAuth2 code.",
    "unauthorized": "No valid bearer token (401, with `WWW-Authenticate`).",
    "forbidden": "The token lacks a scope or a role this needs (403).",
    "not-found": "No such route, or no record the caller may see (404).",
    "method-not-allowed": "The path exists but not with this method; `Allow` lists those it has.",
    "conflict": "The record's current state does not allow this (409).",
    "precondition-failed": "`If-Match` names a version that is no longer current (412).",
    "payload-too-large": "The body is larger than this API accepts (413).",
    "unsupported-media-type": "The body's content type is not one this operation reads (415).",
    "validation": "Fields are missing or of the wrong type; `errors` says where (422).",
    "invalid": "Well-formed input that breaks a rule (422).",
    "idempotency-key-reused": "The `Idempotency-Key` was used before with another request (422).",
    "too-many-requests": "Too many requests; wait for `Retry-After` seconds (429).",
    "internal": "A fault on the service's side; quote `request_id` when reporting it (500).",
    "unavailable": "The database cannot be reached; retry after `Retry-After` seconds (503).",
    "not-ready": "The database cannot be reached; the readiness probe fails (503).",
}
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_HTTP_SLUGS = {
    400: "malformed-body",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "too-many-requests",
}


class FieldProblem(BaseModel):
    loc: list[str | int] = Field(
        description="Where the problem is, e.g. ['body', 'mentee', 'needs', 0]."
    )
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(examples=["/problems/not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str | None = Field(default=None, examples=["No person with that id."])
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldProblem] | None = None


class DomainError(Exception):
    """A refusal the service layer raises; each subclass carries its own status."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}


class Unauthorized(DomainError):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.headers = {"WWW-Authenticate": 'Bearer realm="throughgate"'}


class Forbidden(DomainError):
    status, slug, title = 403, "forbidden", "Not permitted"


class NotFound(DomainError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(DomainError):
    status, slug, title = 409, "conflict", "Conflict with the current state"


class PreconditionFailed(DomainError):
    status, slug, title = 412, "precondition-failed", "The record has changed"


class Invalid(DomainError):
    """Well-formed input that breaks a rule (422), optionally naming the field."""

    status, slug, title = 422, "invalid", "Invalid request"

    def __init__(self, detail: str, *, loc: list[str | int] | None = None) -> None:
        super().__init__(detail)
        if loc:
            self.extra["errors"] = [{"loc": loc, "msg": detail, "type": "value_error"}]


class TooManyRequests(DomainError):
    status, slug, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Try again in {retry_after} seconds.")
        self.headers = {"Retry-After": str(retry_after)}


class OAuthError(DomainError):
    """A token-endpoint refusal: a problem document that is also RFC 6749 §5.2's error
    response (`error`, `error_description`)."""

    status, slug, title = 400, "oauth-error", "Token request refused"

    def __init__(self, error: str, detail: str, status: int = 400) -> None:
        super().__init__(detail, error=error, error_description=detail)
        self.status = status
        if status == 401:
            self.headers = {"WWW-Authenticate": 'Basic realm="throughgate"'}


def problem_response(
    status: int,
    *,
    slug: str | None = None,
    title: str | None = None,
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    slug = slug or _HTTP_SLUGS.get(status, "bad-request" if status < 500 else "internal")
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if request_id := correlation_id.get():
        body["request_id"] = request_id
    body.update(extra)
    return JSONResponse(
        jsonable_encoder(body), status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE
    )


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(
        exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        headers=exc.headers,
        **exc.extra,
    )


# Pydantic names an enum member by its repr (`<PersonKind.mentee: 'mentee'>`) where a field
# takes one member only; the client sent, and should read, the value.
_ENUM_REPR = re.compile(
    r"<[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*: ('[^']*'|\"[^\"]*\"|-?\d+)>"
)


def field_errors(exc: RequestValidationError | ValidationError) -> list[dict[str, Any]]:
    """Where and why input was refused, each message naming enum members by their value, as
    on the wire. Every renderer of validation errors (HTTP, GraphQL, imports) reads these."""
    return [
        {
            "loc": list(e.get("loc", ())),
            "msg": _ENUM_REPR.sub(r"\1", str(e.get("msg", ""))),
            "type": e.get("type", ""),
        }
        for e in exc.errors()
    ]


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc)
    return problem_response(
        422,
        slug="validation",
        title="Invalid request",
        detail="The request has invalid or missing fields.",
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Refusals Starlette and FastAPI make themselves: no route, wrong method, unreadable body."""
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    detail = str(exc.detail)
    if exc.status_code == 405:
        allowed = _allowed_methods(request)
        headers["Allow"] = ", ".join(allowed)
        detail = f"{request.method} is not allowed here; this path takes {', '.join(allowed)}."
    elif exc.status_code == 404 and detail == HTTPStatus.NOT_FOUND.phrase:
        detail = "There is nothing at this path."
    return problem_response(exc.status_code, detail=detail, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route of this path answers, not just the first matching route's."""
    allowed = set()
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.add(method)
    return sorted(allowed)


async def _stale_data(_request: Request, _exc: Exception) -> JSONResponse:
    return problem_response(
        409,
        slug="conflict",
        title="Conflict with the current state",
        detail="The record was changed by another request at the same time; fetch it and retry.",
    )


async def _unstorable(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("database refused a value: %s", exc.__class__.__name__)
    return problem_response(
        422,
        slug="invalid",
        title="Invalid request",
        detail="A value in the request cannot be stored or searched for (a control character?).",
    )


def database_unavailable(exc: BaseException) -> bool:
    """A lost or refused database connection, as opposed to a fault in our code."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError | PoolTimeout | OSError)


def unexpected_problem(exc: Exception, method: str, path: str) -> JSONResponse:
    """The answer to an exception nothing else handled: 503 when the database is away, else 500."""
    if database_unavailable(exc):
        log.warning("database unavailable on %s %s: %s", method, path, exc.__class__.__name__)
        return problem_response(
            503,
            slug="unavailable",
            title="Service unavailable",
            detail="The database cannot be reached just now; nothing was changed. Retry shortly.",
            headers={"Retry-After": str(RETRY_UNAVAILABLE_SECONDS)},
        )
    log.error("unexpected error on %s %s", method, path, exc_info=exc)
    return problem_response(
        500,
        slug="internal",
        title="Internal error",
        detail="Something went wrong on our side; quote the request id when reporting it.",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StaleDataError, _stale_data)
    app.add_exception_handler(DBAPIDataError, _unstorable)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the problems a route can answer with."""
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
