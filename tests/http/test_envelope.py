"""What every response shares: cache and sniffing headers, HSTS behind TLS, a body cap, the
token endpoint's OAuth2 shape, metrics and docs closed in production, and a working lifespan."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from api.main import create_app
from tests.conftest import make_settings
from tests.factories import World


@pytest.fixture
async def production(migrated: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(migrated, env="production", metrics_token="m" * 40))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://api.example") as http:
        yield http
    await app.state.engine.dispose()


async def test_personal_data_is_never_cached_or_sniffed(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(
        f"/api/v1/people/{world.my_mentee.id}", headers=world.headers("admin")
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in response.headers  # plain HTTP here


async def test_hsts_behind_tls_and_a_csp_on_html(production: httpx.AsyncClient) -> None:
    response = await production.get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_docs_pages_carry_a_csp_that_allows_only_this_service(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/api/v1/docs", "/api/v1/redoc", "/api/v1/graphql"):
        response = await client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "default-src 'self'" in policy
        assert "<script>" not in response.text and "http" not in response.text, path


async def test_a_large_body_is_refused_before_it_is_read(
    client: httpx.AsyncClient, world: World
) -> None:
    big = b'{"kind": "mentor", "given_name": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    declared = await client.post(
        "/api/v1/people",
        content=big,
        headers={**world.headers("admin"), "content-type": "application/json"},
    )
    assert declared.status_code == 413
    assert declared.json()["type"] == "/problems/payload-too-large"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    streamed = await client.post(
        "/api/v1/people",
        content=chunks(),
        headers={**world.headers("admin"), "content-type": "application/json"},
    )
    assert streamed.status_code == 413
    assert streamed.json()["type"] == "/problems/payload-too-large"


async def test_the_token_endpoint_speaks_oauth2(client: httpx.AsyncClient, world: World) -> None:
    refused = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": "nobody@example.org", "password": "x"},
    )
    assert refused.status_code == 400
    body = refused.json()
    assert body["error"] == "invalid_grant"
    assert body["error_description"]
    assert refused.headers["cache-control"] == "no-store"


async def test_metrics_in_production_need_the_scrapers_token(
    production: httpx.AsyncClient,
) -> None:
    assert (await production.get("/metrics")).status_code == 404
    wrong = await production.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 404
    scraped = await production.get("/metrics", headers={"Authorization": "Bearer " + "m" * 40})
    assert scraped.status_code == 200


async def test_docs_are_off_in_production(production: httpx.AsyncClient) -> None:
    for path in ("/api/v1/docs", "/api/v1/redoc", "/api/v1/static/vendor/swagger-ui.css"):
        assert (await production.get(path)).status_code == 404, path
    graphiql = await production.get("/api/v1/graphql", headers={"Accept": "text/html"})
    assert graphiql.status_code != 200 or "graphiql" not in graphiql.text.lower()


async def test_the_lifespan_starts_and_stops_the_application(migrated: str) -> None:
    app: FastAPI = create_app(make_settings(migrated))
    inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[str] = []

    async def receive() -> dict[str, str]:
        return inbox.pop(0)

    async def send(message: dict[str, str]) -> None:
        sent.append(message["type"])

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}, "app": app}
    await app(scope, receive, send)  # type: ignore[arg-type]
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert app.state.engine.pool.checkedout() == 0
