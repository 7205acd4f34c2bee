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
import os
import random
import secrets
import statistics
import subprocess
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from alembic import command
from matching import free_port, fresh_database

from api import programme_year, tenancy
from api.auth.passwords import hash_secret
from api.cli import alembic_config
from api.db import create_engine, session_factory
from api.models import Alert, AlertCheck, ApiClient, MentorProfile, Organisation, Person
from api.models.base import utcnow
from api.programme_year import Year
from api.services import alert_rules
from api.services.organisation import alert_thresholds
from api.services.reports.sql import run as run_statement
from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CLIENT_ID, CLIENT_SECRET = "tg_bench_alerts", "benchmark alerts secret"


def mentor_rows(org_id: uuid.UUID, count: int, today: date) -> list[tuple[type, dict[str, Any]]]:
    rng = random.Random(11)
    rows: list[tuple[type, dict[str, Any]]] = []
    for i in range(count):
        pid = uuid.uuid4()
        rows.append(
            (
                Person,
                {
                    "id": pid,
                    "org_id": org_id,
                    "kind": "mentor",
                    "given_name": f"Mentor{i}",
                    "family_name": "Bench",
                    "languages": ["en"],
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
                    "version": 1,
                    "region": rng.choice(programme_year.REGIONS),
                },
            )
        )
        rows.append(
            (
                MentorProfile,
                {
                    "person_id": pid,
                    "skills": ["accommodation"],
                    "max_caseload": rng.choice([2, 3, 4]),
                    "vetting_status": "cleared",
                    "vetting_expires_on": today + timedelta(days=rng.randint(-30, 600)),
                    "training_completed_on": today - timedelta(days=200),
                    "last_supervision_on": today - timedelta(days=rng.randint(0, 150)),
                },
            )
        )
    return rows


async def seed(url: str, mentees: int, mentors: int) -> uuid.UUID:
    engine = create_engine(Settings(database_url=url))
    today = date.today()
    async with session_factory(engine)() as db:
        tenancy.span_organisations(db, "the benchmark makes its organisation")
        org = Organisation(name="Benchmark")
        db.add(org)
        await db.commit()
        db.add(
            ApiClient(
                org_id=org.id,
                name="bench",
                role="coordinator",
                client_id=CLIENT_ID,
                secret_hash=hash_secret(CLIENT_SECRET),
            )
        )
        await db.commit()
        people = mentor_rows(org.id, mentors, today)
        await programme_year.write(db, iter(people))
        mentor_ids = [values["id"] for model, values in people if model is Person]
        started = time.perf_counter()
        year = Year(org.id, mentor_ids, mentees, today, open_share=0.3)
        written = await programme_year.write(db, programme_year.rows(year))
        print(
            f"  seeded {mentees} mentees and {mentors} mentors with a year of activity: "
            f"{written} rows in {time.perf_counter() - started:.0f}s",
            flush=True,
        )
        await db.exec(sa.delete(AlertCheck))
        await (await db.connection()).execute(sa.text("ANALYZE"))
        await db.commit()
    await engine.dispose()
    return org.id


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
    port = int(os.environ.get("BENCH_PORT", free_port()))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "THROUGHGATE_LOG_LEVEL": "WARNING",
        "THROUGHGATE_SIGNING_KEYS": "bench:" + secrets.token_urlsafe(40),
        "THROUGHGATE_WORKER_IN_SERVE": "false",
        "THROUGHGATE_RATE_LIMIT_API": "100000/minute",
    }
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "throughgate"), "serve", "--port", str(port)],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            for _ in range(300):
                try:
                    if http.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            token = http.post(
                "/api/v1/auth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                },
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            timings = []
            cursor = None
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
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(kind: str, mentees: int, mentors: int, requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url, drop = fresh_database(kind, workdir)
        try:
            print(f"[{kind}]", flush=True)
            command.upgrade(alembic_config(url), "head")
            org_id = asyncio.run(seed(url, mentees, mentors))
            asyncio.run(time_rules(url, org_id))
            time_list(url, workdir, requests)
        finally:
            drop()


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
