"""Report timings at scale, and the memory the cohort file takes, on SQLite and PostgreSQL.

Seeds one organisation with 10,000 mentees and a year of their activity (sessions, goals,
assessments, outcomes; `api/programme_year.py`) and 300 mentors, then times each table of
the programme report, the whole report and the cohort summary as the service layer runs
them (best of 3). Then, with `--export-rows`, seeds that many more mentees (people and
relationships only), serves the database with `throughgate serve` and streams
`GET /reports/jdl-cohort.csv`, printing the server's peak memory (VmHWM).

    make bench-reports
    .venv/bin/python benchmarks/reports.py --database sqlite --mentees 2000 --export-rows 0
"""

import argparse
import asyncio
import os
import random
import secrets
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
from api.auth.principal import Principal
from api.auth.scopes import ROLE_SCOPES
from api.cli import alembic_config
from api.db import create_engine, session_factory
from api.models import ApiClient, MentorProfile, Organisation, Person
from api.models.base import utcnow
from api.models.enums import Role
from api.programme_year import Year
from api.services.reports import jdl
from api.services.reports.period import Period
from api.services.reports.programme import SECTIONS, programme_report
from api.services.reports.tables import Tabulator
from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CLIENT_ID, CLIENT_SECRET = "tg_bench_admin", "benchmark admin secret"


def _mentors(org_id: uuid.UUID, count: int, today: date) -> list[tuple[type, dict[str, Any]]]:
    rng = random.Random(3)
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
                    "max_caseload": 4,
                    "vetting_status": "cleared",
                    "vetting_expires_on": today + timedelta(days=rng.randint(-30, 600)),
                    "training_completed_on": today - timedelta(days=200),
                    "last_supervision_on": today - timedelta(days=rng.randint(0, 150)),
                },
            )
        )
    return rows


async def seed(url: str, mentees: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
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
                role="admin",
                client_id=CLIENT_ID,
                secret_hash=hash_secret(CLIENT_SECRET),
            )
        )
        await db.commit()
        mentors = _mentors(org.id, 300, today)
        await programme_year.write(db, iter(mentors))
        mentor_ids = [values["id"] for model, values in mentors if model is Person]
        started = time.perf_counter()
        written = await programme_year.write(
            db, programme_year.rows(Year(org.id, mentor_ids, mentees, today, open_share=0.3))
        )
        print(
            f"  seeded {mentees} mentees with a year of activity: {written} rows in "
            f"{time.perf_counter() - started:.0f}s",
            flush=True,
        )
        await (await db.connection()).execute(sa.text("ANALYZE"))
        await db.commit()
    await engine.dispose()
    return org.id, mentor_ids


async def seed_export_rows(
    url: str, org_id: uuid.UUID, mentor_ids: list[uuid.UUID], count: int
) -> None:
    """More mentees, with people and relationships only: rows for the cohort file."""
    engine = create_engine(Settings(database_url=url))
    async with session_factory(engine)() as db:
        tenancy.enter_organisation(db, org_id)
        started = time.perf_counter()
        extra = Year(org_id, mentor_ids, count, date.today(), seed=9, activity=False)
        written = await programme_year.write(db, programme_year.rows(extra))
        print(
            f"  seeded {count} more mentees for the export: {written} rows in "
            f"{time.perf_counter() - started:.0f}s",
            flush=True,
        )
        await db.commit()
    await engine.dispose()


async def time_reports(url: str, org_id: uuid.UUID) -> None:
    engine = create_engine(Settings(database_url=url))
    caller = Principal(
        org_id=org_id, role=Role.coordinator, scopes=ROLE_SCOPES[Role.coordinator], subject="bench"
    )
    period = Period.of(None, None)
    tab = Tabulator(exact=True)
    jobs: list[tuple[str, Any]] = [
        (s.__name__, lambda db, s=s: s(db, org_id, period, tab)) for s in SECTIONS
    ]
    jobs += [
        ("whole programme report", lambda db: programme_report(db, caller, period)),
        (
            "programme report, one region",
            lambda db: programme_report(db, caller, Period.of(None, None, "Wales")),
        ),
        ("cohort summary (JDL)", lambda db: jdl.summary(db, caller, period)),
    ]
    async with session_factory(engine)() as db:
        tenancy.enter_organisation(db, org_id)
        for name, job in jobs:
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                await job(db)
                best = min(best, time.perf_counter() - started)
            print(f"  {name:<32} {best * 1000:8.0f} ms", flush=True)
    await engine.dispose()


def export_memory(url: str, workdir: Path) -> None:
    port = int(os.environ.get("BENCH_PORT", free_port()))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "THROUGHGATE_LOG_LEVEL": "WARNING",
        "THROUGHGATE_SIGNING_KEYS": "bench:" + secrets.token_urlsafe(40),
    }
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "throughgate"), "serve", "--port", str(port)],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as http:
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
            # Start the high-water mark afresh: the token's Argon2 check alone takes 64 MB.
            Path(f"/proc/{server.pid}/clear_refs").write_text("5")
            before = _status_kb(server.pid, "VmRSS")
            started, lines, size = time.perf_counter(), 0, 0
            with http.stream(
                "GET",
                "/api/v1/reports/jdl-cohort.csv",
                headers={"Authorization": f"Bearer {token}"},
                params={"from": (date.today() - timedelta(days=366)).isoformat()},
            ) as response:
                assert response.status_code == 200, response.read()
                for chunk in response.iter_bytes():
                    lines += chunk.count(b"\n")
                    size += len(chunk)
            elapsed = time.perf_counter() - started
        print(
            f"  cohort file: {lines - 1} rows, {size / 1e6:.1f} MB in {elapsed:.1f}s; server "
            f"peak memory {_status_kb(server.pid, 'VmHWM') / 1024:.0f} MB (before the "
            f"request {before / 1024:.0f} MB)",
            flush=True,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def run(kind: str, mentees: int, export_rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url, drop = fresh_database(kind, workdir)
        try:
            print(f"[{kind}]", flush=True)
            command.upgrade(alembic_config(url), "head")
            org_id, mentor_ids = asyncio.run(seed(url, mentees))
            asyncio.run(time_reports(url, org_id))
            if export_rows:
                asyncio.run(seed_export_rows(url, org_id, mentor_ids, export_rows))
                export_memory(url, workdir)
        finally:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--mentees", type=int, default=10_000)
    parser.add_argument("--export-rows", type=int, default=100_000)
    args = parser.parse_args()
    for kind in ["sqlite", "postgresql"] if args.database == "both" else [args.database]:
        run(kind, args.mentees, args.export_rows)


if __name__ == "__main__":
    main()
