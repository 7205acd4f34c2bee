"""One problem layer for every refusal the HTTP layer itself makes: 400, 404, 405, 500, 503."""

import base64
import json
import uuid

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from api.db import DB
from api.errors import PROBLEM_TYPES
from api.main import create_app
from tests.conftest import make_settings
from tests.factories import World


def _assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"]
    body = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert slug in PROBLEM_TYPES
    assert body["status"] == status
    return dict(body)


async def test_an_unknown_route_is_a_documented_not_found(client: httpx.AsyncClient) -> None:
    _assert_problem(await client.get("/api/v1/no-such-thing"), 404, "not-found")


async def test_405_lists_every_method_the_path_has(client: httpx.AsyncClient, world: World) -> None:
    response = await client.put(
        f"/api/v1/people/{world.my_mentee.id}", headers=world.headers("admin")
    )
    _assert_problem(response, 405, "method-not-allowed")
    assert {"GET", "PATCH", "DELETE"} <= set(response.headers["allow"].split(", "))


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/api/v1/referrals/{id}/progress", {"GET"}),
        ("PATCH", "/api/v1/goals/{id}/steps/order", {"POST"}),
    ],
)
async def test_a_sub_resource_name_is_never_read_as_an_action_or_id(
    client: httpx.AsyncClient, world: World, method: str, path: str, allowed: set[str]
) -> None:
    response = await client.request(
        method,
        path.format(id=uuid.uuid4()),
        headers=world.headers("admin"),
        json={},
    )
    _assert_problem(response, 405, "method-not-allowed")
    assert set(response.headers["allow"].split(", ")) - {"HEAD"} == allowed


async def test_a_body_that_is_not_utf8_is_a_documented_400(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        "/api/v1/goals",
        content=b'{"title": "\xff\xfe"}',
        headers={**world.headers("admin"), "content-type": "application/json"},
    )
    _assert_problem(response, 400, "malformed-body")


async def test_a_cursor_of_an_impossible_date_is_a_422(
    client: httpx.AsyncClient, world: World
) -> None:
    for when in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"):
        raw = json.dumps([when, str(uuid.uuid4())]).encode()
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        response = await client.get(
            "/api/v1/people", params={"cursor": cursor}, headers=world.headers("admin")
        )
        _assert_problem(response, 422, "invalid")


def _failing_app(database_url: str, error: Exception) -> FastAPI:
    app = create_app(make_settings(database_url))

    async def fail() -> None:
        raise error

    app.add_api_route("/api/v1/fail", fail)
    return app


async def test_an_unexpected_error_is_a_500_with_a_request_id_and_keeps_the_connection(
    migrated: str,
) -> None:
    app = _failing_app(migrated, RuntimeError("boom"))
    transport = httpx.ASGITransport(app=app)  # raises whatever escapes the application
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/api/v1/fail", headers={"X-Request-ID": "a" * 32})
        body = _assert_problem(response, 500, "internal")
        assert response.headers["x-request-id"] == "a" * 32 == body["request_id"]
        assert "boom" not in response.text
        assert response.headers.get("connection") != "close"
        assert (await http.get("/healthz")).status_code == 200
    await app.state.engine.dispose()


async def test_an_unreachable_database_is_a_503_with_retry_after(world: World) -> None:
    app = create_app(make_settings("postgresql://nobody@127.0.0.1:8159/nowhere"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/api/v1/people", headers=world.headers("admin"))
        _assert_problem(response, 503, "unavailable")
        assert int(response.headers["retry-after"]) >= 1
    await app.state.engine.dispose()


async def test_a_database_connection_lost_mid_request_is_a_503(migrated: str) -> None:
    """PostgreSQL restarted under a request: its session's connection is gone mid-transaction,
    and putting the transaction back must not turn the 503 into a 500."""
    app = create_app(make_settings(migrated))
    if app.state.settings.is_sqlite:
        pytest.skip("a SQLite file does not drop its connections")

    async def lose_the_connection(db: DB) -> None:
        await db.exec(sa.text("SELECT pg_terminate_backend(pg_backend_pid())"))  # type: ignore[call-overload]

    app.add_api_route("/api/v1/lose", lose_the_connection)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/api/v1/lose")
        _assert_problem(response, 503, "unavailable")
        assert (await http.get("/readyz")).status_code == 200  # the pool connects again
    await app.state.engine.dispose()
