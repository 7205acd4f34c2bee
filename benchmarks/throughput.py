"""Throughput of Throughgate's pages beside a bare reference app, on SQLite and PostgreSQL.

Seeds one organisation (300 mentors and enough mentees for 2,000 people, with a year of
relationships, sessions and goals: `api/programme_year.py`), starts `throughgate serve` (one
worker) and `benchmarks/reference_app.py` on the same database, each pinned to core 0, and
drives each request with `wrk` (one connection) pinned to core 1. Prints requests per second,
p50/p99 and Throughgate's share of the reference's throughput. No figure is asserted.

    make bench                                             # both databases, 10 s a request
    .venv/bin/python benchmarks/throughput.py --database sqlite --seconds 3 --people 400
"""

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import reports
import sqlalchemy as sa
from harness import ROOT, THROUGHGATE, migrated_database, served, token

from api.auth.passwords import hash_secret
from api.db import create_engine
from api.models import MentoringRelationship, Person, UserAccount
from api.models.base import utcnow
from api.settings import Settings

MENTORS = 300  # what `reports.seed` makes
EMAIL, PASSWORD = "coordinator@bench.example.org", "benchmark password"
THROUGHGATE_PORT, REFERENCE_PORT = 8216, 8316
SERVER_CORE, LOAD_CORE = "0", "1"
GRAPHQL_PAGE = (
    "{ people(first: 50) { nodes { id givenName familyName"
    " mentee { custodyStatus needs } relationships { status phase } } } }"
)


@dataclass(frozen=True)
class Seeded:
    org_id: uuid.UUID
    mentee_id: uuid.UUID  # a mentee without an open relationship (match suggestions)
    relationship_id: uuid.UUID  # an open relationship (the write)


@dataclass(frozen=True)
class Request:
    name: str
    throughgate: str  # path on Throughgate
    reference: str | None  # path on the reference app (None: no counterpart)
    body: str | None = None  # JSON body: a POST


@dataclass(frozen=True)
class Figures:
    per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


async def seed(url: str, people: int) -> Seeded:
    """The organisation, its year of work and a coordinator who logs in with a password."""
    org_id, _ = await reports.seed(url, max(people - MENTORS, 1))
    engine = create_engine(Settings(database_url=url))
    relationship = MentoringRelationship.__table__  # type: ignore[attr-defined]
    person = Person.__table__  # type: ignore[attr-defined]
    async with engine.begin() as connection:
        await connection.execute(
            sa.insert(UserAccount.__table__),  # type: ignore[attr-defined]
            {
                "id": uuid.uuid4(),
                "org_id": org_id,
                "email": EMAIL,
                "password_hash": hash_secret(PASSWORD),
                "role": "coordinator",
                "is_active": True,
                "created_at": utcnow(),
                "updated_at": utcnow(),
                "version": 1,
            },
        )
        open_ = relationship.c.status.in_(["proposed", "active", "paused"])
        relationship_id = (
            await connection.execute(
                sa.select(relationship.c.id).where(relationship.c.status == "active").limit(1)
            )
        ).scalar_one()
        matched = sa.select(relationship.c.mentee_id).where(open_)
        mentee_id = (
            await connection.execute(
                sa.select(person.c.id)
                .where(person.c.kind == "mentee", person.c.id.not_in(matched))
                .order_by(person.c.created_at, person.c.id)
                .limit(1)
            )
        ).scalar_one()
    await engine.dispose()
    return Seeded(org_id, mentee_id, relationship_id)


def requests(seeded: Seeded) -> list[Request]:
    start = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    session = json.dumps(
        {
            "relationship_id": str(seeded.relationship_id),
            "scheduled_start": start,
            "setting": "phone",
        }
    )
    person, v1 = seeded.mentee_id, "/api/v1"
    return [
        Request("people list (50)", f"{v1}/people?limit=50", "/people?limit=50"),
        Request(
            "relationships list (50)", f"{v1}/relationships?limit=50", "/relationships?limit=50"
        ),
        Request("sessions list (50)", f"{v1}/sessions?limit=50", "/sessions?limit=50"),
        Request("one person", f"{v1}/people/{person}", f"/people/{person}"),
        Request(
            "GraphQL people (50)", f"{v1}/graphql", "/graphql", json.dumps({"query": GRAPHQL_PAGE})
        ),
        Request(
            "match suggestions (10)",
            f"{v1}/people/{person}/match-suggestions?limit=10",
            f"/people/{person}/match-suggestions?limit=10",
        ),
        Request("POST a session", f"{v1}/sessions", "/sessions", session),
        Request("GET /me", f"{v1}/me", None),
        Request("GET /healthz", "/healthz", "/healthz"),
    ]


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is needed (Debian: apt-get install {name}; `make bench` does it)")
    return found


