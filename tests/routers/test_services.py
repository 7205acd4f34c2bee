"""/services: the signposting directory."""

from typing import Any

import httpx
import pytest

from tests.factories import World

BASE = "/api/v1/services"
HOUSING = {
    "name": "Tenancy Support North",
    "provider": "Northgate Housing Trust",
    "category": "accommodation",
    "area": "North East",
    "description": "Help to find and keep a tenancy after prison.",
    "url": "https://housing.example.org/tenancy",
    "accepts_referrals": True,
}


async def add(client: httpx.AsyncClient, world: World, **fields: Any) -> httpx.Response:
    return await client.post(BASE, json={**HOUSING, **fields}, headers=world.headers("coordinator"))


async def test_add_find_change_and_retire(client: httpx.AsyncClient, world: World) -> None:
    created = await add(client, world)
    assert created.status_code == 201, created.text
    service = created.json()
    assert service["url"] == "https://housing.example.org/tenancy"
    path = f"{BASE}/{service['id']}"
    changed = await client.patch(
        path,
        json={"opening_times": "Mon-Fri 9-5"},
        headers={**world.headers("coordinator"), "If-Match": '"1"'},
    )
    assert changed.json()["opening_times"] == "Mon-Fri 9-5"
    retired = await client.post(f"{path}/retire", headers=world.headers("coordinator"))
    assert retired.status_code == 200 and retired.json()["retired_at"]
    assert (
        await client.post(f"{path}/retire", headers=world.headers("coordinator"))
    ).status_code == 409
    offered = await client.get(BASE, headers=world.headers("mentor"))
    assert offered.json()["items"] == []
    still_readable = await client.get(path, headers=world.headers("mentor"))
    assert still_readable.status_code == 200
    everything = await client.get(
        BASE, params={"include_retired": "true"}, headers=world.headers("mentor")
    )
    assert [s["id"] for s in everything.json()["items"]] == [service["id"]]


async def test_filters_and_text_search(client: httpx.AsyncClient, world: World) -> None:
    await add(client, world)
    await add(
        client,
        world,
        name="Recovery Cafe",
        provider="Tyne Recovery",
        category="drugs_alcohol",
        area="North East",
        description="Peer-led, drop in",
        accepts_referrals=False,
    )
    await add(
        client,
        world,
        name="Jobs First",
        provider="Leeds Works",
        category="education_training_employment",
        area="Yorkshire",
        description=None,
    )
    headers = world.headers("mentor")

    async def names(**params: str) -> set[str]:
        response = await client.get(BASE, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return {s["name"] for s in response.json()["items"]}

    assert await names(category="drugs_alcohol") == {"Recovery Cafe"}
    assert await names(area="north east") == {"Tenancy Support North", "Recovery Cafe"}
    assert await names(accepts_referrals="false") == {"Recovery Cafe"}
    assert await names(q="peer-led") == {"Recovery Cafe"}
    assert await names(q="leeds") == {"Jobs First"}
    assert await names(q="TENANCY") == {"Tenancy Support North"}
    assert await names(q="nothing like it") == set()
    assert (
        await client.get(BASE, params={"category": "housing"}, headers=headers)
    ).status_code == 422


@pytest.mark.parametrize(
    "fields",
    [
        {"category": "housing"},
        {"name": ""},
        {"url": "not a url"},
        {"email": "nope"},
        {"phone": "call me"},
        {"colour": "blue"},
    ],
)
async def test_malformed_services_are_refused(
    client: httpx.AsyncClient, world: World, fields: dict[str, Any]
) -> None:
    assert (await add(client, world, **fields)).status_code == 422
    listed = await client.get(BASE, headers=world.headers("coordinator"))
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    ("caller", "write", "read"),
    [
        ("admin", 201, 200),
        ("coordinator", 201, 200),
        ("mentor", 403, 200),
        ("mentee", 403, 403),
        ("partner", 403, 403),
        ("analyst", 403, 403),
        ("foreign_coordinator", 201, 404),
    ],
)
async def test_who_keeps_and_reads_the_directory(
    client: httpx.AsyncClient, world: World, caller: str, write: int, read: int
) -> None:
    service = (await add(client, world)).json()
    created = await client.post(BASE, json=HOUSING, headers=world.headers(caller))
    got = await client.get(f"{BASE}/{service['id']}", headers=world.headers(caller))
    assert (created.status_code, got.status_code) == (write, read)
