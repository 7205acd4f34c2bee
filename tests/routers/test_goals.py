"""/goals: set by (and agreed with) the mentee, small steps, reviews, and who may do what."""

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import Goal
from tests.factories import World

BASE = "/api/v1/goals"


async def set_goal(
    client: httpx.AsyncClient, world: World, who: str, mentee_id: object, **extra: Any
) -> httpx.Response:
    body = {
        "mentee_id": str(mentee_id),
        "pathway": "accommodation",
        "title": "Get on the housing register",
        **extra,
    }
    return await client.post(BASE, json=body, headers=world.headers(who))


async def test_a_mentees_own_goal_is_agreed_from_the_start(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await set_goal(client, world, "mentee", world.self_mentee.id)
    assert response.status_code == 201, response.text
    goal = response.json()
    assert goal["set_by"] == "mentee" and goal["agreed_by_mentee"] is True
    assert goal["status"] == "active" and goal["agreed_by"] == f"user:{world.accounts['mentee'].id}"
    assert [(h["from"], h["to"]) for h in goal["history"]] == [
        (None, "proposed"),
        ("proposed", "active"),
    ]
    assert goal["step_progress"] == {"done": 0, "total": 0}


async def test_a_goal_set_with_the_mentee_waits_for_their_agreement(
    client: httpx.AsyncClient, world: World
) -> None:
    goal = (await set_goal(client, world, "mentor", world.my_mentee.id)).json()
    assert goal["set_by"] == "mentor" and goal["status"] == "proposed"
    assert goal["agreed_by_mentee"] is False and goal["agreed_at"] is None
    path = f"{BASE}/{goal['id']}"
    imposed = await client.patch(path, json={"status": "active"}, headers=world.headers("mentor"))
    assert imposed.status_code == 409
    agreed = await client.patch(
        path, json={"agreed_by_mentee": True}, headers=world.headers("mentor")
    )
    assert agreed.status_code == 200
    assert agreed.json()["status"] == "active" and agreed.json()["agreed_at"]
    assert agreed.json()["agreed_by"] == f"user:{world.accounts['mentor'].id}"
    withdrawn = await client.patch(
        path, json={"agreed_by_mentee": False}, headers=world.headers("mentor")
    )
    assert withdrawn.status_code == 422


async def test_set_by_comes_from_the_caller_never_the_body(
    client: httpx.AsyncClient, world: World
) -> None:
    forged = await set_goal(client, world, "coordinator", world.my_mentee.id, set_by="mentee")
    assert forged.status_code == 422
    goal = (await set_goal(client, world, "coordinator", world.my_mentee.id)).json()
    assert goal["set_by"] == "coordinator"


MOVES = {
    "active": {"achieved", "not_achieved", "on_hold", "cancelled"},
    "on_hold": {"active", "not_achieved", "cancelled"},
    "achieved": set(),
    "not_achieved": set(),
    "cancelled": set(),
}
PATHS = {
    "active": [],
    "on_hold": ["on_hold"],
    "achieved": ["achieved"],
    "not_achieved": ["not_achieved"],
    "cancelled": ["cancelled"],
}


@pytest.mark.parametrize("start", sorted(MOVES))
@pytest.mark.parametrize(
    "target", ["active", "achieved", "not_achieved", "on_hold", "cancelled", "proposed"]
)
async def test_goal_status_moves(
    client: httpx.AsyncClient, world: World, start: str, target: str
) -> None:
    goal = (await set_goal(client, world, "mentee", world.self_mentee.id)).json()
    path = f"{BASE}/{goal['id']}"
    for status in PATHS[start]:
        response = await client.patch(
            path, json={"status": status}, headers=world.headers("mentee")
        )
        assert response.status_code == 200
    response = await client.patch(path, json={"status": target}, headers=world.headers("mentee"))
    if target == start:
        assert response.status_code == 200  # no change, no move
    elif target in MOVES[start]:
        assert response.status_code == 200 and response.json()["status"] == target
        assert response.json()["history"][-1]["to"] == target
    else:
        assert response.status_code == 409


async def test_small_steps_in_order(client: httpx.AsyncClient, world: World) -> None:
    goal = (await set_goal(client, world, "mentee", world.self_mentee.id)).json()
    steps_path = f"{BASE}/{goal['id']}/steps"
    headers = world.headers("mentee")
    ids = []
    for title in ("Ask for the form", "Fill it in", "Hand it in"):
        response = await client.post(steps_path, json={"title": title}, headers=headers)
        assert response.status_code == 201
        ids.append(response.json()["id"])
    order = await client.post(f"{steps_path}/order", json={"step_ids": ids[::-1]}, headers=headers)
    assert [s["title"] for s in order.json()] == ["Hand it in", "Fill it in", "Ask for the form"]
    listed = await client.get(steps_path, headers=headers)
    assert [s["id"] for s in listed.json()["items"]] == ids[::-1]
    first = (await client.get(steps_path, params={"limit": 2}, headers=headers)).json()
    rest = await client.get(
        steps_path, params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
    )
    assert [s["id"] for s in first["items"] + rest.json()["items"]] == ids[::-1]
    assert rest.json()["next_cursor"] is None
    assert (
        await client.post(f"{steps_path}/order", json={"step_ids": ids[:2]}, headers=headers)
    ).status_code == 422
    done = await client.patch(f"{steps_path}/{ids[0]}", json={"status": "done"}, headers=headers)
    assert done.json()["done_on"] == date.today().isoformat()
    skipped = await client.patch(
        f"{steps_path}/{ids[1]}", json={"status": "skipped"}, headers=headers
    )
    assert skipped.json()["done_on"] is None
    progress = (await client.get(f"{BASE}/{goal['id']}", headers=headers)).json()["step_progress"]
    assert progress == {"done": 1, "total": 3}
    assert (await client.delete(f"{steps_path}/{ids[2]}", headers=headers)).status_code == 204
    progress = (await client.get(f"{BASE}/{goal['id']}", headers=headers)).json()["step_progress"]
    assert progress == {"done": 1, "total": 2}
    other = (await set_goal(client, world, "mentee", world.self_mentee.id)).json()
    wrong_goal = await client.patch(
        f"{BASE}/{other['id']}/steps/{ids[0]}", json={"title": "x"}, headers=headers
    )
    assert wrong_goal.status_code == 404


async def test_a_lapse_is_recorded_without_changing_the_goal(
    client: httpx.AsyncClient, world: World
) -> None:
    goal = (await set_goal(client, world, "mentee", world.self_mentee.id)).json()
    reviews = f"{BASE}/{goal['id']}/reviews"
    response = await client.post(
        reviews,
        json={"note": "Used again at the weekend; back on it.", "progress": 3, "lapse": True},
        headers=world.headers("mentee"),
    )
    assert response.status_code == 201 and response.json()["lapse"] is True
    assert response.json()["reviewed_on"] == date.today().isoformat()
    after = (await client.get(f"{BASE}/{goal['id']}", headers=world.headers("mentee"))).json()
    assert after["status"] == "active"
    for bad in (
        {"note": "x", "progress": 11},
        {"note": "x", "progress": -1},
        {"progress": 5},
        {"note": "", "progress": 5},
    ):
        assert (
            await client.post(reviews, json=bad, headers=world.headers("mentee"))
        ).status_code == 422
    listed = await client.get(reviews, headers=world.headers("mentor"))
    assert listed.status_code == 404  # not the mentor's mentee


async def test_overdue_reviews(client: httpx.AsyncClient, world: World) -> None:
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    overdue = (
        await set_goal(client, world, "coordinator", world.my_mentee.id, review_date=yesterday)
    ).json()
    await set_goal(
        client,
        world,
        "coordinator",
        world.my_mentee.id,
        review_date=(date.today() + timedelta(days=7)).isoformat(),
    )
    done = (
        await set_goal(client, world, "mentee", world.self_mentee.id, review_date=yesterday)
    ).json()
    await client.patch(
        f"{BASE}/{done['id']}", json={"status": "achieved"}, headers=world.headers("mentee")
    )
    response = await client.get(
        BASE,
        params={"review_due_before": date.today().isoformat()},
        headers=world.headers("coordinator"),
    )
    assert [g["id"] for g in response.json()["items"]] == [overdue["id"]]
    rescheduled = await client.patch(
        f"{BASE}/{overdue['id']}",
        json={"review_date": date.today().isoformat()},
        headers=world.headers("coordinator"),
    )
    assert rescheduled.status_code == 200
    response = await client.get(
        BASE,
        params={"review_due_before": date.today().isoformat()},
        headers=world.headers("coordinator"),
    )
    assert response.json()["items"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"pathway": "housing"},
        {"title": ""},
        {"title": None},
        {"unknown": 1},
        {"target_date": "soon"},
        {"relationship_id": "00000000-0000-0000-0000-000000000000"},
    ],
)
async def test_malformed_goals_change_nothing(
    client: httpx.AsyncClient, world: World, db: AsyncSession, body: dict[str, Any]
) -> None:
    response = await set_goal(client, world, "coordinator", world.my_mentee.id, **body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert (await db.exec(select(func.count()).select_from(Goal))).one() == 0


MENTEES = ("my_mentee", "other_mentee", "self_mentee", "foreign_mentee")
SEES = {
    "admin": {"my_mentee", "other_mentee", "self_mentee"},
    "coordinator": {"my_mentee", "other_mentee", "self_mentee"},
    "mentor": {"my_mentee"},
    "mentee": {"self_mentee"},
    "foreign_coordinator": {"foreign_mentee"},
}


@pytest.mark.parametrize("caller", [*SEES, "partner", "analyst"])
@pytest.mark.parametrize("mentee", MENTEES)
async def test_who_may_set_read_and_change_goals(
    client: httpx.AsyncClient, world: World, caller: str, mentee: str
) -> None:
    owner = "foreign_coordinator" if mentee == "foreign_mentee" else "coordinator"
    goal = (await set_goal(client, world, owner, getattr(world, mentee).id)).json()
    created = await set_goal(client, world, caller, getattr(world, mentee).id)
    read = await client.get(f"{BASE}/{goal['id']}", headers=world.headers(caller))
    changed = await client.patch(
        f"{BASE}/{goal['id']}", json={"title": "Renamed"}, headers=world.headers(caller)
    )
    if caller in ("partner", "analyst"):
        assert (created.status_code, read.status_code, changed.status_code) == (403, 403, 403)
    elif mentee in SEES[caller]:
        assert (created.status_code, read.status_code, changed.status_code) == (201, 200, 200)
    else:
        assert (created.status_code, read.status_code, changed.status_code) == (422, 404, 404)


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("admin", (201, 201, 200)),
        ("coordinator", (201, 201, 200)),
        ("mentor", (201, 201, 200)),
        ("mentee", (404, 404, 404)),
        ("partner", (403, 403, 403)),
        ("analyst", (403, 403, 403)),
        ("foreign_coordinator", (404, 404, 404)),
    ],
)
async def test_who_may_work_on_a_goals_steps_and_reviews(
    client: httpx.AsyncClient, world: World, caller: str, expected: tuple[int, int, int]
) -> None:
    goal = (await set_goal(client, world, "coordinator", world.my_mentee.id)).json()
    headers = world.headers(caller)
    step = await client.post(f"{BASE}/{goal['id']}/steps", json={"title": "One"}, headers=headers)
    review = await client.post(
        f"{BASE}/{goal['id']}/reviews", json={"note": "Fine", "progress": 5}, headers=headers
    )
    listed = await client.get(f"{BASE}/{goal['id']}/steps", headers=headers)
    assert (step.status_code, review.status_code, listed.status_code) == expected


async def test_a_write_only_token_reaches_the_goal_it_writes_to(
    client: httpx.AsyncClient, world: World
) -> None:
    # A case-management system that records steps but never reads goals: `goals:write`
    # alone finds the goal it adds a step to.
    goal = (await set_goal(client, world, "coordinator", world.my_mentee.id)).json()
    writer = world.headers("coordinator", "goals:write")
    step = await client.post(
        f"{BASE}/{goal['id']}/steps", json={"title": "Call the housing office"}, headers=writer
    )
    assert step.status_code == 201, step.text
    assert (await client.get(f"{BASE}/{goal['id']}", headers=writer)).status_code == 403
