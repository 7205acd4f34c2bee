"""Errors in GraphQL: mutations answer a typed `Problem`; queries carry the problem's code.

Both use the REST problem vocabulary (`type`, `title`, `status`). Unexpected faults are
masked as "Internal error" and logged, never shown.
"""

import logging
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql.error import GraphQLError
from pydantic import ValidationError
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.utils.str_converters import to_camel_case

from api.errors import DomainError

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
    status: int
    detail: str | None
    errors: list[FieldProblem]


def problem_of(exc: DomainError | ValidationError) -> Problem:
    if isinstance(exc, ValidationError):
        return Problem(
            type="/problems/validation",
            title="Invalid request",
            status=422,
            detail="The input has invalid or missing fields.",
            errors=[
                FieldProblem(path=_path(["input", *e["loc"]]), message=e["msg"], type=e["type"])
                for e in exc.errors()
            ],
        )
    field_errors = exc.extra.get("errors", [])
    return Problem(
        type=f"/problems/{exc.slug}",
        title=exc.title,
        status=exc.status,
        detail=exc.detail,
        errors=[
            FieldProblem(path=_path(e["loc"]), message=e["msg"], type=e["type"])
            for e in field_errors
        ],
    )


def _path(loc: list[Any]) -> list[str]:
    """REST's `body`/`path` locations become GraphQL argument paths in camelCase."""
    names = {"body": "input", "path": "id"}
    return [names.get(str(part), to_camel_case(str(part))) for part in loc if part != "query"]


def _unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None or isinstance(original, (DomainError, GraphQLError)):
        return False
    log.error("unexpected error in GraphQL at %s", error.path, exc_info=original)
    return True


class ProblemCodes(SchemaExtension):
    """Tag each refusal with its problem `type` and HTTP-equivalent `status`."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        for error in getattr(result, "errors", None) or []:
            original = error.original_error
            if isinstance(original, DomainError):
                error.extensions = {"type": f"/problems/{original.slug}", "status": original.status}


def error_extensions() -> list[Any]:
    """Extension factories: a fresh extension is made for each request."""
    return [
        ProblemCodes,
        lambda: MaskErrors(should_mask_error=_unexpected, error_message="Internal error"),
    ]
