"""Establishment clearances over GraphQL: the same service, rules and explanation as REST."""

from datetime import date, timedelta

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import World, make_mentee
from tests.schema.helpers import error_statuses, gql

API = "/api/v1"


def days(n: int) -> date:
    return date.today() + timedelta(days=n)


CLEARANCES = """query ($mentor: UUID!) { establishmentClearances(mentorId: $mentor) {
    nodes { id establishment grantedOn grantedBy expiresOn } } }"""
RECORD = """mutation ($mentor: UUID!, $input: ClearanceCreateInput!) {
  recordEstablishmentClearance(mentorId: $mentor, input: $input) {
    __typename ... on EstablishmentClearance { id establishment expiresOn }
    ... on Problem { httpStatus }
  }
}"""
REMOVE = """mutation ($mentor: UUID!, $id: UUID!) {
  removeEstablishmentClearance(mentorId: $mentor, id: $id) {
    __typename ... on Problem { httpStatus } } }"""
EXPLAIN = """query ($mentee: UUID!, $mentor: UUID!) {
  matchExplanation(menteeId: $mentee, mentorId: $mentor) {
    suggested exclusions reasons { factor effect detail } } }"""


async def test_clearances_over_graphql_through_the_same_rules(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    staff, mentor = world.headers("coordinator"), world.headers("mentor")
    clearance = {
        "establishment": "HMP Low Newton",
        "grantedOn": days(-10).isoformat(),
        "grantedBy": "Security",
        "expiresOn": days(400).isoformat(),
    }
    refused = await gql(client, mentor, RECORD, mentor=str(world.mentor.id), input=clearance)
    assert refused["data"]["recordEstablishmentClearance"] == {
        "__typename": "Problem",
        "httpStatus": 403,
    }
    bad = await gql(
        client,
        staff,
        RECORD,
        mentor=str(world.mentor.id),
        input={**clearance, "expiresOn": days(-20).isoformat()},
    )
    assert bad["data"]["recordEstablishmentClearance"] == {
        "__typename": "Problem",
        "httpStatus": 422,
    }
    made = await gql(client, staff, RECORD, mentor=str(world.mentor.id), input=clearance)
    row = made["data"]["recordEstablishmentClearance"]
    assert row["__typename"] == "EstablishmentClearance", made
    own = await gql(client, mentor, CLEARANCES, mentor=str(world.mentor.id))
    assert [n["id"] for n in own["data"]["establishmentClearances"]["nodes"]] == [row["id"]]
    other = await gql(client, mentor, CLEARANCES, mentor=str(world.other_mentor.id))
    assert error_statuses(other) == [404]
    for who in ("mentee", "partner"):
        denied = await gql(client, world.headers(who), CLEARANCES, mentor=str(world.mentor.id))
        assert 403 in error_statuses(denied), who

    # the explanation names the exclusion, as REST does
    mentee = await make_mentee(
        db, world.org, profile={"establishment": "HMP Low Newton", "release_date": days(30)}
    )
    cleared = await gql(
        client, staff, EXPLAIN, mentee=str(mentee.id), mentor=str(world.other_mentor.id)
    )
    assert cleared["data"]["matchExplanation"]["exclusions"] == [
        "not cleared to visit HMP Low Newton, where the mentee is held"
    ]
    removed = await gql(client, staff, REMOVE, mentor=str(world.mentor.id), id=row["id"])
    assert removed["data"]["removeEstablishmentClearance"]["__typename"] == "Removed"
    left = await client.get(
        f"{API}/people/{world.mentor.id}/establishment-clearances", headers=staff
    )
    assert left.json()["items"] == []
