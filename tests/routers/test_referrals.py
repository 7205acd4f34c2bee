"""/referrals: partners refer people in; mentors and staff refer mentees out to services."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import ApiClient, MentoringRelationship, Person
from tests.factories import PASSWORD, World

BASE = "/api/v1/referrals"
PERSON = {
    "given_name": "Dean",
    "family_name": "Price",
    "region": "Wales",
    "mentee": {
        "custody_status": "in_custody",
        "establishment": "HMP Cardiff",
        "needs": ["accommodation"],
    },
}


async def partner_token(
    client: httpx.AsyncClient, world: World, who: str = "partner"
) -> dict[str, str]:
    """A real client-credentials grant, as a probation system gets its token."""
    partner = world.accounts[who]
    assert isinstance(partner, ApiClient)
    response = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": partner.client_id,
            "client_secret": PASSWORD,
        },
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def refer_in(
    client: httpx.AsyncClient, headers: dict[str, str], ref: str = "NDL-77", **extra: Any
) -> httpx.Response:
    body = {
        "direction": "inbound",
        "external_ref": ref,
        "person": PERSON,
        "reason": "Release in six weeks; no fixed abode.",
        **extra,
    }
    return await client.post(BASE, json=body, headers=headers)


async def add_service(client: httpx.AsyncClient, world: World, **extra: Any) -> str:
    response = await client.post(
        "/api/v1/services",
        json={
            "name": "Tenancy Support",
            "provider": "Housing Trust",
            "category": "accommodation",
            **extra,
        },
        headers=world.headers("coordinator"),
    )
    return str(response.json()["id"])


async def test_a_partner_refers_someone_in_and_follows_them(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    headers = await partner_token(client, world)
    first = await refer_in(client, headers)
    assert first.status_code == 201, first.text
    referral = first.json()
    assert referral["status"] == "sent" and referral["direction"] == "inbound"
    again = await refer_in(client, headers, reason="Updated release date.")
    assert again.status_code == 201
    assert again.json()["mentee_id"] == referral["mentee_id"]  # linked, not duplicated
    people = (
        await db.exec(select(func.count()).select_from(Person).where(Person.given_name == "Dean"))
    ).one()
    assert people == 1

    person = await client.get(f"/api/v1/people/{referral['mentee_id']}", headers=headers)
    assert person.status_code == 200 and "risk_level" not in person.json()["mentee"]
    mine = await client.get(BASE, headers=headers)
    seen_ids = {r["id"] for r in mine.json()["items"]}
    assert {referral["id"], again.json()["id"]} < seen_ids  # with the world's earlier one
    assert len(seen_ids) == 3

    other = await partner_token(client, world, "other_partner")
    assert (await client.get(f"{BASE}/{referral['id']}", headers=other)).status_code == 404
    assert (
        await client.get(f"/api/v1/people/{referral['mentee_id']}", headers=other)
    ).status_code == 404
    assert (await client.get(BASE, headers=other)).json()["items"] == []

    declined = await client.post(
        f"{BASE}/{again.json()['id']}/decline",
        json={"reason": "Already referred; duplicate."},
        headers=world.headers("coordinator"),
    )
    assert declined.status_code == 200
    seen = (await client.get(f"{BASE}/{again.json()['id']}", headers=headers)).json()
    assert seen["status"] == "declined"
    assert seen["history"][-1]["note"] == "Already referred; duplicate."


async def test_partners_cannot_decide(client: httpx.AsyncClient, world: World) -> None:
    headers = await partner_token(client, world)
    referral = (await refer_in(client, headers)).json()
    assert (
        await client.post(f"{BASE}/{referral['id']}/accept", headers=headers)
    ).status_code == 403
    withdrawn = await client.post(
        f"{BASE}/{referral['id']}/withdraw",
        json={"reason": "Recalled to custody."},
        headers=headers,
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


async def test_concurrent_retries_make_one_person(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    headers = await partner_token(client, world)
    responses = await asyncio.gather(*(refer_in(client, headers, ref="NDL-RACE") for _ in range(4)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["mentee_id"] for r in responses}) == 1


MOVES = {
    "send": ("draft", "sent"),
    "accept": ("sent", "accepted"),
    "decline": ("sent", "declined"),
    "start": ("accepted", "in_progress"),
    "complete": ("in_progress", "completed"),
}
ROUTE = {
    "draft": [],
    "sent": ["send"],
    "accepted": ["send", "accept"],
    "in_progress": ["send", "accept", "start"],
    "completed": ["send", "accept", "start", "complete"],
    "declined": ["send", "decline"],
    "withdrawn": ["withdraw"],
}
BODIES: dict[str, dict[str, str] | None] = {
    "decline": {"reason": "Full until March."},
    "withdraw": {"reason": "Moved away."},
    "complete": {"outcome": "achieved", "note": "Housed."},
    "send": None,
    "accept": None,
    "start": None,
}


@pytest.mark.parametrize("start", sorted(ROUTE))
@pytest.mark.parametrize("action", sorted(BODIES))
async def test_every_move_from_every_state(
    client: httpx.AsyncClient, world: World, start: str, action: str
) -> None:
    service = await add_service(client, world)
    created = await client.post(
        BASE,
        json={"direction": "outbound", "service_id": service, "mentee_id": str(world.my_mentee.id)},
        headers=world.headers("mentor"),
    )
    rid = created.json()["id"]
    for step in ROUTE[start]:
        assert (
            await client.post(
                f"{BASE}/{rid}/{step}", json=BODIES[step], headers=world.headers("mentor")
            )
        ).status_code == 200
    response = await client.post(
        f"{BASE}/{rid}/{action}", json=BODIES[action], headers=world.headers("mentor")
    )
    allowed = (
        MOVES[action][0] == start
        if action in MOVES
        else start in {"draft", "sent", "accepted", "in_progress"}
    )
    assert response.status_code == (200 if allowed else 409), response.text
    if allowed:
        assert response.json()["history"][-1]["from"] == start


async def test_outbound_rules(client: httpx.AsyncClient, world: World) -> None:
    mentor = world.headers("mentor")
    body = {"direction": "outbound", "mentee_id": str(world.my_mentee.id)}
    no_referrals = await add_service(client, world, accepts_referrals=False)
    refused = await client.post(BASE, json={**body, "service_id": no_referrals}, headers=mentor)
    assert refused.status_code == 409
    signposted = await client.post(
        BASE, json={**body, "service_id": no_referrals, "signpost": True}, headers=mentor
    )
    assert signposted.json()["status"] == "completed"
    assert signposted.json()["history"][-1]["note"].startswith("Signposted")
    service = await add_service(client, world)
    await client.post(f"/api/v1/services/{service}/retire", headers=world.headers("coordinator"))
    retired = await client.post(BASE, json={**body, "service_id": service}, headers=mentor)
    assert retired.status_code == 422
    live = await add_service(client, world)
    other_mentee = await client.post(
        BASE,
        json={**body, "service_id": live, "mentee_id": str(world.other_mentee.id)},
        headers=mentor,
    )
    assert other_mentee.status_code == 422
    draft = (await client.post(BASE, json={**body, "service_id": live}, headers=mentor)).json()
    changed = await client.patch(
        f"{BASE}/{draft['id']}", json={"reason": "Needs a flat"}, headers=mentor
    )
    assert changed.json()["reason"] == "Needs a flat"
    await client.post(f"{BASE}/{draft['id']}/send", headers=mentor)
    frozen = await client.patch(f"{BASE}/{draft['id']}", json={"reason": "x"}, headers=mentor)
    assert frozen.status_code == 409
    for bad in ({}, {"outcome": "great", "note": "x"}, {"outcome": "achieved"}):
        response = await client.post(f"{BASE}/{draft['id']}/complete", json=bad, headers=mentor)
        assert response.status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {"direction": "inbound", "person": PERSON},
        {"direction": "inbound", "external_ref": "X"},
        {"direction": "outbound", "mentee_id": "00000000-0000-0000-0000-000000000000"},
        {"direction": "sideways"},
        {"direction": "inbound", "external_ref": "X", "person": {**PERSON, "kind": "mentor"}},
    ],
)
async def test_malformed_referrals_change_nothing(
    client: httpx.AsyncClient, world: World, db: AsyncSession, body: dict[str, Any]
) -> None:
    before = (await db.exec(select(func.count()).select_from(Person))).one()
    response = await client.post(BASE, json=body, headers=world.headers("coordinator"))
    assert response.status_code == 422
    assert (await db.exec(select(func.count()).select_from(Person))).one() == before


async def test_progress_is_a_minimised_view(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    headers = await partner_token(client, world)
    referral = (await refer_in(client, headers)).json()
    coordinator = world.headers("coordinator")
    await client.post(f"{BASE}/{referral['id']}/accept", headers=coordinator)
    await client.post(
        f"/api/v1/people/{referral['mentee_id']}/consents",
        json={
            "purpose": "share_progress_with_referrer",
            "status": "granted",
            "evidence": "written",
        },
        headers=world.headers("coordinator"),
    )
    relationship = await client.post(
        "/api/v1/relationships",
        json={"mentee_id": referral["mentee_id"], "mentor_id": str(world.other_mentor.id)},
        headers=coordinator,
    )
    rid = relationship.json()["id"]
    await client.post(
        f"/api/v1/relationships/{rid}/agree", json={"note": "Agreed."}, headers=coordinator
    )
    await client.post(f"/api/v1/relationships/{rid}/activate", headers=coordinator)
    started = await db.get(MentoringRelationship, uuid.UUID(rid))
    assert started is not None
    started.started_on = (datetime.now(UTC) - timedelta(days=7)).date()  # met a week ago
    await db.commit()
    past = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    for status, reason in (("held", None), ("held", None), ("missed_by_mentee", "Overslept")):
        await client.post(
            "/api/v1/sessions",
            json={
                "relationship_id": rid,
                "scheduled_start": past,
                "setting": "custody",
                "status": status,
                "status_reason": reason,
                "notes": "Private detail",
                "private_notes": "Very private",
            },
            headers=coordinator,
        )
    await client.post(
        "/api/v1/goals",
        json={"mentee_id": referral["mentee_id"], "pathway": "accommodation", "title": "A flat"},
        headers=coordinator,
    )
    progress = await client.get(f"{BASE}/{referral['id']}/progress", headers=headers)
    assert progress.status_code == 200
    body = progress.json()
    assert body["referral_status"] == "in_progress"  # it follows the mentoring
    assert (body["relationship_status"], body["relationship_phase"]) == ("active", "custody")
    assert (body["sessions_held"], body["sessions_missed"]) == (2, 1)
    assert body["goals_by_status"] == {"proposed": 1}
    assert "Private" not in progress.text
    assert (await client.get("/api/v1/sessions", headers=headers)).status_code == 403
    rel_count = (await db.exec(select(func.count()).select_from(MentoringRelationship))).one()
    assert rel_count == 4


async def test_filters(client: httpx.AsyncClient, world: World) -> None:
    headers = await partner_token(client, world)
    await refer_in(client, headers)
    service = await add_service(client, world)
    await client.post(
        BASE,
        json={"direction": "outbound", "service_id": service, "mentee_id": str(world.my_mentee.id)},
        headers=world.headers("coordinator"),
    )

    async def directions(**params: str) -> list[str]:
        response = await client.get(BASE, params=params, headers=world.headers("coordinator"))
        return sorted(r["direction"] for r in response.json()["items"])

    assert await directions() == ["inbound", "inbound", "outbound"]  # one from the world
    assert await directions(direction="inbound") == ["inbound", "inbound"]
    assert await directions(status="draft") == ["outbound"]
    assert await directions(category="accommodation") == ["outbound"]
    assert await directions(category="health") == []
    assert await directions(mentee_id=str(world.my_mentee.id)) == ["outbound"]
    assert await directions(service_id=service) == ["outbound"]
