"""Report timings at scale, and the memory the cohort file takes, on SQLite and PostgreSQL.

Seeds one organisation with 10,000 mentees and a year of their activity (sessions, goals,
assessments, outcomes; `api/programme_year.py`) and 300 mentors, then times each table of
the programme report, the whole report and the cohort summary as the service layer runs
them: the best of 5 runs of its wall time, and of the CPU time it took (this process's,
which holds SQLite's engine, plus the PostgreSQL backend's when the server runs here;
parallel workers are not counted), which a busy machine inflates far less. Then, with
`--export-rows`, seeds that many more mentees (people and relationships only), serves the
database with `throughgate serve` and streams `GET /reports/jdl-cohort.csv`, printing the
server's peak memory (VmHWM).

    make bench-reports
    .venv/bin/python benchmarks/reports.py --database sqlite --mentees 2000 --export-rows 0
"""

import argparse
import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from harness import Client, cpu_of, migrated_database, programme, served, status_kb
from sqlmodel.ext.asyncio.session import AsyncSession

from api import programme_year, tenancy
from api.auth.principal import Principal
from api.auth.scopes import ROLE_SCOPES
from api.db import create_engine, session_factory
from api.models.enums import Role
from api.programme_year import Year
from api.services.reports import jdl
from api.services.reports.period import Period
from api.services.reports.programme import SECTIONS, programme_report
from api.services.reports.tables import Tabulator
from api.settings import Settings

CLIENT = Client("tg_bench_admin", "benchmark admin secret", Role.admin)
ROUNDS = 5


async def seed(url: str, mentees: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    return await programme(url, CLIENT, mentees=mentees, mentors=300, caseloads=[4], seed=3)


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
        server = await _backend_cpu(db)
        print(f"  {'':<32} {'wall':>8}    {'CPU':>8}", flush=True)
        for name, job in jobs:
            wall = cpu = float("inf")
            for _ in range(ROUNDS):
                started, used = time.perf_counter(), time.process_time() + server()
                await job(db)
                wall = min(wall, time.perf_counter() - started)
                cpu = min(cpu, time.process_time() + server() - used)
            print(f"  {name:<32} {wall * 1000:8.0f} ms {cpu * 1000:8.0f} ms", flush=True)
    await engine.dispose()


async def _backend_cpu(db: AsyncSession) -> Callable[[], float]:
    """Seconds of CPU the PostgreSQL backend serving `db` has used so far, read from /proc
    when the server runs on this machine (0 on SQLite, whose engine runs in this process)."""
    if db.get_bind().dialect.name != "postgresql":
        return lambda: 0.0
    connection = await db.connection()
    return cpu_of((await connection.execute(sa.select(sa.func.pg_backend_pid()))).scalar_one())


def export_memory(url: str, workdir: Path) -> None:
    with served(url, workdir, env={"THROUGHGATE_LOG_LEVEL": "WARNING"}) as server:
        token = CLIENT.token(server.base)
        # Start the high-water mark afresh: the token's Argon2 check alone takes 64 MB.
        Path(f"/proc/{server.pid}/clear_refs").write_text("5")
        before = status_kb(server.pid, "VmRSS")
        started, lines, size = time.perf_counter(), 0, 0
        with httpx.stream(
            "GET",
            f"{server.base}/api/v1/reports/jdl-cohort.csv",
            headers={"Authorization": f"Bearer {token}"},
            params={"from": (date.today() - timedelta(days=366)).isoformat()},
            timeout=600,
        ) as response:
            assert response.status_code == 200, response.read()
            for chunk in response.iter_bytes():
                lines += chunk.count(b"\n")
                size += len(chunk)
        elapsed = time.perf_counter() - started
        print(
            f"  cohort file: {lines - 1} rows, {size / 1e6:.1f} MB in {elapsed:.1f}s; server "
            f"peak memory {status_kb(server.pid, 'VmHWM') / 1024:.0f} MB (before the "
            f"request {before / 1024:.0f} MB)",
            flush=True,
        )


def run(kind: str, mentees: int, export_rows: int) -> None:
    with migrated_database(kind) as (url, workdir):
        print(f"[{kind}]", flush=True)
        org_id, mentor_ids = asyncio.run(seed(url, mentees))
        asyncio.run(time_reports(url, org_id))
        if export_rows:
            asyncio.run(seed_export_rows(url, org_id, mentor_ids, export_rows))
            export_memory(url, workdir)


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
