"""`throughgate worker` as its own process: killed mid-run it loses nothing, and two of them
on PostgreSQL never send one delivery twice."""

import asyncio
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.models import UserAccount, WebhookSubscription
from api.services.outbox import emit
from api.services.webhooks import new_secret
from api.settings import Settings
from api.worker.deliveries import WRITE_EVERY
from tests.conftest import TEST_KEYS
from tests.factories import World
from tests.webhooks.receiver import Receiver, running_receiver

EXE = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "throughgate"


def start_worker(database_url: str, *, timeout_seconds: int = 1) -> subprocess.Popen[bytes]:
    """A dispatcher process; its lease on a queue lasts twice `timeout_seconds` plus 5 s."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "THROUGHGATE_SIGNING_KEYS": TEST_KEYS,
        "THROUGHGATE_LOG_LEVEL": "WARNING",
        "THROUGHGATE_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "THROUGHGATE_WEBHOOK_TIMEOUT_SECONDS": str(timeout_seconds),
        "THROUGHGATE_WEBHOOK_RETRY_DELAYS": "[0.05, 0.05, 0.05]",
        "THROUGHGATE_WORKER_POLL_SECONDS": "0.05",
    }
    command = str(EXE) if EXE.exists() else "throughgate"
    return subprocess.Popen(
        [command, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def arrange(db: AsyncSession, world: World, receivers: list[Receiver], events: int) -> None:
    admin = world.accounts["admin"]
    assert isinstance(admin, UserAccount)
    for receiver in receivers:
        db.add(
            WebhookSubscription(
                org_id=world.org.id,
                url=receiver.url,
                events=["person.*"],  # what it emits (the worker's rules raise alerts too)
                secret=new_secret(),
                owner_user_id=admin.id,
                owner_role="admin",
            )
        )
    system = Principal.system(world.org.id, "test")
    for _ in range(events):
        emit(db, system, "person.custody_changed", world.my_mentee, person_id=world.my_mentee.id)
    await db.commit()


async def wait_until(done: object, within: float) -> None:
    deadline = time.monotonic() + within
    while not done():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the dispatcher did not get there in time"
        await asyncio.sleep(0.05)


async def test_a_killed_dispatcher_loses_nothing(
    db: AsyncSession, world: World, settings: Settings
) -> None:
    with running_receiver(delay=0.01) as receiver:
        await arrange(db, world, [receiver], events=200)
        worker = start_worker(settings.database_url)
        try:
            await wait_until(lambda: len(receiver.received) >= 40, within=60)
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            stopped_at = len(receiver.received)
            assert stopped_at < 200, "the kill came too late to test anything"
            worker = start_worker(settings.database_url)
            await wait_until(lambda: len(set(receiver.ids())) >= 200, within=90)
        finally:
            worker.kill()
            worker.wait()
    ids = receiver.ids()
    assert len(set(ids)) == 200
    # Only deliveries sent but not yet written down when the worker died come twice.
    assert len(ids) - len(set(ids)) <= WRITE_EVERY


async def test_two_dispatchers_deliver_each_event_once(
    db: AsyncSession, world: World, settings: Settings
) -> None:
    if settings.is_sqlite:
        pytest.skip("several dispatchers are for PostgreSQL; SQLite runs one")
    with (
        running_receiver() as first,
        running_receiver() as second,
        running_receiver() as third,
        running_receiver() as fourth,
    ):
        receivers = [first, second, third, fourth]
        await arrange(db, world, receivers, events=100)
        # Leases long enough that neither dispatcher, however slow the machine, loses one to
        # the other mid-queue (a lost lease means a resend: the killed-dispatcher test).
        workers = [start_worker(settings.database_url, timeout_seconds=20) for _ in range(2)]
        try:
            await wait_until(lambda: all(len(r.received) >= 100 for r in receivers), 90)
            await asyncio.sleep(1)
        finally:
            for worker in workers:
                worker.kill()
                worker.wait()
    for receiver in receivers:
        ids = receiver.ids()
        assert len(ids) == len(set(ids)) == 100
