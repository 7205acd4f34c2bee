"""The throughput benchmark's seeding and its bare reference app, on a small data set.

The benchmark itself runs for minutes and only prints figures; this keeps its parts working.
"""

import importlib
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from alembic import command

from api.cli import alembic_config

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture
def throughput(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("throughput")


@pytest.fixture
def empty(scratch_url: str) -> str:
    command.upgrade(alembic_config(scratch_url), "head")
    return scratch_url


@pytest.fixture
async def seeded(empty: str, throughput: ModuleType) -> Any:
    return await throughput.seed(empty, 320)


@pytest.fixture
async def reference(scratch_url: str, seeded: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = importlib.import_module("reference_app").create_app(scratch_url)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://reference") as client:
        yield client
    await app.state.engine.dispose()


async def test_reference_app_serves_every_seeded_page(
    reference: httpx.AsyncClient, throughput: ModuleType, seeded: Any
) -> None:
    for request in throughput.requests(seeded):
        if request.reference is None:
            continue
        if request.body is None:
            answer = await reference.get(request.reference)
        else:
            answer = await reference.post(
                request.reference,
                content=request.body,
                headers={"Content-Type": "application/json"},
            )
        assert answer.status_code < 300, (request.name, answer.text)
        assert "errors" not in answer.json(), request.name

    people = (await reference.get("/people?limit=50")).json()["items"]
    assert len(people) == 50
    assert {p["kind"] for p in people} == {"mentor", "mentee"}
    graphql = await reference.post("/graphql", json={"query": throughput.GRAPHQL_PAGE})
    nodes = graphql.json()["data"]["people"]["nodes"]
    assert len(nodes) == 50
    assert any(node["relationships"] for node in nodes)
    sessions = (await reference.get("/sessions?limit=50")).json()["items"]
    assert len(sessions) == 50


def test_wrk_figures_are_read_in_milliseconds(throughput: ModuleType) -> None:
    out = """Running 3s test @ http://127.0.0.1:8216/healthz
  Latency Distribution
     50%  812.00us
     75%    1.02ms
     90%    1.50ms
     99%    2.25ms
  2431 requests in 3.00s, 400.00KB read
  Non-2xx or 3xx responses: 3
Requests/sec:    810.21
"""
    figures = throughput.parse_wrk(out)
    assert (figures.per_second, figures.p50_ms, figures.p99_ms, figures.errors) == (
        810.21,
        0.812,
        2.25,
        3,
    )
