"""GraphQL behaviour: sensitive fields, typed problems, workflows, limits, N+1, contracts."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.main import create_app
from api.models import Goal, GoalStep, Person
from api.schema.schema import sdl
from tests.conftest import make_settings
from tests.factories import World, make_mentee, make_mentor, make_relationship
from tests.schema.helpers import URL, error_statuses, gql

SENSITIVE = """query ($id: UUID!) {
  person(id: $id) { givenName mentee { needs riskLevel offenceSummary } }
}"""


async def test_sensitive_fields_need_the_scope(client: httpx.AsyncClient, world: World) -> None:
    person_id = str(world.my_mentee.id)
    full = await gql(client, world.headers("coordinator"), SENSITIVE, id=person_id)
    assert full["data"]["person"]["mentee"]["riskLevel"] == "medium"
    assert "errors" not in full

    narrow = await gql(
        client, world.headers("coordinator", scopes="people:read"), SENSITIVE, id=person_id
    )
    assert narrow["data"]["person"]["givenName"] == "Kyle"
    assert narrow["data"]["person"]["mentee"]["riskLevel"] is None
    assert narrow["data"]["person"]["mentee"]["needs"] == ["accommodation"]
    paths = sorted(tuple(e["path"]) for e in narrow["errors"])
    assert paths == [("person", "mentee", "offenceSummary"), ("person", "mentee", "riskLevel")]


CREATE = """mutation ($input: PersonCreateInput!) {
  createPerson(input: $input) {
    __typename
    ... on Person { id mentee { needs } }
    ... on Problem { type status: httpStatus errors { path message } }
  }
}"""


@pytest.mark.parametrize(
    ("person", "path"),
    [
        (
            {
                "kind": "mentee",
                "givenName": "",
                "familyName": "B",
                "mentee": {"custodyStatus": "in_custody"},
            },
            ["input", "givenName"],
        ),
        ({"kind": "mentee", "givenName": "A", "familyName": "B"}, ["input"]),
        (
            {
                "kind": "mentee",
                "givenName": "A",
                "familyName": "B",
                "email": "nope",
                "mentee": {"custodyStatus": "in_custody"},
            },
            ["input", "email"],
        ),
        (
            {"kind": "mentor", "givenName": "A", "familyName": "B", "mentor": {"maxCaseload": 99}},
            ["input", "mentor", "maxCaseload"],
        ),
    ],
)
async def test_invalid_input_is_a_problem_with_field_paths_and_changes_nothing(
    client: httpx.AsyncClient,
    world: World,
    db: AsyncSession,
    person: dict[str, Any],
    path: list[str],
) -> None:
    before = (await db.exec(select(func.count()).select_from(Person))).one()
    answer = await gql(client, world.headers("coordinator"), CREATE, input=person)
    result = answer["data"]["createPerson"]
    assert result["__typename"] == "Problem" and result["status"] == 422
    assert path in [e["path"] for e in result["errors"]]
    assert (await db.exec(select(func.count()).select_from(Person))).one() == before


async def test_bad_enum_values_are_refused_before_running(
    client: httpx.AsyncClient, world: World
) -> None:
    answer = await gql(
        client,
        world.headers("coordinator"),
        CREATE,
        input={"kind": "visitor", "givenName": "A", "familyName": "B"},
    )
    assert answer["data"] is None and answer["errors"]


async def test_create_and_patch_keep_rest_semantics(
    client: httpx.AsyncClient, world: World
) -> None:
    created = await gql(
        client,
        world.headers("coordinator"),
        CREATE,
        input={
            "kind": "mentee",
            "givenName": "Aisha",
            "familyName": "Begum",
            "mentee": {"custodyStatus": "in_custody", "needs": ["health", "health"]},
        },
    )
    person = created["data"]["createPerson"]
    assert person["mentee"]["needs"] == ["health"]
    update = """mutation ($id: UUID!, $v: Int) {
      updatePerson(id: $id, expectedVersion: $v, input: {mentee: {custodyStatus: released}}) {
        ... on Person { version mentee { custodyStatus needs } }
        ... on Problem { status: httpStatus }
      }
    }"""
    changed = await gql(client, world.headers("coordinator"), update, id=person["id"], v=1)
    assert changed["data"]["updatePerson"] == {
        "version": 2,
        "mentee": {"custodyStatus": "released", "needs": ["health"]},
    }
    stale = await gql(client, world.headers("coordinator"), update, id=person["id"], v=1)
    assert stale["data"]["updatePerson"] == {"status": 412}


async def test_relationship_workflow(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee = await make_mentee(db, world.org)
    headers = world.headers("coordinator")
    result = """{ __typename ... on Relationship { id status history { from to } }
                  ... on Problem { problem: httpStatus detail } }"""
    created = await gql(
        client,
        headers,
        f"""mutation ($input: RelationshipCreateInput!) {{
        createRelationship(input: $input) {result} }}""",
        input={"menteeId": str(mentee.id), "mentorId": str(world.other_mentor.id)},
    )
    rid = created["data"]["createRelationship"]["id"]
    move = f"""mutation ($id: UUID!, $move: Transition!) {{
        moveRelationship(id: $id, move: $move) {result} }}"""
    agree = f"""mutation ($id: UUID!) {{
        agreeToRelationship(id: $id, note: "Agreed at the visit.") {result} }}"""
    assert (await gql(client, headers, agree, id=rid))["data"]["agreeToRelationship"]["id"] == rid
    active = await gql(client, headers, move, id=rid, move="activate")
    assert active["data"]["moveRelationship"]["status"] == "active"
    illegal = await gql(client, headers, move, id=rid, move="resume")
    assert illegal["data"]["moveRelationship"]["problem"] == 409
    no_end_here = await gql(client, headers, move, id=rid, move="end")
    assert no_end_here["data"]["moveRelationship"]["problem"] == 422
    end = f"""mutation ($id: UUID!, $input: RelationshipEndInput!) {{
        endRelationship(id: $id, input: $input) {result} }}"""
    ended = await gql(
        client,
        headers,
        end,
        id=rid,
        input={"endingReason": "moved_away", "endingSummary": "Moved to Leeds."},
    )
    assert ended["data"]["endRelationship"]["history"][-1] == {"from": "active", "to": "ended"}
    check_in = """mutation ($id: UUID!) { recordCheckIn(relationshipId: $id,
        input: {feeling: good_fit, side: mentee}) { ... on Problem { status: httpStatus } } }"""
    assert (await gql(client, headers, check_in, id=rid))["data"]["recordCheckIn"] == {
        "status": 409
    }


async def test_match_suggestions_and_non_associations(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee = await make_mentee(db, world.org)
    query = """query ($id: UUID!) { matchSuggestions(menteeId: $id, limit: 5) {
        mentorId score reasons { factor effect detail } } }"""
    answer = await gql(client, world.headers("coordinator"), query, id=str(mentee.id))
    rest = await client.get(
        f"/api/v1/people/{mentee.id}/match-suggestions",
        params={"limit": 5},
        headers=world.headers("coordinator"),
    )
    assert [s["mentorId"] for s in answer["data"]["matchSuggestions"]] == [
        s["mentor_id"] for s in rest.json()["items"]
    ]
    refused = await gql(client, world.headers("mentor"), query, id=str(mentee.id))
    assert error_statuses(refused) == [403]


async def test_one_graphql_call_answers_what_rest_needs_five_for(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    headers = world.headers("coordinator")
    mentee_id = str(world.my_mentee.id)
    query = """query ($id: UUID!) {
      me { role }
      organisation { name matchingWeights { needs } }
      person(id: $id) {
        givenName mentee { custodyStatus needs }
        relationships { id status phase mentor { id givenName mentor { skills } } }
      }
      nonAssociations(menteeId: $id) { kind }
    }"""
    answer = (await gql(client, headers, query, id=mentee_id))["data"]

    me = (await client.get("/api/v1/me", headers=headers)).json()
    org = (await client.get("/api/v1/organisation", headers=headers)).json()
    person = (await client.get(f"/api/v1/people/{mentee_id}", headers=headers)).json()
    rels = (
        await client.get("/api/v1/relationships", params={"mentee_id": mentee_id}, headers=headers)
    ).json()["items"]
    mentor = (await client.get(f"/api/v1/people/{rels[0]['mentor_id']}", headers=headers)).json()
    assert answer["me"]["role"] == me["role"]
    assert answer["organisation"] == {
        "name": org["name"],
        "matchingWeights": {"needs": org["matching_weights"]["needs"]},
    }
    assert answer["person"]["givenName"] == person["given_name"]
    assert answer["person"]["mentee"] == {
        "custodyStatus": person["mentee"]["custody_status"],
        "needs": person["mentee"]["needs"],
    }
    assert answer["person"]["relationships"] == [
        {
            "id": r["id"],
            "status": r["status"],
            "phase": r["phase"],
            "mentor": {
                "id": mentor["id"],
                "givenName": mentor["given_name"],
                "mentor": {"skills": mentor["mentor"]["skills"]},
            },
        }
        for r in rels
    ]
    assert answer["nonAssociations"] == []


async def count_statements(
    app: FastAPI, client: httpx.AsyncClient, world: World, query: str
) -> int:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        answer = await gql(client, world.headers("admin"), query)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert "errors" not in answer, answer
    return len(statements)


async def test_nested_queries_do_not_grow_with_the_rows(
    app: FastAPI, client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentors = [await make_mentor(db, world.org) for _ in range(5)]
    for i in range(50):
        mentee = await make_mentee(db, world.org, given_name=f"Many{i}")
        await make_relationship(db, mentee, mentors[i % 5])
        goal = Goal(
            org_id=world.org.id,
            mentee_id=mentee.id,
            pathway="health",
            title=f"Goal {i}",
            set_by="mentee",
            status="active",
        )
        db.add(goal)
        db.add(GoalStep(org_id=world.org.id, goal_id=goal.id, position=1, title="First step"))
        await db.commit()
    query = """{ people(first: %d, kind: mentee) { nodes { givenName
        goals { title stepProgress { done total } steps { title } reviews { progress } }
        relationships { status history { to } latestCheckIns { mentor { feeling } }
          sessions { status } mentor { givenName } } } } }"""
    few = await count_statements(app, client, world, query % 5)
    many = await count_statements(app, client, world, query % 50)
    assert few == many
    assert many < 30  # a handful per relation, whatever the page size


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "{ people { nodes { relationships { mentor { relationships { mentee { relationships"
            " { mentor { relationships { id } } } } } } } } } }",
            "exceeds maximum operation depth",
        ),
        ("{ " + " ".join(f"a{i}: me {{ role }}" for i in range(20)) + " }", "aliases"),
        (
            "{ people(first: 200) { nodes { relationships { history { by } "
            "mentor { relationships { id } } } } } }",
            "limit is",
        ),
    ],
)
async def test_abusive_queries_are_refused(
    client: httpx.AsyncClient, world: World, query: str, message: str
) -> None:
    answer = await gql(client, world.headers("admin"), query)
    assert answer.get("data") is None
    assert any(message in e["message"] for e in answer["errors"]), answer["errors"]


async def test_page_size_is_capped(client: httpx.AsyncClient, world: World) -> None:
    answer = await gql(client, world.headers("admin"), "{ people(first: 500) { nodes { id } } }")
    assert error_statuses(answer) == [422]


@pytest.mark.parametrize("when", ["2020-01-01T00:00:00", "0001-01-01T00:00:00+01:00"])
async def test_filter_timestamps_follow_rest_rules(
    client: httpx.AsyncClient, world: World, when: str
) -> None:
    query = "query ($t: DateTime!) { people(updatedSince: $t) { nodes { id } } }"
    answer = await gql(client, world.headers("admin"), query, t=when)
    assert error_statuses(answer) == [422]


async def test_introspection_and_the_ide_follow_the_environment(
    migrated: str, world: World, client: httpx.AsyncClient
) -> None:
    query = "{ __schema { queryType { name } } }"
    on = await gql(client, world.headers("admin"), query)
    assert on["data"]["__schema"]["queryType"]["name"] == "Query"
    ide = await client.get(URL, headers={"Accept": "text/html"})
    assert ide.status_code == 200 and "graphiql" in ide.text.lower()

    production: FastAPI = create_app(make_settings(migrated, env="production"))
    transport = httpx.ASGITransport(app=production)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as locked:
        off = await gql(locked, world.headers("admin"), query)
        assert off.get("data") is None and off["errors"]
        assert (await locked.get(URL, headers={"Accept": "text/html"})).status_code != 200
    await production.state.engine.dispose()


def test_committed_sdl_matches_the_live_schema() -> None:
    committed = Path(__file__).resolve().parents[2] / "api" / "schema" / "schema.graphql"
    assert committed.read_text() == sdl(), "run `make graphql-schema` and commit the result"


async def test_goals_sessions_and_assessments_through_graphql(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee_headers = world.headers("mentee")
    created = await gql(
        client,
        mentee_headers,
        """mutation ($input: GoalCreateInput!) {
      createGoal(input: $input) { ... on Goal { id setBy status stepProgress { total } }
                                  ... on Problem { detail } } }""",
        input={
            "menteeId": str(world.self_mentee.id),
            "pathway": "health",
            "title": "Register with a GP",
        },
    )
    goal = created["data"]["createGoal"]
    assert goal["setBy"] == "mentee" and goal["status"] == "active"
    step = await gql(
        client,
        mentee_headers,
        """mutation ($g: UUID!) {
      addStep(goalId: $g, input: {title: "Find the nearest surgery"}) {
        ... on Step { id position } } }""",
        g=goal["id"],
    )
    assert step["data"]["addStep"]["position"] == 1
    review = await gql(
        client,
        mentee_headers,
        """mutation ($g: UUID!) {
      addReview(goalId: $g, input: {note: "Missed the appointment", progress: 2, lapse: true}) {
        ... on Review { lapse } } }""",
        g=goal["id"],
    )
    assert review["data"]["addReview"] == {"lapse": True}
    mine = await gql(
        client,
        mentee_headers,
        """query ($id: UUID!) { person(id: $id) {
      goals { title status steps { title } reviews { lapse } } } }""",
        id=str(world.self_mentee.id),
    )
    assert mine["data"]["person"]["goals"] == [
        {
            "title": "Register with a GP",
            "status": "active",
            "steps": [{"title": "Find the nearest surgery"}],
            "reviews": [{"lapse": True}],
        }
    ]
    other = await gql(
        client, mentee_headers, "query ($id: UUID!) { goal(id: $id) { id } }", id=goal["id"]
    )
    assert other["data"]["goal"] == {"id": goal["id"]}
    hidden = await gql(
        client,
        world.headers("mentor"),
        "query ($id: UUID!) { goal(id: $id) { id } }",
        id=goal["id"],
    )
    assert hidden == {"data": {"goal": None}}

    rel = (
        await gql(
            client,
            world.headers("coordinator"),
            f'{{ relationships(menteeId: "{world.my_mentee.id}") {{ nodes {{ id }} }} }}',
        )
    )["data"]["relationships"]["nodes"][0]["id"]
    session = await gql(
        client,
        world.headers("mentor"),
        """mutation ($input: SessionCreateInput!) {
      createSession(input: $input) { ... on Session { status setting }
                                     ... on Problem { problem: httpStatus detail } } }""",
        input={
            "relationshipId": rel,
            "scheduledStart": "2026-01-05T10:00:00Z",
            "setting": "custody",
            "status": "held",
            "wellbeing": 4,
        },
    )
    assert session["data"]["createSession"] == {"status": "held", "setting": "custody"}
    refused = await gql(
        client,
        world.headers("mentee"),
        """mutation ($input: SessionCreateInput!) {
      createSession(input: $input) { ... on Problem { problem: httpStatus } } }""",
        input={
            "relationshipId": rel,
            "scheduledStart": "2026-01-05T10:00:00Z",
            "setting": "custody",
        },
    )
    assert refused["data"]["createSession"] == {"problem": 403}

    for taken_on, score in (("2026-01-01", 3), ("2026-06-01", 7)):
        recorded = await gql(
            client,
            world.headers("mentor"),
            """mutation ($m: UUID!, $d: Date!,
          $s: [PathwayScoreInput!]!) { recordAssessment(menteeId: $m, takenOn: $d, scores: $s) {
            ... on Assessment { scores { pathway score } } ... on Problem { detail } } }""",
            m=str(world.my_mentee.id),
            d=taken_on,
            s=[{"pathway": "health", "score": score}],
        )
        assert recorded["data"]["recordAssessment"]["scores"] == [
            {"pathway": "health", "score": score}
        ]
    distance = await gql(
        client,
        world.headers("mentor"),
        """query ($m: UUID!) {
      distanceTravelled(menteeId: $m) { assessments pathways { pathway first latest change } } }""",
        m=str(world.my_mentee.id),
    )
    assert distance["data"]["distanceTravelled"] == {
        "assessments": 2,
        "pathways": [{"pathway": "health", "first": 3, "latest": 7, "change": 4}],
    }
    bad = await gql(
        client,
        world.headers("mentor"),
        """mutation ($m: UUID!) {
      recordAssessment(menteeId: $m, takenOn: "2026-01-01",
        scores: [{pathway: health, score: 11}]) { ... on Problem { problem: httpStatus } } }""",
        m=str(world.my_mentee.id),
    )
    assert bad["data"]["recordAssessment"] == {"problem": 422}


async def test_sibling_fields_share_the_session_safely(
    client: httpx.AsyncClient, world: World
) -> None:
    """Root fields and loaders run concurrently; none may trip over the shared session."""
    query = """{ organisation { name } people { nodes { id goals { id } } }
      relationships { nodes { id sessions { id } mentor { id } } }
      goals { nodes { id } } sessions { nodes { id } } assessments { nodes { id } } }"""
    for _ in range(3):
        answer = await gql(client, world.headers("admin"), query)
        assert "errors" not in answer, answer
        assert answer["data"]["organisation"]["name"] == "Northgate"


@pytest.mark.parametrize("text", ["a\x00b", "x" * 101])
async def test_filter_text_follows_rest_rules(
    client: httpx.AsyncClient, world: World, text: str
) -> None:
    query = "query ($q: String!) { people(q: $q) { nodes { id } } }"
    answer = await gql(client, world.headers("admin"), query, q=text)
    assert error_statuses(answer) == [422]


async def test_the_services_directory_through_graphql(
    client: httpx.AsyncClient, world: World
) -> None:
    create = """mutation ($input: ServiceCreateInput!) { createService(input: $input) {
      ... on Service { id name url } ... on Problem { problem: httpStatus errors { path } } } }"""
    made = await gql(
        client,
        world.headers("coordinator"),
        create,
        input={
            "name": "Recovery Cafe",
            "provider": "Tyne Recovery",
            "category": "drugs_alcohol",
            "url": "https://recovery.example.org/",
        },
    )
    service = made["data"]["createService"]
    assert service["name"] == "Recovery Cafe"
    bad = await gql(
        client,
        world.headers("coordinator"),
        create,
        input={"name": "X", "provider": "Y", "category": "health", "url": "nope"},
    )
    assert bad["data"]["createService"] == {"problem": 422, "errors": [{"path": ["input", "url"]}]}
    refused = await gql(
        client,
        world.headers("mentor"),
        create,
        input={"name": "X", "provider": "Y", "category": "health"},
    )
    assert refused["data"]["createService"] == {"problem": 403, "errors": []}
    found = await gql(
        client,
        world.headers("mentor"),
        '{ services(q: "recovery") { nodes { id acceptsReferrals } } }',
    )
    assert found["data"]["services"]["nodes"] == [{"id": service["id"], "acceptsReferrals": True}]


async def test_referrals_through_graphql(client: httpx.AsyncClient, world: World) -> None:
    partner = world.headers("partner")
    created = await gql(
        client,
        partner,
        """mutation ($input: ReferralCreateInput!) {
      createReferral(input: $input) { ... on Referral { id status menteeId }
                                      ... on Problem { problem: httpStatus detail } } }""",
        input={
            "direction": "inbound",
            "externalRef": "NDL-GQL",
            "person": {
                "givenName": "Rhys",
                "familyName": "Evans",
                "mentee": {"custodyStatus": "in_custody"},
            },
        },
    )
    referral = created["data"]["createReferral"]
    assert referral["status"] == "sent"
    move = """mutation ($id: UUID!, $move: ReferralMoveName!, $note: String) {
      moveReferral(id: $id, move: $move, note: $note) {
        ... on Referral { status history { from to note } }
        ... on Problem { problem: httpStatus } } }"""
    no_reason = await gql(
        client, world.headers("coordinator"), move, id=referral["id"], move="decline"
    )
    assert no_reason["data"]["moveReferral"] == {"problem": 422}
    partner_accepts = await gql(client, partner, move, id=referral["id"], move="accept")
    assert partner_accepts["data"]["moveReferral"] == {"problem": 403}
    accepted = await gql(
        client, world.headers("coordinator"), move, id=referral["id"], move="accept", note="Welcome"
    )
    assert accepted["data"]["moveReferral"]["status"] == "accepted"
    progress = await gql(
        client,
        partner,
        """query ($id: UUID!) { referralProgress(id: $id) {
      referralStatus progressShared sessionsHeld goalsByStatus { status count } } }""",
        id=referral["id"],
    )
    assert progress["data"]["referralProgress"] == {  # no consent to share progress
        "referralStatus": "accepted",
        "progressShared": False,
        "sessionsHeld": None,
        "goalsByStatus": None,
    }
    nested = await gql(
        client,
        partner,
        """query ($id: UUID!) { person(id: $id) {
      givenName referrals { status history { to } } } }""",
        id=referral["menteeId"],
    )
    assert nested["data"]["person"]["referrals"] == [
        {"status": "accepted", "history": [{"to": "sent"}, {"to": "accepted"}]}
    ]
    hidden = await gql(
        client,
        world.headers("other_partner"),
        "query ($id: UUID!) { referral(id: $id) { id } }",
        id=referral["id"],
    )
    assert hidden == {"data": {"referral": None}}
