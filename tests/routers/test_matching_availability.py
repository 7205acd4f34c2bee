"""Weekly availability: day parts on both sides, their overlap scored and explained."""

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import World, make_mentee, make_mentor

API = "/api/v1"


async def test_overlap_is_scored_explained_and_weighable(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    evenings = ["tue_evening", "thu_evening"]
    both = await make_mentor(db, world.org, profile={"weekly_availability": evenings})
    one = await make_mentor(db, world.org, profile={"weekly_availability": ["thu_evening"]})
    none = await make_mentor(db, world.org, profile={"weekly_availability": ["sat_morning"]})
    mentee = await make_mentee(db, world.org, profile={"weekly_availability": evenings})

    async def found() -> dict[str, dict[str, object]]:
        answer = await client.get(
            f"{API}/people/{mentee.id}/match-suggestions",
            params={"limit": 50},
            headers=world.headers("coordinator"),
        )
        assert answer.status_code == 200, answer.text
        return {i["mentor_id"]: i for i in answer.json()["items"]}

    items = await found()
    scores = [items[str(m.id)]["score"] for m in (both, one, none)]
    assert scores[0] > scores[1] > scores[2]  # type: ignore[operator]
    detail = {
        name: next(
            r
            for r in items[str(mentor.id)]["reasons"]  # type: ignore[attr-defined]
            if r["factor"] == "availability"
        )
        for name, mentor in (("both", both), ("none", none))
    }
    assert detail["both"] == {
        "factor": "availability",
        "effect": "raised",
        "detail": "can meet at 2 of the mentee's 2 times: thu_evening, tue_evening",
    }
    assert detail["none"]["effect"] == "lowered"
    assert detail["none"]["detail"] == "no time in the week in common with the mentee"

    off = await client.patch(
        f"{API}/organisation",
        json={"matching_weights": {"availability": 0}},
        headers=world.headers("admin"),
    )
    assert off.status_code == 200, off.text
    items = await found()
    assert len({items[str(m.id)]["score"] for m in (both, one, none)}) == 1


async def test_not_stated_not_counted(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee = await make_mentee(db, world.org)
    answer = await client.get(
        f"{API}/people/{mentee.id}/match-suggestions", headers=world.headers("coordinator")
    )
    for item in answer.json()["items"]:
        assert "availability" not in {r["factor"] for r in item["reasons"]}


async def test_availability_round_trips_and_is_checked(
    client: httpx.AsyncClient, world: World
) -> None:
    staff = world.headers("coordinator")
    mentor = await client.patch(
        f"{API}/people/{world.mentor.id}",
        json={"mentor": {"weekly_availability": ["mon_morning", "sun_evening"]}},
        headers=world.headers("mentor"),  # a mentor says when they can meet
    )
    assert mentor.status_code == 200, mentor.text
    assert mentor.json()["mentor"]["weekly_availability"] == ["mon_morning", "sun_evening"]
    mentee = await client.patch(
        f"{API}/people/{world.my_mentee.id}",
        json={"mentee": {"weekly_availability": ["wed_afternoon"]}},
        headers=staff,
    )
    assert mentee.json()["mentee"]["weekly_availability"] == ["wed_afternoon"]
    for bad in (["someday"], ["mon"], None):
        refused = await client.patch(
            f"{API}/people/{world.my_mentee.id}",
            json={"mentee": {"weekly_availability": bad}},
            headers=staff,
        )
        assert refused.status_code == 422, bad
