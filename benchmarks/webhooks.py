"""Webhook delivery throughput and commit-to-delivery delay, on SQLite and PostgreSQL.

Commits 10,000 events (100 per transaction) for one organisation with one subscription, runs
`throughgate worker` beside it, and times each event from the commit that wrote it to its
arrival, signed, at a receiver on 127.0.0.1. Prints events delivered per second and the
delay's p50/p95/p99.

    make bench-webhooks                                   # both databases
    .venv/bin/python benchmarks/webhooks.py --database sqlite --events 2000
    .venv/bin/python benchmarks/webhooks.py --rate 50 --events 2000   # delay at a steady pace
    BENCH_DATABASE_PREFIX=mybench ...                     # name of the throw-away PostgreSQL db
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from harness import ROOT, migrated_database
from standardwebhooks import Webhook

from api.auth.principal import Principal
from api.db import create_engine, session_factory
from api.models import Organisation, Person, WebhookSubscription
from api.services.outbox import emit
from api.services.webhooks import new_secret
from api.settings import Settings
from api.tenancy import span_organisations

PORTS = range(8250, 8300)
BATCH = 100


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, secret: str) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.arrivals: dict[str, float] = {}
        self.verifier = Webhook(secret)
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver would
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        arrived = time.time()
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.verifier.verify(body, headers)  # a receiver checks every signature
        with self.server.lock:
            self.server.arrivals.setdefault(headers["webhook-id"], arrived)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def start_receiver(secret: str) -> Receiver:
    for port in PORTS:
        try:
            receiver = Receiver(port, secret)
        except OSError:
            continue
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        return receiver
    raise SystemExit("no free port for the receiver")


async def arrange(url: str, receiver_url: str, secret: str) -> tuple[Organisation, Person]:
    engine = create_engine(Settings(database_url=url))
    async with session_factory(engine)() as db:
        span_organisations(db, "the benchmark sets up its organisation")
        org = Organisation(name="Bench")
        db.add(org)
        await db.flush()  # before the person: adding one queues an alert check of its org
        person = Person(org_id=org.id, kind="mentee", given_name="Bench", family_name="Mark")
        db.add(person)
        await db.flush()
        db.add(
            WebhookSubscription(
                org_id=org.id, url=receiver_url, events=["*"], secret=secret, owner_role="admin"
            )
        )
        await db.commit()
    await engine.dispose()
    return org, person


async def produce(
    url: str, org: Organisation, person: Person, events: int, rate: float | None
) -> dict[str, float]:
    """Commit the events in batches, as fast as the database takes them or at `rate` events
    per second; answers when each was committed."""
    engine = create_engine(Settings(database_url=url))
    system = Principal.system(org.id, "benchmark")
    committed: dict[str, float] = {}
    factory = session_factory(engine)
    started = time.time()
    for number in range(events // BATCH):
        if rate:
            await asyncio.sleep(max(0.0, started + number * BATCH / rate - time.time()))
        async with factory() as db:
            span_organisations(db, "the benchmark writes its events")
            batch = [
                emit(db, system, "person.custody_changed", person, person_id=person.id)
                for _ in range(BATCH)
            ]
            await db.commit()
        now = time.time()
        committed.update({str(event.id): now for event in batch})
    await engine.dispose()
    return committed


def run(kind: str, events: int, rate: float | None) -> None:
    with migrated_database(kind) as (url, workdir):
        worker = None
        try:
            secret = new_secret()
            receiver = start_receiver(secret)
            receiver_url = f"http://127.0.0.1:{receiver.server_address[1]}/hooks"
            org, person = asyncio.run(arrange(url, receiver_url, secret))
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "THROUGHGATE_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
                "THROUGHGATE_LOG_LEVEL": "WARNING",
            }
            worker = subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "throughgate"), "worker"], env=env, cwd=workdir
            )
            time.sleep(3)  # let the worker start before the clock runs
            started = time.time()
            committed = asyncio.run(produce(url, org, person, events, rate))
            deadline = time.time() + 600
            while len(receiver.arrivals) < events and time.time() < deadline:
                time.sleep(0.1)
            receiver.shutdown()
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait()
    arrivals = receiver.arrivals
    delays = sorted((arrivals[i] - committed[i]) * 1000 for i in committed if i in arrivals)
    elapsed = max(arrivals.values()) - started
    cuts = statistics.quantiles(delays, n=100)
    print(
        f"{kind:10} {len(arrivals):>6} of {events} events delivered in {elapsed:6.1f} s: "
        f"{len(arrivals) / elapsed:7.0f} events/s; commit to delivery "
        f"p50 {cuts[49]:7.0f} ms, p95 {cuts[94]:7.0f} ms, p99 {cuts[98]:7.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument(
        "--rate", type=float, help="events per second to commit (default: all at once)"
    )
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    for kind in kinds:
        run(kind, args.events, args.rate)


if __name__ == "__main__":
    main()
