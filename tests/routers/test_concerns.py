"""/concerns: raised by a mentor or staff, triaged by staff, never seen by the mentee or a
partner, and every read audited."""

import uuid
from typing import Any

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import AuditEvent, MentoringRelationship
from tests.factories import World

BASE = "/api/v1/concerns"


async def relationship_of(db: AsyncSession, world: World) -> str:
    row = (
        await db.exec(
            select(MentoringRelationship).where(
                MentoringRelationship.mentee_id == world.my_mentee.id
            )
        )
    ).one()
    return str(row.id)


async def raise_one(
    client: httpx.AsyncClient, world: World, who: str = "mentor", **extra: Any
) -> httpx.Response:
    body = {
        "person_id": str(world.my_mentee.id),
        "category": "self_harm",
        "urgency": "urgent",
        "description": "Said he has been cutting again; safety plan talked through.",
        **extra,
    }
    return await client.post(BASE, json=body, headers=world.headers(who))


async def test_a_mentor_raises_a_concern_and_follows_its_status(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    raised = await raise_one(client, world, relationship_id=await relationship_of(db, world))
    assert raised.status_code == 201, raised.text
    concern = raised.json()
    assert concern["status"] == "open" and concern["person_id"] == str(world.my_mentee.id)
    assert "outcome" not in concern and "history" not in concern  # the triage is staff's
    coordinator = world.headers("coordinator")
    reviewing = await client.post(f"{BASE}/{concern['id']}/review", headers=coordinator)
    assert reviewing.status_code == 200 and reviewing.json()["status"] == "in_review"
    escalated = await client.post(
        f"{BASE}/{concern['id']}/escalate",
        json={"agency": "Adult social care", "reference": "ASC-1207"},
        headers=coordinator,
    )
    assert escalated.status_code == 200, escalated.text
    assert escalated.json()["escalated_to"] == "Adult social care"
    closed = await client.post(
        f"{BASE}/{concern['id']}/close",
        json={"outcome": "GP appointment made; safety plan in place."},
        headers=coordinator,
    )
    assert closed.status_code == 200
    assert [c["to"] for c in closed.json()["history"]] == [
        "open",
        "in_review",
        "in_review",
        "closed",
    ]
    again = await client.post(f"{BASE}/{concern['id']}/review", headers=coordinator)
    assert again.status_code == 409
    seen = await client.get(f"{BASE}/{concern['id']}", headers=world.headers("mentor"))
    assert seen.status_code == 200 and seen.json()["status"] == "closed"
    assert "escalated_to" not in seen.json()
    listed = await client.get(BASE, headers=world.headers("mentor"))
    assert [c["id"] for c in listed.json()["items"]] == [concern["id"]]


async def test_mentees_and_partners_never_see_a_concern(
    client: httpx.AsyncClient, world: World
) -> None:
    mine = (await raise_one(client, world)).json()
    about_self = await raise_one(
        client, world, "coordinator", person_id=str(world.self_mentee.id), urgency="routine"
    )
    assert about_self.status_code == 201
    for who in ("mentee", "partner", "analyst"):
        assert (await client.get(BASE, headers=world.headers(who))).status_code == 403
        one = await client.get(f"{BASE}/{about_self.json()['id']}", headers=world.headers(who))
        assert one.status_code == 403
        assert "cutting" not in one.text
    staff = await client.get(BASE, headers=world.headers("coordinator"))
    assert {c["id"] for c in staff.json()["items"]} == {mine["id"], about_self.json()["id"]}
    # another mentor sees neither, a foreign organisation nothing at all
    other = await client.get(f"{BASE}/{mine['id']}", headers=world.headers("foreign_coordinator"))
    assert other.status_code == 404
    mentor_view = await client.get(BASE, headers=world.headers("mentor"))
    assert [c["id"] for c in mentor_view.json()["items"]] == [mine["id"]]


async def test_a_read_only_staff_token_reads_the_concerns(
    client: httpx.AsyncClient, world: World
) -> None:
    """A safeguarding dashboard's token may read without raising or triaging anything."""
    raised = (await raise_one(client, world)).json()
    read_only = world.headers("coordinator", scopes="people:read")
    listed = await client.get(BASE, headers=read_only)
    assert listed.status_code == 200, listed.text
    assert [c["id"] for c in listed.json()["items"]] == [raised["id"]]
    assert (await client.get(f"{BASE}/{raised['id']}", headers=read_only)).status_code == 200
    cannot = await client.post(
        BASE,
        json={
            "person_id": str(world.my_mentee.id),
            "category": "other",
            "urgency": "routine",
            "description": "x",
        },
        headers=read_only,
    )
    assert cannot.status_code == 403


async def test_a_write_only_staff_token_triages_a_concern(
    client: httpx.AsyncClient, world: World
) -> None:
    """A case-management system that only writes may still move a concern on."""
    raised = (await raise_one(client, world)).json()
    write_only = world.headers("coordinator", scopes="people:write")
    reviewed = await client.post(f"{BASE}/{raised['id']}/review", headers=write_only)
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["status"] == "in_review"


async def test_a_mentor_raises_only_about_their_own_mentees(
    client: httpx.AsyncClient, world: World
) -> None:
    refused = await raise_one(client, world, person_id=str(world.other_mentee.id))
    assert refused.status_code == 422
    ended = await raise_one(client, world, person_id=str(world.ended_mentee.id))
    assert ended.status_code == 422
    nobody = await client.post(
        BASE,
        json={"category": "other", "urgency": "soon", "description": "x"},
        headers=world.headers("mentor"),
    )
    assert nobody.status_code == 422
    bad = await raise_one(client, world, category="gossip")
    assert bad.status_code == 422
    triage = await client.post(
        f"{BASE}/{(await raise_one(client, world)).json()['id']}/close",
        json={"outcome": "x"},
        headers=world.headers("mentor"),
    )
    assert triage.status_code == 403


async def test_every_read_of_a_concern_is_audited(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    concern = (await raise_one(client, world)).json()
    await client.get(f"{BASE}/{concern['id']}", headers=world.headers("coordinator"))
    await client.get(BASE, headers=world.headers("mentor"))
    rows = (
        await db.exec(
            select(AuditEvent.action, AuditEvent.person_id).where(
                AuditEvent.entity_id == uuid.UUID(concern["id"])
            )
        )
    ).all()
    actions = sorted(action for action, _ in rows)
    # the list is audited once per person, with its purpose (the action it was allowed)
    assert actions == ["concern.raise", "concern.read", "concerns.read"]
    assert {person for _, person in rows} == {world.my_mentee.id}


async def test_an_urgent_concern_raises_an_urgent_alert_until_it_is_closed(
    client: httpx.AsyncClient, world: World
) -> None:
    routine = await raise_one(client, world, urgency="routine")
    assert routine.status_code == 201
    concern = (await raise_one(client, world)).json()
    staff = world.headers("coordinator")
    found = await client.get("/api/v1/alerts", params={"rule": "urgent_concern"}, headers=staff)
    (alert,) = found.json()["items"]
    assert alert["severity"] == "urgent" and alert["status"] == "open"
    assert alert["subject_id"] == concern["id"] and alert["mentee_id"] == str(world.my_mentee.id)
    assert "cutting" not in str(alert)  # the category, never the words
    caseload = await client.get("/api/v1/me/caseload", headers=world.headers("mentor"))
    (entry,) = caseload.json()["items"]
    assert [a["rule"] for a in entry["open_alerts"]] == ["urgent_concern"]
    for who in ("mentee", "partner"):
        assert (await client.get("/api/v1/alerts", headers=world.headers(who))).status_code == 403
    await client.post(
        f"{BASE}/{concern['id']}/close", json={"outcome": "Seen by GP."}, headers=staff
    )
    after = await client.get("/api/v1/alerts", params={"rule": "urgent_concern"}, headers=staff)
    assert [a["status"] for a in after.json()["items"]] == ["resolved"]
    caseload = await client.get("/api/v1/me/caseload", headers=world.headers("mentor"))
    assert caseload.json()["items"][0]["open_alerts"] == []
