"""What the benchmarks share: a throw-away database, a served process, a token, and an
organisation with mentors and a year of programme activity (`api/programme_year.py`)."""

import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import make_url

from api import programme_year, tenancy
from api.auth.passwords import hash_secret
from api.cli import alembic_config
from api.db import create_engine, session_factory
from api.models import ApiClient, MentorProfile, Organisation, Person
from api.models.base import utcnow
from api.models.enums import Role
from api.programme_year import Year
from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
THROUGHGATE = ROOT / ".venv" / "bin" / "throughgate"
READY_WITHIN_S = 120


def _fresh_database(kind: str, workdir: Path) -> tuple[str, Callable[[], None]]:
    """A new, empty database of `kind` (`sqlite` or `postgresql`) and how to drop it."""
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{workdir / 'bench.db'}", lambda: None
    base = os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    url = make_url(base)
    name = f"{os.environ.get('BENCH_DATABASE_PREFIX', 'throughgate_bench')}_{secrets.token_hex(4)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@contextmanager
def migrated_database(kind: str) -> Iterator[tuple[str, Path]]:
    """A new database of `kind` (`sqlite` or `postgresql`) at the newest schema, and a work
    folder beside it: its address and the folder, both gone when the block ends."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url, drop = _fresh_database(kind, workdir)
        try:
            command.upgrade(alembic_config(url), "head")
            yield url, workdir
        finally:
            drop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Served:
    base: str  # http://127.0.0.1:PORT
    pid: int
    log: Path  # what the server writes to stderr


@contextmanager
def served(
    url: str,
    workdir: Path,
    *,
    argv: Sequence[str] = (str(THROUGHGATE), "serve"),
    port: int | None = None,
    env: Mapping[str, str] | None = None,
    ready: str = "/readyz",
) -> Iterator[Served]:
    """A server process on `url`'s database (`throughgate serve` unless `argv` says
    otherwise), from the moment it answers `ready` until the block ends."""
    port = port or free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "THROUGHGATE_SIGNING_KEYS": "bench:" + secrets.token_urlsafe(40),
        "THROUGHGATE_RATE_LIMIT_API": "100000000/minute",
        **(env or {}),
    }
    log = workdir / f"server-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*argv, "--port", str(port)],
            env=environment,
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=output,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_WITHIN_S
        while not _answers(base + ready):
            if process.poll() is not None:
                raise RuntimeError(f"{argv[0]} exited with {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{argv[0]} was not ready on port {port}")
            time.sleep(0.1)
        yield Served(base, process.pid, log)
    except BaseException:
        # the server's own account of what went wrong, before its folder is removed
        print(log.read_text(errors="replace")[-4000:], file=sys.stderr, flush=True)
        raise
    finally:
        process.terminate()
        process.wait(timeout=30)


def _answers(address: str) -> bool:
    try:
        return httpx.get(address, timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def token(base: str, **form: str) -> str:
    """An access token from the token endpoint, for the grant that `form` describes."""
    answer = httpx.post(f"{base}/api/v1/auth/token", data=form, timeout=60)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def cpu_of(pid: int) -> Callable[[], float]:
    """A clock of the CPU seconds process `pid` has used (0 if it is not on this machine)."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return lambda: 0.0
    tick = os.sysconf("SC_CLK_TCK")

    def used() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick  # utime, stime

    return used


def status_kb(pid: int, field: str) -> int:
    """A figure in kB from /proc/PID/status, e.g. VmRSS or VmHWM (its peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def mentor_rows(
    org_id: uuid.UUID, count: int, today: date, *, seed: int, caseloads: Sequence[int]
) -> list[tuple[type, dict[str, Any]]]:
    """Cleared mentors with vetting, supervision and caseloads spread by `seed`."""
    rng = random.Random(seed)
    rows: list[tuple[type, dict[str, Any]]] = []
    for i in range(count):
        pid = uuid.uuid4()
        person = {
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
        }
        profile = {
            "person_id": pid,
            "skills": ["accommodation"],
            "max_caseload": rng.choice(caseloads),
            "vetting_status": "cleared",
            "vetting_expires_on": today + timedelta(days=rng.randint(-30, 600)),
            "training_completed_on": today - timedelta(days=200),
            "last_supervision_on": today - timedelta(days=rng.randint(0, 150)),
        }
        rows += [(Person, person), (MentorProfile, profile)]
    return rows


@dataclass(frozen=True)
class Client:
    client_id: str
    secret: str
    role: Role

    def token(self, base: str) -> str:
        return token(
            base,
            grant_type="client_credentials",
            client_id=self.client_id,
            client_secret=self.secret,
        )


async def programme(
    url: str, client: Client, *, mentees: int, mentors: int, caseloads: Sequence[int], seed: int
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """An organisation with `client`, `mentors`, and `mentees` with a year of activity (30%
    still in an open relationship); its id and the mentors' ids."""
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
                role=client.role,
                client_id=client.client_id,
                secret_hash=hash_secret(client.secret),
            )
        )
        await db.commit()
        people = mentor_rows(org.id, mentors, today, seed=seed, caseloads=caseloads)
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
        await (await db.connection()).execute(sa.text("ANALYZE"))
        await db.commit()
    await engine.dispose()
    return org.id, mentor_ids
