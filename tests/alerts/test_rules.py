"""Every rule: raised by its condition, kept single, cleared by an administrator's threshold
and raised again, and cleared for good when the data no longer holds it."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import (
    Event,
    Goal,
    GoalReview,
    MentoringRelationship,
    MentoringSession,
    RelationshipCheckIn,
)
from tests.alerts.helpers import alerts_of, run_rules
from tests.factories import World, make_relationship

TODAY = date.today()


def days_ago(days: int, hour: int = 10) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days), time(hour), tzinfo=UTC)


async def my_relationship(db: AsyncSession, world: World) -> MentoringRelationship:
    return (
        await db.exec(
            select(MentoringRelationship).where(
                MentoringRelationship.mentee_id == world.my_mentee.id
            )
        )
    ).one()


async def add_session(
    db: AsyncSession, relationship: MentoringRelationship, when: datetime, status: str
) -> None:
    db.add(
        MentoringSession(
            org_id=relationship.org_id,
            relationship_id=relationship.id,
            scheduled_start=when,
            setting="community",
            status=status,
        )
    )
    await db.commit()


async def add_goal(db: AsyncSession, world: World, **fields: Any) -> Goal:
    goal = Goal(
        org_id=world.org.id,
        mentee_id=world.my_mentee.id,
        pathway="accommodation",
        title="A settled home",
        set_by="mentee",
        agreed_by_mentee=True,
        status="active",
        **fields,
    )
    db.add(goal)
    await db.commit()
    return goal


# --- arrangements: each makes its rule fire and answers the subject ---------------------------


async def no_session_held(db: AsyncSession, world: World) -> uuid.UUID:
    relationship = await my_relationship(db, world)
    relationship.started_on = TODAY - timedelta(days=30)
    await db.commit()
    return relationship.id


async def hold_a_session(db: AsyncSession, world: World, _: uuid.UUID) -> None:
    await add_session(db, await my_relationship(db, world), days_ago(1), "held")


async def missed_sessions(db: AsyncSession, world: World) -> uuid.UUID:
    relationship = await my_relationship(db, world)
    await add_session(db, relationship, days_ago(9), "held")
    await add_session(db, relationship, days_ago(5), "missed_by_mentee")
    await add_session(db, relationship, days_ago(4), "cancelled")
    await add_session(db, relationship, days_ago(3), "missed_by_mentor")
    return relationship.id


async def no_contact_after_release(db: AsyncSession, world: World) -> uuid.UUID:
    relationship = await my_relationship(db, world)
    relationship.created_at = days_ago(40)
    profile = world.my_mentee.mentee_profile
    assert profile is not None
    profile.custody_status, profile.release_date = "released", TODAY - timedelta(days=10)
    await db.commit()
    await add_session(db, relationship, days_ago(12), "held")  # before the release
    return relationship.id


async def release_without_match(db: AsyncSession, world: World) -> uuid.UUID:
    profile = world.other_mentee.mentee_profile
    assert profile is not None
    profile.release_date = TODAY + timedelta(days=20)
    await db.commit()
    return world.other_mentee.id


async def match_them(db: AsyncSession, world: World, _: uuid.UUID) -> None:
    await make_relationship(db, world.other_mentee, world.other_mentor, status="proposed")


async def goal_review_overdue(db: AsyncSession, world: World) -> uuid.UUID:
    return (await add_goal(db, world, review_date=TODAY - timedelta(days=10))).id


async def review_rescheduled(db: AsyncSession, world: World, goal_id: uuid.UUID) -> None:
    goal = await db.get(Goal, goal_id)
    assert goal is not None
    goal.review_date = TODAY + timedelta(days=7)
    await db.commit()


async def repeated_lapses(db: AsyncSession, world: World) -> uuid.UUID:
    goal = await add_goal(db, world)
    for days in (2, 5, 9, 45):  # the last is outside the window
        db.add(
            GoalReview(
                org_id=world.org.id,
                goal_id=goal.id,
                reviewed_on=TODAY - timedelta(days=days),
                note="A lapse, talked through.",
                progress=3,
                lapse=True,
                by="test",
            )
        )
    await db.commit()
    return world.my_mentee.id


async def lapse_corrected(db: AsyncSession, world: World, _: uuid.UUID) -> None:
    review = (await db.exec(select(GoalReview).order_by(col(GoalReview.reviewed_on)))).all()[-1]
    review.lapse = False
    await db.commit()


async def check_in(db: AsyncSession, world: World, side: str, feeling: str, at: datetime) -> None:
    relationship = await my_relationship(db, world)
    db.add(
        RelationshipCheckIn(
            org_id=world.org.id,
            relationship_id=relationship.id,
            side=side,
            feeling=feeling,
            at=at,
            by="test",
        )
    )
    await db.commit()


async def not_a_good_fit(db: AsyncSession, world: World) -> uuid.UUID:
    await check_in(db, world, "mentor", "not_a_good_fit", days_ago(6))
    await check_in(db, world, "mentor", "good_fit", days_ago(3))  # the mentor changed their mind
    await check_in(db, world, "mentee", "not_a_good_fit", days_ago(2))
    return (await my_relationship(db, world)).id


async def feels_better(db: AsyncSession, world: World, _: uuid.UUID) -> None:
    await check_in(db, world, "mentee", "unsure", days_ago(0, hour=0))


def mentor_profile(world: World) -> Any:
    profile = world.mentor.mentor_profile
    assert profile is not None
    return profile


async def set_mentor(db: AsyncSession, world: World, **fields: Any) -> uuid.UUID:
    for name, value in fields.items():
        setattr(mentor_profile(world), name, value)
    await db.commit()
    return world.mentor.id


async def over_caseload(db: AsyncSession, world: World) -> uuid.UUID:
    return await set_mentor(db, world, max_caseload=0)


async def caseload_agreed(db: AsyncSession, world: World, _: uuid.UUID) -> None:
    await set_mentor(db, world, max_caseload=2)


async def supervision_overdue(db: AsyncSession, world: World) -> uuid.UUID:
    return await set_mentor(db, world, last_supervision_on=TODAY - timedelta(days=50))


async def supervised(db: AsyncSession, world: World, _: uuid.UUID) -> None:
    await set_mentor(db, world, last_supervision_on=TODAY)


async def vetting_expiring(db: AsyncSession, world: World) -> uuid.UUID:
    return await set_mentor(db, world, vetting_expires_on=TODAY + timedelta(days=10))


async def vetting_expired(db: AsyncSession, world: World) -> uuid.UUID:
    return await set_mentor(db, world, vetting_expires_on=TODAY - timedelta(days=1))


async def vetting_renewed(db: AsyncSession, world: World, _: uuid.UUID) -> None:
    await set_mentor(db, world, vetting_expires_on=TODAY + timedelta(days=1000))


@dataclass(frozen=True)
class Case:
    rule: str
    arrange: Callable[[AsyncSession, World], Awaitable[uuid.UUID]]
    fix: Callable[[AsyncSession, World, uuid.UUID], Awaitable[None]]
    facts: dict[str, Any]
    clearing_threshold: dict[str, int] | None = None


CASES = [
    Case(
        "no_session_held",
        no_session_held,
        hold_a_session,
        {"days_since_last_held_session": 30, "last_held_on": None},
        {"no_session_held_days": 31},
    ),
    Case(
        "missed_sessions",
        missed_sessions,
        hold_a_session,
        {"missed_in_a_row": 2, "missed_by_mentee": 1, "missed_by_mentor": 1},
        {"missed_sessions_in_a_row": 3},
    ),
    Case(
        "no_contact_after_release",
        no_contact_after_release,
        hold_a_session,
        {"days_since_release": 10},
        {"no_contact_after_release_days": 11},
    ),
    Case(
        "release_without_match",
        release_without_match,
        match_them,
        {"days_to_release": 20},
        {"release_without_match_days": 19},
    ),
    Case(
        "goal_review_overdue",
        goal_review_overdue,
        review_rescheduled,
        {"days_overdue": 10},
        {"goal_review_overdue_days": 11},
    ),
    Case(
        "repeated_lapses",
        repeated_lapses,
        lapse_corrected,
        {"lapses": 3, "window_days": 30},
        {"repeated_lapses_count": 4},
    ),
    Case("not_a_good_fit", not_a_good_fit, feels_better, {"sides": ["mentee"]}),
    Case(
        "mentor_over_caseload",
        over_caseload,
        caseload_agreed,
        {"open_relationships": 1, "max_caseload": 0},
    ),
    Case(
        "supervision_overdue",
        supervision_overdue,
        supervised,
        {"days_since_supervision": 50},
        {"supervision_overdue_days": 51},
    ),
    Case(
        "vetting_expiring",
        vetting_expiring,
        vetting_renewed,
        {"days_to_expiry": 10},
        {"vetting_expiring_days": 9},
    ),
    Case("vetting_expired", vetting_expired, vetting_renewed, {"vetting_status": "cleared"}),
]


async def about(
    client: httpx.AsyncClient, world: World, rule: str, subject: uuid.UUID
) -> list[dict[str, Any]]:
    found = await alerts_of(client, world.headers("coordinator"), rule=rule)
    return [alert for alert in found if alert["subject_id"] == str(subject)]


async def set_thresholds(client: httpx.AsyncClient, world: World, values: dict[str, int]) -> None:
    changed = await client.patch(
        "/api/v1/organisation",
        json={"alert_thresholds": values},
        headers=world.headers("admin"),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["alert_thresholds"].items() >= values.items()


@pytest.mark.parametrize("case", CASES, ids=[case.rule for case in CASES])
async def test_a_rule_raises_keeps_one_and_clears(
    app: FastAPI, client: httpx.AsyncClient, world: World, db: AsyncSession, case: Case
) -> None:
    subject = await case.arrange(db, world)
    await run_rules(app)
    (raised,) = await about(client, world, case.rule, subject)
    assert raised["status"] == "open"
    assert raised["facts"].items() >= case.facts.items(), raised["facts"]
    assert raised["message"] and raised["history"][0]["action"] == "raised"
    (event,) = (
        await db.exec(select(Event).where(Event.subject_id == uuid.UUID(raised["id"])))
    ).all()
    assert (event.type, event.org_id, event.data["alert_id"]) == (
        "alert.raised",
        world.org.id,
        raised["id"],
    )
    assert event.data["person_id"] == (raised["mentee_id"] or raised["mentor_id"])
    assert (event.data["rule"], event.data["severity"]) == (case.rule, raised["severity"])

    await run_rules(app, everything=True)  # the schedule finds the same: still one alert
    assert [a["id"] for a in await about(client, world, case.rule, subject)] == [raised["id"]]

    if case.clearing_threshold is not None:
        defaults = await client.get("/api/v1/organisation", headers=world.headers("admin"))
        before = {k: defaults.json()["alert_thresholds"][k] for k in case.clearing_threshold}
        await set_thresholds(client, world, case.clearing_threshold)
        await run_rules(app)
        (cleared,) = await about(client, world, case.rule, subject)
        assert (cleared["status"], cleared["resolved_by"]) == ("resolved", "system:alerts")
        await set_thresholds(client, world, before)
        await run_rules(app)
        statuses = sorted(a["status"] for a in await about(client, world, case.rule, subject))
        assert statuses == ["open", "resolved"]

    await case.fix(db, world, subject)
    await run_rules(app)
    assert {a["status"] for a in await about(client, world, case.rule, subject)} == {"resolved"}
