"""Errors in GraphQL: mutations answer a typed `Problem`; queries carry the problem's code.

Both use the REST problem vocabulary (`type`, `title`, and the HTTP status as
`httpStatus`); every error carries `extensions.code`. Unexpected faults are
masked as "Internal error" and logged, never shown.
"""

import logging
import re
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql.error import GraphQLError
from pydantic import ValidationError
from strawberry.extensions import SchemaExtension
from strawberry.utils.str_converters import to_camel_case

from api.errors import DomainError, field_errors

log = logging.getLogger("throughgate.graphql")


@strawberry.type
class FieldProblem:
    path: list[str] = strawberry.field(description='Where, e.g. ["input", "mentee", "needs"].')
    message: str
    type: str


@strawberry.type(description="A refusal, as RFC 9457 describes it for the REST API.")
class Problem:
    type: str
    title: str
    http_status: int = strawberry.field(
        description="The HTTP status REST answers for the same refusal (named apart from "
        "the `status` of the records a mutation returns, so no alias is needed)."
    )
    detail: str | None
    errors: list[FieldProblem]


def problem_of(exc: DomainError | ValidationError) -> Problem:
    if isinstance(exc, ValidationError):
        return Problem(
            type="/problems/validation",
            title="Invalid request",
            http_status=422,
            detail="The input has invalid or missing fields.",
            errors=[
                FieldProblem(path=_path(["input", *e["loc"]]), message=e["msg"], type=e["type"])
                for e in field_errors(exc)
            ],
        )
    refused = exc.extra.get("errors", [])
    return Problem(
        type=f"/problems/{exc.slug}",
        title=exc.title,
        http_status=exc.status,
        detail=exc.detail,
        errors=[
            FieldProblem(path=_path(e["loc"]), message=e["msg"], type=e["type"]) for e in refused
        ],
    )


def _path(loc: list[Any]) -> list[str]:
    """REST's `body`/`path` locations become GraphQL argument paths in camelCase."""
    names = {"body": "input", "path": "id"}
    return [names.get(str(part), to_camel_case(str(part))) for part in loc if part != "query"]


class ErrorCodes(SchemaExtension):
    """Give every error an `extensions.code`; mask unexpected faults and, where the schema
    is not to be explored (introspection off), graphql-core's "Did you mean ...?" hints.

    Refusals also carry their problem `type` and HTTP-equivalent `status`.
    """

    def __init__(self, *, suggestions: bool) -> None:
        self.suggestions = suggestions

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [self._coded(error) for error in result.errors]

    def _coded(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, DomainError):
            extensions = {
                "code": original.slug.replace("-", "_").upper(),
                "type": f"/problems/{original.slug}",
                "status": original.status,
            }
        elif original is not None and not isinstance(original, GraphQLError):
            log.error("unexpected error in GraphQL at %s", error.path, exc_info=original)
            return GraphQLError(
                "Internal error",
                nodes=error.nodes,
                path=error.path,
                extensions={"code": "INTERNAL_SERVER_ERROR"},
            )
        else:
            extensions = {"code": _graphql_code(error)}
        message = error.message if self.suggestions else _SUGGESTION.sub("", error.message)
        return GraphQLError(
            message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=original,
            extensions={**(error.extensions or {}), **extensions},
        )


_SUGGESTION = re.compile(r" Did you mean .*\?$")


def _graphql_code(error: GraphQLError) -> str:
    """The codes GraphQL servers commonly use for errors that are not the service's own."""
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable '$"):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED" if error.path is None else "BAD_REQUEST"


def error_extensions(*, suggestions: bool) -> list[Any]:
    """Extension factories: a fresh extension is made for each request."""
    return [lambda: ErrorCodes(suggestions=suggestions)]
