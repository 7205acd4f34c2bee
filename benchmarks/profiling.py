"""Where each page of `make bench` spends its time, stage by stage.

Seeds the same organisation as `benchmarks/throughput.py` (2,000 people with a year of work),
then sends each of its requests to the application in process (no network, no HTTP server)
under a sampling profiler (pyinstrument), and sorts every sample into the stage it belongs to:

- by purpose, wherever it happens below: the audit (noting who was read, writing its rows
  and committing them), authentication (the token and the account lookup) and the rate limit;
- otherwise by mechanism, the innermost frame deciding: SQL and ORM (building, compiling and
  running statements, loading objects), waiting for the database (the event loop idle while
  SQLite's thread or PostgreSQL works), response models (Pydantic validation and the
  presenters), GraphQL execution, JSON, the access rules, and the framework and middleware.

Prints, per page, the time per request in process and each stage's share of it; time in
the service's own code that is none of these is the operation's own. The HTTP
server's own parsing and writing (uvicorn) is not in these figures: `GET /healthz` in
`make bench` shows it.

    make profile
    .venv/bin/python benchmarks/profiling.py --database postgresql --requests 100
    .venv/bin/python benchmarks/profiling.py --database sqlite --requests 100 --calls
"""

import argparse
import asyncio
import cProfile
import pstats
import secrets
from collections import defaultdict
from collections.abc import Iterable

import httpx
import throughput
from harness import ROOT, migrated_database
from pyinstrument import Profiler

from api.main import create_app
from api.settings import Settings

APP = "fastapi/applications.py"
OWN_CODE = str(ROOT / "api") + "/"
WAIT = "selectors.py"  # the event loop waiting: nothing else but the database runs meanwhile

# Stages by purpose: a sample belongs to the first whose file is anywhere on its stack.
PURPOSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("audit", ("api/services/audit.py", "settle_audit")),
    ("rate limit", ("api/ratelimit.py", "/limits/")),
    ("authentication", ("api/auth/",)),
)
# Stages by mechanism: the innermost frame on the stack that matches one decides.
MECHANISMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("SQL and ORM", ("/sqlalchemy/", "/sqlmodel/", "/aiosqlite/", "/psycopg/", "/greenlet/")),
    ("GraphQL execution", ("/graphql/", "/strawberry/")),
    (
        "response models",
        ("/pydantic/", "/pydantic_core/", "api/models/", "api/schema/from_models.py", "present"),
    ),
    ("JSON", ("/json/", "to_json", "dump_json")),
    ("access rules", ("api/services/visibility.py", "api/services/policy.py", "api/tenancy.py")),
    (
        "framework and middleware",
        (
            "/fastapi/",
            "/starlette/",
            "/anyio/",
            "/asyncio/",
            "/prometheus",
            "/asgi_correlation_id/",
            "api/middleware.py",
            "api/idempotency.py",
            "api/errors.py",
        ),
    ),
)
OPERATION = "the operation's own code"
WAITING = "waiting for the database"
STAGES = [name for name, _ in PURPOSES] + [WAITING] + [name for name, _ in MECHANISMS]
STAGES.append(OPERATION)


def stage(stack: list[str]) -> str | None:
    """The stage a sample's stack (outermost first) belongs to; None if it is not the
    application's (the in-process client's own work)."""
    if stack and WAIT in stack[-1] and not any(APP in frame for frame in stack):
        return WAITING
    if not any(APP in frame for frame in stack):
        return None
    for name, markers in PURPOSES:
        if any(marker in frame for frame in stack for marker in markers):
            return name
    for frame in reversed(stack):
        for name, markers in MECHANISMS:
            if any(marker in frame for marker in markers):
                return name
        if OWN_CODE in frame:  # the service's own work, not a mechanism it calls
            return OPERATION
    return OPERATION


