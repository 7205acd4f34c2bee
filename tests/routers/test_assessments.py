"""/assessments and distance travelled."""

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import Assessment
from tests.factories import World

BASE = "/api/v1/assessments"


async def record(
    client: httpx.AsyncClient,
    world: World,
    who: str,
    mentee: object,
    taken_on: date,
    scores: dict[str, Any],
) -> httpx.Response:
    return await client.post(
        BASE,
        json={"mentee_id": str(mentee), "taken_on": taken_on.isoformat(), "scores": scores},
        headers=world.headers(who),
    )


async def test_distance_travelled(client: httpx.AsyncClient, world: World) -> None:
    today = date.today()
    first = await record(
        client,
        world,
        "mentor",
        world.my_mentee.id,
        today - timedelta(days=90),
        {"accommodation": 2, "drugs_alcohol": 3},
    )
    assert first.status_code == 201, first.text
    await record(
        client,
        world,
        "mentor",
        world.my_mentee.id,
        today - timedelta(days=30),
        {"accommodation": 5, "health": 6},
    )
    await record(
        client,
        world,
        "coordinator",
        world.my_mentee.id,
        today,
        {"accommodation": 7, "drugs_alcohol": 2},
    )
    response = await client.get(
        f"/api/v1/people/{world.my_mentee.id}/distance-travelled", headers=world.headers("mentor")
    )
    assert response.status_code == 200
    body = response.json()
    assert body["assessments"] == 3
    by_pathway = {p["pathway"]: (p["first"], p["latest"], p["change"]) for p in body["pathways"]}
    assert by_pathway == {
        "accommodation": (2, 7, 5),
        "drugs_alcohol": (3, 2, -1),
        "health": (6, 6, 0),
    }


@pytest.mark.parametrize(
    "scores",
    [{"accommodation": 0}, {"accommodation": 11}, {"housing": 5}, {}, {"accommodation": "high"}],
)
async def test_scores_run_from_1_to_10_on_the_pathways(
    client: httpx.AsyncClient, world: World, db: AsyncSession, scores: dict[str, Any]
) -> None:
    response = await record(client, world, "coordinator", world.my_mentee.id, date.today(), scores)
    assert response.status_code == 422
    assert (await db.exec(select(func.count()).select_from(Assessment))).one() == 0


async def test_no_future_assessments(client: httpx.AsyncClient, world: World) -> None:
    response = await record(
        client,
        world,
        "coordinator",
        world.my_mentee.id,
        date.today() + timedelta(days=1),
        {"health": 5},
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("caller", "mentee", "recorded", "read"),
    [
        ("coordinator", "my_mentee", 201, 200),
        ("mentor", "my_mentee", 201, 200),
        ("mentor", "other_mentee", 422, 404),
        ("mentee", "self_mentee", 403, 200),
        ("mentee", "my_mentee", 403, 404),
        ("partner", "my_mentee", 403, 403),
        ("analyst", "my_mentee", 403, 403),
        ("foreign_coordinator", "my_mentee", 422, 404),
    ],
)
async def test_who_records_and_reads(
    client: httpx.AsyncClient, world: World, caller: str, mentee: str, recorded: int, read: int
) -> None:
    person = getattr(world, mentee)
    seeded = await record(client, world, "coordinator", person.id, date.today(), {"health": 4})
    response = await record(client, world, caller, person.id, date.today(), {"health": 5})
    assert response.status_code == recorded
    got = await client.get(f"{BASE}/{seeded.json()['id']}", headers=world.headers(caller))
    distance = await client.get(
        f"/api/v1/people/{person.id}/distance-travelled", headers=world.headers(caller)
    )
    assert (got.status_code, distance.status_code) == (read, read)
