"""Shared background in matching: counted only when the mentee asks and both consent, never a
filter unless the mentee requires it, always explained, and never without people:sensitive."""

from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import Person
from api.models.enums import ConsentPurpose, ConsentStatus
from tests.factories import World, make_consent, make_mentee, make_mentor

API = "/api/v1"
BACKGROUND = ConsentPurpose.background_in_matching


async def suggestions(
    client: httpx.AsyncClient, world: World, mentee: Person, scopes: str | None = None
) -> dict[str, dict[str, Any]]:
    response = await client.get(
        f"{API}/people/{mentee.id}/match-suggestions",
        params={"limit": 50},
        headers=world.headers("coordinator", scopes),
    )
    assert response.status_code == 200, response.text
    return {item["mentor_id"]: item for item in response.json()["items"]}


def background(item: dict[str, Any]) -> dict[str, Any] | None:
    return next((r for r in item["reasons"] if r["factor"] == "background"), None)


@pytest.fixture
async def mentors(db: AsyncSession, world: World) -> dict[str, Person]:
    """Alike in every other way: one shares the mentee's religion and consented, one shares
    it without consent, one differs."""
    made = {
        "shares": await make_mentor(db, world.org, religion="Islam", region="Wessex"),
        "no consent": await make_mentor(db, world.org, religion="islam ", region="Wessex"),
        "differs": await make_mentor(db, world.org, religion="Sikhism", region="Wessex"),
    }
    await make_consent(db, made["shares"], BACKGROUND)
    await make_consent(db, made["differs"], BACKGROUND)
    return made


async def a_mentee(db: AsyncSession, world: World, *, consent: bool = True, **prefs: Any) -> Person:
    mentee = await make_mentee(
        db,
        world.org,
        religion="Islam",
        ethnicity="black_african",
        region="Wessex",
        profile={"shared_background": ["religion"], **prefs},
    )
    if consent:
        await make_consent(db, mentee, BACKGROUND)
    return mentee


async def test_a_shared_background_counts_when_asked_and_consented(
    client: httpx.AsyncClient, world: World, db: AsyncSession, mentors: dict[str, Person]
) -> None:
    found = await suggestions(client, world, await a_mentee(db, world))
    shares, no_consent, differs = (found[str(mentors[k].id)] for k in mentors)
    assert shares["score"] > no_consent["score"] == differs["score"]
    assert background(shares) == {
        "factor": "background",
        "effect": "raised",
        "detail": "shares the mentee's religion (as asked)",
    }
    for other in (no_consent, differs):  # no consent looks the same as a difference
        assert background(other) == {
            "factor": "background",
            "effect": "lowered",
            "detail": "not known to share the mentee's religion (as asked)",
        }
    assert "Islam" not in str(found)  # the reasons never name the values


async def test_not_asked_not_counted(
    client: httpx.AsyncClient, world: World, db: AsyncSession, mentors: dict[str, Person]
) -> None:
    found = await suggestions(client, world, await a_mentee(db, world, shared_background=[]))
    items = [found[str(m.id)] for m in mentors.values()]
    assert len({item["score"] for item in items}) == 1
    assert all(background(item) is None for item in items)


@pytest.mark.parametrize("withdrawn", [False, True])
async def test_without_the_mentees_consent_it_is_explained_not_counted(
    client: httpx.AsyncClient,
    world: World,
    db: AsyncSession,
    mentors: dict[str, Person],
    withdrawn: bool,
) -> None:
    mentee = await a_mentee(db, world, consent=withdrawn)
    if withdrawn:
        await make_consent(db, mentee, BACKGROUND, ConsentStatus.withdrawn)
    found = await suggestions(client, world, mentee)
    items = [found[str(m.id)] for m in mentors.values()]
    assert len({item["score"] for item in items}) == 1
    for item in items:
        assert background(item) == {
            "factor": "background",
            "effect": "not_counted",
            "detail": "shared religion not counted: no consent from the mentee",
        }


async def test_without_people_sensitive_it_neither_counts_nor_shows(
    client: httpx.AsyncClient, world: World, db: AsyncSession, mentors: dict[str, Person]
) -> None:
    mentee = await a_mentee(db, world, shared_background_required=True)
    narrow = "people:read relationships:read relationships:write"
    found = await suggestions(client, world, mentee, narrow)
    items = [found[str(m.id)] for m in mentors.values()]  # not filtered either
    assert len({item["score"] for item in items}) == 1
    assert {background(item)["effect"] for item in items} == {"not_counted"}  # type: ignore[index]


async def test_a_filter_only_when_the_mentee_requires_it(
    client: httpx.AsyncClient, world: World, db: AsyncSession, mentors: dict[str, Person]
) -> None:
    mentee = await a_mentee(db, world, shared_background_required=True)
    found = await suggestions(client, world, mentee)
    assert str(mentors["shares"].id) in found
    assert str(mentors["no consent"].id) not in found
    assert str(mentors["differs"].id) not in found
    detail = background(found[str(mentors["shares"].id)])["detail"]  # type: ignore[index]
    assert detail == "shares the mentee's religion (the mentee requires it)"


async def test_the_weight_is_the_organisations(
    client: httpx.AsyncClient, world: World, db: AsyncSession, mentors: dict[str, Person]
) -> None:
    answer = await client.patch(
        f"{API}/organisation",
        json={"matching_weights": {"background": 0}},
        headers=world.headers("admin"),
    )
    assert answer.status_code == 200, answer.text
    found = await suggestions(client, world, await a_mentee(db, world))
    items = [found[str(m.id)] for m in mentors.values()]
    assert len({item["score"] for item in items}) == 1


async def test_background_and_the_preference_round_trip(
    client: httpx.AsyncClient, world: World
) -> None:
    body = {
        "ethnicity": "white_gypsy_or_irish_traveller",
        "religion": "Catholic",
        "cultural_background": "Irish Traveller",
        "mentee": {
            "preferences": {"shared_background": ["culture", "ethnicity"]},
        },
    }
    path = f"{API}/people/{world.my_mentee.id}"
    changed = await client.patch(path, json=body, headers=world.headers("coordinator"))
    assert changed.status_code == 200, changed.text
    read = (await client.get(path, headers=world.headers("coordinator"))).json()
    assert {k: read[k] for k in ("ethnicity", "religion", "cultural_background")} == {
        "ethnicity": "white_gypsy_or_irish_traveller",
        "religion": "Catholic",
        "cultural_background": "Irish Traveller",
    }
    assert read["mentee"]["preferences"]["shared_background"] == ["culture", "ethnicity"]
    assert read["mentee"]["preferences"]["shared_background_required"] is False
    for bad in (
        {"ethnicity": "martian"},
        {"mentee": {"preferences": {"shared_background": ["x"]}}},
    ):
        refused = await client.patch(path, json=bad, headers=world.headers("coordinator"))
        assert refused.status_code == 422, bad
