"""GraphQL follows REST's rules: the same roles, scopes, visibility and tenancy."""

import httpx
import pytest

from tests.factories import World
from tests.routers.test_people_access import CALLERS, TARGETS, VISIBLE
from tests.schema.helpers import URL, error_statuses, gql

PEOPLE = "query { people(first: 200) { nodes { id } pageInfo { hasNextPage endCursor } } }"
PERSON = "query ($id: UUID!) { person(id: $id) { id givenName } }"
CREATE = """mutation ($input: PersonCreateInput!) {
  createPerson(input: $input) { __typename ... on Person { id } ... on Problem { status } }
}"""
UPDATE = """mutation ($id: UUID!) {
  updatePerson(id: $id, input: {preferredName: "Changed"}) {
    __typename ... on Person { preferredName } ... on Problem { status type }
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
