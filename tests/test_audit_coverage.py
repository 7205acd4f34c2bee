"""One audit for everything personal: every REST read and every GraphQL root field, as every
role, leaves exactly one audit row per person whose data it answered with.

Driven by the route table and the GraphQL schema, so a new route or field is probed without
a line here: a new path parameter or a new GET route that reads nobody must be declared.
"""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from graphql import GraphQLNonNull, GraphQLObjectType, get_named_type
from graphql.pyutils import Undefined
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.models import AuditEvent, MentoringRelationship
from api.models.enums import AlertRule, Severity
from api.services import alerts, audit
from api.services.alerts import NewAlert, Subject
from api.tenancy import enter_organisation
from tests.alerts.helpers import raise_alert_for
from tests.factories import World
from tests.schema.helpers import gql
from tests.test_access_matrix import REST, ROLES, SCHEMA, _operations

# GET routes that answer with nobody's personal data, and why.
IMPERSONAL = {
    "/healthz": "health",
    "/readyz": "health",
    "/metrics": "metrics",
    "/api/v1/graphql": "the IDE page; queries are probed below",
    "/api/v1/docs": "documentation",
    "/api/v1/redoc": "documentation",
    "/api/v1/me": "the caller's own login",
    "/api/v1/organisation": "the organisation's settings",
    "/api/v1/services": "the service directory",
    "/api/v1/services/{service_id}": "the service directory",
    "/api/v1/reports/programme": "aggregates with small numbers suppressed",
    "/api/v1/reports/programme.html": "aggregates with small numbers suppressed",
    "/api/v1/reports/jdl-cohort": "aggregates; the cohort file is audited as an export",
    "/api/v1/reports/matching-fairness": "aggregates with small numbers suppressed",
    "/api/v1/reports/jdl-cohort.csv": "each person in it is audited (test_jdl_cohort.py)",
    "/api/v1/audit-events": "the audit itself",
    "/api/v1/users": "logins (audited by the logins service)",
    "/api/v1/users/{user_id}": "logins (audited by the logins service)",
    "/api/v1/clients": "machine clients",
    "/api/v1/clients/{api_client_id}": "machine clients",
    "/api/v1/webhooks": "subscriptions",
    "/api/v1/webhooks/{webhook_id}": "subscriptions",
    "/api/v1/webhooks/{webhook_id}/deliveries": "deliveries carry no personal data",
}
IMPERSONAL_FIELDS = {"organisation", "service", "services"}


