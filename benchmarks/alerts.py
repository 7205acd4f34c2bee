"""Alert rules at scale, on SQLite and PostgreSQL.

Seeds one organisation with 10,000 mentees and a year of their sessions, goals and reviews
(`api/programme_year.py`, 30% still in an open relationship) and 1,000 mentors (supervision,
vetting and caseloads spread so that every mentor rule has work), then prints:

- each rule's statement, and the evaluation of every rule for the organisation as the
  worker runs it: the first (which raises every alert) and the steady state (best of 3);
- `GET /alerts?status=open` over HTTP from `throughgate serve` (one worker): p50/p95/p99.

    make bench-alerts
    .venv/bin/python benchmarks/alerts.py --database sqlite --mentees 2000 --requests 100
"""

import argparse
import asyncio
import statistics
import time
import uuid
from pathlib import Path

import httpx
import sqlalchemy as sa
from harness import Client, migrated_database, programme, served

from api import tenancy
from api.db import create_engine, session_factory
from api.models import Alert, AlertCheck, Organisation
from api.models.base import utcnow
from api.models.enums import Role
from api.services import alert_rules
from api.services.organisation import alert_thresholds
from api.services.reports.sql import run as run_statement
from api.settings import Settings

CLIENT = Client("tg_bench_alerts", "benchmark alerts secret", Role.coordinator)


async def seed(url: str, mentees: int, mentors: int) -> uuid.UUID:
    org_id, _ = await programme(
        url, CLIENT, mentees=mentees, mentors=mentors, caseloads=[2, 3, 4], seed=11
    )
    engine = create_engine(Settings(database_url=url))
    async with session_factory(engine)() as db:
        tenancy.enter_organisation(db, org_id)
        await db.exec(sa.delete(AlertCheck))  # the first evaluation below starts from nothing
        await db.commit()
    await engine.dispose()
    return org_id


async def time_rules(url: str, org_id: uuid.UUID) -> None:
    engine = create_engine(Settings(database_url=url))
    factory = session_factory(engine)
    async with factory() as db:
        tenancy.enter_organisation(db, org_id)
        organisation = await db.get(Organisation, org_id)
        assert organisation is not None
        thresholds = alert_thresholds(organisation)
        today = alert_rules.Today(utcnow())
        for rule in alert_rules.RULES.values():
            best, found = float("inf"), 0
            for _ in range(3):
                started = time.perf_counter()
                found = len((await run_statement(db, rule.firing(org_id, today, thresholds))).all())
                best = min(best, time.perf_counter() - started)
            print(f"  {rule.name:<26} {best * 1000:8.0f} ms  ({found} subjects)", flush=True)
    for label in ("first evaluation (raises)", "steady state"):
        best = float("inf")
        for _ in range(1 if label.startswith("first") else 3):
            async with factory() as db:
                tenancy.enter_organisation(db, org_id)
                started = time.perf_counter()
                changed = await alert_rules.evaluate(db, org_id)
                await db.commit()
                best = min(best, time.perf_counter() - started)
        print(f"  every rule, {label:<26} {best * 1000:8.0f} ms  ({changed} changed)", flush=True)
    async with factory() as db:
        tenancy.enter_organisation(db, org_id)
        total = await db.scalar(sa.select(sa.func.count()).select_from(Alert))
        print(f"  alerts standing: {total}", flush=True)
    await engine.dispose()


def time_list(url: str, workdir: Path, requests: int) -> None:
    env = {"THROUGHGATE_LOG_LEVEL": "WARNING", "THROUGHGATE_WORKER_IN_SERVE": "false"}
    with served(url, workdir, env=env) as server:
        headers = {"Authorization": f"Bearer {CLIENT.token(server.base)}"}
        timings = []
        cursor = None
        with httpx.Client(base_url=server.base, timeout=60) as http:
            for i in range(requests + 10):
                params = {"status": "open", **({"cursor": cursor} if cursor else {})}
                started = time.perf_counter()
                answer = http.get("/api/v1/alerts", params=params, headers=headers)
                elapsed = time.perf_counter() - started
                assert answer.status_code == 200, answer.text
                cursor = answer.json()["next_cursor"] if i % 4 else None  # pages 1 to 4
                if i >= 10:  # after a warm-up
                    timings.append(elapsed * 1000)
    cuts = statistics.quantiles(timings, n=100)
    print(
        f"  GET /alerts?status=open (50 a page): p50 {cuts[49]:.0f} ms, "
        f"p95 {cuts[94]:.0f} ms, p99 {cuts[98]:.0f} ms over {requests} requests",
        flush=True,
    )


def run(kind: str, mentees: int, mentors: int, requests: int) -> None:
    with migrated_database(kind) as (url, workdir):
        print(f"[{kind}]", flush=True)
        org_id = asyncio.run(seed(url, mentees, mentors))
        asyncio.run(time_rules(url, org_id))
        time_list(url, workdir, requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--mentees", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    for kind in ["sqlite", "postgresql"] if args.database == "both" else [args.database]:
        run(kind, args.mentees, args.mentors, args.requests)


if __name__ == "__main__":
    main()
