"""The mentor's app: `GET /me/caseload`, names on relationships, and who reads the notes on
a relationship's moves."""

from datetime import UTC, datetime, timedelta

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import MentoringRelationship
from api.models.enums import Role
from tests.factories import World, bearer, make_mentee, make_mentor, make_relationship, make_user
from tests.schema.helpers import gql

API = "/api/v1"


def when(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def relationship_of(db: AsyncSession, world: World) -> str:
    row = (
        await db.exec(
            select(MentoringRelationship).where(
                MentoringRelationship.mentee_id == world.my_mentee.id
            )
        )
    ).one()
    return str(row.id)


async def test_my_caseload_in_one_request(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    rid = await relationship_of(db, world)
    mentor = world.headers("mentor")
    for days in (9, 2):
        planned = await client.post(
            f"{API}/sessions",
            json={"relationship_id": rid, "scheduled_start": when(days), "setting": "custody"},
            headers=mentor,
        )
        assert planned.status_code == 201
    goal = await client.post(
        f"{API}/goals",
        json={"mentee_id": str(world.my_mentee.id), "pathway": "health", "title": "See a GP"},
        headers=mentor,
    )
    assert goal.status_code == 201
    answer = await client.get(f"{API}/me/caseload", headers=mentor)
    assert answer.status_code == 200, answer.text
    (entry,) = answer.json()["items"]  # the ended relationship is not in it
    assert entry["relationship_id"] == rid
    assert entry["mentee_name"] == "Kyle Mentee" and entry["phase"] == "custody"
    assert entry["next_session"]["scheduled_start"][:10] == when(2)[:10]
    assert [g["title"] for g in entry["open_goals"]] == ["See a GP"]
    assert entry["open_alerts"] == []
    for who in ("coordinator", "mentee", "partner"):
        refused = await client.get(f"{API}/me/caseload", headers=world.headers(who))
        assert refused.status_code == 403


async def test_a_caseload_is_the_mentors_own(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    foreign_mentor = await make_mentor(db, world.other_org)
    await make_relationship(db, world.foreign_mentee, foreign_mentor)
    foreign = bearer(
        world.settings, await make_user(db, world.other_org, Role.mentor, foreign_mentor)
    )
    theirs = (await client.get(f"{API}/me/caseload", headers=foreign)).json()["items"]
    assert [e["mentee_name"] for e in theirs] == ["Foreign Mentee"]
    second = await make_mentee(db, world.org, given_name="Nia", preferred_name="Nee")
    await make_relationship(db, second, world.other_mentor)
    mine = (await client.get(f"{API}/me/caseload", headers=world.headers("mentor"))).json()
    assert [e["mentee_name"] for e in mine["items"]] == ["Kyle Mentee"]


async def test_relationships_name_the_other_person_and_keep_move_notes_from_the_mentee(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    self_rel = (
        await db.exec(
            select(MentoringRelationship).where(
                MentoringRelationship.mentee_id == world.self_mentee.id
            )
        )
    ).one()
    staff = world.headers("coordinator")
    await client.post(f"{API}/relationships/{self_rel.id}/activate", headers=staff)
    paused = await client.post(
        f"{API}/relationships/{self_rel.id}/pause",
        json={"note": "Safeguarding concern raised; pausing while we review."},
        headers=staff,
    )
    assert paused.status_code == 200
    as_mentee = (
        await client.get(f"{API}/relationships/{self_rel.id}", headers=world.headers("mentee"))
    ).json()
    assert as_mentee["mentor_name"] == "Priya Mentor"
    assert "Safeguarding" not in str(as_mentee)
    assert all(event["note"] is None for event in as_mentee["history"])
    as_staff = (await client.get(f"{API}/relationships/{self_rel.id}", headers=staff)).json()
    assert as_staff["history"][-1]["note"].startswith("Safeguarding")
    assert as_staff["mentee_name"] == "Tomasz Mentee"
    mine = (await client.get(f"{API}/relationships", headers=world.headers("mentor"))).json()
    assert {r["mentee_name"] for r in mine["items"]} == {"Kyle Mentee", "Gemma Mentee"}


async def test_each_side_reads_only_its_own_check_in_comments(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    rid = await relationship_of(db, world)
    said = await client.post(
        f"{API}/relationships/{rid}/check-ins",
        json={"feeling": "unsure", "side": "mentee", "comment": "He talks over me."},
        headers=world.headers("coordinator"),
    )
    assert said.status_code == 201
    for path in (f"{API}/relationships/{rid}", f"{API}/relationships/{rid}/check-ins"):
        seen = await client.get(path, headers=world.headers("mentor"))
        assert seen.status_code == 200 and "talks over" not in seen.text
        assert "talks over" in (await client.get(path, headers=world.headers("admin"))).text
    answer = await gql(
        client,
        world.headers("mentor"),
        "query ($id: UUID!) { relationship(id: $id) { latestCheckIns { mentee { comment } } } }",
        id=rid,
    )
    assert answer["data"]["relationship"]["latestCheckIns"]["mentee"] == {"comment": None}


async def test_a_mentee_and_a_partner_never_read_the_mentors_check_in_comments(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    """The mentee user's relationship (with Priya): the mentor's side of a check-in stays
    with staff and the mentor; the mentee reads their own; a partner reads neither."""
    rid = str(
        (
            await db.exec(
                select(MentoringRelationship).where(
                    MentoringRelationship.mentee_id == world.self_mentee.id
                )
            )
        )
        .one()
        .id
    )
    staff = world.headers("coordinator")
    for side, comment in (("mentor", "Finds it hard to open up."), ("mentee", "Getting there.")):
        said = await client.post(
            f"{API}/relationships/{rid}/check-ins",
            json={"feeling": "unsure", "side": side, "comment": comment},
            headers=staff,
        )
        assert said.status_code == 201, said.text
    mentee = world.headers("mentee")
    for path in (f"{API}/relationships/{rid}", f"{API}/relationships/{rid}/check-ins"):
        seen = await client.get(path, headers=mentee)
        assert seen.status_code == 200, seen.text
        assert "open up" not in seen.text and "Getting there" in seen.text
        assert "open up" in (await client.get(path, headers=staff)).text
        assert (await client.get(path, headers=world.headers("partner"))).status_code == 403
    query = """query ($id: UUID!) { relationship(id: $id) {
        latestCheckIns { mentor { comment } mentee { comment } } } }"""
    as_mentee = await gql(client, mentee, query, id=rid)
    assert as_mentee["data"]["relationship"]["latestCheckIns"] == {
        "mentor": {"comment": None},
        "mentee": {"comment": "Getting there."},
    }
    as_partner = await gql(client, world.headers("partner"), query, id=rid)
    assert as_partner["data"] is None or as_partner["data"]["relationship"] is None
    assert "open up" not in str(as_partner)
