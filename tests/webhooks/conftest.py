"""An app whose webhooks may call 127.0.0.1 and retry within moments, and its dispatcher."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI

from api.main import create_app
from api.settings import Settings
from api.worker import Context, Job, Worker, load_jobs
from tests.conftest import make_settings
from tests.webhooks.receiver import Receiver, running_receiver


@pytest.fixture(scope="session")
def hook_settings(migrated: str) -> Settings:
    return make_settings(
        migrated,
        webhook_allow_private_urls=True,
        webhook_retry_delays=[0.05, 0.05, 0.05],
        webhook_timeout_seconds=2,
    )


@pytest.fixture(scope="session")
def hook_app(hook_settings: Settings) -> FastAPI:
    return create_app(hook_settings)


@pytest.fixture
async def hooks(hook_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=hook_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def dispatcher_jobs() -> list[Job]:
    """The event numbering and the deliveries: the alert rules are tested on their own."""
    return [job for name, job in load_jobs().items() if not name.startswith("alerts.")]


@pytest.fixture
async def dispatcher(hook_app: FastAPI, hook_settings: Settings) -> AsyncIterator[Worker]:
    worker = Worker(Context(hook_app.state.db_factory, hook_settings), dispatcher_jobs())
    yield worker
    await worker.context.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


async def settle(worker: Worker, done: Callable[[], bool], within: float = 20) -> None:
    """Run the dispatcher until `done()` (or fail after `within` seconds)."""
    deadline = time.monotonic() + within
    while not done():
        assert time.monotonic() < deadline, "the dispatcher did not get there in time"
        await worker.run_once()
        await asyncio.sleep(0.02)
