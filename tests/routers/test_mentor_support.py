"""Supervision and training records, the dates derived from them, and matching that holds
back a mentor whose supervision is overdue."""

from datetime import date, timedelta

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import Person
from api.models.base import utc_today
from tests.factories import World, make_mentee, make_mentor

API = "/api/v1"


async def mentor_profile(client: httpx.AsyncClient, world: World, mentor: Person) -> dict:  # type: ignore[type-arg]
    response = await client.get(f"{API}/people/{mentor.id}", headers=world.headers("admin"))
    return dict(response.json()["mentor"])


async def test_supervisions_keep_last_supervision_on(
    client: httpx.AsyncClient, world: World
) -> None:
    path = f"{API}/people/{world.mentor.id}/supervisions"
    staff = world.headers("coordinator")
    older = await client.post(
        path,
        json={
            "held_on": "2026-01-10",
            "kind": "therapeutic",
            "supervisor": "Dr Okafor",
            "notes": "Talked about a mentee's recall; some sleeplessness.",
            "wellbeing": 4,
            "retraumatisation": True,
        },
        headers=staff,
    )
    assert older.status_code == 201, older.text
    newer = await client.post(
        path,
        json={"held_on": "2026-03-02", "kind": "group", "supervisor": "Jo Reid", "burnout": True},
        headers=staff,
    )
    assert newer.status_code == 201
    assert (await mentor_profile(client, world, world.mentor))[
        "last_supervision_on"
    ] == "2026-03-02"
    removed = await client.delete(f"{path}/{newer.json()['id']}", headers=staff)
    assert removed.status_code == 204
    assert (await mentor_profile(client, world, world.mentor))[
        "last_supervision_on"
    ] == "2026-01-10"

    own = await client.get(path, headers=world.headers("mentor"))
    assert own.status_code == 200
    (record,) = own.json()["items"]
    assert record["retraumatisation"] is True and "notes" not in record  # notes: staff only
    staff_view = (await client.get(path, headers=staff)).json()["items"][0]
    assert staff_view["notes"].startswith("Talked")
    other = await client.get(
        f"{API}/people/{world.other_mentor.id}/supervisions", headers=world.headers("mentor")
    )
    assert other.status_code == 404
    for who in ("mentee", "partner"):
        assert (await client.get(path, headers=world.headers(who))).status_code == 403
    by_mentor = await client.post(
        path,
        json={"held_on": "2026-03-02", "kind": "group", "supervisor": "Me"},
        headers=world.headers("mentor"),
    )
    assert by_mentor.status_code == 403


async def test_trainings_keep_training_completed_on(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentor = await make_mentor(db, world.org, profile={"training_completed_on": None})
    path = f"{API}/people/{mentor.id}/trainings"
    staff = world.headers("coordinator")
    expired = await client.post(
        path,
        json={"course": "Safeguarding", "completed_on": "2023-01-01", "expires_on": "2024-01-01"},
        headers=staff,
    )
    assert expired.status_code == 201
    assert (await mentor_profile(client, world, mentor))["training_completed_on"] is None
    current = await client.post(
        path, json={"course": "Induction", "completed_on": "2026-02-01"}, headers=staff
    )
    assert current.status_code == 201
    assert (await mentor_profile(client, world, mentor))["training_completed_on"] == "2026-02-01"
    listed = await client.get(path, headers=staff)
    assert [t["course"] for t in listed.json()["items"]] == ["Safeguarding", "Induction"]
    for body in (
        {"course": "X", "completed_on": "2026-02-01", "expires_on": "2025-01-01"},
        {"course": "X", "completed_on": (date.today() + timedelta(days=3)).isoformat()},
        {"course": "", "completed_on": "2026-02-01"},
    ):
        assert (await client.post(path, json=body, headers=staff)).status_code == 422
    mentee_path = f"{API}/people/{world.my_mentee.id}/trainings"
    assert (await client.get(mentee_path, headers=staff)).status_code == 404


async def test_matching_holds_back_an_unsupervised_mentor_and_says_why(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee = await make_mentee(db, world.org, profile={"needs": ["accommodation"]})
    long_ago = date.today() - timedelta(days=200)
    lapsed = await make_mentor(db, world.org, profile={"last_supervision_on": long_ago})
    fresh = await make_mentor(db, world.org)
    path = f"{API}/people/{mentee.id}/match-suggestions"
    staff = world.headers("coordinator")
    answer = (await client.get(path, headers=staff)).json()
    suggested = {item["mentor_id"] for item in answer["items"]}
    assert str(fresh.id) in suggested and str(lapsed.id) not in suggested
    (held,) = [h for h in answer["held_back"] if h["mentor_id"] == str(lapsed.id)]
    assert "supervision overdue" in held["reason"] and long_ago.isoformat() in held["reason"]
    # the threshold is the organisation's
    changed = await client.patch(
        f"{API}/organisation",
        json={"unmatched_after_days_unsupervised": 365},
        headers=world.headers("admin"),
    )
    assert changed.status_code == 200 and changed.json()["unmatched_after_days_unsupervised"] == 365
    again = (await client.get(path, headers=staff)).json()
    assert str(lapsed.id) in {item["mentor_id"] for item in again["items"]}
    # a supervision recorded now brings them back under the default threshold too
    await client.patch(
        f"{API}/organisation",
        json={"unmatched_after_days_unsupervised": 120},
        headers=world.headers("admin"),
    )
    recorded = await client.post(
        f"{API}/people/{lapsed.id}/supervisions",
        json={"held_on": date.today().isoformat(), "kind": "one_to_one", "supervisor": "Jo"},
        headers=staff,
    )
    assert recorded.status_code == 201, recorded.text
    back = (await client.get(path, headers=staff)).json()
    assert str(lapsed.id) in {item["mentor_id"] for item in back["items"]}


async def test_a_mentor_never_supervised_counts_from_training_and_the_last_day_still_counts(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee = await make_mentee(db, world.org)
    today = utc_today()
    newly_trained = await make_mentor(
        db,
        world.org,
        profile={"last_supervision_on": None, "training_completed_on": today - timedelta(days=30)},
    )
    trained_long_ago = await make_mentor(
        db,
        world.org,
        profile={"last_supervision_on": None, "training_completed_on": today - timedelta(days=200)},
    )
    # the default threshold is 120 days: supervised 120 days ago is still in date today
    on_the_last_day = await make_mentor(
        db, world.org, profile={"last_supervision_on": today - timedelta(days=120)}
    )
    answer = (
        await client.get(
            f"{API}/people/{mentee.id}/match-suggestions", headers=world.headers("coordinator")
        )
    ).json()
    suggested = {item["mentor_id"] for item in answer["items"]}
    held = {h["mentor_id"]: h["reason"] for h in answer["held_back"]}
    assert str(newly_trained.id) in suggested and str(on_the_last_day.id) in suggested
    assert held[str(trained_long_ago.id)].startswith(
        "supervision overdue: none since their training"
    )
