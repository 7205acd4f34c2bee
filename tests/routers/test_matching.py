"""Match suggestions: hard exclusions, ranking, reasons, weights, determinism."""

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import NonAssociation, Person
from tests.factories import World, make_mentee, make_mentor, make_relationship


async def suggestions(
    client: httpx.AsyncClient,
    world: World,
    mentee: Person,
    who: str = "coordinator",
    scopes: str | None = None,
    **params: Any,
) -> httpx.Response:
    return await client.get(
        f"/api/v1/people/{mentee.id}/match-suggestions",
        params=params,
        headers=world.headers(who, scopes),
    )


def ids(response: httpx.Response) -> list[str]:
    return [item["mentor_id"] for item in response.json()["items"]]


@pytest.fixture
async def mentee(db: AsyncSession, world: World) -> Person:
    return await make_mentee(
        db,
        world.org,
        region="North East",
        languages=["en", "pl"],
        profile={
            "needs": ["accommodation", "drugs_alcohol"],
            "probation_region": "Yorkshire",
            "peer_mentor_preferred": True,
            "preferred_mentor_gender": None,
        },
    )


async def test_never_suggests_an_excluded_mentor(
    client: httpx.AsyncClient, world: World, db: AsyncSession, mentee: Person
) -> None:
    today = date.today()
    excluded = {
        "full": await make_mentor(db, world.org, profile={"max_caseload": 1}),
        "pending": await make_mentor(db, world.org, profile={"vetting_status": "pending"}),
        "expired": await make_mentor(db, world.org, profile={"vetting_status": "expired"}),
        "out of date": await make_mentor(
            db, world.org, profile={"vetting_expires_on": today - timedelta(days=1)}
        ),
        "untrained": await make_mentor(db, world.org, profile={"training_completed_on": None}),
        "non-associated": await make_mentor(db, world.org),
        "safeguarding": await make_mentor(db, world.org),
        "deleted": await make_mentor(db, world.org, deleted_at=None),
        "other organisation": await make_mentor(db, world.other_org),
    }
    await make_relationship(db, await make_mentee(db, world.org), excluded["full"])
    db.add(
        NonAssociation(
            org_id=world.org.id,
            mentee_id=mentee.id,
            kind="victim",
            by="test",
            other_person_id=excluded["non-associated"].id,
        )
    )
    ended = await make_relationship(db, mentee, excluded["safeguarding"], status="ended")
    ended.ending_reason = "safeguarding"
    db.add(ended)
    await db.commit()
    deleted = await client.delete(
        f"/api/v1/people/{excluded['deleted'].id}", headers=world.headers("admin")
    )
    assert deleted.status_code == 204
    eligible = await make_mentor(db, world.org)

    response = await suggestions(client, world, mentee, limit=50)
    assert response.status_code == 200, response.text
    suggested = set(ids(response))
    assert str(eligible.id) in suggested
    for why, mentor in excluded.items():
        assert str(mentor.id) not in suggested, why


