"""Idempotency under faults: a failed attempt leaves its key free; a response once sent replays."""

import asyncio
import uuid

import httpx
import pytest
from fastapi import FastAPI, status
from fastapi.responses import JSONResponse
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api import tenancy
from api.db import DB
from api.main import create_app
from api.models import Person
from tests.conftest import make_settings
from tests.factories import World

NEW_MENTOR = {"kind": "mentor", "given_name": "Idem", "family_name": "Potent"}


async def count_people(db: AsyncSession, given_name: str) -> int:
    statement = select(func.count()).select_from(Person).where(Person.given_name == given_name)
    return (await db.exec(statement)).one()


def _app_failing_once_after_its_commit(
    database_url: str, world: World, *, answer: int | None = None
) -> FastAPI:
    """A create that commits its row and then, the first time only, dies (a lost connection)
    or, given `answer`, returns that status instead of raising."""
    app = create_app(make_settings(database_url))
    attempts: list[int] = []

    async def create(db: DB) -> JSONResponse:
        tenancy.enter_organisation(db, world.org.id)
        person = Person(org_id=world.org.id, kind="mentor", given_name="Flaky", family_name="F")
        db.add(person)
        await db.commit()
        attempts.append(1)
        if len(attempts) == 1:
            if answer is None:
                raise ConnectionResetError("the server went away after committing")
            return JSONResponse({"detail": "try again later"}, status_code=answer)
        return JSONResponse({"id": str(person.id)}, status_code=201)

    app.add_api_route("/api/v1/flaky", create, methods=["POST"])
    return app


async def test_an_attempt_that_dies_after_its_commit_leaves_nothing_and_its_key_free(
    migrated: str, world: World, db: AsyncSession
) -> None:
    app = _app_failing_once_after_its_commit(migrated, world)
    headers = {**world.headers("coordinator"), "Idempotency-Key": "dies-midway"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        failed = await http.post("/api/v1/flaky", headers=headers)
        assert failed.status_code == 503  # a lost connection: retry
        assert await count_people(db, "Flaky") == 0
        retried = await http.post("/api/v1/flaky", headers=headers)
        assert retried.status_code == 201
        replayed = await http.post("/api/v1/flaky", headers=headers)
        assert replayed.status_code == 201
        assert replayed.headers["idempotent-replayed"] == "true"
        assert replayed.json() == retried.json()
    assert await count_people(db, "Flaky") == 1
    await app.state.engine.dispose()


@pytest.mark.parametrize("refusal", [500, 503, 429])
async def test_an_answer_to_retry_is_not_kept_and_neither_is_its_work(
    migrated: str, world: World, db: AsyncSession, refusal: int
) -> None:
    app = _app_failing_once_after_its_commit(migrated, world, answer=refusal)
    headers = {**world.headers("coordinator"), "Idempotency-Key": f"refused-{refusal}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        refused = await http.post("/api/v1/flaky", headers=headers)
        assert refused.status_code == refusal
        assert await count_people(db, "Flaky") == 0
        retried = await http.post("/api/v1/flaky", headers=headers)
        assert retried.status_code == 201
        assert "idempotent-replayed" not in retried.headers
        assert await count_people(db, "Flaky") == 1
    await app.state.engine.dispose()


async def test_concurrent_retries_wait_for_the_first_and_replay_it(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    headers = {**world.headers("coordinator"), "Idempotency-Key": f"race-{uuid.uuid4()}"}
    responses = await asyncio.gather(
        *(client.post("/api/v1/people", json=NEW_MENTOR, headers=headers) for _ in range(5))
    )
    assert [r.status_code for r in responses] == [status.HTTP_201_CREATED] * 5
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 4
    assert await count_people(db, "Idem") == 1


async def test_a_disabled_account_gets_no_replay(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    headers = {**world.headers("coordinator"), "Idempotency-Key": "then-disabled"}
    first = await client.post("/api/v1/people", json=NEW_MENTOR, headers=headers)
    assert first.status_code == 201
    account = world.accounts["coordinator"]
    account.is_active = False
    db.add(account)
    await db.commit()
    again = await client.post("/api/v1/people", json=NEW_MENTOR, headers=headers)
    assert again.status_code == 401
    assert "idempotent-replayed" not in again.headers
    assert first.json()["given_name"] not in again.text


async def test_a_key_of_invisible_characters_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = {**world.headers("coordinator"), "Idempotency-Key": "has space"}
    response = await client.post("/api/v1/people", json=NEW_MENTOR, headers=headers)
    assert response.status_code == 422
    problem = response.json()
    assert (problem["type"], problem["title"]) == ("/problems/validation", "Invalid request")
    assert "Idempotency-Key" in problem["detail"]
