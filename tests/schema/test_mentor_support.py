"""GraphQL for mentors' support and safeguarding: concerns, supervision and training
records, the mentor's caseload and the mentors matching holds back — the same rules, data
and audit as REST."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import AuditEvent, MentoringRelationship
from tests.factories import World, make_mentee, make_mentor
from tests.schema.helpers import error_statuses, gql

API = "/api/v1"
CONCERN = """id personId relationshipId category urgency description status raisedBy
    outcome escalatedTo escalatedOn escalationReference history { to by note }"""
RAISE = f"""mutation ($input: ConcernCreateInput!) {{
  raiseConcern(input: $input) {{
    __typename ... on Concern {{ {CONCERN} }} ... on Problem {{ httpStatus detail }}
  }}
}}"""
REVIEW = """mutation ($id: UUID!, $note: String) { reviewConcern(id: $id, note: $note) {
    __typename ... on Concern { status } ... on Problem { httpStatus } } }"""
ESCALATE = """mutation ($id: UUID!, $input: ConcernEscalationInput!) {
  escalateConcern(id: $id, input: $input) {
    __typename ... on Concern { escalatedTo escalationReference } ... on Problem { httpStatus }
  }
}"""
CLOSE = f"""mutation ($id: UUID!, $outcome: String!) {{ closeConcern(id: $id, outcome: $outcome) {{
    __typename ... on Concern {{ {CONCERN} }} ... on Problem {{ httpStatus }} }} }}"""
ONE = f"query ($id: UUID!) {{ concern(id: $id) {{ {CONCERN} }} }}"
PAGE = "query { concerns { nodes { id status outcome } pageInfo { hasNextPage } } }"


async def relationship_of(db: AsyncSession, world: World) -> str:
    row = (
        await db.exec(
            select(MentoringRelationship).where(
                MentoringRelationship.mentee_id == world.my_mentee.id
            )
        )
    ).one()
    return str(row.id)


def about(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "personId": str(world.my_mentee.id),
        "category": "safeguarding_adult",
        "urgency": "soon",
        "description": "Says a cousin is taking his benefits each fortnight.",
        **extra,
    }


async def test_a_concern_raised_and_triaged_over_graphql(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentor, staff = world.headers("mentor"), world.headers("coordinator")
    raised = await gql(
        client, mentor, RAISE, input=about(world, relationshipId=await relationship_of(db, world))
    )
    concern = raised["data"]["raiseConcern"]
    assert concern["__typename"] == "Concern", raised
    assert (concern["status"], concern["personId"]) == ("open", str(world.my_mentee.id))
    assert concern["history"] is None and concern["outcome"] is None  # the triage is staff's
    # the same record REST answers
    rest = (await client.get(f"{API}/concerns/{concern['id']}", headers=mentor)).json()
    assert rest["description"] == concern["description"] and rest["status"] == "open"

    assert (await gql(client, mentor, REVIEW, id=concern["id"]))["data"]["reviewConcern"] == {
        "__typename": "Problem",
        "httpStatus": 403,
    }
    reviewing = await gql(client, staff, REVIEW, id=concern["id"], note="Called the mentor.")
    assert reviewing["data"]["reviewConcern"] == {"__typename": "Concern", "status": "in_review"}
    escalated = await gql(
        client,
        staff,
        ESCALATE,
        id=concern["id"],
        input={"agency": "Adult social care", "reference": "ASC-88"},
    )
    assert escalated["data"]["escalateConcern"]["escalatedTo"] == "Adult social care"
    empty = await gql(client, staff, CLOSE, id=concern["id"], outcome="")
    assert empty["data"]["closeConcern"]["httpStatus"] == 422
    closed = await gql(client, staff, CLOSE, id=concern["id"], outcome="Appointee arranged.")
    done = closed["data"]["closeConcern"]
    assert done["status"] == "closed" and done["outcome"] == "Appointee arranged."
    assert [c["to"] for c in done["history"]] == ["open", "in_review", "in_review", "closed"]
    again = await gql(client, staff, REVIEW, id=concern["id"])
    assert again["data"]["reviewConcern"]["httpStatus"] == 409
    late = await gql(
        client, staff, ESCALATE, id=concern["id"], input={"agency": "Police", "reference": "x"}
    )
    assert late["data"]["escalateConcern"]["httpStatus"] == 409

    # the mentor follows its status, not its triage
    seen = (await gql(client, mentor, ONE, id=concern["id"]))["data"]["concern"]
    assert seen["status"] == "closed"
    assert seen["outcome"] is None and seen["escalatedTo"] is None and seen["history"] is None
    staff_seen = (await gql(client, staff, ONE, id=concern["id"]))["data"]["concern"]
    assert staff_seen["escalationReference"] == "ASC-88"
    listed = await gql(client, mentor, PAGE)
    assert [c["id"] for c in listed["data"]["concerns"]["nodes"]] == [concern["id"]]
    # a mentor raises about their own mentees only
    other = await gql(
        client, mentor, RAISE, input=about(world, personId=str(world.other_mentee.id))
    )
    assert other["data"]["raiseConcern"]["httpStatus"] == 422
    nobody = await gql(client, mentor, RAISE, input=about(world, personId=None))
    assert nobody["data"]["raiseConcern"]["httpStatus"] == 422


async def test_mentees_and_partners_never_see_a_concern_or_a_supervision_over_graphql(
    client: httpx.AsyncClient, world: World
) -> None:
    staff = world.headers("coordinator")
    concern = (await gql(client, staff, RAISE, input=about(world)))["data"]["raiseConcern"]
    about_self = await gql(
        client, staff, RAISE, input=about(world, personId=str(world.self_mentee.id))
    )
    assert about_self["data"]["raiseConcern"]["__typename"] == "Concern"
    await client.post(
        f"{API}/people/{world.mentor.id}/supervisions",
        json={"held_on": "2026-01-10", "kind": "therapeutic", "supervisor": "Dr Okafor"},
        headers=staff,
    )
    supervisions = "query ($id: UUID!) { supervisions(mentorId: $id) { nodes { id notes } } }"
    trainings = "query ($id: UUID!) { trainings(mentorId: $id) { nodes { id } } }"
    for who in ("mentee", "partner"):
        headers = world.headers(who)
        for document, variables in (
            (PAGE, {}),
            (ONE, {"id": concern["id"]}),
            (ONE, {"id": about_self["data"]["raiseConcern"]["id"]}),
            (supervisions, {"id": str(world.mentor.id)}),
            (trainings, {"id": str(world.mentor.id)}),
        ):
            answer = await gql(client, headers, document, **variables)
            assert error_statuses(answer) == [403], (who, answer)
            assert not any((answer["data"] or {}).values())
            assert "benefits" not in str(answer) and "Okafor" not in str(answer)
        raised = await gql(client, headers, RAISE, input=about(world))
        assert raised["data"]["raiseConcern"]["httpStatus"] == 403, who
    # the mentor who did not raise it sees neither concern
    mentor_page = await gql(client, world.headers("mentor"), PAGE)
    assert mentor_page["data"]["concerns"]["nodes"] == []
    hidden = await gql(client, world.headers("mentor"), ONE, id=concern["id"])
    assert hidden["data"]["concern"] is None
    foreign = await gql(client, world.headers("foreign_coordinator"), ONE, id=concern["id"])
    assert foreign["data"]["concern"] is None


async def test_graphql_reads_of_concerns_supervisions_and_the_caseload_are_audited(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    staff, mentor = world.headers("coordinator"), world.headers("mentor")
    concern = (await gql(client, mentor, RAISE, input=about(world)))["data"]["raiseConcern"]
    await gql(client, staff, ONE, id=concern["id"])
    await gql(client, mentor, PAGE)
    rows = (
        await db.exec(
            select(AuditEvent.action).where(AuditEvent.entity_id == uuid.UUID(concern["id"]))
        )
    ).all()
    assert sorted(rows) == ["concern.raise", "concern.read", "concerns.read"]  # as over REST
    before = set((await db.exec(select(AuditEvent.id))).all())
    await gql(
        client,
        mentor,
        "query ($id: UUID!) { supervisions(mentorId: $id) { nodes { id } } }",
        id=str(world.mentor.id),
    )
    await gql(client, mentor, "{ caseload { items { menteeName } } }")
    after = (
        await db.exec(
            select(AuditEvent.action, AuditEvent.person_id).where(
                AuditEvent.id.not_in(before)  # type: ignore[attr-defined]
            )
        )
    ).all()
    assert ("supervision.list", world.mentor.id) in after
    assert ("caseload.read", world.my_mentee.id) in after


SUPERVISION = """mutation ($mentorId: UUID!, $input: SupervisionCreateInput!) {
  recordSupervision(mentorId: $mentorId, input: $input) {
    __typename
    ... on Supervision { id heldOn kind notes wellbeing burnout }
    ... on Problem { httpStatus }
  }
}"""
TRAINING = """mutation ($mentorId: UUID!, $input: TrainingCreateInput!) {
  recordTraining(mentorId: $mentorId, input: $input) {
    __typename ... on Training { id course expiresOn } ... on Problem { httpStatus }
  }
}"""
DATES = """query ($id: UUID!) { person(id: $id) {
    mentor { lastSupervisionOn trainingCompletedOn } } }"""


async def test_supervision_and_training_records_over_graphql(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentor_person = await make_mentor(db, world.org, profile={"training_completed_on": None})
    staff = world.headers("coordinator")
    mentor_id = str(mentor_person.id)
    recorded = await gql(
        client,
        staff,
        SUPERVISION,
        mentorId=mentor_id,
        input={
            "heldOn": "2026-02-03",
            "kind": "therapeutic",
            "supervisor": "Dr Okafor",
            "notes": "A mentee's recall brought back his own.",
            "wellbeing": 5,
            "burnout": True,
        },
    )
    supervision = recorded["data"]["recordSupervision"]
    assert supervision["__typename"] == "Supervision", recorded
    assert supervision["notes"].startswith("A mentee") and supervision["burnout"] is True
    course = await gql(
        client,
        staff,
        TRAINING,
        mentorId=mentor_id,
        input={"course": "Trauma-informed practice", "completedOn": "2026-01-20"},
    )
    assert course["data"]["recordTraining"]["course"] == "Trauma-informed practice"
    dates = (await gql(client, staff, DATES, id=mentor_id))["data"]["person"]["mentor"]
    assert dates == {"lastSupervisionOn": "2026-02-03", "trainingCompletedOn": "2026-01-20"}

    future = (date.today() + timedelta(days=2)).isoformat()
    bad = await gql(
        client,
        staff,
        SUPERVISION,
        mentorId=mentor_id,
        input={"heldOn": future, "kind": "group", "supervisor": "Jo"},
    )
    assert bad["data"]["recordSupervision"]["httpStatus"] == 422
    not_a_mentor = await gql(
        client,
        staff,
        TRAINING,
        mentorId=str(world.my_mentee.id),
        input={"course": "X", "completedOn": "2026-01-20"},
    )
    assert not_a_mentor["data"]["recordTraining"]["httpStatus"] == 404
    by_mentor = await gql(
        client,
        world.headers("mentor"),
        SUPERVISION,
        mentorId=str(world.mentor.id),
        input={"heldOn": "2026-01-01", "kind": "group", "supervisor": "Me"},
    )
    assert by_mentor["data"]["recordSupervision"]["httpStatus"] == 403

    # the mentor reads their own records without the notes; not another mentor's
    await gql(
        client,
        staff,
        SUPERVISION,
        mentorId=str(world.mentor.id),
        input={"heldOn": "2026-01-05", "kind": "one_to_one", "supervisor": "Jo", "notes": "n"},
    )
    own = "query ($id: UUID!) { supervisions(mentorId: $id) { nodes { kind notes } } }"
    mine = await gql(client, world.headers("mentor"), own, id=str(world.mentor.id))
    assert mine["data"]["supervisions"]["nodes"] == [{"kind": "one_to_one", "notes": None}]
    theirs = await gql(client, world.headers("mentor"), own, id=mentor_id)
    assert error_statuses(theirs) == [404]
    listed = await gql(
        client,
        staff,
        "query ($id: UUID!) { trainings(mentorId: $id) { nodes { course } } }",
        id=mentor_id,
    )
    assert listed["data"]["trainings"]["nodes"] == [{"course": "Trauma-informed practice"}]

    remove = """mutation ($mentorId: UUID!, $id: UUID!) { removeSupervision(mentorId: $mentorId,
        id: $id) { __typename ... on Removed { id } ... on Problem { httpStatus } } }"""
    removed = await gql(client, staff, remove, mentorId=mentor_id, id=supervision["id"])
    assert removed["data"]["removeSupervision"] == {
        "__typename": "Removed",
        "id": supervision["id"],
    }
    dates = (await gql(client, staff, DATES, id=mentor_id))["data"]["person"]["mentor"]
    assert dates["lastSupervisionOn"] is None
    twice = await gql(client, staff, remove, mentorId=mentor_id, id=supervision["id"])
    assert twice["data"]["removeSupervision"]["httpStatus"] == 404
    drop = """mutation ($mentorId: UUID!, $id: UUID!) { removeTraining(mentorId: $mentorId,
        id: $id) { __typename ... on Problem { httpStatus } } }"""
    dropped = await gql(
        client, staff, drop, mentorId=mentor_id, id=course["data"]["recordTraining"]["id"]
    )
    assert dropped["data"]["removeTraining"] == {"__typename": "Removed"}
    dates = (await gql(client, staff, DATES, id=mentor_id))["data"]["person"]["mentor"]
    assert dates["trainingCompletedOn"] is None


CASELOAD = """{ caseload { items { relationshipId menteeId menteeName status phase startedOn
    nextSession { id scheduledStart } openGoals { title } openAlerts { rule } } } }"""


async def test_the_caseload_over_graphql_is_the_rest_answer(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentor = world.headers("mentor")
    rid = await relationship_of(db, world)
    start = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    planned = await client.post(
        f"{API}/sessions",
        json={"relationship_id": rid, "scheduled_start": start, "setting": "custody"},
        headers=mentor,
    )
    assert planned.status_code == 201
    await client.post(
        f"{API}/goals",
        json={"mentee_id": str(world.my_mentee.id), "pathway": "health", "title": "See a GP"},
        headers=mentor,
    )
    await gql(client, mentor, RAISE, input=about(world, urgency="urgent"))
    answer = await gql(client, mentor, CASELOAD)
    (entry,) = answer["data"]["caseload"]["items"]
    rest = (await client.get(f"{API}/me/caseload", headers=mentor)).json()["items"][0]
    assert entry["relationshipId"] == rest["relationship_id"] == rid
    assert entry["menteeName"] == rest["mentee_name"] == "Kyle Mentee"
    assert entry["nextSession"]["id"] == rest["next_session"]["id"] == planned.json()["id"]
    assert [g["title"] for g in entry["openGoals"]] == ["See a GP"]
    assert [a["rule"] for a in entry["openAlerts"]] == ["urgent_concern"]
    for who in ("coordinator", "mentee", "partner"):
        refused = await gql(client, world.headers(who), CASELOAD)
        assert error_statuses(refused) == [403], who


async def test_held_back_mentors_over_graphql(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee = await make_mentee(db, world.org, profile={"needs": ["accommodation"]})
    long_ago = date.today() - timedelta(days=200)
    lapsed = await make_mentor(db, world.org, profile={"last_supervision_on": long_ago})
    query = """query ($id: UUID!) {
      matchSuggestions(menteeId: $id) { mentorId }
      matchHeldBack(menteeId: $id) { mentorId reason }
    }"""
    staff = world.headers("coordinator")
    answer = (await gql(client, staff, query, id=str(mentee.id)))["data"]
    rest = (await client.get(f"{API}/people/{mentee.id}/match-suggestions", headers=staff)).json()
    assert answer["matchHeldBack"] == [
        {"mentorId": h["mentor_id"], "reason": h["reason"]} for h in rest["held_back"]
    ]
    (held,) = [h for h in answer["matchHeldBack"] if h["mentorId"] == str(lapsed.id)]
    assert "supervision overdue" in held["reason"] and long_ago.isoformat() in held["reason"]
    assert str(lapsed.id) not in {s["mentorId"] for s in answer["matchSuggestions"]}
    for who in ("mentor", "mentee", "partner"):
        refused = await gql(
            client,
            world.headers(who),
            "query ($id: UUID!) { matchHeldBack(menteeId: $id) { mentorId } }",
            id=str(mentee.id),
        )
        assert error_statuses(refused) == [403], who
