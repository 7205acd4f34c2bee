"""Erasure on request and legal holds: the personal data goes for good, everywhere; the
reports still count what happened; an open relationship or a legal hold refuses it."""

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import (
    Alert,
    Assessment,
    Concern,
    Consent,
    CustodyEvent,
    Goal,
    GoalReview,
    GoalStatusChange,
    GoalStep,
    MenteeProfile,
    MentoringRelationship,
    MentoringSession,
    NonAssociation,
    Outcome,
    Person,
    Referral,
    ReferralStatusChange,
    RefreshToken,
    RelationshipCheckIn,
    RelationshipEvent,
    UserAccount,
)
from api.models.base import utcnow
from tests.factories import PASSWORD, World, make_mentee
from tests.test_auth import password_login

API = "/api/v1"
MARK = "Quixote"  # in every personal field below: none may survive erasure
SECRETS = (MARK, "07700 900999", "2012/0052834X", "A1234BC", "1991-04-02")


async def a_full_record(db: AsyncSession, world: World) -> Person:
    """A mentee with something in every table erasure knows, the relationship ended."""
    org_id = world.org.id
    person = Person(
        org_id=org_id,
        kind="mentee",
        given_name=MARK,
        family_name=f"{MARK}sson",
        preferred_name=f"Q {MARK}",
        pronouns="he/him",
        gender="male",
        date_of_birth=date(1991, 4, 2),
        languages=["en"],
        region="North East",
        email=f"{MARK.lower()}@example.org",
        phone="07700 900999",
    )
    person.mentee_profile = MenteeProfile(
        person_id=person.id,
        org_id=org_id,
        custody_status="released",
        establishment=f"HMP {MARK}",
        release_date=date.today() - timedelta(days=200),
        probation_region="North East",
        needs=["accommodation"],
        external_ref=f"NDL-{MARK}",
        risk_level="medium",
        offence_summary=f"{MARK} took a car.",
        probation_practitioner={"name": f"{MARK} Officer", "email": "po@example.org"},
        pnc_number="2012/0052834X",
        prison_number="A1234BC",
    )
    db.add(person)
    await db.flush()
    ago = utcnow() - timedelta(days=60)
    rel = MentoringRelationship(
        org_id=org_id,
        mentee_id=person.id,
        mentor_id=world.other_mentor.id,
        status="ended",
        phase="community",
        expectations=f"{MARK} and his mentor meet weekly.",
        started_on=date.today() - timedelta(days=180),
        ended_on=date.today() - timedelta(days=30),
        ending_reason="completed",
        ending_summary=f"{MARK} found a flat.",
    )
    db.add(rel)
    await db.flush()
    goal = Goal(
        org_id=org_id,
        mentee_id=person.id,
        relationship_id=rel.id,
        pathway="accommodation",
        title=f"{MARK}'s own flat",
        description=f"Near {MARK}'s sister",
        set_by="mentee",
        status="achieved",
    )
    referral = Referral(
        org_id=org_id,
        direction="inbound",
        status="completed",
        reason=f"{MARK} asked for a mentor",
        mentee_id=person.id,
        external_ref=f"NDL-{MARK}",
        closed_at=ago,
        visible_until=ago,
    )
    session = MentoringSession(
        org_id=org_id,
        relationship_id=rel.id,
        scheduled_start=ago,
        setting="community",
        status="held",
        topics=["accommodation"],
        notes=f"{MARK} viewed a flat.",
        private_notes=f"{MARK} seemed low.",
        private_notes_by="user:x",
        wellbeing=3,
    )
    login = UserAccount(
        org_id=org_id,
        email=f"{MARK.lower()}@example.org",
        role="mentee",
        password_hash=world.accounts["mentee"].password_hash,  # type: ignore[union-attr]
        person_id=person.id,
    )
    db.add_all([goal, referral, session, login])
    await db.flush()
    db.add_all(
        [
            RefreshToken(
                org_id=org_id,
                token_hash=uuid.uuid4().hex,
                family_id=uuid.uuid4(),
                user_id=login.id,
                scope="people:read",
                expires_at=utcnow() + timedelta(days=1),
            ),
            RelationshipEvent(
                org_id=org_id,
                relationship_id=rel.id,
                field="status",
                from_value="active",
                to_value="ended",
                by="user:x",
                note=f"{MARK} moved on",
            ),
            RelationshipCheckIn(
                org_id=org_id,
                relationship_id=rel.id,
                side="mentee",
                feeling="good_fit",
                comment=f"{MARK} likes it",
                by="user:x",
            ),
            GoalStep(org_id=org_id, goal_id=goal.id, position=1, title=f"Call {MARK}'s council"),
            GoalReview(
                org_id=org_id,
                goal_id=goal.id,
                reviewed_on=date.today() - timedelta(days=40),
                note=f"{MARK} is on the list",
                progress=6,
                by="user:x",
            ),
            GoalStatusChange(
                org_id=org_id, goal_id=goal.id, to_status="achieved", by="user:x", note=MARK
            ),
            Assessment(
                org_id=org_id,
                mentee_id=person.id,
                taken_on=date.today() - timedelta(days=100),
                scores={"accommodation": 3},
                recorded_by="user:x",
            ),
            Outcome(
                org_id=org_id,
                mentee_id=person.id,
                relationship_id=rel.id,
                milestone="end",
                recorded_on=date.today() - timedelta(days=30),
                accommodation="settled",
                employment="employed",
                note=f"{MARK} works at a garage",
                recorded_by="user:x",
            ),
            ReferralStatusChange(
                org_id=org_id, referral_id=referral.id, to_status="completed", by="x", note=MARK
            ),
            Consent(
                org_id=org_id,
                person_id=person.id,
                purpose="contact_by_text",
                status="granted",
                evidence="written",
                note=f"signed by {MARK}",
                recorded_by="user:x",
            ),
            CustodyEvent(
                org_id=org_id,
                person_id=person.id,
                event="released",
                occurred_on=date.today() - timedelta(days=200),
                establishment=f"HMP {MARK}",
                by="x",
            ),
            NonAssociation(
                org_id=org_id,
                mentee_id=world.my_mentee.id,
                other_person_id=person.id,
                kind="co_defendant",
                reason=f"{MARK} gave evidence",
                by="user:x",
            ),
            Concern(
                org_id=org_id,
                person_id=person.id,
                category="wellbeing",
                urgency="routine",
                description=f"{MARK} mentioned debts",
                status="closed",
                outcome=f"{MARK} saw an adviser",
                escalated_to=f"{MARK}'s GP",
                escalation_reference=f"GP-{MARK}",
                raised_by="user:x",
                history=[{"action": "raised", "note": MARK}],
            ),
            Alert(
                org_id=org_id,
                rule="goal_review_overdue",
                severity="info",
                subject_type="goal",
                subject_id=goal.id,
                mentee_id=person.id,
                status="resolved",
                resolved_at=utcnow() - timedelta(days=20),
                resolved_by="user:x",
                message=f"The review of \u201c{MARK}'s own flat\u201d is overdue",
                facts={"title": f"{MARK}'s own flat"},
                history=[{"action": "raised", "note": MARK}],
            ),
        ]
    )
    await db.commit()
    return person