async def test_a_stated_gender_preference_is_a_hard_filter(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    woman = await make_mentor(db, world.org, gender="Female")
    man = await make_mentor(db, world.org, gender="male")
    mentee = await make_mentee(db, world.org, profile={"preferred_mentor_gender": "female"})
    suggested = ids(await suggestions(client, world, mentee, limit=50))
    assert str(woman.id) in suggested and str(man.id) not in suggested


async def test_a_mentor_who_fits_ranks_above_one_who_does_not(
    client: httpx.AsyncClient, world: World, db: AsyncSession, mentee: Person
) -> None:
    fits = await make_mentor(
        db,
        world.org,
        region="Yorkshire",
        languages=["pl"],
        profile={
            "skills": ["accommodation", "drugs_alcohol"],
            "lived_experience": True,
            "last_supervision_on": date.today(),
        },
    )
    partial = await make_mentor(
        db,
        world.org,
        region="Yorkshire",
        languages=["en"],
        profile={"skills": ["accommodation"], "lived_experience": False},
    )
    poor = await make_mentor(
        db,
        world.org,
        region="London",
        languages=["fr"],
        profile={"skills": ["health"], "lived_experience": False},
    )
    response = await suggestions(client, world, mentee, limit=50)
    order = ids(response)
    assert order.index(str(fits.id)) < order.index(str(partial.id)) < order.index(str(poor.id))
    best = response.json()["items"][0]
    assert best["mentor_id"] == str(fits.id)
    assert 0 <= best["score"] <= 1
    raised = {r["factor"] for r in best["reasons"] if r["effect"] == "raised"}
    assert {"needs", "peer", "language", "region", "capacity", "supervision"} <= raised
    worst = next(i for i in response.json()["items"] if i["mentor_id"] == str(poor.id))
    lowered = {r["factor"] for r in worst["reasons"] if r["effect"] == "lowered"}
    assert {"needs", "peer", "language", "region"} <= lowered
    assert all(0 <= item["score"] <= 1 for item in response.json()["items"])
    scores = [item["score"] for item in response.json()["items"]]
    assert scores == sorted(scores, reverse=True)


async def test_free_capacity_spreads_the_load(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    busy = await make_mentor(db, world.org, profile={"max_caseload": 4})
    free = await make_mentor(db, world.org, profile={"max_caseload": 4})
    for _ in range(3):
        await make_relationship(db, await make_mentee(db, world.org), busy)
    mentee = await make_mentee(db, world.org)
    order = ids(await suggestions(client, world, mentee, limit=50))
    assert order.index(str(free.id)) < order.index(str(busy.id))


async def test_women_specific_needs_favour_a_woman_mentor(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    woman = await make_mentor(
        db, world.org, gender="female", profile={"skills": ["abuse_domestic_violence"]}
    )
    man = await make_mentor(
        db, world.org, gender="male", profile={"skills": ["abuse_domestic_violence"]}
    )
    mentee = await make_mentee(db, world.org, profile={"needs": ["abuse_domestic_violence"]})
    order = ids(await suggestions(client, world, mentee, limit=50))
    assert order.index(str(woman.id)) < order.index(str(man.id))


async def test_weights_are_organisation_settings(
    client: httpx.AsyncClient, world: World, db: AsyncSession, mentee: Person
) -> None:
    skilled = await make_mentor(
        db, world.org, region="London", profile={"skills": ["accommodation", "drugs_alcohol"]}
    )
    local = await make_mentor(db, world.org, region="Yorkshire", profile={"skills": []})
    before = ids(await suggestions(client, world, mentee, limit=50))
    assert before.index(str(skilled.id)) < before.index(str(local.id))
    await client.patch(
        "/api/v1/organisation",
        json={"matching_weights": {"needs": 0, "region": 1}},
        headers=world.headers("admin"),
    )
    after = await suggestions(client, world, mentee, limit=50)
    order = ids(after)
    assert order.index(str(local.id)) < order.index(str(skilled.id))
    factors = {r["factor"] for r in after.json()["items"][0]["reasons"]}
    assert "needs" not in factors


async def test_deterministic_and_limited(
    client: httpx.AsyncClient, world: World, db: AsyncSession, mentee: Person
) -> None:
    for _ in range(6):
        await make_mentor(db, world.org)
    first = await suggestions(client, world, mentee, limit=3)
    second = await suggestions(client, world, mentee, limit=3)
    assert first.json() == second.json()
    assert len(first.json()["items"]) == 3
    assert (await suggestions(client, world, mentee, limit=0)).status_code == 422


async def test_lived_experience_needs_the_sensitive_scope(
    client: httpx.AsyncClient, world: World, db: AsyncSession, mentee: Person
) -> None:
    await make_mentor(db, world.org)
    narrow = await suggestions(
        client, world, mentee, scopes="people:read relationships:read relationships:write"
    )
    assert narrow.status_code == 200
    for item in narrow.json()["items"]:
        assert "peer" not in {r["factor"] for r in item["reasons"]}
    full = await suggestions(client, world, mentee)
    assert "peer" in {r["factor"] for r in full.json()["items"][0]["reasons"]}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", 200),
        ("coordinator", 200),
        ("mentor", 403),
        ("mentee", 403),
        ("partner", 403),
        ("analyst", 403),
        ("foreign_coordinator", 404),
    ],
)
async def test_who_may_ask(
    client: httpx.AsyncClient, world: World, mentee: Person, who: str, expected: int
) -> None:
    assert (await suggestions(client, world, mentee, who)).status_code == expected


async def test_suggestions_are_for_mentees(client: httpx.AsyncClient, world: World) -> None:
    response = await suggestions(client, world, world.other_mentor)
    assert response.status_code == 422


async def test_mentees_with_different_wishes_do_not_fill_the_statement_cache(
    client: httpx.AsyncClient, world: World, db: AsyncSession, app: FastAPI
) -> None:
    """Each mentee's scoring statement has a shape of its own: kept in the engine's cache, a
    large organisation's suggestions would fill it with forms used once, and the server
    would pause for every full garbage collection walking them. So would explaining a
    mentor, and proposing a match (which records how well the mentor fitted)."""
    mentor = await make_mentor(db, world.org, profile={"max_caseload": 10})
    needs = ["accommodation", "drugs_alcohol", "finance_benefit_debt", "health", "family"]
    mentees = [
        await make_mentee(
            db, world.org, languages=["en", "pl", "cy"][:n], profile={"needs": needs[:n]}
        )
        for n in range(4)
    ]
    coordinator = world.headers("coordinator")

    async def scored_every_way(mentee: Person) -> None:
        response = await suggestions(client, world, mentee)
        assert response.status_code == 200 and ids(response)
        explained = f"/api/v1/people/{mentee.id}/match-suggestions/{mentor.id}"
        assert (await client.get(explained, headers=coordinator)).status_code == 200
        proposal = {"mentee_id": str(mentee.id), "mentor_id": str(mentor.id)}
        proposed = await client.post("/api/v1/relationships", json=proposal, headers=coordinator)
        assert proposed.status_code == 201, proposed.text

    await scored_every_way(mentees[0])  # the statements every request shares
    cache = app.state.engine.sync_engine._compiled_cache
    before = len(cache)
    for mentee in mentees[1:]:
        await scored_every_way(mentee)
    assert len(cache) == before
