"""Tenancy by mechanism: a session serves one organisation, whatever its queries forget."""

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
import sqlalchemy as sa
from fastapi import Depends, FastAPI
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.deps import authenticate
from api.auth.principal import Principal
from api.db import DB
from api.models import IdempotencyRecord, Organisation, Person, Service
from api.models.base import utcnow
from api.tenancy import (
    TenancyUndecided,
    TenancyViolation,
    enter_organisation,
    org_owned_tables,
    span_organisations,
)
from tests.factories import World

# Tables without an `org_id` of their own, and why the hook need not limit them.
NOT_ORGANISATION_OWNED = {
    "organisation": "the tenant itself: limited to the session's own row by its id",
    "idempotency_record": "keyed by the caller's subject, never listed or joined",
    "mentor_profile": "read only through its person, whose organisation is checked",
    "session_goal": "links a session and a goal, each limited by its own table",
    "group_facilitator": "links a group session and a mentor, each limited by its own table",
}


async def add_service(db: AsyncSession, org: Organisation, name: str) -> Service:
    service = Service(org_id=org.id, name=name, provider="Provider", category="health")
    db.add(service)
    await db.commit()
    return service


@pytest.fixture
async def probe_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A route that forgets every `org_id` filter on purpose, on the app's own database,
    settings and authentication."""
    probe = FastAPI()
    for name in ("settings", "db_factory", "rate_limits", "standing"):
        setattr(probe.state, name, getattr(app.state, name))

    @probe.get("/probe/services")
    async def every_service(
        caller: Annotated[Principal, Depends(authenticate)], db: DB
    ) -> list[str]:
        rows = (await db.exec(select(Service))).all()
        return [row.name for row in rows]

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=probe), base_url="http://testserver"
    ) as http:
        yield http


async def test_a_raw_select_in_a_request_returns_only_the_callers_organisation(
    probe_client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    await add_service(db, world.org, "Ours")
    await add_service(db, world.other_org, "Theirs")
    ours = await probe_client.get("/probe/services", headers=world.headers("admin"))
    theirs = await probe_client.get("/probe/services", headers=world.headers("foreign_coordinator"))
    assert ours.json() == ["Ours"]
    assert theirs.json() == ["Theirs"]


async def test_subqueries_joins_updates_and_deletes_stay_in_the_organisation(
    app: FastAPI, world: World, db: AsyncSession
) -> None:
    foreign = await add_service(db, world.other_org, "Theirs")
    async with app.state.db_factory() as session:
        enter_organisation(session, world.org.id)
        inner = sa.select(col(Person.id)).scalar_subquery()
        people = (await session.exec(select(Person).where(col(Person.id).in_(inner)))).all()
        assert people and {p.org_id for p in people} == {world.org.id}
        other = sa.orm.aliased(Person)
        pairs = (await session.exec(sa.select(col(other.org_id)).join(Person, sa.true()))).all()
        assert {org_id for (org_id,) in pairs} == {world.org.id}
        organisation = sa.orm.aliased(Organisation)
        orgs = (await session.exec(sa.select(col(organisation.id)))).all()
        assert [org_id for (org_id,) in orgs] == [world.org.id]
        assert await session.get(Person, world.foreign_mentee.id) is None
        assert await session.get(Organisation, world.other_org.id) is None
        renamed = await session.exec(sa.update(Service).values(name="Renamed"))
        deleted = await session.exec(sa.delete(Service).where(col(Service.id) == foreign.id))
        assert (renamed.rowcount, deleted.rowcount) == (0, 0)
        await session.commit()
    await db.refresh(foreign)
    assert foreign.name == "Theirs"


async def test_a_row_of_another_organisation_cannot_be_written(
    app: FastAPI, world: World, db: AsyncSession
) -> None:
    async with app.state.db_factory() as session:
        enter_organisation(session, world.org.id)
        # a row of no organisation first: the check goes on past it
        session.add(
            IdempotencyRecord(
                caller="user:x",
                key="k",
                method="POST",
                path="/",
                request_hash="h",
                expires_at=utcnow(),
            )
        )
        session.add(Service(org_id=world.other_org.id, name="x", provider="y", category="health"))
        with pytest.raises(TenancyViolation):
            await session.flush()
    ours = await add_service(db, world.org, "Ours")
    async with app.state.db_factory() as session:
        enter_organisation(session, world.org.id)
        loaded = await session.get(Service, ours.id)
        assert loaded is not None
        loaded.org_id = world.other_org.id  # handed to another organisation
        with pytest.raises(TenancyViolation):
            await session.flush()
    theirs = await add_service(db, world.other_org, "Theirs")
    db.expunge(theirs)
    async with app.state.db_factory() as session:
        enter_organisation(session, world.org.id)
        session.add(theirs)  # another organisation's row, brought in from outside
        await session.delete(theirs)
        with pytest.raises(TenancyViolation):
            await session.flush()


async def test_a_bulk_insert_writes_only_the_sessions_organisation(
    app: FastAPI, world: World, db: AsyncSession
) -> None:
    def row(org: Organisation, name: str) -> dict[str, object]:
        now = utcnow()
        values = {"org_id": org.id, "name": name, "provider": "y", "category": "health"}
        return {**values, "id": uuid.uuid4(), "created_at": now, "updated_at": now, "version": 1}

    insert = sa.insert(Service.__table__)  # type: ignore[attr-defined]
    async with app.state.db_factory() as session:
        enter_organisation(session, world.org.id)
        mixed = [row(world.org, "Ours"), row(world.other_org, "Smuggled")]
        with pytest.raises(TenancyViolation):
            await session.exec(insert, params=mixed)
        with pytest.raises(TenancyViolation):  # rows built into the statement are not checked
            await session.exec(insert.values(row(world.org, "Ours")))
        with pytest.raises(TenancyViolation):  # one row, given as a mapping
            await session.exec(insert, params=row(world.other_org, "Smuggled alone"))
        await session.exec(insert, params=[row(world.org, "Ours")])
        await session.exec(insert, params=row(world.org, "Ours alone"))
        await session.commit()
    async with app.state.db_factory() as session:
        with pytest.raises(TenancyUndecided):
            await session.exec(insert, params=[row(world.org, "Nobody's")])
    names = ["Ours", "Smuggled", "Ours alone", "Smuggled alone"]
    written = select(Service.org_id).where(col(Service.name).in_(names))
    assert (await db.exec(written)).all() == [world.org.id, world.org.id]


async def test_a_session_that_chose_no_organisation_touches_no_organisations_rows(
    app: FastAPI, world: World
) -> None:
    async with app.state.db_factory() as session:
        with pytest.raises(TenancyUndecided):
            await session.exec(sa.select(sa.func.count()).select_from(Person))
        with pytest.raises(TenancyUndecided):
            await session.exec(
                sa.select(sa.literal(1)).where(col(Person.id).in_(sa.select(col(Person.id))))
            )
        session.add(Organisation(name="Nobody's"))
        with pytest.raises(TenancyUndecided):
            await session.flush()
        await session.rollback()
        # tables that belong to no organisation stay usable (the idempotency middleware's)
        record = IdempotencyRecord(
            caller="user:x", key="k", method="POST", path="/", request_hash="h", expires_at=utcnow()
        )
        session.add(record)
        await session.commit()
        assert await session.get(IdempotencyRecord, record.id) is not None
        await session.delete(record)
        await session.commit()


async def test_a_session_serves_one_organisation_for_good(app: FastAPI, world: World) -> None:
    async with app.state.db_factory() as session:
        enter_organisation(session, world.org.id)
        enter_organisation(session, world.org.id)  # the same one again is fine
        with pytest.raises(TenancyViolation):
            enter_organisation(session, world.other_org.id)
        with pytest.raises(TenancyViolation):
            span_organisations(session, "not after choosing one")


async def test_spanning_organisations_is_explicit_and_sees_them_all(
    app: FastAPI, world: World
) -> None:
    async with app.state.db_factory() as session:
        span_organisations(session, "a job that loops over every organisation")
        orgs = (await session.exec(select(col(Organisation.id)))).all()
        assert {world.org.id, world.other_org.id} <= set(orgs)
        with pytest.raises(TenancyViolation):
            enter_organisation(session, world.org.id)


def test_every_table_is_organisation_owned_or_declared_otherwise() -> None:
    owned = org_owned_tables()
    for table in SQLModel.metadata.sorted_tables:
        if "org_id" in table.c:
            assert table.name in owned, f"{table.name} has org_id: make its model OrgOwned"
            assert table.name not in NOT_ORGANISATION_OWNED
        else:
            assert table.name in NOT_ORGANISATION_OWNED, (
                f"{table.name} has no org_id: give it one (OrgRecord) or declare why not"
            )
