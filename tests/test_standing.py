"""An account's standing reaches every request at once, without a round trip per request:
SQLite reads it on the event loop; a PostgreSQL worker remembers it while it hears every
change (api/auth/standing.py)."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.standing import HeardChanges, ReadOnTheLoop
from api.auth.tokens import issue_access_token
from api.settings import Settings
from tests.factories import World

ME = "/api/v1/me"


@contextmanager
def account_reads(app: FastAPI) -> Iterator[Callable[[], int]]:
    """How many statements the application's engine has sent that read a login."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        if "FROM user_account" in sql:
            seen.append(sql)

    engine = app.state.engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield lambda: len(seen)
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


async def reads_for(
    app: FastAPI, client: httpx.AsyncClient, headers: dict[str, str], requests: int
) -> int:
    """How many times `requests` answered calls of `GET /me` read the account."""
    with account_reads(app) as reads:
        for _ in range(requests):
            assert (await client.get(ME, headers=headers)).status_code == 200
        return reads()


def change_elsewhere(settings: Settings, sql: str, **values: object) -> None:
    """A change made by another process: another worker, the CLI, or an operator's psql."""
    url = make_url(settings.database_url)
    driver = "sqlite" if settings.is_sqlite else "postgresql+psycopg"
    engine = sa.create_engine(url.set(drivername=driver))
    with engine.begin() as connection:
        connection.execute(sa.text(sql), values)
    engine.dispose()


def revoke_elsewhere(settings: Settings, world: World, who: str) -> None:
    change_elsewhere(
        settings,
        "UPDATE user_account SET token_generation = token_generation + 1 WHERE id = :id",
        id=world.accounts[who].id.hex if settings.is_sqlite else world.accounts[who].id,
    )


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


@pytest.fixture
async def hearing(app: FastAPI, settings: Settings) -> AsyncIterator[HeardChanges]:
    """The application listening for account changes, as each worker of `serve` does."""
    if settings.is_sqlite:
        pytest.skip("only PostgreSQL workers remember accounts; SQLite reads them each time")
    reader = app.state.standing
    assert isinstance(reader, HeardChanges)
    task = asyncio.create_task(reader.run())
    await asyncio.wait_for(reader.started(), 5)
    yield reader
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert not reader.listening


async def test_a_token_revoked_by_another_process_is_refused(
    client: httpx.AsyncClient, world: World, settings: Settings, app: FastAPI
) -> None:
    """Read through the request's session or on SQLite's loop, the very next request is a
    401 (for a worker that remembers, see the tests below)."""
    headers = world.headers("coordinator")
    assert (await client.get(ME, headers=headers)).status_code == 200
    revoke_elsewhere(settings, world, "coordinator")
    refused = await client.get(ME, headers=headers)
    assert refused.status_code == 401
    assert (await client.get(ME, headers=world.headers("mentor"))).status_code == 200


@pytest.mark.parametrize("kind", ["user", "client"])
async def test_a_signed_token_for_an_account_that_does_not_exist_is_refused(
    client: httpx.AsyncClient, world: World, settings: Settings, kind: str
) -> None:
    """Signed with our key (a deleted account's, or one a forger could not have made), but
    naming no account: a 401, not an error."""
    token, _ = issue_access_token(
        settings,
        subject=f"{kind}:{uuid.uuid4()}",
        org_id=world.org.id,
        role="coordinator",
        scope="people:read",
    )
    refused = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401


async def test_sqlite_reads_the_account_without_the_request_session(
    client: httpx.AsyncClient, world: World, settings: Settings, app: FastAPI
) -> None:
    if not settings.is_sqlite:
        pytest.skip("a PostgreSQL worker reads through the request's session, or remembers")
    assert await reads_for(app, client, world.headers("coordinator"), 3) == 0


async def test_sqlite_reads_through_the_session_when_its_own_read_fails(
    db: AsyncSession, world: World, settings: Settings, tmp_path: Path
) -> None:
    """A file it cannot read the row from (here: no such table; in life, a busy file)."""
    if not settings.is_sqlite:
        pytest.skip("only SQLite reads on the event loop")
    reader = ReadOnTheLoop(str(tmp_path / "not-the-database.db"))
    coordinator = world.accounts["coordinator"]
    try:
        found = await reader.standing(db, "user", coordinator.id)
    finally:
        reader.close()
    assert found is not None
    assert (found.id, found.role, found.is_active) == (coordinator.id, "coordinator", True)


async def test_a_listening_worker_reads_an_account_once_and_hears_a_change_elsewhere(
    client: httpx.AsyncClient,
    world: World,
    settings: Settings,
    app: FastAPI,
    hearing: HeardChanges,
) -> None:
    headers = world.headers("coordinator")
    assert await reads_for(app, client, headers, 5) == 1

    revoke_elsewhere(settings, world, "coordinator")
    deadline = time.monotonic() + 5  # remembered for 30 s if it were not heard
    while (await client.get(ME, headers=headers)).status_code != 401:
        assert time.monotonic() < deadline, "the change was never heard"
        await asyncio.sleep(0.01)


async def test_a_worker_refuses_a_token_it_revoked_itself_on_the_very_next_request(
    client: httpx.AsyncClient, world: World, hearing: HeardChanges
) -> None:
    coordinator = world.accounts["coordinator"]
    headers = world.headers("coordinator")
    assert (await client.get(ME, headers=headers)).status_code == 200  # now remembered
    disabled = await client.post(
        f"/api/v1/users/{coordinator.id}/disable", headers=world.headers("admin")
    )
    assert disabled.status_code == 200
    assert (await client.get(ME, headers=headers)).status_code == 401


async def test_what_was_read_while_a_change_was_heard_is_not_remembered(
    client: httpx.AsyncClient, world: World, app: FastAPI, hearing: HeardChanges
) -> None:
    """The read may have seen the row from before the change, so it is read again next time."""
    heard_once: list[bool] = []

    def a_notice_arrives_meanwhile(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        if "FROM user_account" in sql and not heard_once:
            heard_once.append(True)
            hearing._forget(listening=True)  # what the listener does on a notice

    engine = app.state.engine.sync_engine
    headers = world.headers("coordinator")
    sa.event.listen(engine, "before_cursor_execute", a_notice_arrives_meanwhile)
    try:
        assert await reads_for(app, client, headers, 3) == 2  # the first read was not kept
    finally:
        sa.event.remove(engine, "before_cursor_execute", a_notice_arrives_meanwhile)


async def test_a_worker_that_cannot_hear_reads_every_request_until_it_hears_again(
    client: httpx.AsyncClient,
    world: World,
    settings: Settings,
    app: FastAPI,
    hearing: HeardChanges,
) -> None:
    headers = world.headers("coordinator")
    assert (await client.get(ME, headers=headers)).status_code == 200
    change_elsewhere(
        settings,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE application_name = :name AND datname = current_database()",
        name=HeardChanges.APPLICATION_NAME,
    )
    assert await until(lambda: not hearing.listening, 5), "the lost connection went unnoticed"
    assert await reads_for(app, client, headers, 3) == 3

    await asyncio.wait_for(hearing.started(), 5)  # it connects again
    assert await reads_for(app, client, headers, 3) == 1
