"""Custody events from the referring partner: release, recall, transfer, end of sentence."""

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import World, make_relationship
from tests.routers.test_referrals import BASE, refer_in


def _path(world: World) -> str:
    return f"/api/v1/people/{world.other_mentee.id}/custody-events"


async def _report(
    client: httpx.AsyncClient, world: World, body: dict[str, Any], who: str = "partner"
) -> httpx.Response:
    return await client.post(_path(world), json=body, headers=world.headers(who))


async def _relationship(client: httpx.AsyncClient, world: World, rid: str) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/relationships/{rid}", headers=world.headers("coordinator")
    )
    body: dict[str, Any] = response.json()
    return body


async def test_release_then_recall_keeps_the_relationship_going(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    relationship = await make_relationship(db, world.other_mentee, world.other_mentor)
    rid = str(relationship.id)
    released = await _report(client, world, {"event": "released", "occurred_on": "2026-11-20"})
    assert released.status_code == 201, released.text
    person = f"/api/v1/people/{world.other_mentee.id}"
    mentee = (await client.get(person, headers=world.headers("partner"))).json()["mentee"]
    assert (mentee["custody_status"], mentee["release_date"]) == ("released", "2026-11-20")
    assert (await _relationship(client, world, rid))["phase"] == "through_the_gate"

    recalled = await _report(
        client,
        world,
        {"event": "recalled", "occurred_on": "2026-11-24", "establishment": "HMP Leeds"},
    )
    assert recalled.status_code == 201, recalled.text
    after = await _relationship(client, world, rid)
    assert (after["status"], after["phase"]) == ("active", "custody")
    phases = [(e["from"], e["to"]) for e in after["history"] if e["field"] == "phase"]
    assert phases[-2:] == [("custody", "through_the_gate"), ("through_the_gate", "custody")]
    mentee = (await client.get(person, headers=world.headers("partner"))).json()["mentee"]
    assert (mentee["custody_status"], mentee["establishment"]) == ("in_custody", "HMP Leeds")

    listed = await client.get(_path(world), headers=world.headers("partner"))
    assert [e["event"] for e in listed.json()["items"]] == ["released", "recalled"]


async def test_transfer_and_end_of_sentence(client: httpx.AsyncClient, world: World) -> None:
    moved = await _report(client, world, {"event": "transferred", "establishment": "HMP Hull"})
    assert moved.status_code == 201, moved.text
    person = f"/api/v1/people/{world.other_mentee.id}"
    mentee = (await client.get(person, headers=world.headers("coordinator"))).json()["mentee"]
    assert mentee["establishment"] == "HMP Hull"
    await _report(client, world, {"event": "released", "occurred_on": "2026-11-01"})
    ended = await _report(client, world, {"event": "sentence_ended", "occurred_on": "2027-01-01"})
    assert ended.status_code == 201
    mentee = (await client.get(person, headers=world.headers("coordinator"))).json()["mentee"]
    assert mentee["custody_status"] == "released"
    assert mentee["licence_end_date"] == "2027-01-01"


@pytest.mark.parametrize(
    "body",
    [
        {"event": "released"},  # a release needs its date
        {"event": "transferred"},  # a transfer needs the new establishment
        {"event": "escaped", "occurred_on": "2026-11-01"},
        {"event": "released", "occurred_on": "2026-11-01", "extra": 1},
    ],
)
async def test_bad_events_are_refused(
    client: httpx.AsyncClient, world: World, body: dict[str, Any]
) -> None:
    response = await _report(client, world, body)
    assert response.status_code == 422
    assert (await client.get(_path(world), headers=world.headers("partner"))).json()["items"] == []


async def test_a_recall_of_someone_in_custody_is_a_conflict(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await _report(client, world, {"event": "recalled", "occurred_on": "2026-11-01"})
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("partner", 201),
        ("coordinator", 201),
        ("other_partner", 404),  # did not refer this person
        ("mentor", 403),
        ("mentee", 403),
        ("analyst", 403),
    ],
)
async def test_who_reports_custody_events(
    client: httpx.AsyncClient, world: World, who: str, status: int
) -> None:
    body = {"event": "transferred", "establishment": "HMP Hull"}
    assert (await _report(client, world, body, who)).status_code == status


async def _accepted_referral(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    referral = (await refer_in(client, world.headers("partner"), ref="NDL-300")).json()
    accepted = await client.post(
        f"{BASE}/{referral['id']}/accept", headers=world.headers("coordinator")
    )
    assert accepted.status_code == 200
    await client.post(
        f"/api/v1/people/{referral['mentee_id']}/consents",
        json={
            "purpose": "share_progress_with_referrer",
            "status": "granted",
            "evidence": "written",
        },
        headers=world.headers("coordinator"),
    )
    body: dict[str, Any] = accepted.json()
    return body


async def _polled(client: httpx.AsyncClient, world: World, since: str) -> list[str]:
    response = await client.get(
        BASE, params={"updated_since": since}, headers=world.headers("partner")
    )
    return [r["id"] for r in response.json()["items"]]


@pytest.mark.parametrize(
    ("reason", "outcome"),
    [
        ("completed", "achieved"),
        ("moved_away", "partly_achieved"),
        ("lost_contact", "not_achieved"),
    ],
)
async def test_the_referral_follows_the_mentoring(
    client: httpx.AsyncClient, world: World, reason: str, outcome: str
) -> None:
    staff = world.headers("coordinator")
    referral = await _accepted_referral(client, world)
    proposed = await client.post(
        "/api/v1/relationships",
        json={"mentee_id": referral["mentee_id"], "mentor_id": str(world.other_mentor.id)},
        headers=staff,
    )
    rid = proposed.json()["id"]
    since = datetime.now(UTC).isoformat()
    await client.post(f"/api/v1/relationships/{rid}/agree", json={"note": "Agreed."}, headers=staff)
    await client.post(f"/api/v1/relationships/{rid}/activate", headers=staff)
    started = (await client.get(f"{BASE}/{referral['id']}", headers=staff)).json()
    assert started["status"] == "in_progress"
    assert started["history"][-1]["from"] == "accepted"
    assert referral["id"] in await _polled(client, world, since)

    since = datetime.now(UTC).isoformat()
    moved = await client.post(
        f"/api/v1/people/{referral['mentee_id']}/custody-events",
        json={"event": "released", "occurred_on": "2026-11-20"},
        headers=world.headers("partner"),
    )
    assert moved.status_code == 201
    assert referral["id"] in await _polled(client, world, since)

    since = datetime.now(UTC).isoformat()
    ended = await client.post(
        f"/api/v1/relationships/{rid}/end",
        json={"ending_reason": reason, "ending_summary": "Closing."},
        headers=staff,
    )
    assert ended.status_code == 200
    done = (await client.get(f"{BASE}/{referral['id']}", headers=world.headers("partner"))).json()
    assert (done["status"], done["outcome"]) == ("completed", outcome)
    assert referral["id"] in await _polled(client, world, since)
    progress = (
        await client.get(f"{BASE}/{referral['id']}/progress", headers=world.headers("partner"))
    ).json()
    assert progress["relationship_status"] == "ended"
    assert progress["relationship_phase"] == "through_the_gate"
    assert progress["ending_reason"] == reason
