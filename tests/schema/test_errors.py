"""GraphQL errors as clients handle them: a code on each, no hints in production, and
mutation results that select `status` on both the record and the problem without aliases."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from api.main import create_app
from tests.conftest import make_settings
from tests.factories import World
from tests.schema.helpers import gql


def _codes(answer: dict[str, object]) -> list[str]:
    errors = answer.get("errors") or []
    assert isinstance(errors, list)
    return [error.get("extensions", {}).get("code") for error in errors]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ people { nodes { id }", "GRAPHQL_PARSE_FAILED"),
        ("{ people { nodes { givenNam } } }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ people(first: 500) { nodes { id } } }", "INVALID"),
    ],
)
async def test_every_error_carries_a_code(
    client: httpx.AsyncClient, world: World, query: str, code: str
) -> None:
    answer = await gql(client, world.headers("admin"), query)
    assert _codes(answer) == [code], answer


async def test_a_bad_variable_is_bad_user_input(client: httpx.AsyncClient, world: World) -> None:
    query = "query ($id: UUID!) { person(id: $id) { id } }"
    answer = await gql(client, world.headers("admin"), query, id="not-a-uuid")
    assert _codes(answer) == ["BAD_USER_INPUT"]


async def test_problem_and_record_status_share_one_selection(
    client: httpx.AsyncClient, world: World
) -> None:
    mutation = """mutation ($id: UUID!) {
      endRelationship(id: $id, input: {endingReason: completed, endingSummary: "Moved away."}) {
      __typename ... on Relationship { status } ... on Problem { httpStatus type } } }"""
    answer = await gql(client, world.headers("admin"), mutation, id=str(uuid.UUID(int=1)))
    assert "errors" not in answer, answer
    result = answer["data"]["endRelationship"]
    assert result == {"__typename": "Problem", "httpStatus": 404, "type": "/problems/not-found"}


@pytest.fixture
async def production(migrated: str) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(make_settings(migrated, env="production"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        yield client
    await app.state.engine.dispose()


async def test_no_field_suggestions_without_introspection(
    client: httpx.AsyncClient, production: httpx.AsyncClient, world: World
) -> None:
    typo = "{ people { nodes { givenNam } } }"
    development = await gql(client, world.headers("admin"), typo)
    assert "Did you mean" in development["errors"][0]["message"]
    hidden = await gql(production, world.headers("admin"), typo)
    assert _codes(hidden) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Did you mean" not in hidden["errors"][0]["message"]
    assert "givenName" not in hidden["errors"][0]["message"]
