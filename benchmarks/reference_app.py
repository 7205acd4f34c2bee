"""The yardstick for `benchmarks/throughput.py`: a bare FastAPI + SQLAlchemy app.

It serves the same data shapes as Throughgate's pages from the same database, with nothing
else: no authentication, access rules, audit, rate limit, idempotency, metrics or logging
middleware. One organisation's rows (the only one in the benchmark database). GraphQL is a
bare strawberry flat list of people with their mentee profile and relationships.

    DATABASE_URL=sqlite+aiosqlite:///bench.db \\
        .venv/bin/uvicorn benchmarks.reference_app:create_app --factory --port 8316
"""

import os
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import strawberry
from fastapi import FastAPI, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from strawberry.fastapi import GraphQLRouter
from strawberry.types import Info

from api.models import MenteeProfile, MentoringRelationship, MentoringSession, MentorProfile, Person

PERSON = Person.__table__  # type: ignore[attr-defined]
MENTEE = MenteeProfile.__table__  # type: ignore[attr-defined]
MENTOR = MentorProfile.__table__  # type: ignore[attr-defined]
RELATIONSHIP = MentoringRelationship.__table__  # type: ignore[attr-defined]
SESSION = MentoringSession.__table__  # type: ignore[attr-defined]
MENTEE_FIELDS = ("custody_status", "establishment", "release_date", "probation_region", "needs")
MENTOR_FIELDS = ("skills", "max_caseload", "vetting_status", "vetting_expires_on")


class SessionIn(BaseModel):
    relationship_id: uuid.UUID
    scheduled_start: datetime
    setting: str
    duration_minutes: int | None = None


def _engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