async def _world_records(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> dict[str, str]:
    staff = world.headers("coordinator")
    mine = (
        await db.exec(
            select(MentoringRelationship).where(
                MentoringRelationship.mentee_id == world.my_mentee.id
            )
        )
    ).one()
    relationship = str(mine.id)

    async def made(path: str, body: dict[str, Any]) -> str:
        response = await client.post(path, json=body, headers=staff)
        assert response.status_code == 201, (path, response.text)
        return str(response.json()["id"])

    mentee = str(world.my_mentee.id)
    session = await made(
        "/api/v1/sessions",
        {
            "relationship_id": relationship,
            "scheduled_start": "2030-01-01T10:00:00Z",
            "duration_minutes": 60,
            "format": "one_to_one",
            "setting": "custody",
        },
    )
    goal = await made(
        "/api/v1/goals", {"mentee_id": mentee, "pathway": "accommodation", "title": "A home"}
    )
    step = await made(f"/api/v1/goals/{goal}/steps", {"title": "Call"})
    await made(f"/api/v1/goals/{goal}/reviews", {"note": "Fine", "progress": 5, "lapse": False})
    assessment = await made(
        "/api/v1/assessments",
        {"mentee_id": mentee, "taken_on": date.today().isoformat(), "scores": {"accommodation": 2}},
    )
    outcome = await made("/api/v1/outcomes", {"mentee_id": mentee, "milestone": "start"})
    concern = await made(
        "/api/v1/concerns",
        {
            "person_id": mentee,
            "category": "self_harm",
            "urgency": "routine",
            "description": "Low this week.",
        },
    )
    group = await made(
        "/api/v1/group-sessions",
        {
            "title": "Housing workshop",
            "scheduled_start": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
            "duration_minutes": 90,
            "setting": "custody",
            "topics": ["accommodation"],
            "facilitator_ids": [str(world.mentor.id)],
            "relationship_ids": [relationship],
        },
    )
    alert = await raise_alert_for(db, world.org.id, relationship)
    referrals = await client.get("/api/v1/referrals", headers=staff)
    referral = referrals.json()["items"][0]["id"]
    return {
        "person_id": mentee,
        "mentee_id": mentee,
        "mentor_id": str(world.mentor.id),
        "relationship_id": relationship,
        "session_id": session,
        "goal_id": goal,
        "step_id": step,
        "assessment_id": assessment,
        "outcome_id": outcome,
        "concern_id": concern,
        "group_session_id": group,
        "alert_id": str(alert.id),
        "referral_id": referral,
    }


def _people(world: World) -> set[str]:
    return {
        str(p.id)
        for p in (
            world.mentor,
            world.other_mentor,
            world.my_mentee,
            world.other_mentee,
            world.self_mentee,
            world.ended_mentee,
        )
    }


async def _rows(db: AsyncSession, request_id: str) -> list[AuditEvent]:
    return list(
        (await db.exec(select(AuditEvent).where(AuditEvent.request_id == request_id))).all()
    )


def _check(
    rows: list[AuditEvent], answer: str, people: set[str], role: str, what: str
) -> list[str]:
    """One row per person; everyone the answer names among them; the caller's role."""
    problems = []
    counted: dict[str, int] = {}
    for row in rows:
        counted[str(row.person_id)] = counted.get(str(row.person_id), 0) + 1
        if row.actor_role != role or not row.action:
            problems.append(f"{what} as {role}: a row without its caller or purpose")
    for person, n in counted.items():
        if n != 1:
            problems.append(f"{what} as {role}: {n} rows for {person}")
    for person in people:
        if person in answer and person not in counted:
            problems.append(f"{what} as {role}: answered with {person} but did not audit it")
    return problems


def _path(path: str, ids: dict[str, str]) -> str:
    concrete = []
    for part in path.split("/"):
        if part.startswith("{"):
            name = part[1:-1]
            assert name in ids, f"{path}: give the test an id for {name}"
            concrete.append(ids[name])
        else:
            concrete.append(part)
    return "/".join(concrete)


async def test_every_rest_read_audits_each_person_once(
    app: FastAPI, client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    ids = await _world_records(client, world, db)
    people = _people(world)
    gets = sorted(path for method, path in _operations(app) if method == "GET")
    assert set(IMPERSONAL) <= set(gets), "a stale row in IMPERSONAL"
    problems: list[str] = []
    audited_reads = 0
    for path in gets:
        if path in IMPERSONAL:
            continue
        assert REST[("GET", path)] is not None, path
        for role in ROLES:
            request_id = uuid.uuid4().hex
            response = await client.get(
                _path(path, ids), headers={**world.headers(role), "X-Request-ID": request_id}
            )
            if response.status_code != 200:
                continue
            rows = await _rows(db, request_id)
            audited_reads += bool(rows)
            problems += _check(rows, response.text, people, role, f"GET {path}")
    assert problems == [], "\n".join(problems)
    assert audited_reads > 30  # the probe reached the records


def _selection(type_: Any, depth: int) -> str:
    named = get_named_type(type_)
    if not isinstance(named, GraphQLObjectType):
        return ""
    fields = []
    for name, field in named.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
            continue
        inner = get_named_type(field.type)
        if isinstance(inner, GraphQLObjectType):
            if depth > 0:
                nested = _selection(field.type, depth - 1)
                if nested:
                    fields.append(f"{name} {nested}")
        else:
            fields.append(name)
    return "{ " + " ".join(fields) + " }" if fields else ""


ARGUMENTS = {
    "Person": "person_id",
    "Relationship": "relationship_id",
    "Goal": "goal_id",
    "Session": "session_id",
    "Referral": "referral_id",
    "Outcome": "outcome_id",
    "Alert": "alert_id",
    "GroupSession": "group_session_id",
    "ReferralProgress": "referral_id",
    "Concern": "concern_id",
    "Assessment": "assessment_id",
}


def _argument(field_type: Any, name: str, ids: dict[str, str]) -> str:
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
    if snake in ids:
        return ids[snake]
    assert name == "id", f"give the test a value for {name}"
    return ids[ARGUMENTS[get_named_type(field_type).name]]


async def test_every_graphql_read_audits_each_person_once(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    ids = await _world_records(client, world, db)
    people = _people(world)
    query_type = SCHEMA.type_map["Query"]
    assert isinstance(query_type, GraphQLObjectType)
    problems: list[str] = []
    audited_reads = 0
    for name, field in query_type.fields.items():
        if name in IMPERSONAL_FIELDS or name == "me":
            continue
        required = {
            a: arg
            for a, arg in field.args.items()
            if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
        }
        declared = ", ".join(f"${a}: {arg.type}" for a, arg in required.items())
        passed = ", ".join(f"{a}: ${a}" for a in required)
        selection = _selection(field.type, 2)
        head = f"query ({declared})" if declared else "query"
        call = f"{name}({passed})" if passed else name
        document = f"{head} {{ {call} {selection} }}"
        variables = {a: _argument(field.type, a, ids) for a in required}
        for role in ROLES:
            request_id = uuid.uuid4().hex
            headers = {**world.headers(role), "X-Request-ID": request_id}
            answer = await gql(client, headers, document, **variables)
            if not answer.get("data") or answer["data"].get(name) in (None, []):
                continue
            rows = await _rows(db, request_id)
            audited_reads += bool(rows)
            problems += _check(rows, str(answer["data"]), people, role, f"Query.{name}")
    assert problems == [], "\n".join(problems)
    assert audited_reads > 15


async def test_changes_no_service_records_are_audited_as_well(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    """A check-in and an edit of a draft referral: each person concerned once, with the
    purpose the request was allowed and what changed (by table and id, never values)."""
    mine = (
        await db.exec(
            select(MentoringRelationship).where(
                MentoringRelationship.mentee_id == world.my_mentee.id
            )
        )
    ).one()

    async def sent(method: str, path: str, body: dict[str, Any], who: str) -> list[AuditEvent]:
        request_id = uuid.uuid4().hex
        response = await client.request(
            method, path, json=body, headers={**world.headers(who), "X-Request-ID": request_id}
        )
        assert response.is_success, response.text
        return await _rows(db, request_id)

    rows = await sent(
        "POST",
        f"/api/v1/relationships/{mine.id}/check-ins",
        {"feeling": "unsure", "side": "mentee", "comment": "Quiet week."},
        "coordinator",
    )
    people = [row.person_id for row in rows]
    assert sorted(map(str, people)) == sorted({str(world.my_mentee.id), str(world.mentor.id)})
    assert {row.action for row in rows} == {"relationships.check_in"}
    assert all("relationship_check_in" in row.details["changed"] for row in rows)
    assert "Quiet week" not in str([row.details for row in rows])

    service = await client.post(
        "/api/v1/services",
        json={"name": "Tenancy Support", "provider": "Housing Trust", "category": "accommodation"},
        headers=world.headers("coordinator"),
    )
    draft = await client.post(
        "/api/v1/referrals",
        json={
            "direction": "outbound",
            "mentee_id": str(world.my_mentee.id),
            "service_id": service.json()["id"],
        },
        headers=world.headers("mentor"),
    )
    assert draft.status_code == 201, draft.text
    rows = await sent(
        "PATCH", f"/api/v1/referrals/{draft.json()['id']}", {"reason": "Needs a flat"}, "mentor"
    )
    assert [row.person_id for row in rows].count(world.my_mentee.id) == 1
    mentee_row = next(row for row in rows if row.person_id == world.my_mentee.id)
    assert mentee_row.actor_role == "mentor" and mentee_row.request_id


async def test_rows_a_bulk_insert_writes_are_audited_as_a_flushs_are(
    app: FastAPI, world: World, db: AsyncSession
) -> None:
    """Rows inserted by one statement (no ORM objects, so no flush sees them) still give
    each person they concern an audit row for the request."""
    mine = (
        await db.exec(
            select(MentoringRelationship).where(
                MentoringRelationship.mentee_id == world.my_mentee.id
            )
        )
    ).one()
    caller = Principal.system(world.org.id, "tests")
    subject = Subject("relationship", mine.id, mine.mentee_id, mine.mentor_id, mine.id)
    async with app.state.db_factory() as session:
        enter_organisation(session, world.org.id)
        audit.begin(session, caller, "tests.bulk")
        new = NewAlert(AlertRule.not_a_good_fit, Severity.warning, subject, "Check in.", {})
        await alerts.add_many(session, caller, [new])
        await session.commit()
    rows = (await db.exec(select(AuditEvent).where(AuditEvent.action == "tests.bulk"))).all()
    assert sorted(str(row.person_id) for row in rows) == sorted(
        [str(world.my_mentee.id), str(world.mentor.id)]
    )
    assert all("alert" in row.details["changed"] for row in rows)
