"""/group-sessions: one meeting, attendees from several relationships, attendance each."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import MentoringRelationship, Person
from tests.alerts.helpers import alerts_of, run_rules
from tests.factories import World, make_mentee, make_relationship
from tests.schema.helpers import gql

BASE = "/api/v1/group-sessions"


def when(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def relationship_of(db: AsyncSession, mentee: Person) -> str:
    row = (
        await db.exec(
            select(MentoringRelationship).where(MentoringRelationship.mentee_id == mentee.id)
        )
    ).one()
    return str(row.id)


async def test_one_group_session_counts_for_each_attendee(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    second = await make_mentee(db, world.org, given_name="Lee")
    await make_relationship(db, second, world.other_mentor)
    mine, theirs = (
        await relationship_of(db, world.my_mentee),
        await relationship_of(db, second),
    )
    staff = world.headers("coordinator")
    created = await client.post(
        BASE,
        json={
            "title": "Housing workshop",
            "scheduled_start": when(-1),
            "duration_minutes": 90,
            "setting": "custody",
            "topics": ["accommodation"],
            "facilitator_ids": [str(world.mentor.id), str(world.other_mentor.id)],
            "relationship_ids": [mine, theirs],
        },
        headers=staff,
    )
    assert created.status_code == 201, created.text
    group = created.json()
    assert {a["attendance"] for a in group["attendees"]} == {"expected"}
    marked = await client.post(
        f"{BASE}/{group['id']}/attendance",
        json={
            "marks": [
                {"relationship_id": mine, "attendance": "attended"},
                {"relationship_id": theirs, "attendance": "missed"},
            ]
        },
        headers=world.headers("mentor"),  # a facilitator records it
    )
    assert marked.status_code == 200, marked.text
    attendance = {a["relationship_id"]: a["attendance"] for a in marked.json()["attendees"]}
    assert attendance == {mine: "attended", theirs: "missed"}
    # each relationship counts it as one of its sessions
    sessions = await client.get("/api/v1/sessions", params={"relationship_id": mine}, headers=staff)
    (session,) = sessions.json()["items"]
    assert session["format"] == "group" and session["status"] == "held"
    assert session["group_session_id"] == group["id"]
    other = await client.get("/api/v1/sessions", params={"relationship_id": theirs}, headers=staff)
    assert other.json()["items"][0]["status"] == "missed_by_mentee"
    # outcomes are final; a stranger to the group is refused
    again = await client.post(
        f"{BASE}/{group['id']}/attendance",
        json={"marks": [{"relationship_id": mine, "attendance": "missed"}]},
        headers=staff,
    )
    assert again.status_code == 409
    direct = await client.patch(
        f"/api/v1/sessions/{session['id']}", json={"status": "cancelled"}, headers=staff
    )
    assert direct.status_code == 409


async def test_who_sees_a_group_and_its_attendees(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mine = await relationship_of(db, world.my_mentee)
    theirs = await relationship_of(db, world.self_mentee)
    group = (
        await client.post(
            BASE,
            json={
                "title": "Peer support",
                "scheduled_start": when(2),
                "setting": "custody",
                "facilitator_ids": [str(world.other_mentor.id)],
                "relationship_ids": [mine, theirs],
            },
            headers=world.headers("coordinator"),
        )
    ).json()
    as_mentee = await client.get(f"{BASE}/{group['id']}", headers=world.headers("mentee"))
    assert as_mentee.status_code == 200
    assert [a["mentee_id"] for a in as_mentee.json()["attendees"]] == [str(world.self_mentee.id)]
    as_mentor = await client.get(BASE, headers=world.headers("mentor"))  # not a facilitator
    (seen,) = as_mentor.json()["items"]
    assert [a["mentee_id"] for a in seen["attendees"]] == [str(world.my_mentee.id)]
    refused = await client.post(
        f"{BASE}/{group['id']}/attendance",
        json={"marks": [{"relationship_id": mine, "attendance": "cancelled"}]},
        headers=world.headers("mentor"),
    )
    assert refused.status_code == 403
    for who in ("partner", "analyst"):
        assert (await client.get(BASE, headers=world.headers(who))).status_code == 403
    foreign = await client.get(
        f"{BASE}/{group['id']}", headers=world.headers("foreign_coordinator")
    )
    assert foreign.status_code == 404
    future = await client.post(
        f"{BASE}/{group['id']}/attendance",
        json={"marks": [{"relationship_id": mine, "attendance": "attended"}]},
        headers=world.headers("coordinator"),
    )
    assert future.status_code == 422  # it has not happened yet


async def test_a_mentor_sees_the_groups_they_run_and_no_other_mentors(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    # Neither group has one of the mentor's mentees among its attendees.
    theirs = await relationship_of(db, world.self_mentee)
    staff = world.headers("coordinator")
    ids = {}
    for runner in ("mentor", "other_mentor"):
        created = await client.post(
            BASE,
            json={
                "title": f"Run by {runner}",
                "scheduled_start": when(4),
                "setting": "community",
                "facilitator_ids": [str(getattr(world, runner).id)],
                "relationship_ids": [theirs],
            },
            headers=staff,
        )
        assert created.status_code == 201, created.text
        ids[runner] = created.json()["id"]
    listed = await client.get(BASE, headers=world.headers("mentor"))
    assert [g["id"] for g in listed.json()["items"]] == [ids["mentor"]]
    other = await client.get(f"{BASE}/{ids['other_mentor']}", headers=world.headers("mentor"))
    assert other.status_code == 404


async def test_a_mentor_plans_a_group_with_their_own_mentees_only(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mine = await relationship_of(db, world.my_mentee)
    theirs = await relationship_of(db, world.self_mentee)
    body = {
        "title": "Walk",
        "scheduled_start": when(3),
        "setting": "community",
        "facilitator_ids": [str(world.mentor.id)],
    }
    mentor = world.headers("mentor")
    assert (
        await client.post(BASE, json={**body, "relationship_ids": [mine]}, headers=mentor)
    ).status_code == 201
    assert (
        await client.post(BASE, json={**body, "relationship_ids": [mine, theirs]}, headers=mentor)
    ).status_code == 422
    not_running = {**body, "facilitator_ids": [str(world.other_mentor.id)]}
    assert (
        await client.post(BASE, json={**not_running, "relationship_ids": [mine]}, headers=mentor)
    ).status_code == 403
    not_a_mentor = {**body, "facilitator_ids": [str(world.my_mentee.id)]}
    staff = world.headers("coordinator")
    assert (
        await client.post(BASE, json={**not_a_mentor, "relationship_ids": [mine]}, headers=staff)
    ).status_code == 422


CREATE = """mutation ($input: GroupSessionCreateInput!) {
  createGroupSession(input: $input) {
    __typename
    ... on GroupSession { id attendees { relationshipId attendance } }
    ... on Problem { httpStatus }
  }
}"""
MARK = """mutation ($id: UUID!, $input: AttendanceRecordInput!) {
  recordGroupAttendance(id: $id, input: $input) {
    __typename
    ... on GroupSession { attendees { attendance } }
    ... on Problem { httpStatus }
  }
}"""


async def test_group_sessions_over_graphql(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mine = await relationship_of(db, world.my_mentee)
    staff = world.headers("coordinator")
    created = await gql(
        client,
        staff,
        CREATE,
        input={
            "title": "Art group",
            "scheduledStart": when(-2),
            "setting": "custody",
            "facilitatorIds": [str(world.mentor.id)],
            "relationshipIds": [mine],
        },
    )
    group = created["data"]["createGroupSession"]
    assert group["__typename"] == "GroupSession", created
    marked = await gql(
        client,
        world.headers("mentor"),
        MARK,
        id=group["id"],
        input={"marks": [{"relationshipId": mine, "attendance": "attended"}]},
    )
    assert marked["data"]["recordGroupAttendance"]["attendees"] == [{"attendance": "attended"}]
    listed = await gql(client, world.headers("mentee"), "{ groupSessions { nodes { id } } }")
    assert listed["data"]["groupSessions"]["nodes"] == []  # not the mentee user's group


async def plan(
    client: httpx.AsyncClient, world: World, relationship_ids: list[str], days: int = 3
) -> dict[str, Any]:
    created = await client.post(
        BASE,
        json={
            "title": "Budgeting group",
            "scheduled_start": when(days),
            "setting": "community",
            "facilitator_ids": [str(world.mentor.id)],
            "relationship_ids": relationship_ids,
        },
        headers=world.headers("coordinator"),
    )
    assert created.status_code == 201, created.text
    group: dict[str, Any] = created.json()
    return group


def attendance(group: dict[str, Any]) -> dict[str, str]:
    return {a["relationship_id"]: a["attendance"] for a in group["attendees"]}


async def test_attendees_join_and_leave_before_the_group_starts(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    second = await make_mentee(db, world.org, given_name="Lee")
    await make_relationship(db, second, world.mentor)
    mine, lee = await relationship_of(db, world.my_mentee), await relationship_of(db, second)
    group = await plan(client, world, [mine])
    mentor = world.headers("mentor")  # the facilitator, with mentees of their own
    added = await client.post(
        f"{BASE}/{group['id']}/attendees", json={"relationship_ids": [lee]}, headers=mentor
    )
    assert added.status_code == 200, added.text
    assert attendance(added.json()) == {mine: "expected", lee: "expected"}
    sessions = await client.get("/api/v1/sessions", params={"relationship_id": lee}, headers=mentor)
    (session,) = sessions.json()["items"]
    assert (session["format"], session["group_session_id"]) == ("group", group["id"])
    assert session["scheduled_start"] == group["scheduled_start"]
    again = await client.post(
        f"{BASE}/{group['id']}/attendees", json={"relationship_ids": [lee]}, headers=mentor
    )
    assert again.status_code == 409
    # another mentor's mentee is not this mentor's to add; nor an ended relationship's
    theirs = await relationship_of(db, world.self_mentee)
    ended = await relationship_of(db, world.ended_mentee)
    for refused in (theirs, ended):
        answer = await client.post(
            f"{BASE}/{group['id']}/attendees", json={"relationship_ids": [refused]}, headers=mentor
        )
        assert answer.status_code == 422, answer.text
    # leaving: with the group's version, the session goes from the relationship too
    stale = await client.delete(
        f"{BASE}/{group['id']}/attendees/{lee}", headers={**mentor, "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    left = await client.delete(f"{BASE}/{group['id']}/attendees/{lee}", headers=mentor)
    assert left.status_code == 200, left.text
    assert attendance(left.json()) == {mine: "expected"}
    gone = await client.get("/api/v1/sessions", params={"relationship_id": lee}, headers=mentor)
    assert gone.json()["items"] == []
    absent = await client.delete(f"{BASE}/{group['id']}/attendees/{lee}", headers=mentor)
    assert absent.status_code == 404
    last = await client.delete(f"{BASE}/{group['id']}/attendees/{mine}", headers=mentor)
    assert last.status_code == 409  # a group keeps one attendee at least
    for who in ("mentee", "partner", "analyst"):
        answer = await client.post(
            f"{BASE}/{group['id']}/attendees",
            json={"relationship_ids": [lee]},
            headers=world.headers(who),
        )
        assert answer.status_code == 403, who


async def test_after_the_start_the_register_is_marked_not_edited(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    second = await make_mentee(db, world.org, given_name="Lee")
    await make_relationship(db, second, world.other_mentor)
    mine, lee = await relationship_of(db, world.my_mentee), await relationship_of(db, second)
    group = await plan(client, world, [mine, lee], days=-1)
    staff = world.headers("coordinator")
    late = await client.delete(f"{BASE}/{group['id']}/attendees/{lee}", headers=staff)
    assert late.status_code == 409 and "cancelled or missed" in late.json()["detail"]
    walk_in = await make_mentee(db, world.org, given_name="Rio")
    await make_relationship(db, walk_in, world.mentor)
    rio = await relationship_of(db, walk_in)
    joined = await client.post(
        f"{BASE}/{group['id']}/attendees", json={"relationship_ids": [rio]}, headers=staff
    )
    assert joined.status_code == 200, joined.text
    marked = await client.post(
        f"{BASE}/{group['id']}/attendance",
        json={
            "marks": [
                {"relationship_id": mine, "attendance": "attended"},
                {"relationship_id": lee, "attendance": "cancelled"},
                {"relationship_id": rio, "attendance": "attended"},
            ]
        },
        headers=world.headers("mentor"),
    )
    assert marked.status_code == 200, marked.text
    assert attendance(marked.json()) == {mine: "attended", lee: "cancelled", rio: "attended"}
    recorded = await client.delete(f"{BASE}/{group['id']}/attendees/{rio}", headers=staff)
    assert recorded.status_code == 409


async def test_each_attendees_relationship_counts_the_group_in_its_alerts(
    app: FastAPI, client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    second = await make_mentee(db, world.org, given_name="Lee")
    lee_relationship = await make_relationship(db, second, world.other_mentor)
    mine_relationship = (
        await db.exec(
            select(MentoringRelationship).where(
                MentoringRelationship.mentee_id == world.my_mentee.id
            )
        )
    ).one()
    for relationship in (mine_relationship, lee_relationship):
        relationship.started_on = date.today() - timedelta(days=40)
    await db.commit()
    mine, lee = str(mine_relationship.id), str(lee_relationship.id)
    await run_rules(app)
    staff = world.headers("coordinator")
    silent = await alerts_of(client, staff, rule="no_session_held", status="open")
    assert {a["relationship_id"] for a in silent} >= {mine, lee}
    for days in (-3, -2):
        group = await plan(client, world, [mine, lee], days=days)
        marked = await client.post(
            f"{BASE}/{group['id']}/attendance",
            json={
                "marks": [
                    {"relationship_id": mine, "attendance": "attended"},
                    {"relationship_id": lee, "attendance": "missed"},
                ]
            },
            headers=staff,
        )
        assert marked.status_code == 200, marked.text
    await run_rules(app)
    still = await alerts_of(client, staff, rule="no_session_held", status="open")
    assert {a["relationship_id"] for a in still} & {mine, lee} == {lee}
    (missed,) = await alerts_of(client, staff, rule="missed_sessions", relationship_id=lee)
    assert missed["facts"]["missed_by_mentee"] == 2
    assert await alerts_of(client, staff, rule="missed_sessions", relationship_id=mine) == []


ADD = """mutation ($id: UUID!, $input: GroupAttendeesAddInput!) {
  addGroupAttendees(id: $id, input: $input) {
    __typename
    ... on GroupSession { version attendees { relationshipId attendance } }
    ... on Problem { httpStatus }
  }
}"""
REMOVE = """mutation ($id: UUID!, $relationshipId: UUID!, $version: Int) {
  removeGroupAttendee(id: $id, relationshipId: $relationshipId, expectedVersion: $version) {
    __typename
    ... on GroupSession { attendees { relationshipId } }
    ... on Problem { httpStatus }
  }
}"""


async def test_attendees_join_and_leave_over_graphql(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    second = await make_mentee(db, world.org, given_name="Lee")
    await make_relationship(db, second, world.mentor)
    mine, lee = await relationship_of(db, world.my_mentee), await relationship_of(db, second)
    group = await plan(client, world, [mine])
    mentor = world.headers("mentor")
    added = await gql(client, mentor, ADD, id=group["id"], input={"relationshipIds": [lee]})
    answer = added["data"]["addGroupAttendees"]
    assert answer["__typename"] == "GroupSession", added
    assert {a["relationshipId"] for a in answer["attendees"]} == {mine, lee}
    twice = await gql(client, mentor, ADD, id=group["id"], input={"relationshipIds": [lee]})
    assert twice["data"]["addGroupAttendees"] == {"__typename": "Problem", "httpStatus": 409}
    stale = await gql(client, mentor, REMOVE, id=group["id"], relationshipId=lee, version=1)
    assert stale["data"]["removeGroupAttendee"]["httpStatus"] == 412
    removed = await gql(
        client, mentor, REMOVE, id=group["id"], relationshipId=lee, version=answer["version"]
    )
    assert removed["data"]["removeGroupAttendee"]["attendees"] == [{"relationshipId": mine}]
    refused = await gql(
        client, world.headers("mentee"), REMOVE, id=group["id"], relationshipId=mine
    )
    assert refused["data"]["removeGroupAttendee"]["httpStatus"] == 403