def shares(
    records: Iterable[tuple[list[str], float]],
) -> tuple[dict[str, float], dict[str, float]]:
    """Seconds per stage, and per (stage, innermost frame)."""
    seconds: defaultdict[str, float] = defaultdict(float)
    frames: defaultdict[str, float] = defaultdict(float)
    for stack, duration in records:
        name = stage(stack)
        if name is not None:
            seconds[name] += duration
            function, path, line = stack[-1].split("\x01")[0].split("\x00")[:3]
            frames[f"{name}: {function} ({'/'.join(path.split('/')[-2:])}:{line})"] += duration
    return seconds, frames


async def profile_pages(
    url: str, seeded: throughput.Seeded, count: int, top: int, calls: bool
) -> None:
    settings = Settings(
        database_url=url,
        signing_keys=f"profile:{secrets.token_urlsafe(40)}",
        rate_limit_api="100000000/minute",
        log_level="WARNING",  # the in-process client logs each request at INFO
        worker_in_serve=False,  # background jobs would be sampled with the requests
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),  # as `serve` starts: a PostgreSQL worker listens
        httpx.AsyncClient(transport=transport, base_url="http://profile") as client,
    ):
        await app.state.standing.started()
        form = {
            "grant_type": "password",
            "username": throughput.EMAIL,
            "password": throughput.PASSWORD,
        }
        answer = await client.post("/api/v1/auth/token", data=form)
        answer.raise_for_status()
        headers = {
            "Authorization": f"Bearer {answer.json()['access_token']}",
            "Content-Type": "application/json",
        }

        async def send(request: throughput.Request) -> None:
            response = await client.request(
                "POST" if request.body else "GET",
                request.throughgate,
                content=request.body,
                headers=headers,
            )
            if response.status_code >= 300 or '"errors"' in response.text[:20]:
                raise RuntimeError(f"{request.name}: {response.status_code} {response.text}")

        if calls:
            print(f"{'request':24} {'Python calls a request':>22}")
        else:
            print(f"{'request':24} {'ms':>6}  " + "  ".join(f"{s[:14]:>14}" for s in STAGES))
        for request in throughput.requests(seeded):
            for _ in range(max(count // 10, 5)):  # warm: compiled statements, first loads
                await send(request)
            if calls:
                counter = cProfile.Profile()
                counter.enable()
                for _ in range(count):
                    await send(request)
                counter.disable()
                made = pstats.Stats(counter).total_calls  # type: ignore[attr-defined]
                print(f"{request.name:24} {made / count:22,.0f}", flush=True)
                continue
            profiler = Profiler(interval=0.001, async_mode="disabled")
            profiler.start()
            for _ in range(count):
                await send(request)
            session = profiler.stop()
            seconds, frames = shares(session.frame_records)
            total = sum(seconds.values())
            cells = "  ".join(f"{100 * seconds.get(s, 0) / total:13.0f}%" for s in STAGES)
            print(f"{request.name:24} {1000 * total / count:6.1f}  {cells}", flush=True)
            for frame, spent in sorted(frames.items(), key=lambda item: -item[1])[:top]:
                print(f"    {100 * spent / total:5.1f}%  {frame}")


def measure(kind: str, people: int, count: int, top: int, calls: bool) -> None:
    with migrated_database(kind) as (url, _):
        seeded = asyncio.run(throughput.seed(url, people))
        print(f"\n[{kind}] {people} people, {count} requests each, in process")
        asyncio.run(profile_pages(url, seeded, count, top, calls))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--top", type=int, default=0, help="print each page's N costliest frames")
    parser.add_argument(
        "--calls",
        action="store_true",
        help="count the Python function calls a request makes (cProfile) instead: a figure "
        "that a busy machine does not move",
    )
    args = parser.parse_args()
    for kind in ["sqlite", "postgresql"] if args.database == "both" else [args.database]:
        measure(kind, args.people, args.requests, args.top, args.calls)


if __name__ == "__main__":
    main()
