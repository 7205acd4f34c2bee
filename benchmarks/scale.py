"""Throughput against the number of workers, and each worker's memory at 100,000 people.

Point 4 of the performance goal: with 4 workers on PostgreSQL, throughput grows close to
linearly in workers until the cores are saturated, and memory per worker stays under 150 MB
with 100,000 people in the database.

Seeds one organisation as `benchmarks/throughput.py` does (2,000 people with a year of work,
and a coordinator who logs in with a password). For each worker count, starts
`throughgate serve --workers N` and drives the people list with `wrk` on the same machine,
nothing pinned, on 2 connections a worker (a new connection for each request, so that
the workers share them); prints requests per second, p50/p99, the speed-up over
one worker, how busy the machine's cores were, the requests answered per CPU second the
workers used (the same at every count when throughput grows in step with the CPU the workers
get) and the CPU seconds each worker used (how evenly the connections spread). Growth is
only expected until the cores are saturated: the header gives their number. Then tops the
organisation up to `--people` people (people and relationships only, as
`reports.seed_export_rows` does), starts 4 workers, drives a mix of pages for `--seconds` and
prints each worker's memory beside the 150 MB goal, and the master's. No figure is asserted.

    make bench-scale                                              # PostgreSQL, 100,000 people
    .venv/bin/python benchmarks/scale.py --database sqlite --seconds 3 --people 5000
"""

import argparse
import asyncio
import json
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import reports
import sqlalchemy as sa
import throughput
from harness import (
    READY_WITHIN_S,
    THROUGHGATE,
    Served,
    cpu_of,
    migrated_database,
    served,
    status_kb,
    token,
)
from throughput import Figures, Request, Seeded

from api.db import create_engine
from api.models import Person
from api.settings import Settings

BASE_PEOPLE = 2000  # with a year of work, as `make bench` seeds them
MEMORY_WORKERS, GOAL_MB = 4, 150
SCALED = "people list (50)"
MIX = (SCALED, "one person", "relationships list (50)", "sessions list (50)", "GraphQL people (50)")
# `throughgate serve` logs this (at INFO) once per worker, just before the worker accepts.
STARTED = "Application startup complete."


def pick(seeded: Seeded, names: Sequence[str]) -> list[Request]:
    by_name = {request.name: request for request in throughput.requests(seeded)}
    return [by_name[name] for name in names]


def drive(
    base: str,
    mix: Sequence[Request],
    connections: int,
    seconds: int,
    headers: dict[str, str],
    workdir: Path,
) -> Figures:
    """`wrk` on this machine, unpinned, taking the requests of `mix` in turn. Callers send
    `Connection: close`: the workers share one listening socket, and connections opened
    at once, kept alive, would all stay with whichever worker accepted them first."""
    script = workdir / "mix.lua"
    lines = [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    lines.append("local mix = {")
    for request in mix:
        body = "nil" if request.body is None else json.dumps(request.body)
        method = "GET" if request.body is None else "POST"
        lines.append(f'  {{"{method}", {json.dumps(request.throughgate)}, {body}}},')
    lines += [
        "}",
        "local i = 0",
        "request = function()",
        "  i = i % #mix + 1",
        "  return wrk.format(mix[i][1], mix[i][2], nil, mix[i][3])",
        "end",
    ]
    script.write_text("\n".join(lines) + "\n")
    load = [throughput.tool("wrk"), f"-t{min(2, connections)}", f"-c{connections}"]
    load += [f"-d{seconds}s", "--latency", "-s", str(script), base]
    out = subprocess.run(load, capture_output=True, text=True, check=True).stdout
    return throughput.parse_wrk(out)


@contextmanager
def served_workers(
    url: str, workdir: Path, workers: int
) -> Iterator[tuple[Served, dict[str, str], list[int]]]:
    """`throughgate serve --workers N` with every worker accepting: the server, the
    coordinator's headers and the worker processes' ids."""
    argv = (str(THROUGHGATE), "serve", "--workers", str(workers))
    with served(url, workdir, argv=argv, env={"THROUGHGATE_LOG_LEVEL": "INFO"}) as server:
        yield (server, *ready(server, workers))


def ready(server: Served, workers: int) -> tuple[dict[str, str], list[int]]:
    """The coordinator's headers and the worker processes, once all of them accept: `served`
    returns when the first one answers, and connections opened before the others are up
    would all stay with it."""
    deadline = time.monotonic() + READY_WITHIN_S
    while workers > 1 and server.log.read_text(errors="replace").count(STARTED) < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{workers} workers did not all start")
        time.sleep(0.2)
    bearer = token(
        server.base, grant_type="password", username=throughput.EMAIL, password=throughput.PASSWORD
    )
    headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}
    return headers, (children(server.pid) if workers > 1 else [server.pid])


