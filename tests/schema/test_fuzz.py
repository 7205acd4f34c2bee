"""Fuzzing every GraphQL query and mutation field (schemathesis, from introspection).

Checks: no 5xx, and no field ends in the masked "Internal error" — every refusal is a
problem the client can act on.
"""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import delete
from sqlmodel import SQLModel

from api.main import create_app
from tests.conftest import make_settings
from tests.factories import build_world


@pytest.fixture(scope="module")
def graphql_target(migrated: str) -> Iterator[tuple[Any, dict[str, str]]]:
    app = create_app(make_settings(migrated))

    async def arrange() -> dict[str, str]:
        async with app.state.db_factory() as db:
            world = await build_world(db, app.state.settings)
        return world.headers("admin")

    async def clean() -> None:
        async with app.state.engine.begin() as connection:
            for table in reversed(SQLModel.metadata.sorted_tables):
                await connection.execute(delete(table))
        await app.state.engine.dispose()

    headers = asyncio.run(arrange())
    schema = schemathesis.graphql.from_asgi("/api/v1/graphql", app, headers=headers)
    yield schema, headers
    asyncio.run(clean())


def test_no_graphql_field_fails(graphql_target: tuple[Any, dict[str, str]]) -> None:
    schema, headers = graphql_target
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
        def fuzz(case: Any) -> None:
            # A generous bound: on a loaded machine a request can take seconds.
            response = case.call(headers=headers, timeout=60)
            assert response.status_code < 500, response.text
            for error in response.json().get("errors") or []:
                assert error["message"] != "Internal error", (case.body, error)

        fuzz()