async def everything_stored(db: AsyncSession) -> str:
    """Every row of every table (the audit too), as text."""
    found = []
    connection = await db.connection()
    for table in SQLModel.metadata.sorted_tables:
        for row in (await connection.execute(sa.select(table))).all():
            found.append(f"{table.name}: " + " | ".join(str(value) for value in row))
    return "\n".join(found)


async def report(client: httpx.AsyncClient, headers: dict[str, str]) -> Any:
    response = await client.get(f"{API}/reports/programme", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def counted(report: Any, key: str, **group: str) -> Any:
    table = next(t for t in report["tables"] if t["key"] == key)
    return next(
        row["counts"]
        for row in table["rows"]
        if all(row["group"].get(k) == v for k, v in group.items())
    )


async def test_erasure_removes_the_personal_data_and_the_reports_still_count_it(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    person_id = (await a_full_record(db, world)).id
    admin = world.headers("admin")
    before = await report(client, admin)
    stored = await everything_stored(db)
    assert all(s in stored for s in SECRETS)
    login = await password_login(client, f"{MARK.lower()}@example.org", PASSWORD)
    assert login.status_code == 200
    bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}

    erased = await client.post(f"{API}/people/{person_id}/erase", headers=admin)
    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert body["person_id"] == str(person_id) and body["erased_at"]
    assert body["rows"]["person"] == 1 and body["rows"]["mentoring_session"] == 1

    stored = await everything_stored(db)
    assert [s for s in SECRETS if s in stored] == []
    # the anonymous facts stay, and the reports count them as before
    row = await db.get(Person, person_id, populate_existing=True)
    assert row is not None and row.erased_at is not None
    assert (row.kind, row.region, row.given_name, row.date_of_birth) == (
        "mentee",
        "North East",
        "",
        None,
    )
    assert (await report(client, admin))["tables"] == before["tables"]
    assert counted(before, "sessions", setting="community")["held"]["value"] == 1
    end = counted(before, "outcomes_accommodation", milestone="end", accommodation="settled")
    assert end["mentees"]["value"] == 1
    # the person is gone from every view, their login with them
    for who in ("admin", "coordinator"):
        gone = await client.get(f"{API}/people/{person_id}", headers=world.headers(who))
        assert gone.status_code == 404
    assert (await client.get(f"{API}/me", headers=bearer)).status_code == 401
    assert (await password_login(client, f"{MARK.lower()}@example.org")).status_code == 400
    # audited, with counts and never the data
    audit = await client.get(
        f"{API}/audit-events",
        params={"person_id": str(person_id)},
        headers=admin,
    )
    events = [e for e in audit.json()["items"] if e["action"] == "person.erase"]
    assert len(events) == 1
    assert events[0]["details"]["rows"]["person"] == 1
    # once is enough
    again = await client.post(f"{API}/people/{person_id}/erase", headers=admin)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")


async def test_erasure_is_refused_while_a_relationship_is_open_or_a_hold_is_set(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    admin = world.headers("admin")
    mentee = world.my_mentee  # in an open relationship
    refused = await client.post(f"{API}/people/{mentee.id}/erase", headers=admin)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "open mentoring relationship" in refused.json()["detail"]

    other = world.other_mentee  # referred in; the referral is open
    refused = await client.post(f"{API}/people/{other.id}/erase", headers=admin)
    assert refused.status_code == 409 and "open referral" in refused.json()["detail"]

    ended = world.ended_mentee
    assert (
        await client.get(f"{API}/people/{ended.id}/legal-hold", headers=admin)
    ).status_code == 404
    hold = await client.put(
        f"{API}/people/{ended.id}/legal-hold",
        json={"reason": "Claim against the programme, 2026"},
        headers=admin,
    )
    assert hold.status_code == 200, hold.text
    assert hold.json()["reason"] == "Claim against the programme, 2026" and hold.json()["by"]
    read = await client.get(f"{API}/people/{ended.id}/legal-hold", headers=admin)
    assert read.json() == hold.json()
    refused = await client.post(f"{API}/people/{ended.id}/erase", headers=admin)
    assert refused.status_code == 409 and "legal hold" in refused.json()["detail"]

    lifted = await client.delete(f"{API}/people/{ended.id}/legal-hold", headers=admin)
    assert lifted.status_code == 204
    again = await client.delete(f"{API}/people/{ended.id}/legal-hold", headers=admin)
    assert again.status_code == 404
    alert = Alert(  # still open: erasure resolves it
        org_id=world.org.id,
        rule="release_without_match",
        severity="warning",
        subject_type="mentee",
        subject_id=ended.id,
        mentee_id=ended.id,
        message="Due for release with no mentor.",
    )
    db.add(alert)
    await db.commit()
    erased = await client.post(f"{API}/people/{ended.id}/erase", headers=admin)
    assert erased.status_code == 200, erased.text
    after = await db.get(Alert, alert.id, populate_existing=True)
    assert after is not None and after.status == "resolved" and after.message == ""
    late = await client.put(
        f"{API}/people/{ended.id}/legal-hold", json={"reason": "too late"}, headers=admin
    )
    assert late.status_code == 409
    audit = await client.get(
        f"{API}/audit-events", params={"person_id": str(ended.id)}, headers=admin
    )
    actions = [e["action"] for e in audit.json()["items"]]
    assert {"person.legal_hold.set", "person.legal_hold.lift", "person.erase"} <= set(actions)
    assert "Claim against" not in audit.text


async def test_a_deleted_record_may_be_erased(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    admin = world.headers("admin")
    person = await make_mentee(db, world.org, given_name=MARK)
    assert (await client.delete(f"{API}/people/{person.id}", headers=admin)).status_code == 204
    erased = await client.post(f"{API}/people/{person.id}/erase", headers=admin)
    assert erased.status_code == 200, erased.text
    assert MARK not in await everything_stored(db)


async def test_erasing_a_mentor_keeps_their_mentees_records(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    mentor = world.other_mentor
    await client.post(  # the proposed relationship with self_mentee ends
        f"{API}/relationships/{await proposed_of(db, mentor.id)}/end",
        json={"ending_reason": "other", "ending_summary": "Not started."},
        headers=world.headers("admin"),
    )
    erased = await client.post(f"{API}/people/{mentor.id}/erase", headers=world.headers("admin"))
    assert erased.status_code == 200, erased.text
    still = await client.get(f"{API}/people/{world.self_mentee.id}", headers=world.headers("admin"))
    assert still.status_code == 200 and still.json()["given_name"] == "Tomasz"


async def proposed_of(db: AsyncSession, mentor_id: uuid.UUID) -> uuid.UUID:
    connection = await db.connection()
    found = await connection.execute(
        sa.select(MentoringRelationship.__table__.c.id).where(  # type: ignore[attr-defined]
            MentoringRelationship.__table__.c.mentor_id == mentor_id  # type: ignore[attr-defined]
        )
    )
    return uuid.UUID(str(found.scalar_one()))


async def test_only_administrators_erase_and_hold(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    ended = world.ended_mentee
    for who in ("coordinator", "mentor", "partner", "analyst", "mentee"):
        headers = world.headers(who)
        assert (
            await client.post(f"{API}/people/{ended.id}/erase", headers=headers)
        ).status_code == 403
        put = await client.put(
            f"{API}/people/{ended.id}/legal-hold", json={"reason": "x"}, headers=headers
        )
        assert put.status_code == 403
    admin = world.headers("admin")
    foreign = await client.post(f"{API}/people/{world.foreign_mentee.id}/erase", headers=admin)
    assert foreign.status_code == 404
    empty = await client.put(
        f"{API}/people/{ended.id}/legal-hold", json={"reason": ""}, headers=admin
    )
    assert empty.status_code == 422


async def test_the_retention_period_is_an_organisation_setting(
    client: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers("admin")
    assert (await client.get(f"{API}/organisation", headers=admin)).json()["retention_years"] == 6
    changed = await client.patch(f"{API}/organisation", json={"retention_years": 3}, headers=admin)
    assert changed.status_code == 200 and changed.json()["retention_years"] == 3
    bad = await client.patch(f"{API}/organisation", json={"retention_years": 0}, headers=admin)
    assert bad.status_code == 422
    coordinator = world.headers("coordinator")
    refused = await client.patch(
        f"{API}/organisation", json={"retention_years": 10}, headers=coordinator
    )
    assert refused.status_code == 403
