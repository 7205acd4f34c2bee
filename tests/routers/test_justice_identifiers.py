"""PNC and prison numbers on the mentee profile: checked formats, sensitive fields."""

import httpx
import pytest

from tests.factories import World


def people_url(world: World) -> str:
    return f"/api/v1/people/{world.my_mentee.id}"


async def test_identifiers_are_normalised_and_sensitive(
    client: httpx.AsyncClient, world: World
) -> None:
    changed = await client.patch(
        people_url(world),
        json={"mentee": {"pnc_number": " 2012/52834k ", "prison_number": "a1234bc"}},
        headers=world.headers("coordinator"),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["mentee"]["pnc_number"] == "2012/0052834K"
    assert changed.json()["mentee"]["prison_number"] == "A1234BC"

    as_mentor = (await client.get(people_url(world), headers=world.headers("mentor"))).json()
    assert "pnc_number" not in as_mentor["mentee"]
    assert "prison_number" not in as_mentor["mentee"]
    refused = await client.patch(
        people_url(world),
        json={"mentee": {"prison_number": "B1234CD"}},
        headers=world.headers("mentor"),
    )
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "identifiers",
    [
        {"pnc_number": "2012/0052834X"},  # wrong check letter
        {"pnc_number": "12-52834K"},
        {"pnc_number": "2012/123456789K"},
        {"prison_number": "1234ABC"},
        {"prison_number": "A12345B"},
    ],
)
async def test_malformed_identifiers_are_refused(
    client: httpx.AsyncClient, world: World, identifiers: dict[str, str]
) -> None:
    refused = await client.patch(
        people_url(world), json={"mentee": identifiers}, headers=world.headers("coordinator")
    )
    assert refused.status_code == 422
    field = next(iter(identifiers))
    assert field in refused.json()["errors"][0]["loc"]
    unchanged = (await client.get(people_url(world), headers=world.headers("coordinator"))).json()
    assert unchanged["mentee"][field] is None
