"""Background work: periodic jobs run by one loop, inside `throughgate serve` or on their own
as `throughgate worker`. A job is registered with `@periodic`; it gets a database session
factory and the settings, and answers how much work it did (0 means: wait before the next
run, anything else: run again at once). Jobs that must not run twice at the same time claim
their rows in the database (`FOR UPDATE SKIP LOCKED` on PostgreSQL, leases), so any number of
workers may run side by side."""

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from api.db import SessionFactory
from api.services.webhook_delivery import http_client
from api.settings import Settings

log = logging.getLogger("throughgate.worker")


@dataclass
class Context:
    """What every job run gets: the database, the settings, and this worker's name."""

    factory: SessionFactory
    settings: Settings
    name: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    )
    _http: httpx.AsyncClient | None = None

    @property
    def http(self) -> httpx.AsyncClient:
        """One outgoing connection pool for the worker's jobs."""
        if self._http is None:
            self._http = http_client(self.settings)
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None


JobRun = Callable[[Context], Awaitable[int]]


@dataclass(frozen=True)
class Job:
    name: str
    run: JobRun
    every: float | None = None  # seconds between idle runs; None: the worker's poll interval


JOBS: dict[str, Job] = {}


def periodic(name: str, every: float | None = None) -> Callable[[JobRun], JobRun]:
    """Register a job with every worker: `@periodic("alerts.evaluate", every=300)`."""

    def register(run: JobRun) -> JobRun:
        JOBS[name] = Job(name, run, every)
        return run

    return register


class Worker:
    def __init__(self, context: Context, jobs: list[Job] | None = None) -> None:
        self.context = context
        self.jobs = jobs if jobs is not None else list(JOBS.values())
        self.stopping = asyncio.Event()

    async def run_once(self) -> int:
        """Every job once, in registration order (tests and `worker --once` use this)."""
        return sum([await job.run(self.context) for job in self.jobs])

    async def drain(self) -> None:
        """Run every job until none has anything left to do now."""
        while await self.run_once():
            pass

    async def run(self) -> None:
        """Each job in its own loop until `stop()`; a failing run is logged and retried."""
        try:
            await asyncio.gather(*(self._loop(job) for job in self.jobs))
        finally:
            await self.context.close()

    def stop(self) -> None:
        self.stopping.set()

    async def _loop(self, job: Job) -> None:
        pause = job.every or self.context.settings.worker_poll_seconds
        while not self.stopping.is_set():
            try:
                done = await job.run(self.context)
            except Exception:
                log.exception("job %s failed; retrying after a pause", job.name)
                done = 0
            if done == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), pause)


def load_jobs() -> dict[str, Job]:
    """Import the modules that register jobs, and answer the registry."""
    from api.worker import alerts, deliveries, numbering  # noqa: F401  (they register on import)

    return JOBS
