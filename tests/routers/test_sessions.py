"""/sessions: within an open relationship, planned or logged after the fact."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import MentoringRelationship, MentoringSession
from tests.factories import World

BASE = "/api/v1/sessions"


def when(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def relationship_of(db: AsyncSession, mentee_id: object) -> str:
    row = (
        await db.exec(
            select(MentoringRelationship).where(MentoringRelationship.mentee_id == mentee_id)
        )
    ).one()
    return str(row.id)


async def plan(
    client: httpx.AsyncClient, world: World, who: str, relationship_id: str, **extra: Any
) -> httpx.Response:
    body = {
        "relationship_id": relationship_id,
        "scheduled_start": when(3),
        "setting": "custody",
        **extra,
    }
    return await client.post(BASE, json=body, headers=world.headers(who))


async def test_plan_then_record_as_held(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    rid = await relationship_of(db, world.my_mentee.id)
    planned = await plan(client, world, "mentor", rid, format="activity")
    assert planned.status_code == 201, planned.text
    session = planned.json()
    assert session["status"] == "scheduled" and session["mentee_id"] == str(world.my_mentee.id)
    too_soon = await client.patch(
        f"{BASE}/{session['id']}", json={"status": "held"}, headers=world.headers("mentor")
    )
    assert too_soon.status_code == 422  # it has not happened yet
    moved = await client.patch(
        f"{BASE}/{session['id']}",
        json={
            "scheduled_start": when(-1),
            "status": "held",
            "duration_minutes": 45,
            "topics": ["accommodation"],
            "notes": "Talked through the housing form.",
            "wellbeing": 4,
        },
        headers=world.headers("mentor"),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "held" and moved.json()["wellbeing"] == 4
    final = await client.patch(
        f"{BASE}/{session['id']}",
        json={"status": "cancelled", "status_reason": "x"},
        headers=world.headers("mentor"),
    )
    assert final.status_code == 409


async def test_log_a_past_session_with_goals_and_private_notes(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    rid = await relationship_of(db, world.my_mentee.id)
    goal = (
        await client.post(
            "/api/v1/goals",
            json={"mentee_id": str(world.my_mentee.id), "pathway": "health", "title": "See a GP"},
            headers=world.headers("mentor"),
        )
    ).json()
    logged = await plan(
        client,
        world,
        "coordinator",
        rid,
        scheduled_start=when(-2),
        status="held",
        setting="community",
        goal_ids=[goal["id"]],
        private_notes="Disclosed a relapse; safety plan agreed.",
        wellbeing=2,
    )
    assert logged.status_code == 201, logged.text
    assert logged.json()["goal_ids"] == [goal["id"]]
    assert logged.json()["private_notes"].startswith("Disclosed")
    seen_by_mentor = await client.get(
        f"{BASE}/{logged.json()['id']}", headers=world.headers("mentor")
    )
    assert "private_notes" not in seen_by_mentor.json()
    writes_private = await client.patch(
        f"{BASE}/{logged.json()['id']}",
        json={"private_notes": "Worried about his brother."},
        headers=world.headers("mentor"),
    )
    assert writes_private.status_code == 200, writes_private.text
    assert writes_private.json()["private_notes"] == "Worried about his brother."
    for who in ("mentee", "partner"):
        seen = await client.get(f"{BASE}/{logged.json()['id']}", headers=world.headers(who))
        assert "Worried" not in seen.text


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({"status": "held", "scheduled_start": when(2)}, 422),
        ({"status": "missed_by_mentee"}, 422),
        ({"status": "cancelled"}, 422),
        ({"status": "missed_by_mentor", "status_reason": "Stuck on a late shift."}, 422),
        (
            {
                "status": "missed_by_mentor",
                "status_reason": "Stuck on a late shift.",
                "scheduled_start": when(-1),
            },
            201,
        ),
        ({"wellbeing": 6}, 422),
        ({"duration_minutes": 0}, 422),
        ({"format": "party"}, 422),
        ({"setting": "pub"}, 422),
        ({"topics": ["football"]}, 422),
        ({"scheduled_start": "2026-01-01T10:00:00"}, 422),
        ({"goal_ids": ["00000000-0000-0000-0000-000000000000"]}, 422),
    ],
)
async def test_session_rules(
    client: httpx.AsyncClient,
    world: World,
    db: AsyncSession,
    extra: dict[str, Any],
    status: int,
) -> None:
    rid = await relationship_of(db, world.my_mentee.id)
    response = await plan(client, world, "mentor", rid, **extra)
    assert response.status_code == status, response.text
    count = (await db.exec(select(func.count()).select_from(MentoringSession))).one()
    assert count == (1 if status == 201 else 0)


async def test_only_within_an_open_relationship_of_your_organisation(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    ended = await relationship_of(db, world.ended_mentee.id)
    assert (await plan(client, world, "coordinator", ended)).status_code == 409
    mine = await relationship_of(db, world.my_mentee.id)
    assert (await plan(client, world, "foreign_coordinator", mine)).status_code == 422
    theirs = await relationship_of(db, world.self_mentee.id)
    assert (await plan(client, world, "mentor", theirs)).status_code == 422
    assert (await plan(client, world, "mentee", theirs)).status_code == 403
    assert (await db.exec(select(func.count()).select_from(MentoringSession))).one() == 0


async def test_who_reads_sessions_and_filters(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mine = await relationship_of(db, world.my_mentee.id)
    theirs = await relationship_of(db, world.self_mentee.id)
    first = (await plan(client, world, "mentor", mine)).json()
    second = (
        await plan(
            client,
            world,
            "coordinator",
            theirs,
            scheduled_start=when(-5),
            status="cancelled",
            status_reason="Moved wings.",
        )
    ).json()

    async def ids(who: str, **params: str) -> set[str]:
        response = await client.get(BASE, params=params, headers=world.headers(who))
        assert response.status_code == 200, response.text
        return {s["id"] for s in response.json()["items"]}

    assert await ids("coordinator") == {first["id"], second["id"]}
    assert await ids("mentor") == {first["id"]}
    assert await ids("mentee") == {second["id"]}
    assert await ids("foreign_coordinator") == set()
    assert await ids("coordinator", status="cancelled") == {second["id"]}
    assert await ids("coordinator", mentee_id=str(world.my_mentee.id)) == {first["id"]}
    assert await ids("coordinator", mentor_id=str(world.other_mentor.id)) == {second["id"]}
    assert await ids("coordinator", relationship_id=mine) == {first["id"]}
    assert await ids("coordinator", **{"from": when(0)}) == {first["id"]}
    assert await ids("coordinator", to=when(0)) == {second["id"]}
    own = await client.get(f"{BASE}/{second['id']}", headers=world.headers("mentee"))
    assert own.status_code == 200
    other = await client.get(f"{BASE}/{first['id']}", headers=world.headers("mentee"))
    assert other.status_code == 404
    for who in ("partner", "analyst"):
        assert (await client.get(BASE, headers=world.headers(who))).status_code == 403


async def test_a_session_tells_the_truth_about_its_relationship(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    rid = await relationship_of(db, world.my_mentee.id)
    row = await db.get(MentoringRelationship, uuid.UUID(rid))
    assert row is not None
    row.started_on = (datetime.now(UTC) - timedelta(days=10)).date()
    await db.commit()
    before_start = await plan(
        client, world, "mentor", rid, scheduled_start=when(-20), status="held"
    )
    assert before_start.status_code == 422
    within = await plan(client, world, "mentor", rid, scheduled_start=when(-5), status="held")
    assert within.status_code == 201
    proposed = await relationship_of(db, world.self_mentee.id)
    not_started = await plan(
        client, world, "coordinator", proposed, scheduled_start=when(-1), status="held"
    )
    assert not_started.status_code == 409
    ended = await client.post(
        f"/api/v1/relationships/{rid}/end",
        json={"ending_reason": "completed", "ending_summary": "Housed."},
        headers=world.headers("coordinator"),
    )
    assert ended.status_code == 200
    late_log = await plan(
        client, world, "coordinator", rid, scheduled_start=when(-2), status="held"
    )
    assert late_log.status_code == 201, late_log.text  # it happened before the end
    after_end = await plan(client, world, "coordinator", rid, scheduled_start=when(1))
    assert after_end.status_code == 409


async def test_sessions_sorted_by_start_and_unknown_parameters_refused(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    rid = await relationship_of(db, world.my_mentee.id)
    for days in (5, 1, 3):
        assert (
            await plan(client, world, "mentor", rid, scheduled_start=when(days))
        ).status_code == 201

    async def starts(**params: str) -> list[str]:
        response = await client.get(BASE, params=params, headers=world.headers("mentor"))
        assert response.status_code == 200, response.text
        return [s["scheduled_start"] for s in response.json()["items"]]

    ascending = await starts(sort="scheduled_start")
    assert ascending == sorted(ascending) and len(ascending) == 3
    assert await starts(sort="-scheduled_start") == list(reversed(ascending))
    first_page = await client.get(
        BASE, params={"sort": "-scheduled_start", "limit": "2"}, headers=world.headers("mentor")
    )
    rest = await starts(sort="-scheduled_start", cursor=first_page.json()["next_cursor"])
    assert [s["scheduled_start"] for s in first_page.json()["items"]] + rest == list(
        reversed(ascending)
    )
    assert await starts(sort="scheduled_start", to=when(4)) == ascending[:2]
    for params in ({"sort": "start"}, {"statuss": "held"}, {"mentee": "x"}):
        refused = await client.get(BASE, params=params, headers=world.headers("mentor"))
        assert refused.status_code == 422, params
    unknown = await client.get(
        "/api/v1/people", params={"kindd": "mentor"}, headers=world.headers("coordinator")
    )
    assert unknown.status_code == 422 and "kindd" in unknown.json()["detail"]
