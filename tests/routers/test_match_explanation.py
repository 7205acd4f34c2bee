"""Suggestions people can use: names, load and availability on each; one mentor explained."""

from datetime import date, timedelta
from typing import Any

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import NonAssociation, Person
from tests.factories import World, make_mentee, make_mentor, make_relationship
from tests.schema.helpers import gql

API = "/api/v1"


async def explained(
    client: httpx.AsyncClient,
    world: World,
    mentee: Person,
    mentor: Person,
    who: str = "coordinator",
) -> httpx.Response:
    return await client.get(
        f"{API}/people/{mentee.id}/match-suggestions/{mentor.id}", headers=world.headers(who)
    )


async def test_each_suggestion_names_the_mentor_with_their_load_and_availability(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentor = await make_mentor(
        db,
        world.org,
        given_name="Samuel",
        preferred_name="Sam",
        family_name="Okafor",
        profile={"max_caseload": 3, "availability": "Tuesday evenings"},
    )
    await make_relationship(db, await make_mentee(db, world.org), mentor)
    mentee = await make_mentee(db, world.org)
    answer = await client.get(
        f"{API}/people/{mentee.id}/match-suggestions",
        params={"limit": 50},
        headers=world.headers("coordinator"),
    )
    item = next(i for i in answer.json()["items"] if i["mentor_id"] == str(mentor.id))
    assert (
        item["mentor_name"],
        item["open_relationships"],
        item["max_caseload"],
        item["availability"],
    ) == ("Sam Okafor", 1, 3, "Tuesday evenings")


async def test_an_eligible_mentor_explained_as_in_the_suggestions(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentor = await make_mentor(db, world.org)
    mentee = await make_mentee(db, world.org)
    answer = await explained(client, world, mentee, mentor)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["suggested"], body["exclusions"], body["held_back"]) == (True, [], None)
    listed = await client.get(
        f"{API}/people/{mentee.id}/match-suggestions",
        params={"limit": 50},
        headers=world.headers("coordinator"),
    )
    same = next(i for i in listed.json()["items"] if i["mentor_id"] == str(mentor.id))
    assert {k: body[k] for k in same} == same
    assert {r["factor"] for r in body["reasons"]} >= {"needs", "capacity", "supervision"}


async def test_every_exclusion_is_named(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee = await make_mentee(db, world.org, profile={"preferred_mentor_gender": "female"})
    mentor = await make_mentor(
        db,
        world.org,
        gender="male",
        profile={
            "vetting_status": "pending",
            "training_completed_on": None,
            "max_caseload": 1,
        },
    )
    await make_relationship(db, await make_mentee(db, world.org), mentor)
    db.add(
        NonAssociation(
            org_id=world.org.id,
            mentee_id=mentee.id,
            kind="victim",
            by="test",
            other_person_id=mentor.id,
        )
    )
    await db.commit()
    body = (await explained(client, world, mentee, mentor)).json()
    assert body["suggested"] is False
    assert body["exclusions"] == [
        "vetting is pending, not cleared",
        "training not completed",
        "caseload full (1 of 1)",
        "a non-association links them",
        "the mentee asked for a female mentor",
    ]
    assert body["reasons"]  # the score is still explained


async def test_held_back_and_out_of_date_explained(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee = await make_mentee(db, world.org)
    long_ago = date.today() - timedelta(days=400)
    unsupervised = await make_mentor(
        db,
        world.org,
        profile={"last_supervision_on": long_ago, "training_completed_on": long_ago},
    )
    body = (await explained(client, world, mentee, unsupervised)).json()
    assert (body["suggested"], body["exclusions"]) == (False, [])
    assert body["held_back"].startswith(f"supervision overdue: none since {long_ago}")
    expired = await make_mentor(
        db, world.org, profile={"vetting_expires_on": date.today() - timedelta(days=1)}
    )
    body = (await explained(client, world, mentee, expired)).json()
    assert body["exclusions"][0].startswith("vetting out of date")


async def test_who_may_ask_and_what_is_not_found(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee = await make_mentee(db, world.org)
    mentor = await make_mentor(db, world.org)
    for who, expected in (("admin", 200), ("mentor", 403), ("mentee", 403), ("analyst", 403)):
        assert (await explained(client, world, mentee, mentor, who)).status_code == expected, who
    assert (await explained(client, world, mentee, mentee)).status_code == 404  # not a mentor
    foreign = await make_mentor(db, world.other_org)
    assert (await explained(client, world, mentee, foreign)).status_code == 404
    assert (
        await explained(client, world, mentee, mentor, "foreign_coordinator")
    ).status_code == 404


async def test_over_graphql(client: httpx.AsyncClient, world: World, db: AsyncSession) -> None:
    mentee = await make_mentee(db, world.org)
    mentor = await make_mentor(db, world.org, given_name="Ada", family_name="Byrne")
    query = """query ($mentee: UUID!, $mentor: UUID!) {
        matchExplanation(menteeId: $mentee, mentorId: $mentor) {
            mentorName suggested exclusions score reasons { factor } }
        matchSuggestions(menteeId: $mentee, limit: 50) { mentorId mentorName openRelationships }
    }"""
    answer: dict[str, Any] = await gql(
        client, world.headers("coordinator"), query, mentee=str(mentee.id), mentor=str(mentor.id)
    )
    assert "errors" not in answer, answer
    explanation = answer["data"]["matchExplanation"]
    assert (explanation["mentorName"], explanation["suggested"]) == ("Ada Byrne", True)
    names = {s["mentorId"]: s["mentorName"] for s in answer["data"]["matchSuggestions"]}
    assert names[str(mentor.id)] == "Ada Byrne"
