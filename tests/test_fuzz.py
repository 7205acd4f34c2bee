"""Property-based fuzzing of every operation in the served OpenAPI document (schemathesis).

Every later endpoint is fuzzed by default: it only has to be in the document. The checks
are: no 5xx, the status code is one the document declares, and the body and content type
conform to the declared schema.
"""

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import delete
from sqlmodel import SQLModel

from api.main import create_app
from tests.conftest import make_settings
from tests.factories import build_world

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_app(migrated: str) -> Iterator[tuple[Any, dict[str, str]]]:
    """An app of its own (the fuzzer drives it from its own event loop) and an admin token."""
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
    yield app, headers
    asyncio.run(clean())


def _operations() -> list[tuple[str, str]]:
    document = json.loads((Path(__file__).parent.parent / "openapi" / "openapi.json").read_text())
    return [(method.upper(), path) for path, ops in document["paths"].items() for method in ops]


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_app: tuple[Any, dict[str, str]]) -> Any:
    app, _ = fuzz_app
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


@pytest.mark.parametrize(("method", "path"), _operations())
def test_no_operation_fails_or_breaks_its_schema(
    method: str, path: str, fuzz_schema: Any, fuzz_app: tuple[Any, dict[str, str]]
) -> None:
    _, headers = fuzz_app
    operation = fuzz_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def fuzz(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    fuzz()