def children(pid: int) -> list[int]:
    """The uvicorn master's worker processes (not multiprocessing's resource tracker)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue  # gone meanwhile
        if parent == pid and b"spawn_main" in cmdline:
            found.append(int(stat.parent.name))
    return sorted(found)


def scaling(url: str, workdir: Path, seeded: Seeded, counts: Sequence[int], seconds: int) -> None:
    request = pick(seeded, [SCALED])
    print(
        f"\n  {SCALED}, {seconds} s a run on 2 connections a worker; {os.cpu_count()} cores, so "
        f"growth is only expected up to {os.cpu_count()} workers; load average "
        + " ".join(f"{load:.1f}" for load in os.getloadavg()),
        flush=True,
    )
    print(
        f"  {'workers':>7} {'req/s':>8} {'p50':>7} {'p99':>7} {'speed-up':>8} "
        f"{'machine busy':>12} {'req per worker CPU s':>20}  worker CPU s"
    )
    alone = None
    for count in counts:
        with served_workers(url, workdir, count) as (server, headers, workers):
            throughput.check(server.base, request[0], request[0].throughgate, headers)
            afresh = {**headers, "Connection": "close"}  # see `drive`
            load = partial(drive, server.base, request, 2 * count, seconds, afresh, workdir)
            machine = machine_busy()
            figures, cpu = busy(workers, load)
            share = machine()
        spent = " ".join(f"{used:.1f}" for used in cpu)
        alone = alone or figures.per_second or float("nan")
        efficiency = figures.per_second * seconds / (sum(cpu) or float("nan"))
        errors = f" ({figures.errors} errors)" if figures.errors else ""
        print(
            f"  {count:7} {figures.per_second:8.0f} {figures.p50_ms:5.1f}ms {figures.p99_ms:5.1f}ms"
            f" {figures.per_second / alone:7.2f}x {100 * share:11.0f}% {efficiency:20.0f}"
            f"  {spent}{errors}",
            flush=True,
        )


def memory(url: str, workdir: Path, seeded: Seeded, seconds: int, people: int) -> None:
    mix = pick(seeded, MIX)
    with served_workers(url, workdir, MEMORY_WORKERS) as (server, headers, workers):
        for request in mix:
            throughput.check(server.base, request, request.throughgate, headers)
        afresh = {**headers, "Connection": "close"}  # see `drive`
        processes = [*workers, server.pid]
        load = partial(drive, server.base, mix, 4 * MEMORY_WORKERS, seconds, afresh, workdir)
        figures, cpu = busy(processes, load)
        print(
            f"\n  {MEMORY_WORKERS} workers, {people} people, after {seconds} s of "
            f"{', '.join(MIX)}: {figures.per_second:.0f} req/s, {figures.errors} errors",
            flush=True,
        )
        print(
            f"  {'process':>14} {'RSS':>7} {'PSS':>7} {'private':>8} {'peak RSS':>9}"
            "  CPU s in the mix"
        )
        rss = [status_kb(pid, "VmRSS") / 1024 for pid in processes]
        rollups = [smaps_rollup_kb(pid) for pid in processes]
        pss = [rollup["Pss"] / 1024 for rollup in rollups]
        for pid, resident, share, rollup, used in zip(
            processes, rss, pss, rollups, cpu, strict=True
        ):
            name = "master" if pid == server.pid else f"worker {pid}"
            private = (rollup["Private_Clean"] + rollup["Private_Dirty"]) / 1024
            print(
                f"  {name:>14} {resident:4.0f} MB {share:4.0f} MB {private:5.0f} MB "
                f"{status_kb(pid, 'VmHWM') / 1024:6.0f} MB  {used:.1f}",
                flush=True,
            )
    print(
        f"  largest worker against the goal of {GOAL_MB} MB: RSS {_against_goal(max(rss[:-1]))}, "
        f"PSS {_against_goal(max(pss[:-1]))}. PSS: the process's own pages and its share of "
        "those it shares (the PSS of all processes adds up to the memory they take); private: "
        "pages no other process shares; peak: since the process started (the token's Argon2 "
        "check alone takes 64 MB in the worker that answers it)",
        flush=True,
    )


def _against_goal(megabytes: float) -> str:
    return f"{megabytes:.0f} MB ({'under' if megabytes < GOAL_MB else 'OVER'})"


def busy(pids: Sequence[int], load: Callable[[], Figures]) -> tuple[Figures, list[float]]:
    """What `load` measured, and the CPU seconds each of `pids` used meanwhile."""
    cpu = [cpu_of(pid) for pid in pids]
    before = [used() for used in cpu]
    figures = load()
    return figures, [used() - at for used, at in zip(cpu, before, strict=True)]


def machine_busy() -> Callable[[], float]:
    """A clock of the share of every core's time spent working (not idle, not waiting for
    the disk) since it was made: at 100% more workers cannot answer more."""

    def ticks() -> tuple[int, int]:
        fields = [int(f) for f in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle, iowait
        return sum(fields) - idle, sum(fields)

    working, total = ticks()

    def share() -> float:
        now_working, now_total = ticks()
        return (now_working - working) / ((now_total - total) or 1)

    return share


def smaps_rollup_kb(pid: int) -> dict[str, int]:
    """The figures of /proc/PID/smaps_rollup (Rss, Pss, Private_Dirty...), in kB, read at once."""
    lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]  # after the header
    return {line.split(":")[0]: int(line.split()[1]) for line in lines}


async def top_up(url: str, org_id: uuid.UUID, count: int) -> None:
    """`count` more mentees with people and relationships only, then fresh statistics."""
    engine = create_engine(Settings(database_url=url))
    person = Person.__table__  # type: ignore[attr-defined]
    mentors = sa.select(person.c.id).where(person.c.org_id == org_id, person.c.kind == "mentor")
    async with engine.connect() as connection:
        mentor_ids = list((await connection.execute(mentors)).scalars())
    await reports.seed_export_rows(url, org_id, mentor_ids, count)
    async with engine.begin() as connection:
        await connection.execute(sa.text("ANALYZE"))
    await engine.dispose()


def run(kind: str, counts: Sequence[int], people: int, seconds: int) -> None:
    with migrated_database(kind) as (url, workdir):
        print(f"[{kind}]", flush=True)
        started = time.perf_counter()
        seeded = asyncio.run(throughput.seed(url, min(people, BASE_PEOPLE)))
        print(f"  seeding took {time.perf_counter() - started:.0f}s", flush=True)
        scaling(url, workdir, seeded, counts, seconds)
        if people > BASE_PEOPLE:
            started = time.perf_counter()
            asyncio.run(top_up(url, seeded.org_id, people - BASE_PEOPLE))
            print(f"  topping up took {time.perf_counter() - started:.0f}s", flush=True)
        memory(url, workdir, seeded, seconds, people)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2,4", help="worker counts, e.g. 1,2,4")
    args = parser.parse_args()
    counts = [int(count) for count in args.workers.split(",")]
    run(args.database, counts, args.people, args.seconds)


if __name__ == "__main__":
    main()
