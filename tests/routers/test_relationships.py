"""/relationships: the state machine, the matching rules, phases, check-ins, who sees what."""

import asyncio
from datetime import date
from typing import Any

import httpx
import pytest
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import MentoringRelationship, NonAssociation, Person
from api.models.base import utc_today
from tests.factories import World, make_mentee, make_mentor, make_relationship
from tests.schema.helpers import gql

BASE = "/api/v1/relationships"


async def propose(
    client: httpx.AsyncClient, world: World, mentee: Person, mentor: Person, **extra: Any
) -> httpx.Response:
    body = {"mentee_id": str(mentee.id), "mentor_id": str(mentor.id), **extra}
    return await client.post(BASE, json=body, headers=world.headers("coordinator"))


async def move(
    client: httpx.AsyncClient,
    world: World,
    relationship_id: str,
    action: str,
    who: str = "coordinator",
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    return await client.post(
        f"{BASE}/{relationship_id}/{action}", json=body, headers=world.headers(who)
    )


ENDING = {"ending_reason": "completed", "ending_summary": "Goals met; housed and working."}
AGREED = {"note": "Agreed at the visit with his key worker."}


async def relationship_in(
    client: httpx.AsyncClient, world: World, db: AsyncSession, status: str
) -> str:
    mentee = await make_mentee(db, world.org)
    created = await propose(client, world, mentee, world.other_mentor)
    assert created.status_code == 201, created.text
    rid: str = created.json()["id"]
    agreed = await move(client, world, rid, "agree", body=AGREED)
    assert agreed.status_code == 200, agreed.text
    path = {
        "proposed": [],
        "active": ["activate"],
        "paused": ["activate", "pause"],
        "ended": ["end"],
    }[status]
    for action in path:
        response = await move(client, world, rid, action, body=ENDING if action == "end" else None)
        assert response.status_code == 200, response.text
    return rid


async def test_propose_a_match(client: httpx.AsyncClient, world: World, db: AsyncSession) -> None:
    mentee = await make_mentee(db, world.org, profile={"custody_status": "released"})
    response = await propose(
        client, world, mentee, world.other_mentor, expectations="Weekly coffee; help with a flat."
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "proposed"
    assert body["phase"] == "through_the_gate"  # from the mentee's custody status
    assert body["expectations"] == "Weekly coffee; help with a flat."
    assert response.headers["location"] == f"{BASE}/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert [(e["field"], e["from"], e["to"]) for e in body["history"]] == [
        ("status", None, "proposed"),
        ("phase", None, "through_the_gate"),
    ]
    assert set(body["phase_started_at"]) == {"through_the_gate"}
    assert body["latest_check_ins"] == {"mentor": None, "mentee": None}


TABLE = [
    ("proposed", "activate", 200),
    ("proposed", "pause", 409),
    ("proposed", "resume", 409),
    ("proposed", "end", 200),
    ("active", "activate", 409),
    ("active", "pause", 200),
    ("active", "resume", 409),
    ("active", "end", 200),
    ("paused", "activate", 409),
    ("paused", "pause", 409),
    ("paused", "resume", 200),
    ("paused", "end", 200),
    ("ended", "activate", 409),
    ("ended", "pause", 409),
    ("ended", "resume", 409),
    ("ended", "end", 409),
]


@pytest.mark.parametrize(("start", "action", "expected"), TABLE)
async def test_every_move_from_every_state(
    client: httpx.AsyncClient,
    world: World,
    db: AsyncSession,
    start: str,
    action: str,
    expected: int,
) -> None:
    rid = await relationship_in(client, world, db, start)
    before = (await client.get(f"{BASE}/{rid}", headers=world.headers("admin"))).json()
    response = await move(client, world, rid, action, body=ENDING if action == "end" else None)
    assert response.status_code == expected, response.text
    if expected == 409:
        assert response.json()["type"] == "/problems/conflict"
        after = (await client.get(f"{BASE}/{rid}", headers=world.headers("admin"))).json()
        assert after == before
    else:
        target = {"activate": "active", "pause": "paused", "resume": "active", "end": "ended"}
        assert response.json()["status"] == target[action]
        last = response.json()["history"][-1]
        assert (last["from"], last["to"]) == (start, target[action])
        assert last["by"] == f"user:{world.accounts['coordinator'].id}"


async def test_activation_and_ending_record_dates_and_reasons(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    rid = await relationship_in(client, world, db, "active")
    active = (await client.get(f"{BASE}/{rid}", headers=world.headers("admin"))).json()
    assert active["started_on"] == date.today().isoformat()
    ended = (await move(client, world, rid, "end", body=ENDING)).json()
    assert ended["ended_on"] == date.today().isoformat()
    assert ended["ending_reason"] == "completed"
    assert ended["ending_summary"] == ENDING["ending_summary"]
    assert ended["history"][-1]["note"] == ENDING["ending_summary"]


@pytest.mark.parametrize(
    "body",
    [
        None,
        {},
        {"ending_reason": "completed"},
        {"ending_summary": "x"},
        {"ending_reason": "bored", "ending_summary": "x"},
        {"ending_reason": "completed", "ending_summary": "   "},
    ],
)
async def test_ending_needs_a_reason_and_a_summary(
    client: httpx.AsyncClient, world: World, db: AsyncSession, body: dict[str, Any] | None
) -> None:
    rid = await relationship_in(client, world, db, "active")
    response = await move(client, world, rid, "end", body=body)
    assert response.status_code == 422
    current = await client.get(f"{BASE}/{rid}", headers=world.headers("admin"))
    assert current.json()["status"] == "active"


async def test_an_ended_relationship_does_not_change(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    rid = await relationship_in(client, world, db, "ended")
    response = await client.patch(
        f"{BASE}/{rid}", json={"expectations": "again"}, headers=world.headers("coordinator")
    )
    assert response.status_code == 409


async def test_a_mentee_has_one_open_relationship(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    third = await make_mentor(db, world.org, given_name="Third")
    second = await propose(client, world, world.my_mentee, third)
    assert second.status_code == 409
    assert "open relationship" in second.json()["detail"]
    # once the first has ended, a new match is fine
    first = (
        await client.get(
            BASE, params={"mentee_id": str(world.my_mentee.id)}, headers=world.headers("admin")
        )
    ).json()["items"][0]
    assert (await move(client, world, first["id"], "end", body=ENDING)).status_code == 200
    assert (await propose(client, world, world.my_mentee, third)).status_code == 201


async def test_a_mentor_never_exceeds_their_caseload(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentor = await make_mentor(db, world.org, profile={"max_caseload": 2})
    mentees = [await make_mentee(db, world.org) for _ in range(3)]
    assert (await propose(client, world, mentees[0], mentor)).status_code == 201
    assert (await propose(client, world, mentees[1], mentor)).status_code == 201
    full = await propose(client, world, mentees[2], mentor)
    assert full.status_code == 409 and "caseload is full" in full.json()["detail"]


async def test_only_open_relationships_fill_a_caseload(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentor = await make_mentor(db, world.org, profile={"max_caseload": 1})
    await make_relationship(db, await make_mentee(db, world.org), mentor, status="ended")
    response = await propose(client, world, await make_mentee(db, world.org), mentor)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("profile", "why"),
    [
        ({"vetting_status": "pending"}, "not cleared"),
        ({"vetting_status": "refused"}, "refused"),
        ({"vetting_expires_on": date(2020, 1, 1)}, "vetting expired"),
        ({"training_completed_on": None}, "untrained"),
        ({"training_completed_on": date(2099, 1, 1)}, "training booked, not yet done"),
        ({"max_caseload": 0}, "no capacity"),
    ],
)
async def test_ineligible_mentors_cannot_be_matched(
    client: httpx.AsyncClient, world: World, db: AsyncSession, profile: dict[str, Any], why: str
) -> None:
    mentor = await make_mentor(db, world.org, profile=profile)
    mentee = await make_mentee(db, world.org)
    response = await propose(client, world, mentee, mentor)
    assert response.status_code == 409, why


async def test_a_mentor_is_eligible_on_the_day_vetting_expires_and_the_day_training_ends(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    today = utc_today()
    mentor = await make_mentor(
        db, world.org, profile={"vetting_expires_on": today, "training_completed_on": today}
    )
    response = await propose(client, world, await make_mentee(db, world.org), mentor)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("mentee_of", "mentor_of"),
    [("mentor", "mentor"), ("mentee", "mentee"), ("foreign", "mentor"), ("mentee", "foreign")],
)
async def test_both_people_must_be_of_the_right_kind_and_organisation(
    client: httpx.AsyncClient, world: World, db: AsyncSession, mentee_of: str, mentor_of: str
) -> None:
    people = {
        "mentor": world.other_mentor,
        "mentee": await make_mentee(db, world.org),
        "foreign": world.foreign_mentee,
    }
    response = await propose(client, world, people[mentee_of], people[mentor_of])
    assert response.status_code == 422
    count = (await db.exec(select(func.count()).select_from(MentoringRelationship))).one()
    assert count == 3


async def test_a_non_association_is_a_hard_exclusion(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee = await make_mentee(db, world.org)
    added = await client.post(
        f"/api/v1/people/{mentee.id}/non-associations",
        json={
            "other_person_id": str(world.other_mentor.id),
            "kind": "same_establishment",
            "reason": "Served time together at HMP Durham.",
        },
        headers=world.headers("coordinator"),
    )
    assert added.status_code == 201
    response = await propose(client, world, mentee, world.other_mentor)
    assert response.status_code == 409


async def test_a_non_association_excludes_only_the_two_people_it_links(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee, mentor = await make_mentee(db, world.org), await make_mentor(db, world.org)
    co_defendant = await make_mentee(db, world.org)
    # the mentee and another mentee kept apart (recorded on each), and that other mentee
    # kept from this mentor: none of it links the mentee with the mentor
    for on, named in ((mentee, co_defendant), (co_defendant, mentee), (co_defendant, mentor)):
        db.add(
            NonAssociation(
                org_id=world.org.id,
                mentee_id=on.id,
                kind="co_defendant",
                by="test",
                other_person_id=named.id,
            )
        )
    await db.commit()
    response = await propose(client, world, mentee, mentor)
    assert response.status_code == 201, response.text


async def test_an_ending_for_safeguarding_keeps_that_pair_apart_and_no_other(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee, mentor = await make_mentee(db, world.org), await make_mentor(db, world.org)
    ended = await make_relationship(db, mentee, mentor, status="ended")
    ended.ending_reason = "safeguarding"
    db.add(ended)
    former, again = await make_mentee(db, world.org), await make_mentor(db, world.org)
    parted = await make_relationship(db, former, again, status="ended")
    parted.ending_reason = "completed"
    db.add(parted)
    await db.commit()
    refused = await propose(client, world, mentee, mentor)
    assert refused.status_code == 409 and "safeguarding" in refused.json()["detail"]
    # the same mentor for another mentee, the same mentee with another mentor, and a pair
    # whose earlier relationship ended otherwise may all be matched
    for pair in (
        (await make_mentee(db, world.org), mentor),
        (mentee, await make_mentor(db, world.org)),
        (former, again),
    ):
        response = await propose(client, world, *pair)
        assert response.status_code == 201, response.text


async def test_concurrent_matches_never_overfill_a_caseload(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentor = await make_mentor(db, world.org, profile={"max_caseload": 1})
    mentees = [await make_mentee(db, world.org) for _ in range(6)]
    responses = await asyncio.gather(*(propose(client, world, m, mentor) for m in mentees))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5
    count = (
        await db.exec(
            select(func.count())
            .select_from(MentoringRelationship)
            .where(MentoringRelationship.mentor_id == mentor.id)
        )
    ).one()
    assert count == 1


async def test_concurrent_matches_of_one_mentee_make_one_relationship(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee = await make_mentee(db, world.org)
    mentors = [await make_mentor(db, world.org) for _ in range(5)]
    responses = await asyncio.gather(*(propose(client, world, mentee, m) for m in mentors))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 4
    count = (
        await db.exec(
            select(func.count())
            .select_from(MentoringRelationship)
            .where(MentoringRelationship.mentee_id == mentee.id)
        )
    ).one()
    assert count == 1


async def test_phases_move_forward_and_record_when_they_began(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    rid = await relationship_in(client, world, db, "active")
    forward = await client.patch(
        f"{BASE}/{rid}", json={"phase": "community"}, headers=world.headers("coordinator")
    )
    assert forward.status_code == 200
    assert set(forward.json()["phase_started_at"]) == {"custody", "community"}
    back = await client.patch(
        f"{BASE}/{rid}", json={"phase": "custody"}, headers=world.headers("coordinator")
    )
    assert back.status_code == 409
    assert (
        await client.patch(
            f"{BASE}/{rid}", json={"phase": None}, headers=world.headers("coordinator")
        )
    ).status_code == 422


async def test_release_takes_the_relationship_through_the_gate(
    client: httpx.AsyncClient, world: World
) -> None:
    relationship = (
        await client.get(
            BASE, params={"mentee_id": str(world.my_mentee.id)}, headers=world.headers("admin")
        )
    ).json()["items"][0]
    assert relationship["phase"] == "custody"
    released = await client.patch(
        f"/api/v1/people/{world.my_mentee.id}",
        json={"mentee": {"custody_status": "released"}},
        headers=world.headers("mentor"),
    )
    assert released.status_code == 200
    after = (
        await client.get(f"{BASE}/{relationship['id']}", headers=world.headers("admin"))
    ).json()
    assert after["phase"] == "through_the_gate"
    last = after["history"][-1]
    assert (last["field"], last["from"], last["to"]) == ("phase", "custody", "through_the_gate")
    assert last["by"] == f"user:{world.accounts['mentor'].id}"


async def test_if_match_on_relationships(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    rid = await relationship_in(client, world, db, "proposed")
    stale = await client.post(
        f"{BASE}/{rid}/activate", headers={**world.headers("coordinator"), "If-Match": '"9"'}
    )
    assert stale.status_code == 412
    fresh = await client.post(
        f"{BASE}/{rid}/activate", headers={**world.headers("coordinator"), "If-Match": '"2"'}
    )  # proposed (1), agreed to by the mentee (2)
    assert fresh.status_code == 200 and fresh.headers["etag"] == '"3"'


async def test_check_ins_from_both_sides(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee_rel = (await client.get(BASE, headers=world.headers("mentee"))).json()["items"]
    assert [r["mentee_id"] for r in mentee_rel] == [str(world.self_mentee.id)]
    rid = mentee_rel[0]["id"]
    own = await client.post(
        f"{BASE}/{rid}/check-ins", json={"feeling": "unsure"}, headers=world.headers("mentee")
    )
    assert own.status_code == 201 and own.json()["side"] == "mentee"
    impersonating = await client.post(
        f"{BASE}/{rid}/check-ins",
        json={"feeling": "good_fit", "side": "mentor"},
        headers=world.headers("mentee"),
    )
    assert impersonating.status_code == 422
    staff_without_side = await client.post(
        f"{BASE}/{rid}/check-ins", json={"feeling": "unsure"}, headers=world.headers("coordinator")
    )
    assert staff_without_side.status_code == 422
    on_behalf = await client.post(
        f"{BASE}/{rid}/check-ins",
        json={"feeling": "good_fit", "side": "mentor", "comment": "Said on the phone"},
        headers=world.headers("coordinator"),
    )
    assert on_behalf.status_code == 201
    later = await client.post(
        f"{BASE}/{rid}/check-ins",
        json={"feeling": "not_a_good_fit"},
        headers=world.headers("mentee"),
    )
    assert later.status_code == 201
    shown = (await client.get(f"{BASE}/{rid}", headers=world.headers("mentee"))).json()
    assert shown["latest_check_ins"]["mentee"]["feeling"] == "not_a_good_fit"
    assert shown["latest_check_ins"]["mentor"]["feeling"] == "good_fit"
    assert shown["latest_check_ins"]["mentor"]["comment"] is None  # the other side's words
    by_staff = (await client.get(f"{BASE}/{rid}", headers=world.headers("admin"))).json()
    assert by_staff["latest_check_ins"]["mentor"]["comment"] == "Said on the phone"
    listed = (await client.get(f"{BASE}/{rid}/check-ins", headers=world.headers("admin"))).json()[
        "items"
    ]
    assert [c["feeling"] for c in listed] == ["unsure", "good_fit", "not_a_good_fit"]
    bad_session = await client.post(
        f"{BASE}/{rid}/check-ins",
        json={"feeling": "unsure", "session_id": str(world.org.id)},
        headers=world.headers("mentee"),
    )
    assert bad_session.status_code == 422


async def test_no_check_ins_on_an_ended_relationship(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    rid = await relationship_in(client, world, db, "ended")
    response = await client.post(
        f"{BASE}/{rid}/check-ins",
        json={"feeling": "good_fit", "side": "mentee"},
        headers=world.headers("coordinator"),
    )
    assert response.status_code == 409


async def test_list_filters(client: httpx.AsyncClient, world: World, db: AsyncSession) -> None:
    await relationship_in(client, world, db, "paused")
    headers = world.headers("admin")

    async def statuses(**params: str) -> list[str]:
        response = await client.get(BASE, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return sorted(r["status"] for r in response.json()["items"])

    assert await statuses() == ["active", "ended", "paused", "proposed"]
    assert await statuses(status="paused") == ["paused"]
    assert await statuses(mentor_id=str(world.mentor.id)) == ["active", "ended"]
    assert await statuses(phase="community") == []
    assert await statuses(updated_since="2999-01-01T00:00:00Z") == []
    assert (await client.get(BASE, params={"status": "over"}, headers=headers)).status_code == 422


async def test_non_association_reasons_are_sensitive(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    path = f"/api/v1/people/{world.my_mentee.id}/non-associations"
    body = {
        "other_person_id": str(world.other_mentee.id),
        "kind": "co_defendant",
        "reason": "Co-defendant in the 2024 burglary case.",
    }
    assert (await client.post(path, json=body, headers=world.headers("mentor"))).status_code == 403
    created = await client.post(path, json=body, headers=world.headers("coordinator"))
    assert created.status_code == 201 and created.json()["reason"] == body["reason"]
    again = await client.post(path, json=body, headers=world.headers("coordinator"))
    assert again.status_code == 409
    narrow = world.headers("coordinator", scopes="people:read people:write")
    assert "reason" not in (await client.get(path, headers=narrow)).json()["items"][0]
    refused = await client.post(
        path, json={**body, "other_person_id": str(world.mentor.id)}, headers=narrow
    )
    assert refused.status_code == 403
    # staff only: not even the mentee's own mentor reads them
    assert (await client.get(path, headers=world.headers("mentor"))).status_code == 403
    removed = await client.delete(
        f"{path}/{created.json()['id']}", headers=world.headers("coordinator")
    )
    assert removed.status_code == 204
    assert (await db.exec(select(func.count()).select_from(NonAssociation))).one() == 0


async def test_organisation_settings(client: httpx.AsyncClient, world: World) -> None:
    got = await client.get("/api/v1/organisation", headers=world.headers("mentor"))
    assert got.status_code == 200 and got.json()["name"] == "Northgate"
    assert got.json()["matching_weights"]["needs"] == 0.35
    body = {"matching_weights": {"needs": 1, "capacity": 0}}
    refused = await client.patch(
        "/api/v1/organisation", json=body, headers=world.headers("coordinator")
    )
    assert refused.status_code == 403
    changed = await client.patch("/api/v1/organisation", json=body, headers=world.headers("admin"))
    assert changed.json()["matching_weights"]["needs"] == 1
    assert changed.json()["matching_weights"]["capacity"] == 0
    assert changed.json()["matching_weights"]["region"] == 0.15
    bad = await client.patch(
        "/api/v1/organisation",
        json={"matching_weights": {"needs": 2}},
        headers=world.headers("admin"),
    )
    assert bad.status_code == 422
    foreign = await client.get("/api/v1/organisation", headers=world.headers("foreign_coordinator"))
    assert foreign.json()["name"] == "Southgate"


# --- the mentee's say ----------------------------------------------------------------------


async def a_proposal(client: httpx.AsyncClient, world: World, mentee: Any) -> str:
    created = await propose(client, world, mentee, world.other_mentor)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_no_activation_without_the_mentees_agreement(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    rid = await a_proposal(client, world, await make_mentee(db, world.org))
    refused = await move(client, world, rid, "activate")
    assert refused.status_code == 409
    assert "not agreed" in refused.json()["detail"]
    assert (await client.get(f"{BASE}/{rid}", headers=world.headers("admin"))).json()[
        "mentee_agreement"
    ] is None
    # staff on the mentee's behalf say how the mentee agreed
    no_note = await move(client, world, rid, "agree")
    assert no_note.status_code == 422
    agreed = await move(client, world, rid, "agree", body=AGREED)
    assert agreed.status_code == 200, agreed.text
    agreement = agreed.json()["mentee_agreement"]
    assert agreement["on_behalf"] is True
    assert agreement["note"] == AGREED["note"]
    assert agreement["by"] == f"user:{world.accounts['coordinator'].id}"
    assert (await move(client, world, rid, "agree", body=AGREED)).status_code == 409
    active = await move(client, world, rid, "activate")
    assert active.status_code == 200, active.text
    assert (await move(client, world, rid, "agree", body=AGREED)).status_code == 409


async def the_mentees_proposal(world: World, db: AsyncSession, *, agreed: bool) -> str:
    """The mentee user's own proposed relationship, agreed to or not yet."""
    row = (
        await db.exec(
            select(MentoringRelationship).where(
                MentoringRelationship.mentee_id == world.self_mentee.id
            )
        )
    ).one()
    if not agreed:
        row.mentee_agreed_at = None
        db.add(row)
        await db.commit()
    return str(row.id)


async def test_the_mentee_agrees_themself_and_no_one_else_may(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    rid = await the_mentees_proposal(world, db, agreed=False)
    for who in ("mentor", "partner", "analyst", "foreign_coordinator"):
        refused = await move(client, world, rid, "agree", who=who, body=AGREED)
        assert refused.status_code in (403, 404), who
    agreed = await move(client, world, rid, "agree", who="mentee")
    assert agreed.status_code == 200, agreed.text
    assert agreed.json()["mentee_agreement"]["on_behalf"] is False
    assert agreed.json()["mentee_agreement"]["by"] == f"user:{world.accounts['mentee'].id}"
    assert (await move(client, world, rid, "activate")).status_code == 200


async def test_the_mentee_declines_a_proposed_match(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    rid = await the_mentees_proposal(world, db, agreed=False)
    assert (await move(client, world, rid, "decline", who="mentee")).status_code == 422
    assert (
        await move(client, world, rid, "decline", who="mentor", body={"reason": "No."})
    ).status_code in (403, 404)
    reason = {"reason": "I would rather a woman mentor."}
    declined = await move(client, world, rid, "decline", who="mentee", body=reason)
    assert declined.status_code == 200, declined.text
    body = (await client.get(f"{BASE}/{rid}", headers=world.headers("coordinator"))).json()
    assert (body["status"], body["ending_reason"], body["started_on"]) == (
        "ended",
        "mentee_withdrew",
        None,
    )
    assert body["ending_summary"] == reason["reason"]
    assert body["ended_on"] == date.today().isoformat()
    assert (await move(client, world, rid, "decline", body=reason)).status_code == 409
    report = await client.get(
        "/api/v1/reports/programme",
        params={"from": date.today().isoformat(), "to": date.today().isoformat()},
        headers=world.headers("admin"),
    )
    assert report.status_code == 200, report.text
    tables = {t["key"]: t["rows"] for t in report.json()["tables"]}
    assert tables["relationships"][0]["counts"]["declined_by_mentee"]["value"] == 1


async def test_only_a_proposal_is_declined(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    rid = await relationship_in(client, world, db, "active")
    refused = await move(client, world, rid, "decline", body={"reason": "Changed my mind."})
    assert refused.status_code == 409


async def test_graphql_agree_and_decline(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    rid = await the_mentees_proposal(world, db, agreed=False)
    result = """{ __typename ... on Relationship { status menteeAgreement { onBehalf } }
                  ... on Problem { problem: httpStatus } }"""
    agree = f"mutation ($id: UUID!) {{ agreeToRelationship(id: $id) {result} }}"
    staff = world.headers("coordinator")
    no_note = await gql(client, staff, agree, id=rid)
    assert no_note["data"]["agreeToRelationship"] == {"__typename": "Problem", "problem": 422}
    mine = await gql(client, world.headers("mentee"), agree, id=rid)
    assert mine["data"]["agreeToRelationship"]["menteeAgreement"] == {"onBehalf": False}
    decline = f"""mutation ($id: UUID!) {{
        declineRelationship(id: $id, reason: "Not now.") {result} }}"""
    ended = await gql(client, staff, decline, id=rid)
    assert ended["data"]["declineRelationship"]["status"] == "ended"
