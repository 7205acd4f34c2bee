"""Every list answers a page in the same number of SQL statements whatever its size: no
route loads a row's relations one row at a time. The routes come from the committed OpenAPI
document (every GET with a `limit`), so a new list is covered without being named here."""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api import demo
from api.models import (
    ApiClient,
    Consent,
    CustodyEvent,
    Event,
    Goal,
    GoalReview,
    GoalStep,
    GroupSession,
    MenteeProfile,
    MentoringRelationship,
    NonAssociation,
    Organisation,
    Person,
    RelationshipCheckIn,
    Supervision,
    Training,
    UserAccount,
    WebhookDelivery,
    WebhookSubscription,
)
from api.settings import Settings
from tests.factories import bearer, make_clearance, make_mentor

ROOT = Path(__file__).parent.parent.parent
DOCUMENT = json.loads((ROOT / "openapi" / "openapi.json").read_text())
LISTS = sorted(
    path
    for path, operations in DOCUMENT["paths"].items()
    if any(p["name"] == "limit" for p in operations.get("get", {}).get("parameters", []))
)
SMALL, LARGE = 2, 6
ROWS = LARGE + 1


async def _statements(
    app: FastAPI, client: httpx.AsyncClient, url: str, headers: dict[str, str], limit: int
) -> tuple[int, int]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = await client.get(url, params={"limit": limit}, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, f"{url}: {response.text}"
    return len(statements), len(response.json()["items"])


async def _more_of_everything(db: AsyncSession, org_id: uuid.UUID) -> dict[str, str]:
    """Rows for the lists the demo leaves short, each under one parent: more than a large
    page of each, so that a page's size shows in what it costs. Answers each parent's id,
    by its name in the paths."""
    found = (
        await db.exec(
            select(
                MentoringRelationship.mentee_id,
                MentoringRelationship.mentor_id,
                MentoringRelationship.id,
                Goal.id,
            )
            .join(Goal, col(Goal.mentee_id) == col(MentoringRelationship.mentee_id))
            .where(MentoringRelationship.org_id == org_id, MentoringRelationship.status == "active")
            .order_by(col(MentoringRelationship.id))
        )
    ).first()
    assert found is not None, "the demo has an active relationship whose mentee has a goal"
    mentee, mentor, relationship_id, goal_id = found
    others = (
        await db.exec(
            select(Person.id).where(
                Person.org_id == org_id, Person.kind == "mentee", Person.id != mentee
            )
        )
    ).all()
    today, now = date.today(), datetime.now(UTC)
    subscription = WebhookSubscription(
        org_id=org_id, url="https://hooks.example.org/in", secret="s" * 32, events=["*"]
    )
    db.add(subscription)
    await db.flush()
    for i in range(ROWS):
        db.add_all(
            [
                Consent(
                    org_id=org_id,
                    person_id=mentee,
                    purpose="research_and_evaluation",
                    status="granted" if i % 2 else "withdrawn",
                    evidence="verbal",
                    recorded_by="test",
                ),
                NonAssociation(
                    org_id=org_id, mentee_id=mentee, other_person_id=others[i], kind="other", by="t"
                ),
                CustodyEvent(org_id=org_id, person_id=mentee, event="transferred", by="test"),
                RelationshipCheckIn(
                    org_id=org_id,
                    relationship_id=relationship_id,
                    side="mentee",
                    feeling="good_fit",
                    by="test",
                ),
                GoalStep(org_id=org_id, goal_id=goal_id, position=100 + i, title=f"Step {i}"),
                GoalReview(
                    org_id=org_id,
                    goal_id=goal_id,
                    reviewed_on=today,
                    note="on track",
                    progress=3,
                    by="test",
                ),
                Supervision(
                    org_id=org_id,
                    mentor_id=mentor,
                    held_on=today - timedelta(days=i),
                    kind="one_to_one",
                    supervisor="Jo",
                    recorded_by="test",
                ),
                Training(
                    org_id=org_id,
                    mentor_id=mentor,
                    course=f"Course {i}",
                    completed_on=today,
                    recorded_by="test",
                ),
                GroupSession(
                    org_id=org_id,
                    title=f"Group {i}",
                    scheduled_start=now + timedelta(days=i + 1),
                    setting="community",
                ),
                WebhookSubscription(
                    org_id=org_id, url=f"https://hooks.example.org/{i}", secret="s" * 32
                ),
                ApiClient(
                    org_id=org_id,
                    name=f"System {i}",
                    role="partner",
                    client_id=f"tg_{uuid.uuid4().hex}",
                    secret_hash="x",
                ),
            ]
        )
        event = Event(
            org_id=org_id,
            type="person.custody_changed",
            subject_type="person",
            subject_id=mentee,
            person_id=mentee,
            seq=10_000 + i,
        )
        db.add(event)
        await db.flush()
        db.add(
            WebhookDelivery(
                org_id=org_id,
                subscription_id=subscription.id,
                event_id=event.id,
                event_seq=event.seq,
                event_type=event.type,
            )
        )
    await db.commit()
    organisation = await db.get(Organisation, org_id)
    assert organisation is not None
    profile = (await db.exec(select(MenteeProfile).where(MenteeProfile.person_id == mentee))).one()
    # Whoever the demo's mentee is, no wish of theirs keeps the extra mentors below out.
    profile.preferred_mentor_gender = None
    profile.shared_background_required = False
    held_in = profile.establishment
    for i in range(ROWS):  # more mentors than a large page of suggestions, cleared to visit
        extra = await make_mentor(
            db, organisation, given_name=f"Extra{i}", profile={"max_caseload": 5}
        )
        if held_in:
            await make_clearance(db, extra, held_in, today + timedelta(days=365))
    await db.commit()
    return {
        "goal_id": str(goal_id),
        "mentee_id": str(mentee),
        "person_id": str(mentee),
        "mentor_id": str(mentor),
        "relationship_id": str(relationship_id),
        "webhook_id": str(subscription.id),
    }


@dataclass
class Seeded:
    headers: dict[str, str]
    parents: dict[str, str]


@pytest.fixture
async def admin(db: AsyncSession, settings: Settings) -> Seeded:
    seeded = await demo.seed(db)
    parents = await _more_of_everything(db, seeded["id"])
    account = (
        await db.exec(select(UserAccount).where(UserAccount.email == f"admin@{demo.DEMO_DOMAIN}"))
    ).one()
    return Seeded(bearer(settings, account), parents)


@pytest.mark.parametrize("path", LISTS)
async def test_a_larger_page_costs_no_more_statements(
    app: FastAPI, client: httpx.AsyncClient, admin: Seeded, path: str
) -> None:
    url = path.format(**admin.parents)
    small_statements, small_items = await _statements(app, client, url, admin.headers, SMALL)
    large_statements, large_items = await _statements(app, client, url, admin.headers, LARGE)
    assert large_items > small_items, f"{url}: too few rows to compare pages ({large_items})"
    assert large_statements == small_statements, url
