"""The partner boundary: case references belong to their referrer, visibility ends, a mentor's
access ends with the relationship."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import MentoringRelationship, MentoringSession, Person, Referral
from api.models.enums import ConsentPurpose
from tests.factories import World, make_consent, make_mentee
from tests.routers.test_referrals import BASE, PERSON, refer_in

STAFF = "coordinator"


async def _taken_ref(db: AsyncSession, world: World, ref: str = "NDL-1") -> Person:
    """A mentee already on the programme under `ref` (came in another way)."""
    return await make_mentee(db, world.org, profile={"external_ref": ref})


async def test_a_known_reference_answers_as_an_unknown_one(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    taken = await _taken_ref(db, world)
    partner = world.headers("partner")
    known = await refer_in(client, partner, ref="NDL-1")
    unknown = await refer_in(client, partner, ref="NDL-2")
    assert known.status_code == unknown.status_code == 201
    assert set(known.json()) == set(unknown.json())
    assert known.json()["mentee_id"] != str(taken.id)
    assert known.json()["pending_match_id"] is None  # nothing about the other person
    # the partner still cannot read the person it did not refer
    assert (await client.get(f"/api/v1/people/{taken.id}", headers=partner)).status_code == 404
    # a retry with each reference links the same person again, in both cases alike
    again_known = await refer_in(client, partner, ref="NDL-1")
    again_unknown = await refer_in(client, partner, ref="NDL-2")
    assert again_known.json()["mentee_id"] == known.json()["mentee_id"]
    assert again_unknown.json()["mentee_id"] == unknown.json()["mentee_id"]


async def test_another_partners_reference_is_not_a_takeover(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await refer_in(client, world.headers("partner"), ref="NDL-9")
    second = await refer_in(client, world.headers("other_partner"), ref="NDL-9")
    assert second.status_code == 201
    assert second.json()["mentee_id"] != first.json()["mentee_id"]
    taken = first.json()["mentee_id"]
    other = world.headers("other_partner")
    assert (await client.get(f"/api/v1/people/{taken}", headers=other)).status_code == 404


async def test_a_coordinator_confirms_or_rejects_a_pending_match(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    taken = await _taken_ref(db, world)
    staff = world.headers(STAFF)
    first = (await refer_in(client, world.headers("partner"), ref="NDL-1")).json()
    seen = (await client.get(f"{BASE}/{first['id']}", headers=staff)).json()
    assert seen["pending_match_id"] == str(taken.id)
    # the partner may not decide, and cannot see what is pending
    refused = await client.post(
        f"{BASE}/{first['id']}/pending-match",
        json={"decision": "confirm"},
        headers=world.headers("partner"),
    )
    assert refused.status_code == 403
    confirmed = await client.post(
        f"{BASE}/{first['id']}/pending-match", json={"decision": "confirm"}, headers=staff
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["mentee_id"] == str(taken.id)
    assert confirmed.json()["pending_match_id"] is None
    provisional = await client.get(f"/api/v1/people/{first['mentee_id']}", headers=staff)
    assert provisional.status_code == 404  # folded into the person it was
    again = await client.post(
        f"{BASE}/{first['id']}/pending-match", json={"decision": "confirm"}, headers=staff
    )
    assert again.status_code == 409

    second = (await refer_in(client, world.headers("other_partner"), ref="NDL-1")).json()
    rejected = await client.post(
        f"{BASE}/{second['id']}/pending-match", json={"decision": "reject"}, headers=staff
    )
    assert rejected.status_code == 200
    assert rejected.json()["mentee_id"] == second["mentee_id"] != str(taken.id)
    assert rejected.json()["pending_match_id"] is None


async def test_a_mentor_cannot_change_a_case_reference(
    client: httpx.AsyncClient, world: World
) -> None:
    path = f"/api/v1/people/{world.my_mentee.id}"
    body = {"mentee": {"external_ref": "NDL-1"}}
    mentor = await client.patch(path, json=body, headers=world.headers("mentor"))
    assert mentor.status_code == 403
    staff = await client.patch(path, json=body, headers=world.headers(STAFF))
    assert staff.status_code == 200


async def test_a_partner_sees_a_person_until_a_while_after_its_referral_ends(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    partner = world.headers("partner")
    referral = (await refer_in(client, partner, ref="NDL-5")).json()
    person = f"/api/v1/people/{referral['mentee_id']}"
    declined = await client.post(
        f"{BASE}/{referral['id']}/decline",
        json={"reason": "Not eligible"},
        headers=world.headers(STAFF),
    )
    assert declined.status_code == 200
    assert (await client.get(person, headers=partner)).status_code == 200  # within 90 days
    row = await db.get(Referral, uuid.UUID(referral["id"]))
    assert row is not None and row.closed_at is not None
    row.closed_at = datetime.now(UTC) - timedelta(days=91)  # as if 91 days had passed
    row.visible_until = row.closed_at + timedelta(days=90)
    await db.commit()
    assert (await client.get(person, headers=partner)).status_code == 404
    assert (await client.get(f"{BASE}/{referral['id']}", headers=partner)).status_code == 404
    # the period is an organisation setting
    longer = await client.patch(
        "/api/v1/organisation",
        json={"partner_visibility_days": 120},
        headers=world.headers("admin"),
    )
    assert longer.status_code == 200 and longer.json()["partner_visibility_days"] == 120
    assert (await client.get(person, headers=partner)).status_code == 200


async def test_progress_covers_only_what_followed_the_referral(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    relationship = (
        await db.exec(
            select(MentoringRelationship).where(
                MentoringRelationship.mentee_id == world.ended_mentee.id
            )
        )
    ).one()
    before = datetime.now(UTC) - timedelta(days=30)
    db.add(
        MentoringSession(
            org_id=world.org.id,
            relationship_id=relationship.id,
            scheduled_start=before,
            duration_minutes=60,
            format="one_to_one",
            setting="custody",
            status="held",
        )
    )
    await db.commit()
    await make_consent(db, world.ended_mentee, ConsentPurpose.share_progress_with_referrer)
    partner = world.headers("partner")
    ref = "NDL-7"
    staff = world.headers(STAFF)
    await client.patch(
        f"/api/v1/people/{world.ended_mentee.id}",
        json={"mentee": {"external_ref": ref}},
        headers=staff,
    )
    referral = (await refer_in(client, partner, ref=ref)).json()
    await client.post(
        f"{BASE}/{referral['id']}/pending-match", json={"decision": "confirm"}, headers=staff
    )
    progress = await client.get(f"{BASE}/{referral['id']}/progress", headers=partner)
    assert progress.status_code == 200, progress.text
    body = progress.json()
    assert body["sessions_held"] == 0
    assert body["relationship_status"] is None  # the earlier relationship is not the partner's


@pytest.mark.parametrize("reason", ["completed", "safeguarding"])
async def test_a_mentor_loses_an_ended_relationships_sessions(
    client: httpx.AsyncClient, world: World, db: AsyncSession, reason: str
) -> None:
    staff = world.headers(STAFF)
    relationship = (
        await client.get(
            "/api/v1/relationships", params={"mentee_id": str(world.my_mentee.id)}, headers=staff
        )
    ).json()["items"][0]
    session = await client.post(
        "/api/v1/sessions",
        json={
            "relationship_id": relationship["id"],
            "scheduled_start": "2030-01-01T10:00:00Z",
            "duration_minutes": 60,
            "format": "one_to_one",
            "setting": "custody",
            "notes": "Talked about housing.",
        },
        headers=world.headers("mentor"),
    )
    assert session.status_code == 201
    path = f"/api/v1/sessions/{session.json()['id']}"
    ended = await client.post(
        f"/api/v1/relationships/{relationship['id']}/end",
        json={"ending_reason": reason, "ending_summary": "Ended."},
        headers=staff,
    )
    assert ended.status_code == 200
    mentor = world.headers("mentor")
    assert (await client.get(path, headers=mentor)).status_code == 404
    listed = await client.get("/api/v1/sessions", headers=mentor)
    assert listed.json()["items"] == []
    assert (await client.patch(path, json={"notes": "x"}, headers=mentor)).status_code == 404
    assert (await client.patch(path, json={"notes": "x"}, headers=staff)).status_code == 409
    assert (await client.get(path, headers=staff)).json()["notes"] == "Talked about housing."


FACTS = {
    "risk_level": "high",
    "offence_summary": "Robbery, 2023.",
    "mappa_level": "2",
    "licence_end_date": "2027-03-31",
    "probation_practitioner": {
        "name": "Jo Bloggs",
        "email": "jo.bloggs@probation.example",
        "phone": "+44 20 7946 0000",
    },
}


async def test_a_partner_sends_sensitive_facts_it_never_reads_back(
    client: httpx.AsyncClient, world: World
) -> None:
    partner = world.headers("partner")
    profile = PERSON["mentee"]
    assert isinstance(profile, dict)
    person = {**PERSON, "mentee": {**profile, **FACTS}}
    created = await refer_in(client, partner, ref="NDL-40", person=person)
    assert created.status_code == 201, created.text
    assert not set(FACTS) & set(created.text.split('"'))
    path = f"/api/v1/people/{created.json()['mentee_id']}"
    seen_by_partner = (await client.get(path, headers=partner)).json()["mentee"]
    assert not set(FACTS) & set(seen_by_partner)
    seen_by_staff = (await client.get(path, headers=world.headers(STAFF))).json()["mentee"]
    assert {name: seen_by_staff[name] for name in FACTS} == FACTS
    # staff without people:sensitive and mentors neither read nor write them
    narrow = world.headers(STAFF, scopes="people:read people:write")
    assert not set(FACTS) & set((await client.get(path, headers=narrow)).json()["mentee"])
    mentor_path = f"/api/v1/people/{world.my_mentee.id}"
    refused = await client.patch(
        mentor_path, json={"mentee": {"mappa_level": "1"}}, headers=world.headers("mentor")
    )
    assert refused.status_code == 403


async def test_a_mentor_loses_an_ended_relationships_notes_and_comments(
    client: httpx.AsyncClient, world: World
) -> None:
    staff, mentor = world.headers(STAFF), world.headers("mentor")
    rid = (
        await client.get(
            "/api/v1/relationships", params={"mentee_id": str(world.my_mentee.id)}, headers=staff
        )
    ).json()["items"][0]["id"]
    path = f"/api/v1/relationships/{rid}"
    for side in ("mentor", "mentee"):
        said = await client.post(
            f"{path}/check-ins",
            json={"feeling": "unsure", "side": side, "comment": "Worried about home."},
            headers=staff,
        )
        assert said.status_code == 201, said.text
    paused = await client.post(
        f"{path}/pause", json={"note": "Safeguarding concern raised."}, headers=staff
    )
    assert paused.status_code == 200, paused.text
    ended = await client.post(
        f"{path}/end",
        json={
            "ending_reason": "safeguarding",
            "ending_summary": "Referred to the local authority.",
        },
        headers=staff,
    )
    assert ended.status_code == 200, ended.text

    seen = (await client.get(path, headers=mentor)).json()
    assert seen["status"] == "ended" and seen["ending_reason"] == "safeguarding"
    assert seen["ending_summary"] is None
    assert [change["note"] for change in seen["history"]] == [None] * len(seen["history"])
    assert seen["latest_check_ins"]["mentor"]["comment"] is None
    assert seen["latest_check_ins"]["mentee"]["comment"] is None
    listed = (await client.get(f"{path}/check-ins", headers=mentor)).json()["items"]
    assert listed and all(c["comment"] is None for c in listed)
    graphql = await client.post(
        "/api/v1/graphql",
        json={
            "query": "query($id: UUID!) { relationship(id: $id) { endingSummary "
            "history { note } latestCheckIns { mentee { comment } } } }",
            "variables": {"id": rid},
        },
        headers=mentor,
    )
    assert graphql.json()["data"]["relationship"] == {
        "endingSummary": None,
        "history": [{"note": None}] * len(seen["history"]),
        "latestCheckIns": {"mentee": {"comment": None}},
    }

    kept = (await client.get(path, headers=staff)).json()
    assert kept["ending_summary"] == "Referred to the local authority."
    assert "Safeguarding concern raised." in [c["note"] for c in kept["history"]]


async def test_progress_history_carries_no_notes_or_names(
    client: httpx.AsyncClient, world: World
) -> None:
    partner, staff = world.headers("partner"), world.headers(STAFF)
    referral = (await refer_in(client, partner, ref="NDL-9")).json()
    declined = await client.post(
        f"{BASE}/{referral['id']}/decline",
        json={"reason": "Lives outside the area we serve."},
        headers=staff,
    )
    assert declined.status_code == 200, declined.text
    progress = (await client.get(f"{BASE}/{referral['id']}/progress", headers=partner)).json()
    assert [step["to"] for step in progress["history"]] == ["sent", "declined"]
    assert all(set(step) == {"from", "to", "at"} for step in progress["history"])
