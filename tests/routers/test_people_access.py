"""Every role and every /people operation, across two organisations (contract §1)."""

import httpx
import pytest

from tests.factories import World

TARGETS = (
    "mentor",
    "other_mentor",
    "my_mentee",
    "other_mentee",
    "self_mentee",
    "ended_mentee",
    "foreign_mentee",
)

# Who each caller can see; everyone else is a 404, exactly as if absent.
VISIBLE = {
    "admin": set(TARGETS) - {"foreign_mentee"},
    "coordinator": set(TARGETS) - {"foreign_mentee"},
    "mentor": {"mentor", "my_mentee"},
    "mentee": {"self_mentee"},
    "partner": {"other_mentee"},
    "other_partner": set(),
    "foreign_coordinator": {"foreign_mentee"},
}
NO_PEOPLE_READ = {"analyst"}
NO_PEOPLE_WRITE = {"analyst", "mentee", "partner", "other_partner"}
STAFF = {"admin", "coordinator", "foreign_coordinator"}
CALLERS = sorted(VISIBLE) + sorted(NO_PEOPLE_READ)


def target_id(world: World, target: str) -> str:
    return str(getattr(world, target).id)


@pytest.mark.parametrize("caller", CALLERS)
async def test_list_shows_exactly_what_the_caller_may_see(
    client: httpx.AsyncClient, world: World, caller: str
) -> None:
    response = await client.get("/api/v1/people", headers=world.headers(caller))
    if caller in NO_PEOPLE_READ:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    seen = {item["id"] for item in response.json()["items"]}
    assert seen == {target_id(world, t) for t in VISIBLE[caller]}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("target", TARGETS)
async def test_get(client: httpx.AsyncClient, world: World, caller: str, target: str) -> None:
    response = await client.get(
        f"/api/v1/people/{target_id(world, target)}", headers=world.headers(caller)
    )
    expected = 403 if caller in NO_PEOPLE_READ else 200 if target in VISIBLE[caller] else 404
    assert response.status_code == expected, response.text
    assert response.headers["content-type"].startswith(
        "application/json" if expected == 200 else "application/problem+json"
    )


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("target", TARGETS)
async def test_patch(client: httpx.AsyncClient, world: World, caller: str, target: str) -> None:
    response = await client.patch(
        f"/api/v1/people/{target_id(world, target)}",
        json={"preferred_name": "Changed"},
        headers=world.headers(caller),
    )
    expected = 403 if caller in NO_PEOPLE_WRITE else 200 if target in VISIBLE[caller] else 404
    assert response.status_code == expected, response.text
    if expected == 200:
        assert response.json()["preferred_name"] == "Changed"


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("target", TARGETS)
async def test_delete(client: httpx.AsyncClient, world: World, caller: str, target: str) -> None:
    response = await client.delete(
        f"/api/v1/people/{target_id(world, target)}", headers=world.headers(caller)
    )
    if caller in NO_PEOPLE_WRITE or caller not in STAFF:
        expected = 403  # a mentor may not remove anyone, not even their own mentee
    elif target not in VISIBLE[caller]:
        expected = 404
    elif target in {"mentor", "my_mentee", "other_mentor", "self_mentee"}:
        expected = 409  # still in an open relationship
    else:
        expected = 204
    assert response.status_code == expected, response.text


@pytest.mark.parametrize("caller", CALLERS)
async def test_create(client: httpx.AsyncClient, world: World, caller: str) -> None:
    body = {
        "kind": "mentee",
        "given_name": "New",
        "family_name": "Person",
        "mentee": {"custody_status": "in_custody"},
    }
    response = await client.post("/api/v1/people", json=body, headers=world.headers(caller))
    assert response.status_code == (201 if caller in STAFF else 403), response.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/people"),
        ("POST", "/api/v1/people"),
        ("GET", "/api/v1/people/{id}"),
        ("PATCH", "/api/v1/people/{id}"),
        ("DELETE", "/api/v1/people/{id}"),
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/audit-events"),
    ],
)
async def test_anonymous_is_401_with_bearer_challenge(
    client: httpx.AsyncClient, world: World, method: str, path: str
) -> None:
    response = await client.request(
        method, path.format(id=world.my_mentee.id), json={} if method != "GET" else None
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


async def test_a_deleted_person_is_gone_for_everyone(
    client: httpx.AsyncClient, world: World
) -> None:
    path = f"/api/v1/people/{world.other_mentee.id}"
    assert (await client.delete(path, headers=world.headers("coordinator"))).status_code == 204
    for caller in ("admin", "coordinator", "partner"):
        assert (await client.get(path, headers=world.headers(caller))).status_code == 404
    listed = await client.get("/api/v1/people", headers=world.headers("admin"))
    assert str(world.other_mentee.id) not in {p["id"] for p in listed.json()["items"]}
