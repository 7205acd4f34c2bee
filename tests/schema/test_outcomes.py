"""Outcomes over GraphQL: the same service, the same rules as REST."""

import httpx

from tests.factories import World
from tests.schema.helpers import gql

RECORD = """mutation ($input: OutcomeCreateInput!) { recordOutcome(input: $input) {
  __typename ... on Outcome { id milestone accommodation employment gpRegistered }
  ... on Problem { problem: httpStatus } } }"""


async def test_record_list_and_correct(client: httpx.AsyncClient, world: World) -> None:
    made = await gql(
        client,
        world.headers("mentor"),
        RECORD,
        input={
            "menteeId": str(world.my_mentee.id),
            "milestone": "three_months",
            "accommodation": "settled",
            "employment": "volunteering",
            "gpRegistered": True,
        },
    )
    outcome = made["data"]["recordOutcome"]
    assert outcome["milestone"] == "three_months" and outcome["gpRegistered"] is True

    listed = await gql(
        client,
        world.headers("coordinator"),
        "{ outcomes(milestone: three_months) { nodes { id employment } } }",
    )
    assert listed["data"]["outcomes"]["nodes"] == [
        {"id": outcome["id"], "employment": "volunteering"}
    ]
    fixed = await gql(
        client,
        world.headers("mentor"),
        """mutation ($id: UUID!) { updateOutcome(id: $id, input: {bankAccount: true},
          expectedVersion: 1) { ... on Outcome { bankAccount version } } }""",
        id=outcome["id"],
    )
    assert fixed["data"]["updateOutcome"] == {"bankAccount": True, "version": 2}


async def test_refusals_are_problems(client: httpx.AsyncClient, world: World) -> None:
    as_mentee = await gql(
        client,
        world.headers("mentee"),
        RECORD,
        input={"menteeId": str(world.self_mentee.id), "milestone": "start"},
    )
    assert as_mentee["data"]["recordOutcome"] == {"__typename": "Problem", "problem": 403}
    not_theirs = await gql(
        client,
        world.headers("mentor"),
        RECORD,
        input={"menteeId": str(world.other_mentee.id), "milestone": "start"},
    )
    assert not_theirs["data"]["recordOutcome"] == {"__typename": "Problem", "problem": 422}
    hidden = await gql(client, world.headers("mentor"), "{ outcomes { nodes { id } } }")
    assert hidden["data"]["outcomes"]["nodes"] == []