def pinned(core: str) -> list[str]:
    return [tool("taskset"), "-c", core]


def check(base: str, request: Request, path: str, headers: dict[str, str]) -> None:
    """One request by hand first: the load is only measured on answers that succeed."""
    if request.body is None:
        response = httpx.get(base + path, headers=headers)
    else:
        response = httpx.post(base + path, content=request.body, headers=headers)
    if response.status_code >= 300 or (request.body and '"errors"' in response.text[:20]):
        raise RuntimeError(f"{request.name} at {path}: {response.status_code} {response.text}")


def wrk(
    url: str, request: Request, seconds: int, headers: dict[str, str], workdir: Path
) -> Figures:
    script = workdir / "request.lua"
    lines = [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    if request.body is not None:
        lines += ['wrk.method = "POST"', f"wrk.body = {json.dumps(request.body)}"]
    script.write_text("\n".join(lines) + "\n")
    load = [tool("wrk"), "-t1", "-c1", f"-d{seconds}s", "--latency", "-s", str(script), url]
    out = subprocess.run(
        [*pinned(LOAD_CORE), *load],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(out)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
FIXED_COST_GOAL_MS = 0.5  # authentication, rate limit, audit, idempotency, metrics, logging


def parse_wrk(out: str) -> Figures:
    """Requests per second, p50, p99 and non-2xx answers from `wrk --latency` output."""

    def latency(share: str) -> float:
        found = re.search(rf"^\s+{share}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        return float(found[1]) * UNITS[found[2]] if found else float("nan")

    per_second = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return Figures(
        per_second=float(per_second[1]) if per_second else 0.0,
        p50_ms=latency("50"),
        p99_ms=latency("99"),
        errors=int(errors[1]) if errors else 0,
    )


def measure(kind: str, people: int, seconds: int) -> None:
    with migrated_database(kind) as (url, workdir):
        seeded = asyncio.run(seed(url, people))
        bin_ = ROOT / ".venv" / "bin"
        throughgate = [str(THROUGHGATE), "serve"]
        reference = [
            str(bin_ / "uvicorn"),
            "--app-dir",
            str(ROOT / "benchmarks"),
            "--log-level",
            "warning",
        ]
        reference += ["reference_app:create_app", "--factory"]
        pin = pinned(SERVER_CORE)
        with (
            served(url, workdir, argv=pin + throughgate, port=THROUGHGATE_PORT) as ours,
            served(
                url, workdir, argv=pin + reference, port=REFERENCE_PORT, ready="/healthz"
            ) as bare,
        ):
            bearer = token(ours.base, grant_type="password", username=EMAIL, password=PASSWORD)
            auth = {
                "Authorization": f"Bearer {bearer}",
                "Content-Type": "application/json",
            }
            plain = {"Content-Type": "application/json"}
            print(f"\n[{kind}] {people} people, {seconds} s a request, one connection")
            print(f"{'request':26} {'Throughgate':>24} {'reference':>24} {'ratio':>6}")
            p50: dict[str, float] = {}
            for request in requests(seeded):
                check(ours.base, request, request.throughgate, auth)
                mine = wrk(ours.base + request.throughgate, request, seconds, auth, workdir)
                p50[request.name] = mine.p50_ms
                theirs = None
                if request.reference is not None:
                    check(bare.base, request, request.reference, plain)
                    theirs = wrk(bare.base + request.reference, request, seconds, plain, workdir)
                print(row(request.name, mine, theirs), flush=True)
            fixed = p50["GET /me"] - p50["GET /healthz"]
            print(
                f"fixed cost of an authenticated request (GET /me p50 - /healthz p50): "
                f"{fixed:.1f} ms; the goal is under {FIXED_COST_GOAL_MS} ms"
            )


def cell(figures: Figures) -> str:
    errors = f" ({figures.errors} errors)" if figures.errors else ""
    return f"{figures.per_second:7.0f}/s {figures.p50_ms:5.1f} {figures.p99_ms:5.1f} ms{errors}"


def row(name: str, mine: Figures, theirs: Figures | None) -> str:
    if theirs is None:
        return f"{name:26} {cell(mine):>24}"
    ratio = mine.per_second / theirs.per_second if theirs.per_second else float("nan")
    return f"{name:26} {cell(mine):>24} {cell(theirs):>24} {ratio:6.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--people", type=int, default=2000)
    args = parser.parse_args()
    print("cells: requests per second, p50 and p99 latency; ratio: Throughgate / reference")
    for kind in ["sqlite", "postgresql"] if args.database == "both" else [args.database]:
        measure(kind, args.people, args.seconds)


if __name__ == "__main__":
    main()
