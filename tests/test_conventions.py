"""Shared HTTP conventions: idempotent POSTs, problems for every error, probes, metrics."""

import asyncio
import inspect
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlmodel import col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from api.main import create_app
from api.models import IdempotencyRecord, Person
from api.models.base import utcnow
from tests.conftest import make_settings
from tests.factories import World

NEW_MENTOR = {"kind": "mentor", "given_name": "Idem", "family_name": "Potent"}


async def count_people(db: AsyncSession) -> int:
    return (await db.exec(select(func.count()).select_from(Person))).one()


async def test_a_retried_post_gets_the_first_response(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    headers = {**world.headers("coordinator"), "Idempotency-Key": "abc-123"}
    before = await count_people(db)
    first = await client.post("/api/v1/people", json=NEW_MENTOR, headers=headers)
    retry = await client.post("/api/v1/people", json=NEW_MENTOR, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert await count_people(db) == before + 1


async def test_the_same_key_with_another_body_is_422_and_changes_nothing(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    headers = {**world.headers("coordinator"), "Idempotency-Key": "k1"}
    await client.post("/api/v1/people", json=NEW_MENTOR, headers=headers)
    before = await count_people(db)
    other = await client.post(
        "/api/v1/people", json={**NEW_MENTOR, "given_name": "Else"}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert await count_people(db) == before


async def test_keys_are_scoped_to_the_caller(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    before = await count_people(db)
    for who in ("coordinator", "admin"):
        response = await client.post(
            "/api/v1/people",
            json=NEW_MENTOR,
            headers={**world.headers(who), "Idempotency-Key": "shared"},
        )
        assert response.status_code == 201
        assert "idempotent-replayed" not in response.headers
    assert await count_people(db) == before + 2


async def test_each_key_of_a_caller_is_a_request_of_its_own(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    # The same body under two keys is two requests: the second key must not find the
    # first key's response and replay it instead of doing its work.
    before = await count_people(db)
    answers = [
        await client.post(
            "/api/v1/people",
            json=NEW_MENTOR,
            headers={**world.headers("coordinator"), "Idempotency-Key": key},
        )
        for key in ("first-key", "second-key")
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert not any("idempotent-replayed" in a.headers for a in answers)
    assert answers[0].json()["id"] != answers[1].json()["id"]
    assert await count_people(db) == before + 2


async def test_the_same_key_on_another_query_string_is_another_request(
    client: httpx.AsyncClient, world: World
) -> None:
    # The query string is part of the request: a retry that changes it reuses the key.
    headers = {**world.headers("coordinator"), "Idempotency-Key": "query"}
    first = await client.post("/api/v1/people?dry=1", json=NEW_MENTOR, headers=headers)
    assert first.status_code == 422  # the query parameter is unknown; kept for its retries
    again = await client.post("/api/v1/people?dry=1", json=NEW_MENTOR, headers=headers)
    assert again.headers["idempotent-replayed"] == "true"
    other = await client.post("/api/v1/people", json=NEW_MENTOR, headers=headers)
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused"


async def test_a_read_with_an_idempotency_key_is_answered_afresh(
    client: httpx.AsyncClient, world: World
) -> None:
    # Keys are for POSTs: a GET that carries one (some clients send it on every request)
    # still reads the record as it is now, never a kept answer.
    headers = {**world.headers("coordinator"), "Idempotency-Key": "on-a-read"}
    path = f"/api/v1/people/{world.my_mentee.id}"
    first = await client.get(path, headers=headers)
    changed = await client.patch(
        path, json={"preferred_name": "Kai"}, headers=world.headers("coordinator")
    )
    assert changed.status_code == 200, changed.text
    again = await client.get(path, headers=headers)
    assert "idempotent-replayed" not in again.headers
    assert again.json()["preferred_name"] == "Kai" != first.json().get("preferred_name")


async def test_an_expired_key_is_claimed_afresh_and_only_its_own(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    """After `idempotency_hours` a key is free again: the same request runs anew. Another
    key of the caller's, or the same key of another caller, not yet expired, still replays."""
    mine = {**world.headers("coordinator"), "Idempotency-Key": "old"}
    kept = {**world.headers("coordinator"), "Idempotency-Key": "young"}
    theirs = {**world.headers("admin"), "Idempotency-Key": "old"}
    first = await client.post("/api/v1/people", json=NEW_MENTOR, headers=mine)
    for headers in (kept, theirs):
        assert (
            await client.post("/api/v1/people", json=NEW_MENTOR, headers=headers)
        ).status_code == 201
    await db.exec(
        update(IdempotencyRecord)
        .where(
            col(IdempotencyRecord.key) == "old",
            col(IdempotencyRecord.caller) == f"user:{world.accounts['coordinator'].id}",
        )
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    await db.commit()
    before = await count_people(db)
    again = await client.post("/api/v1/people", json=NEW_MENTOR, headers=mine)
    assert again.status_code == 201 and "idempotent-replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]
    for headers in (kept, theirs):
        replayed = await client.post("/api/v1/people", json=NEW_MENTOR, headers=headers)
        assert replayed.headers.get("idempotent-replayed") == "true"
    assert await count_people(db) == before + 1


async def test_a_body_sent_in_pieces_is_read_whole_and_replayed(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    """A server hands a request body over in as many pieces as the network brought it."""
    headers = {
        **world.headers("coordinator"),
        "Idempotency-Key": "pieces",
        "Content-Type": "application/json",
    }
    raw = json.dumps(NEW_MENTOR).encode()

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(raw), 7):
            yield raw[start : start + 7]

    before = await count_people(db)
    first = await client.post("/api/v1/people", content=pieces(), headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["family_name"] == NEW_MENTOR["family_name"]
    retry = await client.post("/api/v1/people", content=pieces(), headers=headers)
    assert retry.headers["idempotent-replayed"] == "true" and retry.json() == first.json()
    assert await count_people(db) == before + 1


async def test_concurrent_retries_create_one_record(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    headers = {**world.headers("coordinator"), "Idempotency-Key": "race"}
    before = await count_people(db)
    responses = await asyncio.gather(
        *(client.post("/api/v1/people", json=NEW_MENTOR, headers=headers) for _ in range(4))
    )
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    assert await count_people(db) == before + 1


async def test_a_failed_first_attempt_is_not_replayed(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    headers = {**world.headers("mentee"), "Idempotency-Key": "k"}
    refused = await client.post("/api/v1/people", json=NEW_MENTOR, headers=headers)
    assert refused.status_code == 403
    again = await client.post("/api/v1/people", json=NEW_MENTOR, headers=headers)
    assert again.status_code == 403 and again.headers["idempotent-replayed"] == "true"


async def test_unknown_routes_and_methods_are_problems(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/nowhere")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["title"] == "Not Found"
    wrong = await client.put("/api/v1/people")
    assert wrong.status_code == 405
    assert wrong.headers["content-type"] == "application/problem+json"


async def test_malformed_json_is_a_422_problem(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        "/api/v1/people",
        content=b'{"kind": "mentor",',
        headers={**world.headers("admin"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["errors"]


async def test_an_unexpected_error_is_a_500_problem_without_a_trace(
    settings: object, migrated: str
) -> None:
    app = create_app(make_settings(migrated))

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/boom", headers={"X-Request-ID": "a" * 32})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["request_id"] == "a" * 32
    assert "hunter2" not in response.text and "Traceback" not in response.text
    await app.state.engine.dispose()


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert len(response.headers["x-request-id"]) == 32
    echoed = await client.get("/healthz", headers={"X-Request-ID": "b" * 32})
    assert echoed.headers["x-request-id"] == "b" * 32


async def test_probes(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ok"}


async def test_readyz_is_503_when_the_database_is_unreachable(tmp_path: object) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/nowhere"
    app: FastAPI = create_app(make_settings(url))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        ready = await client.get("/readyz")
        alive = await client.get("/healthz")
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    assert alive.status_code == 200
    await app.state.engine.dispose()


async def test_metrics_are_exposed_for_prometheus(client: httpx.AsyncClient, world: World) -> None:
    await client.get("/api/v1/me", headers=world.headers("admin"))
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert 'handler="/api/v1/me"' in metrics.text


async def test_metrics_count_each_request_under_its_route_template(
    client: httpx.AsyncClient, world: World
) -> None:
    def counted(text: str, labels: str) -> float:
        line = next(
            (x for x in text.splitlines() if x.startswith(f"http_requests_total{{{labels}}}")), None
        )
        return float(line.rsplit(" ", 1)[1]) if line else 0.0

    one_person = 'handler="/api/v1/people/{person_id}",method="GET",status="2xx"'
    unrouted = 'handler="none",method="GET",status="4xx"'
    before = (await client.get("/metrics")).text
    for person in (world.mentor, world.my_mentee):
        answer = await client.get(f"/api/v1/people/{person.id}", headers=world.headers("admin"))
        assert answer.status_code == 200
    assert (await client.get("/api/v1/no-such-thing")).status_code == 404
    after = (await client.get("/metrics")).text
    assert counted(after, one_person) == counted(before, one_person) + 2
    assert counted(after, unrouted) == counted(before, unrouted) + 1
    assert str(world.mentor.id) not in after  # the template, never the path with its id
    assert 'handler="/metrics"' not in after


async def test_etag_matches_the_version(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(f"/api/v1/people/{world.mentor.id}", headers=world.headers("admin"))
    assert response.headers["etag"] == json.dumps(str(response.json()["version"]))


def test_no_dependency_waits_for_a_thread(app: FastAPI) -> None:
    # FastAPI runs a plain `def` dependency in a worker thread: a hand-off and a wake-up on
    # every request, for functions that only read the request.
    def plain(dependant: Dependant) -> Iterator[str]:
        for sub in dependant.dependencies:
            call = sub.call
            if call is not None and not any(
                inspect.iscoroutinefunction(f) or inspect.isasyncgenfunction(f)
                for f in (call, type(call).__call__)
            ):
                yield f"{getattr(call, '__module__', '?')}.{getattr(call, '__qualname__', call)}"
            yield from plain(sub)

    found = {
        name
        for context in iter_route_contexts(app.routes)
        if isinstance(context.route, APIRoute)
        for name in plain(context.dependant)
    }
    assert not found
