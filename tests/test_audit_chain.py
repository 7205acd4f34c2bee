"""The audit is tamper-evident: each organisation's events form a hash chain, concurrent
requests cannot fork it, and `throughgate audit verify` finds the first broken link."""

import asyncio
import itertools
import uuid

import httpx
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.db import create_engine, session_factory
from api.models import AuditEvent
from api.services import audit
from api.tenancy import enter_organisation
from tests.conftest import make_settings
from tests.factories import World
from tests.test_cli import database, run  # noqa: F401  (the CLI's scratch database)


async def _chain(db: AsyncSession, org_id: uuid.UUID) -> list[AuditEvent]:
    rows = await db.exec(
        select(AuditEvent)
        .where(AuditEvent.org_id == org_id)
        .order_by(col(AuditEvent.seq))
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


async def test_reads_join_the_chain_and_an_edit_breaks_it(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    for who in ("admin", "coordinator", "mentor"):
        read = await client.get(f"/api/v1/people/{world.my_mentee.id}", headers=world.headers(who))
        assert read.status_code == 200
    listed = await client.get("/api/v1/people", headers=world.headers("coordinator"))
    assert listed.status_code == 200
    chain = await _chain(db, world.org.id)
    assert [row.seq for row in chain] == list(range(1, len(chain) + 1))
    assert chain[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))
    report = await audit.verify(db, world.org.id)
    assert report.broken is None and report.events == len(chain) >= 4
    assert (report.head_seq, report.head_hash) == (chain[-1].seq, chain[-1].hash)

    # someone with the database's password hides who read the record
    victim = chain[1]
    await db.exec(
        sa.update(AuditEvent)
        .where(col(AuditEvent.id) == victim.id)
        .values(actor="user:someone-else")
        .execution_options(synchronize_session=False)
    )
    await db.commit()
    broken = (await audit.verify(db, world.org.id)).broken
    assert broken is not None and (broken.seq, broken.event_id) == (2, victim.id)
    assert "edited" in broken.reason

    # ... or deletes a row outright
    await db.exec(sa.delete(AuditEvent).where(col(AuditEvent.id) == victim.id))
    await db.commit()
    broken = (await audit.verify(db, world.org.id)).broken
    assert broken is not None and broken.seq == 2 and "missing" in broken.reason


async def test_each_organisation_has_its_own_chain(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    await client.get(f"/api/v1/people/{world.my_mentee.id}", headers=world.headers("admin"))
    foreign = await client.get("/api/v1/people", headers=world.headers("foreign_coordinator"))
    assert foreign.status_code == 200
    for org in (world.org.id, world.other_org.id):
        chain = await _chain(db, org)
        assert chain and chain[0].seq == 1 and chain[0].prev_hash == audit.GENESIS
        assert (await audit.verify(db, org)).broken is None


async def test_concurrent_requests_do_not_fork_the_chain(
    app: FastAPI, world: World, db: AsyncSession
) -> None:
    """Many writers at once: one unbroken chain, each event in it once."""
    factory = session_factory(app.state.engine)
    caller = Principal.system(world.org.id, "test")
    writers, each = 8, 5

    async def write(n: int) -> None:
        for i in range(each):
            async with factory() as session:
                enter_organisation(session, world.org.id)
                audit.record(session, caller, "test.write", entity_type="test", n=n, i=i)
                await session.commit()

    await asyncio.gather(*(write(n) for n in range(writers)))
    chain = await _chain(db, world.org.id)
    assert [row.seq for row in chain] == list(range(1, writers * each + 1))
    assert (await audit.verify(db, world.org.id)).broken is None


def test_audit_verify_reports_the_first_broken_link(database: str) -> None:  # noqa: F811
    code, org, _ = run("create-org", "Northgate Mentoring")
    assert code == 0
    org_id = uuid.UUID(org["id"])

    async def write_and_tamper(tamper: bool) -> None:
        engine = create_engine_for(database)
        async with session_factory(engine)() as session:
            enter_organisation(session, org_id)
            if not tamper:
                for i in range(3):
                    audit.record(
                        session, Principal.system(org_id, "test"), "t", entity_type="t", i=i
                    )
                    await session.commit()
            else:
                await session.exec(
                    sa.update(AuditEvent)
                    .where(col(AuditEvent.seq) == 3)
                    .values(details={"i": 99})
                    .execution_options(synchronize_session=False)
                )
                await session.commit()
        await engine.dispose()

    asyncio.run(write_and_tamper(False))
    code, report, _ = run("audit", "verify")
    assert code == 0 and report["ok"] is True and report["events"] == 3
    asyncio.run(write_and_tamper(True))
    code, _, err = run("audit", "verify", "--org", str(org_id))
    assert code == 1
    assert f"broken: organisation {org_id}, event 3" in err and "edited" in err


def create_engine_for(url: str) -> AsyncEngine:
    return create_engine(make_settings(url))
