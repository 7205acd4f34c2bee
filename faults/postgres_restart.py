"""Fault drill: PostgreSQL restarts under 20 concurrent writers using Idempotency-Keys.

Starts a private PostgreSQL cluster (the local PostgreSQL binaries, a temporary data
directory, port 8156), a Throughgate server on it (port 8157), and 20 writers, each with
one logical create (a person) and one key. While a lock on `person` holds their inserts
mid-transaction, PostgreSQL is restarted (immediate mode: every connection dies). Every
writer retries until it gets its 201. Then it checks that each logical create happened
exactly once and that every key replays the same record.

    .venv/bin/python faults/postgres_restart.py

Prints what it saw; exits non-zero if any create is missing, duplicated or stuck, or if a
writer is answered anything but its 201 or a status that asks it to retry (a 500 is not one).
"""

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg

WRITERS = 20
PG_PORT = int(os.environ.get("FAULT_PG_PORT", "8156"))
API_PORT = int(os.environ.get("FAULT_API_PORT", "8157"))
DEADLINE_SECONDS = 120
# What a writer may be told while the database restarts, and retry: the database is away
# (503), its key is still held by the attempt cut off (409), or slow down (429). A 500 is a
# defect, never a retry.
RETRY_LATER = frozenset({409, 429, 503})
ROOT = Path(__file__).resolve().parent.parent
EXE = ROOT / ".venv" / "bin" / "throughgate"


def pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not candidates:
        sys.exit(f"{name} not found: install PostgreSQL's server binaries")
    return str(candidates[-1])


class Cluster:
    """A throw-away PostgreSQL cluster owned by the `postgres` user when run as root."""

    def __init__(self, workdir: Path) -> None:
        self.data = workdir / "pgdata"
        self.log = workdir / "postgres.log"
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(workdir, "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]

    def run(self, *args: str) -> None:
        subprocess.run([*self.as_owner, *args], check=True, stdout=subprocess.DEVNULL)

    def init(self) -> None:
        self.run(pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust")

    def start(self) -> None:
        options = f"-p {PG_PORT} -k {self.data} -c listen_addresses=127.0.0.1"
        self.run(
            pg_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "start",
        )

    def restart(self) -> None:
        self.run(pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "restart")

    def stop(self) -> None:
        self.run(pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")


def cli(env: dict[str, str], *args: str) -> dict[str, str]:
    done = subprocess.run([str(EXE), *args], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout) if done.stdout.strip() else {}


async def writer(
    http: httpx.AsyncClient, token: str, index: int, tally: "Tally"
) -> tuple[str, str]:
    """POST one person with one key until a 201 comes back; return (key, id)."""
    key = f"fault-{index}-{uuid.uuid4()}"
    body = {"kind": "mentor", "given_name": f"Fault{index}", "family_name": "Drill"}
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        try:
            response = await http.post("/api/v1/people", json=body, headers=headers)
        except httpx.TransportError:
            tally["transport errors"] += 1
        else:
            if response.status_code == 201:
                return key, str(response.json()["id"])
            tally[f"answers {response.status_code}"] += 1
            if response.status_code not in RETRY_LATER:
                raise SystemExit(f"writer {index}: unexpected {response.status_code}")
        await asyncio.sleep(0.5)
    raise SystemExit(f"writer {index}: its key never succeeded (stuck)")


async def drill(database_url: str, cluster: Cluster, base: str, token: str) -> list[str]:
    problems: list[str] = []
    tally = Tally()
    lock = await psycopg.AsyncConnection.connect(database_url.replace("+psycopg", ""))
    await lock.execute("LOCK TABLE person IN EXCLUSIVE MODE")  # the inserts wait behind it
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        writers = [asyncio.create_task(writer(http, token, i, tally)) for i in range(WRITERS)]
        await asyncio.sleep(3)  # every writer is now inside its transaction, waiting
        print(f"restarting PostgreSQL with {WRITERS} writers mid-transaction")
        await asyncio.to_thread(cluster.restart)
        results = await asyncio.gather(*writers)
        recovered = time.monotonic() - started
        replays = [
            await http.post(
                "/api/v1/people",
                json={"kind": "mentor", "given_name": f"Fault{i}", "family_name": "Drill"},
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
            )
            for i, (key, _) in enumerate(results)
        ]
    for (_, created_id), replay in zip(results, replays, strict=True):
        if replay.status_code != 201 or replay.headers.get("idempotent-replayed") != "true":
            problems.append(f"key not replayed: {replay.status_code}")
        elif str(replay.json()["id"]) != created_id:
            problems.append("a replay names another record")
    async with await psycopg.AsyncConnection.connect(database_url.replace("+psycopg", "")) as db:
        rows = await (
            await db.execute(
                "SELECT given_name, count(*) FROM person WHERE family_name = 'Drill' "
                "GROUP BY given_name"
            )
        ).fetchall()
    counts: dict[str, int] = dict(rows)
    for i in range(WRITERS):
        if counts.get(f"Fault{i}") != 1:
            problems.append(f"Fault{i} created {counts.get(f'Fault{i}', 0)} times")
    print(f"all {WRITERS} writers done {recovered:.1f} s after the lock was taken")
    print("retries seen: " + ", ".join(f"{k}: {v}" for k, v in sorted(tally.items())))
    print(f"people created: {sum(counts.values())} for {WRITERS} logical creates")
    return problems


class Tally(dict[str, int]):
    """Counts of the failed attempts, by kind."""

    def __missing__(self, key: str) -> int:
        return 0


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="throughgate-fault-"))
    cluster = Cluster(workdir)
    server: subprocess.Popen[bytes] | None = None
    try:
        cluster.init()
        cluster.start()
        database_url = f"postgresql://postgres@127.0.0.1:{PG_PORT}/postgres"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "THROUGHGATE_SIGNING_KEYS": "fault:" + "f" * 40,
            "THROUGHGATE_LOG_LEVEL": "ERROR",
            "THROUGHGATE_RATE_LIMIT_API": "100000/minute",
        }
        cli(env, "migrate")
        org = cli(env, "create-org", "Fault drill")
        password = "fault drill password"
        cli(
            env,
            "create-user",
            "--org",
            org["id"],
            "--email",
            "drill@example.org",
            "--role",
            "coordinator",
            "--password",
            password,
        )
        server = subprocess.Popen(
            [str(EXE), "serve", "--port", str(API_PORT)], env=env, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{API_PORT}"
        token = wait_for_token(base, password)
        problems = asyncio.run(
            drill(
                database_url.replace("postgresql://", "postgresql+psycopg://"), cluster, base, token
            )
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        try:
            cluster.stop()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print("every logical create succeeded exactly once; every key replays it")


def wait_for_token(base: str, password: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            response = httpx.post(
                f"{base}/api/v1/auth/token",
                data={
                    "grant_type": "password",
                    "username": "drill@example.org",
                    "password": password,
                },
            )
            if response.status_code == 200:
                return str(response.json()["access_token"])
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    sys.exit("the server did not start")


if __name__ == "__main__":
    main()
