"""Every role and every /relationships operation (contract §1: mentors see their own only)."""

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import MentoringRelationship
from tests.factories import World

# The world's relationships: the mentor's active one with my_mentee ("mine"), the mentor's
# ended one with ended_mentee ("mine_ended"), and other_mentor's proposed one with the
# mentee user's own person ("theirs").
TARGETS = ("mine", "mine_ended", "theirs")
CALLERS = ("admin", "coordinator", "mentor", "mentee", "partner", "analyst", "foreign_coordinator")
SEES = {
    "admin": set(TARGETS),
    "coordinator": set(TARGETS),
    "mentor": {"mine", "mine_ended"},
    "mentee": {"theirs"},
    "foreign_coordinator": set(),
}
NO_SCOPE = {"partner", "analyst"}
MENTEE = frozenset({"mentee"})  # a mentee never changes a relationship, only checks in


async def relationship_ids(db: AsyncSession, world: World) -> dict[str, str]:
    rows = (await db.exec(select(MentoringRelationship))).all()
    by_mentee = {r.mentee_id: str(r.id) for r in rows}
    return {
        "mine": by_mentee[world.my_mentee.id],
        "mine_ended": by_mentee[world.ended_mentee.id],
        "theirs": by_mentee[world.self_mentee.id],
    }


def expected(caller: str, target: str, outcome: int, refused: frozenset[str] = frozenset()) -> int:
    """Scope and role first (403), then visibility (404), then the outcome for whoever can
    see it."""
    if caller in NO_SCOPE | refused:
        return 403
    return outcome if target in SEES[caller] else 404


@pytest.mark.parametrize("caller", CALLERS)
async def test_list(client: httpx.AsyncClient, world: World, db: AsyncSession, caller: str) -> None:
    ids = await relationship_ids(db, world)
    response = await client.get("/api/v1/relationships", headers=world.headers(caller))
    if caller in NO_SCOPE:
        assert response.status_code == 403
        return
    assert {r["id"] for r in response.json()["items"]} == {ids[t] for t in SEES[caller]}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("target", TARGETS)
async def test_get(
    client: httpx.AsyncClient, world: World, db: AsyncSession, caller: str, target: str
) -> None:
    rid = (await relationship_ids(db, world))[target]
    response = await client.get(f"/api/v1/relationships/{rid}", headers=world.headers(caller))
    want = 403 if caller in NO_SCOPE else 200 if target in SEES[caller] else 404
    assert response.status_code == want


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("target", TARGETS)
async def test_patch(
    client: httpx.AsyncClient, world: World, db: AsyncSession, caller: str, target: str
) -> None:
    rid = (await relationship_ids(db, world))[target]
    response = await client.patch(
        f"/api/v1/relationships/{rid}", json={"expectations": "x"}, headers=world.headers(caller)
    )
    outcome = 409 if target == "mine_ended" else 200
    assert response.status_code == expected(caller, target, outcome, MENTEE), response.text


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("target", TARGETS)
async def test_pause(
    client: httpx.AsyncClient, world: World, db: AsyncSession, caller: str, target: str
) -> None:
    rid = (await relationship_ids(db, world))[target]
    response = await client.post(
        f"/api/v1/relationships/{rid}/pause", headers=world.headers(caller)
    )
    # "theirs" is proposed and "mine_ended" ended: neither can pause, even for staff.
    outcome = 200 if target == "mine" else 409
    assert response.status_code == expected(caller, target, outcome, MENTEE), response.text


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("target", TARGETS)
async def test_check_in(
    client: httpx.AsyncClient, world: World, db: AsyncSession, caller: str, target: str
) -> None:
    rid = (await relationship_ids(db, world))[target]
    body = {"feeling": "good_fit"}
    if caller in {"admin", "coordinator", "foreign_coordinator"}:
        body["side"] = "mentee"
    response = await client.post(
        f"/api/v1/relationships/{rid}/check-ins", json=body, headers=world.headers(caller)
    )
    outcome = 409 if target == "mine_ended" else 201
    assert response.status_code == expected(caller, target, outcome), response.text


@pytest.mark.parametrize("caller", CALLERS)
async def test_create(client: httpx.AsyncClient, world: World, caller: str) -> None:
    body = {"mentee_id": str(world.other_mentee.id), "mentor_id": str(world.other_mentor.id)}
    response = await client.post("/api/v1/relationships", json=body, headers=world.headers(caller))
    want = {"admin": 201, "coordinator": 201, "foreign_coordinator": 422}.get(caller, 403)
    assert response.status_code == want, response.text