def _page(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": rows, "next_cursor": None}


def _people_query() -> sa.Select[Any]:
    return (
        sa.select(
            PERSON,
            *(MENTEE.c[f].label(f"mentee_{f}") for f in MENTEE_FIELDS),
            *(MENTOR.c[f].label(f"mentor_{f}") for f in MENTOR_FIELDS),
        )
        .outerjoin(MENTEE, MENTEE.c.person_id == PERSON.c.id)
        .outerjoin(MENTOR, MENTOR.c.person_id == PERSON.c.id)
        .where(PERSON.c.deleted_at.is_(None))
    )


def _person(row: sa.RowMapping) -> dict[str, Any]:
    shaped = {c.name: row[c.name] for c in PERSON.columns}
    for prefix, fields in (("mentee", MENTEE_FIELDS), ("mentor", MENTOR_FIELDS)):
        if row[f"{prefix}_{fields[0]}"] is not None:
            shaped[prefix] = {f: row[f"{prefix}_{f}"] for f in fields}
    return shaped


async def list_people(request: Request, limit: int = 50) -> dict[str, Any]:
    query = _people_query().order_by(PERSON.c.created_at, PERSON.c.id).limit(limit)
    async with _engine(request).connect() as connection:
        rows = (await connection.execute(query)).mappings().all()
    return _page([_person(row) for row in rows])


async def get_person(request: Request, person_id: uuid.UUID) -> dict[str, Any]:
    async with _engine(request).connect() as connection:
        row = (
            (await connection.execute(_people_query().where(PERSON.c.id == person_id)))
            .mappings()
            .one()
        )
    return _person(row)


async def list_relationships(request: Request, limit: int = 50) -> dict[str, Any]:
    query = (
        sa.select(RELATIONSHIP).order_by(RELATIONSHIP.c.created_at, RELATIONSHIP.c.id).limit(limit)
    )
    async with _engine(request).connect() as connection:
        rows = (await connection.execute(query)).mappings().all()
    return _page([dict(row) for row in rows])


async def list_sessions(request: Request, limit: int = 50) -> dict[str, Any]:
    query = (
        sa.select(SESSION, RELATIONSHIP.c.mentee_id, RELATIONSHIP.c.mentor_id)
        .join(RELATIONSHIP, RELATIONSHIP.c.id == SESSION.c.relationship_id)
        .order_by(SESSION.c.created_at, SESSION.c.id)
        .limit(limit)
    )
    async with _engine(request).connect() as connection:
        rows = (await connection.execute(query)).mappings().all()
    return _page([dict(row) for row in rows])


async def create_session(request: Request, body: SessionIn) -> dict[str, Any]:
    async with _engine(request).begin() as connection:
        relationship = (
            await connection.execute(
                sa.select(RELATIONSHIP.c.org_id).where(RELATIONSHIP.c.id == body.relationship_id)
            )
        ).one()
        now = datetime.now().astimezone()
        values = {
            **body.model_dump(),
            "id": uuid.uuid4(),
            "org_id": relationship.org_id,
            "format": "one_to_one",
            "status": "scheduled",
            "topics": [],
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        await connection.execute(sa.insert(SESSION).values(**values))
    return values


async def match_suggestions(request: Request, person_id: uuid.UUID, limit: int = 10) -> list[Any]:
    """Cleared mentors with room in their caseload, the freest first."""
    open_count = (
        sa.select(sa.func.count())
        .where(RELATIONSHIP.c.mentor_id == PERSON.c.id, RELATIONSHIP.c.status == "active")
        .scalar_subquery()
    )
    free = (MENTOR.c.max_caseload - open_count).label("free")
    query = (
        sa.select(PERSON.c.id, PERSON.c.given_name, PERSON.c.family_name, free)
        .join(MENTOR, MENTOR.c.person_id == PERSON.c.id)
        .where(MENTOR.c.vetting_status == "cleared", PERSON.c.id != person_id, free > 0)
        .order_by(free.desc(), PERSON.c.id)
        .limit(limit)
    )
    async with _engine(request).connect() as connection:
        rows = (await connection.execute(query)).mappings().all()
    return [dict(row) for row in rows]


async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@strawberry.type
class MenteeNode:
    custody_status: str
    needs: list[str]


@strawberry.type
class RelationshipNode:
    status: str
    phase: str


@strawberry.type
class PersonNode:
    id: strawberry.ID
    given_name: str
    family_name: str
    mentee: MenteeNode | None
    relationships: list[RelationshipNode]


@strawberry.type
class PersonConnection:
    nodes: list[PersonNode]


@strawberry.type
class Query:
    @strawberry.field
    async def people(self, info: Info, first: int = 50) -> PersonConnection:
        """Two statements: the page of people, then their relationships."""
        engine = _engine(info.context["request"])
        query = (
            sa.select(
                PERSON.c.id,
                PERSON.c.given_name,
                PERSON.c.family_name,
                MENTEE.c.custody_status,
                MENTEE.c.needs,
            )
            .outerjoin(MENTEE, MENTEE.c.person_id == PERSON.c.id)
            .where(PERSON.c.deleted_at.is_(None))
            .order_by(PERSON.c.created_at, PERSON.c.id)
            .limit(first)
        )
        async with engine.connect() as connection:
            people = (await connection.execute(query)).all()
            ids = [p.id for p in people]
            links = (
                await connection.execute(
                    sa.select(
                        RELATIONSHIP.c.mentee_id,
                        RELATIONSHIP.c.mentor_id,
                        RELATIONSHIP.c.status,
                        RELATIONSHIP.c.phase,
                    ).where(
                        sa.or_(RELATIONSHIP.c.mentee_id.in_(ids), RELATIONSHIP.c.mentor_id.in_(ids))
                    )
                )
            ).all()
        by_person: dict[uuid.UUID, list[RelationshipNode]] = {}
        for link in links:
            node = RelationshipNode(status=link.status, phase=link.phase)
            by_person.setdefault(link.mentee_id, []).append(node)
            by_person.setdefault(link.mentor_id, []).append(node)
        return PersonConnection(
            nodes=[
                PersonNode(
                    id=strawberry.ID(str(p.id)),
                    given_name=p.given_name,
                    family_name=p.family_name,
                    mentee=MenteeNode(custody_status=p.custody_status, needs=p.needs)
                    if p.custody_status
                    else None,
                    relationships=by_person.get(p.id, []),
                )
                for p in people
            ]
        )


def create_app(database_url: str | None = None) -> FastAPI:
    """The reference app on `database_url` (default: the DATABASE_URL environment variable)."""
    app = FastAPI()
    app.state.engine = create_async_engine(database_url or os.environ["DATABASE_URL"])
    app.add_api_route("/people", list_people)
    app.add_api_route("/people/{person_id}", get_person)
    app.add_api_route("/people/{person_id}/match-suggestions", match_suggestions)
    app.add_api_route("/relationships", list_relationships)
    app.add_api_route("/sessions", list_sessions)
    app.add_api_route("/sessions", create_session, methods=["POST"], status_code=201)
    app.add_api_route("/healthz", healthz)
    app.include_router(GraphQLRouter(strawberry.Schema(query=Query)), prefix="/graphql")
    return app
