"""Running the alert rules as the worker does, and reading what they raised."""

from typing import Any

import httpx
from fastapi import FastAPI

from api.worker import JOBS, Context, Worker, load_jobs

BASE = "/api/v1/alerts"


async def run_rules(app: FastAPI, *, everything: bool = False) -> None:
    """The worker's alert jobs until idle: the rules the marked changes concern, or (as
    the schedule does) every rule of every organisation."""
    load_jobs()
    name = "alerts.scheduled" if everything else "alerts.changed"
    worker = Worker(Context(app.state.db_factory, app.state.settings), [JOBS[name]])
    await worker.drain()


async def alerts_of(
    client: httpx.AsyncClient, headers: dict[str, str], **filters: Any
) -> list[dict[str, Any]]:
    answer = await client.get(BASE, params={"limit": 200, **filters}, headers=headers)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items
