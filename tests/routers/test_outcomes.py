"""/outcomes: who records and reads them, the `end` prompt, and malformed input."""

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import Outcome
from tests.factories import World

BASE = "/api/v1/outcomes"


def body(mentee: object, milestone: str = "start", **facts: Any) -> dict[str, Any]:
    return {"mentee_id": str(mentee), "milestone": milestone, **facts}


async def test_mentor_records_and_staff_read(client: httpx.AsyncClient, world: World) -> None:
    created = await client.post(
        BASE,
        json=body(
            world.my_mentee.id,
            accommodation="temporary",
            employment="training",
            gp_registered=True,
            recalled=False,
        ),
        headers=world.headers("mentor"),
    )
    assert created.status_code == 201, created.text
    outcome = created.json()
    assert outcome["recorded_on"] == date.today().isoformat()
    assert outcome["accommodation"] == "temporary"
    assert outcome["bank_account"] is None
    assert created.headers["ETag"] == '"1"'

    listed = await client.get(
        BASE, params={"mentee_id": str(world.my_mentee.id)}, headers=world.headers("coordinator")
    )
    assert [o["id"] for o in listed.json()["items"]] == [outcome["id"]]
    one = await client.get(f"{BASE}/{outcome['id']}", headers=world.headers("mentor"))
    assert one.status_code == 200


@pytest.mark.parametrize("who", ["mentee", "partner", "analyst"])
async def test_others_neither_record_nor_read(
    client: httpx.AsyncClient, world: World, db: AsyncSession, who: str
) -> None:
    made = await client.post(
        BASE, json=body(world.self_mentee.id), headers=world.headers("coordinator")
    )
    refused = await client.post(BASE, json=body(world.self_mentee.id), headers=world.headers(who))
    assert refused.status_code == 403
    read = await client.get(f"{BASE}/{made.json()['id']}", headers=world.headers(who))
    assert read.status_code in (403, 404)
    assert (await db.exec(select(func.count()).select_from(Outcome))).one() == 1


async def test_another_mentors_mentee_is_unknown(client: httpx.AsyncClient, world: World) -> None:
    made = await client.post(
        BASE, json=body(world.other_mentee.id), headers=world.headers("coordinator")
    )
    refused = await client.post(
        BASE, json=body(world.other_mentee.id), headers=world.headers("mentor")
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "mentee_id"]
    hidden = await client.get(f"{BASE}/{made.json()['id']}", headers=world.headers("mentor"))
    assert hidden.status_code == 404
    foreign = await client.get(
        f"{BASE}/{made.json()['id']}", headers=world.headers("foreign_coordinator")
    )
    assert foreign.status_code == 404


async def test_ending_prompts_an_end_record(client: httpx.AsyncClient, world: World) -> None:
    rel = (
        await client.get(
            "/api/v1/relationships",
            params={"mentee_id": str(world.my_mentee.id)},
            headers=world.headers("coordinator"),
        )
    ).json()["items"][0]
    assert rel["end_outcome_due"] is False
    ended = await client.post(
        f"/api/v1/relationships/{rel['id']}/end",
        json={"ending_reason": "completed", "ending_summary": "Settled and working."},
        headers=world.headers("coordinator"),
    )
    assert ended.json()["end_outcome_due"] is True
    recorded = await client.post(
        BASE,
        json=body(world.my_mentee.id, "end", accommodation="settled", employment="employed"),
        headers=world.headers("coordinator"),
    )
    assert recorded.json()["relationship_id"] == rel["id"]
    again = await client.get(
        f"/api/v1/relationships/{rel['id']}", headers=world.headers("coordinator")
    )
    assert again.json()["end_outcome_due"] is False


async def test_correcting_honours_if_match(client: httpx.AsyncClient, world: World) -> None:
    made = (
        await client.post(BASE, json=body(world.my_mentee.id), headers=world.headers("mentor"))
    ).json()
    stale = await client.patch(
        f"{BASE}/{made['id']}",
        json={"bank_account": True},
        headers={**world.headers("mentor"), "If-Match": '"9"'},
    )
    assert stale.status_code == 412
    fixed = await client.patch(
        f"{BASE}/{made['id']}",
        json={"bank_account": True, "accommodation": "settled"},
        headers={**world.headers("mentor"), "If-Match": '"1"'},
    )
    assert fixed.status_code == 200
    assert fixed.json()["bank_account"] is True and fixed.json()["version"] == 2


@pytest.mark.parametrize(
    "change",
    [
        {"milestone": "9_months"},
        {"accommodation": "castle"},
        {"employment": "astronaut"},
        {"recorded_on": (date.today() + timedelta(days=2)).isoformat()},
        {"gp_registered": "perhaps"},
        {"colour": "blue"},
    ],
)
async def test_malformed_outcomes_change_nothing(
    client: httpx.AsyncClient, world: World, db: AsyncSession, change: dict[str, Any]
) -> None:
    refused = await client.post(
        BASE, json={**body(world.my_mentee.id), **change}, headers=world.headers("coordinator")
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (await db.exec(select(func.count()).select_from(Outcome))).one() == 0


async def test_a_relationship_of_someone_else_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    theirs = (
        await client.get(
            "/api/v1/relationships",
            params={"mentee_id": str(world.self_mentee.id)},
            headers=world.headers("coordinator"),
        )
    ).json()["items"][0]
    refused = await client.post(
        BASE,
        json=body(world.my_mentee.id, relationship_id=theirs["id"]),
        headers=world.headers("coordinator"),
    )
    assert refused.status_code == 422
