"""GraphQL follows REST's rules: the same roles, scopes, visibility and tenancy."""

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import World, make_relationship
from tests.routers.test_people_access import CALLERS, TARGETS, VISIBLE
from tests.schema.helpers import URL, error_statuses, gql

PEOPLE = "query { people(first: 200) { nodes { id } pageInfo { hasNextPage endCursor } } }"
PERSON = "query ($id: UUID!) { person(id: $id) { id givenName } }"
CREATE = """mutation ($input: PersonCreateInput!) {
  createPerson(input: $input) {
    __typename ... on Person { id } ... on Problem { status: httpStatus }
  }
}"""
UPDATE = """mutation ($id: UUID!) {
  updatePerson(id: $id, input: {preferredName: "Changed"}) {
    __typename ... on Person { preferredName } ... on Problem { status: httpStatus type }
  }
}"""
STAFF = {"admin", "coordinator", "foreign_coordinator"}
NO_PEOPLE_WRITE = {"analyst", "mentee", "partner", "other_partner"}


async def test_anonymous_requests_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={"query": "{ me { role } }"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("caller", CALLERS)
async def test_people_list(client: httpx.AsyncClient, world: World, caller: str) -> None:
    answer = await gql(client, world.headers(caller), PEOPLE)
    if caller == "analyst":
        assert error_statuses(answer) == [403]
        assert answer["data"] is None
        return
    seen = {node["id"] for node in answer["data"]["people"]["nodes"]}
    assert seen == {str(getattr(world, t).id) for t in VISIBLE[caller]}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("target", TARGETS)
async def test_person(client: httpx.AsyncClient, world: World, caller: str, target: str) -> None:
    person_id = str(getattr(world, target).id)
    answer = await gql(client, world.headers(caller), PERSON, id=person_id)
    if caller == "analyst":
        assert error_statuses(answer) == [403]
    elif target in VISIBLE[caller]:
        assert answer["data"]["person"]["id"] == person_id
    else:
        assert answer == {"data": {"person": None}}  # simply not there


@pytest.mark.parametrize("caller", CALLERS)
async def test_create_person(client: httpx.AsyncClient, world: World, caller: str) -> None:
    body = {"kind": "MENTOR", "givenName": "New", "familyName": "Person"}
    answer = await gql(client, world.headers(caller), CREATE, input={**body, "kind": "mentor"})
    result = answer["data"]["createPerson"]
    if caller in STAFF:
        assert result["__typename"] == "Person"
    else:
        assert result == {"__typename": "Problem", "status": 403}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("target", TARGETS)
async def test_update_person(
    client: httpx.AsyncClient, world: World, caller: str, target: str
) -> None:
    answer = await gql(client, world.headers(caller), UPDATE, id=str(getattr(world, target).id))
    result = answer["data"]["updatePerson"]
    if caller in NO_PEOPLE_WRITE:
        assert result["status"] == 403
    elif target in VISIBLE[caller]:
        assert result == {"__typename": "Person", "preferredName": "Changed"}
    else:
        assert result == {"__typename": "Problem", "status": 404, "type": "/problems/not-found"}


@pytest.mark.parametrize(
    ("caller", "visible"),
    [("admin", 3), ("coordinator", 3), ("mentor", 2), ("mentee", 1), ("foreign_coordinator", 0)],
)
async def test_relationships(
    client: httpx.AsyncClient, world: World, caller: str, visible: int
) -> None:
    answer = await gql(
        client, world.headers(caller), "{ relationships { nodes { id mentee { id } } } }"
    )
    assert len(answer["data"]["relationships"]["nodes"]) == visible


async def test_relationships_need_their_scope(client: httpx.AsyncClient, world: World) -> None:
    for caller in ("partner", "analyst"):
        answer = await gql(client, world.headers(caller), "{ relationships { nodes { id } } }")
        assert error_statuses(answer) == [403]


async def test_a_mentee_sees_their_relationship_but_not_their_mentor(
    client: httpx.AsyncClient, world: World
) -> None:
    answer = await gql(
        client,
        world.headers("mentee"),
        "{ relationships { nodes { menteeId mentee { id } mentor { id } } } }",
    )
    (node,) = answer["data"]["relationships"]["nodes"]
    assert node["mentee"] == {"id": str(world.self_mentee.id)}
    assert node["mentor"] is None


async def test_nested_people_follow_visibility(client: httpx.AsyncClient, world: World) -> None:
    """A mentor's mentee's relationships do not show other mentors' records."""
    query = "query ($id: UUID!) { person(id: $id) { relationships { mentor { id } } } }"
    answer = await gql(client, world.headers("mentor"), query, id=str(world.my_mentee.id))
    mentors = [r["mentor"] for r in answer["data"]["person"]["relationships"]]
    assert mentors == [{"id": str(world.mentor.id)}]


async def test_a_partner_cannot_reach_relationships_through_a_person(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    """The partner holds people:read but not relationships:read: the nested field is empty."""
    await make_relationship(db, world.other_mentee, world.other_mentor, status="proposed")
    query = """query ($id: UUID!) { person(id: $id) {
      id relationships { expectations history { note } latestCheckIns { mentor { comment } } }
    } }"""
    answer = await gql(client, world.headers("partner"), query, id=str(world.other_mentee.id))
    assert answer["data"]["person"]["relationships"] == []
    staff = await gql(client, world.headers("coordinator"), query, id=str(world.other_mentee.id))
    assert len(staff["data"]["person"]["relationships"]) == 1


async def test_a_narrowed_token_does_not_reach_people_through_a_relationship(
    client: httpx.AsyncClient, world: World
) -> None:
    query = "query { relationships { nodes { mentee { id } mentor { id } } } }"
    narrow = world.headers("coordinator", scopes="relationships:read")
    nodes = (await gql(client, narrow, query))["data"]["relationships"]["nodes"]
    assert nodes and all(n == {"mentee": None, "mentor": None} for n in nodes)


@pytest.mark.parametrize("caller", ["mentee", "partner", "mentor"])
async def test_non_associations_are_for_staff_only(
    client: httpx.AsyncClient, world: World, caller: str
) -> None:
    own = {"mentee": world.self_mentee, "partner": world.other_mentee, "mentor": world.my_mentee}
    mentee_id = str(own[caller].id)
    rest = await client.get(
        f"/api/v1/people/{mentee_id}/non-associations", headers=world.headers(caller)
    )
    assert rest.status_code == 403
    query = "query ($id: UUID!) { nonAssociations(menteeId: $id) { kind otherPersonId } }"
    answer = await gql(client, world.headers(caller), query, id=mentee_id)
    assert error_statuses(answer) == [403]
