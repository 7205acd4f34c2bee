"""`GET /people/{id}/subject-access-export`: everything held about a person, as one JSON
document, with other people's data redacted; complete by construction, checked against the
schema so a new table that names a person fails here until it is exported or excluded."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import sqlalchemy as sa
from sqlmodel import SQLModel, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import AuditEvent, MentoringRelationship
from api.services.subject_access import ELSEWHERE, EXCLUDED, REDACTED
from tests.factories import World, make_mentee, make_relationship
from tests.test_audit_coverage import _world_records

PERSON_COLUMN_NAMES = {"person_id", "mentee_id", "mentor_id", "other_person_id"}


def _tables_naming_a_person() -> dict[str, list[str]]:
    """From the schema alone: each table with a column that names a person (a foreign key to
    `person`, or a person-like name), and each table whose parent row does."""
    tables = SQLModel.metadata.tables
    direct = {
        name: sorted(
            {fk.parent.name for fk in table.foreign_keys if fk.column.table.name == "person"}
            | {c.name for c in table.columns if c.name in PERSON_COLUMN_NAMES}
        )
        for name, table in tables.items()
    }
    direct = {name: columns for name, columns in direct.items() if columns}
    direct["person"] = ["id"]
    found = dict(direct)
    for name, table in tables.items():
        if name not in found and any(fk.column.table.name in direct for fk in table.foreign_keys):
            found[name] = []
    return found


async def _export(client: httpx.AsyncClient, world: World, person: object) -> httpx.Response:
    return await client.get(
        f"/api/v1/people/{person}/subject-access-export", headers=world.headers("admin")
    )


async def test_the_export_holds_every_record_and_redacts_other_people(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    ids = await _world_records(client, world, db)
    mentee = world.my_mentee.id
    staff = world.headers("coordinator")
    consent = await client.post(
        f"/api/v1/people/{mentee}/consents",
        json={"purpose": "contact_by_text", "status": "granted", "evidence": "written"},
        headers=staff,
    )
    assert consent.status_code == 201, consent.text
    apart = await client.post(
        f"/api/v1/people/{mentee}/non-associations",
        json={
            "other_person_id": str(world.other_mentee.id),
            "kind": "co_defendant",
            "reason": "Co-defendant Aisha",
        },
        headers=staff,
    )
    assert apart.status_code == 201, apart.text
    # a group session with another mentor's mentee in it
    lee = await make_mentee(db, world.org, given_name="Leeroy")
    await make_relationship(db, lee, world.other_mentor)
    theirs = (
        await db.exec(
            select(MentoringRelationship).where(MentoringRelationship.mentee_id == lee.id)
        )
    ).one()
    group = await client.post(
        "/api/v1/group-sessions",
        json={
            "title": "Money workshop",
            "scheduled_start": (datetime.now(UTC) - timedelta(days=2)).isoformat(),
            "duration_minutes": 60,
            "setting": "custody",
            "topics": ["finance_benefit_debt"],
            "facilitator_ids": [str(world.mentor.id)],
            "relationship_ids": [ids["relationship_id"], str(theirs.id)],
        },
        headers=staff,
    )
    assert group.status_code == 201, group.text
    await client.get(f"/api/v1/people/{mentee}", headers=world.headers("mentor"))

    response = await _export(client, world, mentee)
    assert response.status_code == 200, response.text
    document = response.json()
    text = json.dumps(document)
    records = document["records"]

    # completeness: every table that names a person is exported, or excluded with a reason
    expected = _tables_naming_a_person()
    missing = set(expected) - set(records) - set(ELSEWHERE) - set(EXCLUDED)
    assert missing == set(), f"tables naming a person, neither exported nor excluded: {missing}"
    assert all(reason for reason in document["excluded"].values())
    # ... and every row that names the person directly is in it
    for name, columns in expected.items():
        if name in ELSEWHERE or name in EXCLUDED or not columns:
            continue
        table = SQLModel.metadata.tables[name]
        held = (
            await db.exec(
                select(func.count())
                .select_from(table)
                .where(sa.or_(*(table.c[c] == mentee for c in columns)))
            )
        ).one()
        assert len(records[name]) == held, name
    assert document["person"]["id"] == str(mentee)
    assert document["person"]["given_name"] == "Kyle"
    for wanted in ("session_id", "goal_id", "step_id", "assessment_id", "outcome_id"):
        assert ids[wanted] in text, wanted
    assert ids["concern_id"] in text and ids["alert_id"] in text
    assert [r["title"] for r in records["goal"]] == ["A home"]
    assert [r["note"] for r in records["goal_review"]] == ["Fine"]
    assert records["mentoring_relationship"] and "relationship_event" in records  # history
    assert {r["purpose"] for r in records["consent"]} == {"contact_by_text"}
    assert len(records["mentoring_session"]) == 3  # one to one, and two group sessions
    readers = {(a["actor_role"], a["action"]) for a in document["audit"]}
    assert ("mentor", "person.read") in readers

    # other people: their ids and details are redacted, the other attendees never reached
    mentor = world.mentor
    for other in (world.other_mentee, lee, world.other_mentor):
        assert str(other.id) not in text
    assert str(mentor.id) not in text
    for private in (mentor.email, mentor.phone, "Leeroy", "Aisha", "Priya"):
        assert not private or private not in text, private
    assert records["mentoring_relationship"][0]["mentor_id"] == REDACTED
    assert records["non_association"][0]["reason"] == REDACTED
    assert "password_hash" not in text

    # the export itself is audited
    exported = (
        await db.exec(
            select(AuditEvent).where(
                AuditEvent.person_id == mentee,
                AuditEvent.action == "person.subject_access_export",
            )
        )
    ).all()
    assert len(exported) == 1 and exported[0].actor_role == "admin"


async def test_a_mentors_export_redacts_their_mentees(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    ids = await _world_records(client, world, db)
    response = await _export(client, world, world.mentor.id)
    assert response.status_code == 200, response.text
    text = response.text
    for mentee in (world.my_mentee, world.ended_mentee):
        assert str(mentee.id) not in text
        assert mentee.given_name not in text
    sessions = response.json()["records"]["mentoring_session"]
    assert ids["session_id"] in text and all(s["notes"] in (None, REDACTED) for s in sessions)


async def test_only_an_administrator_exports_and_an_unknown_person_is_404(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"/api/v1/people/{world.my_mentee.id}/subject-access-export"
    for role in ("coordinator", "mentor", "mentee", "partner", "analyst"):
        assert (await client.get(url, headers=world.headers(role))).status_code == 403
    assert (await _export(client, world, uuid.uuid4())).status_code == 404
    assert (await _export(client, world, world.foreign_mentee.id)).status_code == 404
