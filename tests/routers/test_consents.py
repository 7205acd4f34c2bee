"""Consent: decisions recorded and read back, and what they change for partners, matching
and the people shown."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import Person
from api.models.enums import ConsentPurpose, ConsentStatus
from api.services.consents import granted_among, has_consent
from tests.factories import World, make_consent, make_mentee, make_mentor
from tests.routers.test_referrals import BASE, refer_in

SHARE = ConsentPurpose.share_progress_with_referrer
DISCLOSE = ConsentPurpose.lived_experience_disclosure


def consents_url(person_id: Any) -> str:
    return f"/api/v1/people/{person_id}/consents"


def decision(purpose: str, status: str, **extra: Any) -> dict[str, Any]:
    return {"purpose": purpose, "status": status, "evidence": "written", **extra}


async def test_staff_record_decisions_and_the_latest_is_in_force(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    staff = world.headers("coordinator")
    url = consents_url(world.my_mentee.id)
    granted = await client.post(
        url, json=decision("contact_by_text", "granted", note="Form 12"), headers=staff
    )
    assert granted.status_code == 201, granted.text
    body = granted.json()
    assert (body["purpose"], body["status"], body["evidence"]) == (
        "contact_by_text",
        "granted",
        "written",
    )
    assert body["recorded_by"] == f"user:{world.accounts['coordinator'].id}"
    assert await has_consent(db, world.my_mentee.id, ConsentPurpose.contact_by_text)

    # a decision dated earlier than the one in force does not replace it
    earlier = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    await client.post(url, json=decision("contact_by_text", "withdrawn", at=earlier), headers=staff)
    assert await has_consent(db, world.my_mentee.id, ConsentPurpose.contact_by_text)
    await client.post(url, json=decision("contact_by_text", "withdrawn"), headers=staff)
    assert not await has_consent(db, world.my_mentee.id, ConsentPurpose.contact_by_text)
    assert not await has_consent(db, world.my_mentee.id, ConsentPurpose.research_and_evaluation)

    history = (await client.get(url, headers=staff)).json()["items"]
    assert [c["status"] for c in history] == ["granted", "withdrawn", "withdrawn"]
    only = await client.get(url, params={"purpose": "research_and_evaluation"}, headers=staff)
    assert only.json()["items"] == []


async def test_bad_decisions_are_refused_and_change_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    staff = world.headers("coordinator")
    url = consents_url(world.my_mentee.id)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    for body in (
        decision("contact_by_text", "granted", at=tomorrow),
        decision("marketing", "granted"),
        decision("contact_by_text", "maybe"),
        {"purpose": "contact_by_text", "status": "granted"},
    ):
        response = await client.post(url, json=body, headers=staff)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
    assert (await client.get(url, headers=staff)).json()["items"] == []


async def test_who_reads_and_records_consents(client: httpx.AsyncClient, world: World) -> None:
    mine = consents_url(world.my_mentee.id)
    own = consents_url(world.self_mentee.id)
    await client.post(
        mine, json=decision("contact_by_text", "granted"), headers=world.headers("admin")
    )
    assert (await client.get(mine, headers=world.headers("mentor"))).status_code == 200
    assert (await client.get(own, headers=world.headers("mentee"))).status_code == 200
    assert (await client.get(mine, headers=world.headers("mentee"))).status_code == 404
    assert (await client.get(mine, headers=world.headers("partner"))).status_code == 403
    assert (await client.get(mine, headers=world.headers("foreign_coordinator"))).status_code == 404
    mentor_writes = await client.post(
        mine, json=decision("contact_by_text", "withdrawn"), headers=world.headers("mentor")
    )
    assert mentor_writes.status_code == 403


async def test_a_partner_sees_progress_only_with_consent_to_share_it(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    partner = world.headers("partner")
    staff = world.headers("coordinator")
    referral = (await refer_in(client, partner, ref="NDL-C1")).json()
    await client.post(f"{BASE}/{referral['id']}/accept", headers=staff)
    url = f"{BASE}/{referral['id']}/progress"

    unshared = (await client.get(url, headers=partner)).json()
    assert unshared["referral_status"] == "accepted"
    assert [h["to"] for h in unshared["history"]] == ["sent", "accepted"]
    assert unshared["progress_shared"] is False
    assert unshared["sessions_held"] is None and unshared["goals_by_status"] is None
    # staff always see the whole journey
    assert (await client.get(url, headers=staff)).json()["progress_shared"] is True

    await client.post(
        consents_url(referral["mentee_id"]), json=decision(SHARE, "granted"), headers=staff
    )
    shared = (await client.get(url, headers=partner)).json()
    assert shared["progress_shared"] is True
    assert (shared["sessions_held"], shared["goals_by_status"]) == (0, {})

    await client.post(
        consents_url(referral["mentee_id"]), json=decision(SHARE, "withdrawn"), headers=staff
    )
    assert (await client.get(url, headers=partner)).json()["progress_shared"] is False


async def test_lived_experience_is_shown_and_matched_only_with_consent(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    undisclosed = await make_mentor(db, world.org, given_name="Quiet", disclosed=False)
    disclosed = await make_mentor(db, world.org, given_name="Open")
    admin = world.headers("admin")
    quiet = (await client.get(f"/api/v1/people/{undisclosed.id}", headers=admin)).json()
    assert "lived_experience" not in quiet["mentor"]
    shown = (await client.get(f"/api/v1/people/{disclosed.id}", headers=admin)).json()
    assert shown["mentor"]["lived_experience"] is True
    gql = await client.post(
        "/api/v1/graphql",
        json={
            "query": "query ($id: UUID!) { person(id: $id) { mentor { livedExperience } } }",
            "variables": {"id": str(undisclosed.id)},
        },
        headers=admin,
    )
    assert gql.json()["data"]["person"]["mentor"]["livedExperience"] is None

    mentee = await make_mentee(db, world.org, profile={"peer_mentor_preferred": True})
    answer = await client.get(
        f"/api/v1/people/{mentee.id}/match-suggestions", params={"limit": 50}, headers=admin
    )
    peer = {
        item["mentor_id"]: next(r for r in item["reasons"] if r["factor"] == "peer")["effect"]
        for item in answer.json()["items"]
    }
    assert peer[str(disclosed.id)] == "raised"
    assert peer[str(undisclosed.id)] != "raised"

    # consent given later takes effect at once, in the record and in matching
    await make_consent(db, undisclosed, DISCLOSE)
    now_shown = (await client.get(f"/api/v1/people/{undisclosed.id}", headers=admin)).json()
    assert now_shown["mentor"]["lived_experience"] is True


async def test_consent_in_force_for_many_people_at_once(world: World, db: AsyncSession) -> None:
    people: list[Person] = [world.my_mentee, world.other_mentee, world.self_mentee]
    await make_consent(db, people[0], ConsentPurpose.research_and_evaluation)
    await make_consent(db, people[1], ConsentPurpose.research_and_evaluation)
    await make_consent(
        db, people[1], ConsentPurpose.research_and_evaluation, ConsentStatus.withdrawn
    )
    found = await granted_among(db, [p.id for p in people], ConsentPurpose.research_and_evaluation)
    assert found == {people[0].id}
