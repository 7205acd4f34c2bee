"""/alerts over REST and GraphQL: who sees which, acknowledging and resolving, the history,
the event, and rules evaluated after the change that makes them fire."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import Event, MentoringRelationship
from api.worker import JOBS, Context, Worker
from tests.alerts.helpers import BASE, alerts_of, raise_alert_for, run_rules
from tests.factories import World
from tests.schema.helpers import error_statuses, gql


async def relationship_of(db: AsyncSession, mentee_id: object) -> MentoringRelationship:
    return (
        await db.exec(
            select(MentoringRelationship).where(MentoringRelationship.mentee_id == mentee_id)
        )
    ).one()


async def mentees_check_in(client: httpx.AsyncClient, world: World, feeling: str) -> str:
    """The mentee user (in a proposed relationship with `other_mentor`) says how it feels."""
    listed = await client.get("/api/v1/relationships", headers=world.headers("mentee"))
    relationship_id: str = listed.json()["items"][0]["id"]
    answer = await client.post(
        f"/api/v1/relationships/{relationship_id}/check-ins",
        json={"feeling": feeling},
        headers=world.headers("mentee"),
    )
    assert answer.status_code == 201, answer.text
    return relationship_id


async def test_a_change_is_evaluated_after_it_commits(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    await run_rules(app)  # what the world itself raises
    relationship_id = await mentees_check_in(client, world, "not_a_good_fit")
    await run_rules(app)  # only the rules the check-in concerns
    (alert,) = await alerts_of(
        client, world.headers("coordinator"), rule="not_a_good_fit", status="open"
    )
    assert alert["relationship_id"] == relationship_id
    assert alert["mentee_id"] == str(world.self_mentee.id)
    assert alert["mentor_id"] == str(world.other_mentor.id)
    assert (alert["severity"], alert["subject_type"]) == ("warning", "relationship")
    assert "not a good fit" in alert["message"]
    assert alert["facts"] == {"sides": ["mentee"]}

    await mentees_check_in(client, world, "good_fit")
    await run_rules(app)
    cleared = await alerts_of(client, world.headers("coordinator"), rule="not_a_good_fit")
    assert [(a["status"], a["resolved_by"]) for a in cleared] == [("resolved", "system:alerts")]
    assert [h["action"] for h in cleared[0]["history"]] == ["raised", "resolved"]


async def test_who_sees_which_alerts(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mine = await raise_alert_for(
        db, world.org.id, (await relationship_of(db, world.my_mentee.id)).id
    )
    others = await raise_alert_for(
        db, world.org.id, (await relationship_of(db, world.self_mentee.id)).id
    )
    foreign = await client.get(BASE, headers=world.headers("foreign_coordinator"))
    assert foreign.json()["items"] == []
    for staff in ("admin", "coordinator"):
        seen = {a["id"] for a in await alerts_of(client, world.headers(staff))}
        assert seen == {str(mine.id), str(others.id)}
    assert [a["id"] for a in await alerts_of(client, world.headers("mentor"))] == [str(mine.id)]
    hidden = await client.get(f"{BASE}/{others.id}", headers=world.headers("mentor"))
    assert hidden.status_code == 404
    shown = await client.get(f"{BASE}/{mine.id}", headers=world.headers("mentor"))
    assert shown.status_code == 200 and shown.headers["ETag"] == '"1"'
    for role in ("mentee", "partner", "analyst"):
        refused = await client.get(BASE, headers=world.headers(role))
        assert refused.status_code == 403, role
        refused = await client.get(f"{BASE}/{mine.id}", headers=world.headers(role))
        assert refused.status_code == 403, role


async def test_acknowledge_then_resolve_with_a_note(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    alert = await raise_alert_for(
        db, world.org.id, (await relationship_of(db, world.my_mentee.id)).id
    )
    url = f"{BASE}/{alert.id}"
    coordinator = world.headers("coordinator")
    refused = await client.post(f"{url}/acknowledge", headers=world.headers("mentor"))
    assert refused.status_code == 403
    stale = await client.post(f"{url}/acknowledge", headers={**coordinator, "If-Match": '"7"'})
    assert stale.status_code == 412
    acknowledged = await client.post(
        f"{url}/acknowledge", json={"note": "Calling them today."}, headers=coordinator
    )
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["status"] == "acknowledged"
    assert acknowledged.json()["acknowledged_at"] is not None
    again = await client.post(f"{url}/acknowledge", headers=coordinator)
    assert again.status_code == 409

    no_note = await client.post(f"{url}/resolve", json={}, headers=coordinator)
    blank = await client.post(f"{url}/resolve", json={"note": "  "}, headers=coordinator)
    assert (no_note.status_code, blank.status_code) == (422, 422)
    resolved = await client.post(
        f"{url}/resolve", json={"note": "Met both; a new plan agreed."}, headers=coordinator
    )
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert body["status"] == "resolved" and body["resolved_by"].startswith("user:")
    assert [(h["action"], h["note"]) for h in body["history"]] == [
        ("raised", None),
        ("acknowledged", "Calling them today."),
        ("resolved", "Met both; a new plan agreed."),
    ]
    assert (
        await client.post(f"{url}/resolve", json={"note": "x"}, headers=coordinator)
    ).status_code == 409
    audit = await client.get(
        "/api/v1/audit-events",
        params={"person_id": str(world.my_mentee.id)},
        headers=world.headers("admin"),
    )
    actions = {e["action"] for e in audit.json()["items"]}
    assert {"alert.acknowledge", "alert.resolve"} <= actions


async def test_an_acknowledged_alert_stays_until_it_clears(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    await mentees_check_in(client, world, "not_a_good_fit")
    await run_rules(app)
    (alert,) = await alerts_of(client, world.headers("coordinator"), rule="not_a_good_fit")
    ack = await client.post(f"{BASE}/{alert['id']}/acknowledge", headers=world.headers("admin"))
    assert ack.status_code == 200
    await run_rules(app, everything=True)
    (still,) = await alerts_of(client, world.headers("coordinator"), rule="not_a_good_fit")
    assert still["status"] == "acknowledged"
    await mentees_check_in(client, world, "unsure")
    await run_rules(app)
    (cleared,) = await alerts_of(client, world.headers("coordinator"), rule="not_a_good_fit")
    assert (cleared["status"], cleared["resolved_by"]) == ("resolved", "system:alerts")


async def test_resolved_by_hand_is_not_raised_again_until_it_has_cleared(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    coordinator = world.headers("coordinator")
    await mentees_check_in(client, world, "not_a_good_fit")
    await run_rules(app)
    (alert,) = await alerts_of(client, coordinator, rule="not_a_good_fit")
    done = await client.post(
        f"{BASE}/{alert['id']}/resolve",
        json={"note": "Agreed to try a month."},
        headers=coordinator,
    )
    assert done.status_code == 200
    await run_rules(app, everything=True)  # the condition still holds: nothing new
    assert len(await alerts_of(client, coordinator, rule="not_a_good_fit")) == 1
    await mentees_check_in(client, world, "good_fit")
    await run_rules(app)
    await mentees_check_in(client, world, "not_a_good_fit")  # and it fires again
    await run_rules(app)
    statuses = [a["status"] for a in await alerts_of(client, coordinator, rule="not_a_good_fit")]
    assert sorted(statuses) == ["open", "resolved"]


async def test_a_raised_alert_is_an_event_staff_and_its_mentor_hear_of(
    app: FastAPI, client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    relationship = await relationship_of(db, world.my_mentee.id)
    relationship.started_on = (datetime.now(UTC) - timedelta(days=40)).date()
    await db.commit()
    await run_rules(app)
    (alert,) = await alerts_of(client, world.headers("coordinator"), rule="no_session_held")
    (event,) = (
        await db.exec(
            select(Event).where(Event.type == "alert.raised", Event.person_id == world.my_mentee.id)
        )
    ).all()
    assert event.data["alert_id"] == alert["id"]
    assert event.data["rule"] == "no_session_held"
    await Worker(Context(app.state.db_factory, app.state.settings), [JOBS["events.number"]]).drain()

    async def heard(who: str) -> list[str]:
        feed = await client.get(
            "/api/v1/events", params={"type": "alert.*"}, headers=world.headers(who)
        )
        assert feed.status_code == 200, feed.text
        return [item["data"]["alert_id"] for item in feed.json()["items"]]

    assert alert["id"] in await heard("coordinator")
    assert alert["id"] in await heard("mentor")
    assert await heard("mentee") == []


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"status": "closed"}, 422),
        ({"rule": "no_such_rule"}, 422),
        ({"severity": "loud"}, 422),
        ({"mentee_id": "not-a-uuid"}, 422),
        ({"updated_since": "2026-01-01T00:00:00"}, 422),
        ({"severity": "warning", "status": "open"}, 200),
    ],
)
async def test_filters_are_checked(
    client: httpx.AsyncClient, world: World, query: dict[str, str], status: int
) -> None:
    answer = await client.get(BASE, params=query, headers=world.headers("coordinator"))
    assert answer.status_code == status, answer.text


async def test_filters_narrow_the_list(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    relationship = await relationship_of(db, world.my_mentee.id)
    alert = await raise_alert_for(db, world.org.id, relationship.id)
    staff = world.headers("coordinator")
    for query in (
        {"relationship_id": str(relationship.id)},
        {"mentee_id": str(world.my_mentee.id)},
        {"mentor_id": str(world.mentor.id)},
        {"rule": "not_a_good_fit", "severity": "warning", "status": "open"},
        {"updated_since": "2000-01-01T00:00:00Z"},
    ):
        assert [a["id"] for a in await alerts_of(client, staff, **query)] == [str(alert.id)]
    for query in (
        {"mentee_id": str(world.other_mentee.id)},
        {"status": "resolved"},
        {"severity": "urgent"},
        {"rule": "no_session_held"},
        {"updated_since": "2999-01-01T00:00:00Z"},
    ):
        assert await alerts_of(client, staff, **query) == []


ALERTS = """query ($status: AlertStatus) { alerts(status: $status, first: 10) {
  nodes { id rule severity status facts history { action by } }
  pageInfo { hasNextPage } } }"""
NESTED = """query ($id: UUID!) { relationship(id: $id) { alerts { id rule } } }"""
RESOLVE = """mutation ($id: UUID!, $note: String!) { resolveAlert(id: $id, note: $note) {
  __typename ... on Alert { status history { action note } }
  ... on Problem { problem: httpStatus } } }"""
ACKNOWLEDGE = """mutation ($id: UUID!) { acknowledgeAlert(id: $id) {
  __typename ... on Alert { status } ... on Problem { problem: httpStatus } } }"""


async def test_graphql_alerts(client: httpx.AsyncClient, world: World, db: AsyncSession) -> None:
    relationship = await relationship_of(db, world.my_mentee.id)
    alert = await raise_alert_for(db, world.org.id, relationship.id)
    other = await raise_alert_for(
        db, world.org.id, (await relationship_of(db, world.self_mentee.id)).id
    )
    staff = await gql(client, world.headers("coordinator"), ALERTS, status="open")
    nodes: list[dict[str, Any]] = staff["data"]["alerts"]["nodes"]
    assert {n["id"] for n in nodes} == {str(alert.id), str(other.id)}
    assert nodes[0]["facts"] == {"sides": ["mentee"]}
    mentor = await gql(client, world.headers("mentor"), ALERTS)
    assert [n["id"] for n in mentor["data"]["alerts"]["nodes"]] == [str(alert.id)]
    for role in ("mentee", "partner", "analyst"):
        assert 403 in error_statuses(await gql(client, world.headers(role), ALERTS)), role

    nested = await gql(client, world.headers("mentor"), NESTED, id=str(relationship.id))
    assert nested["data"]["relationship"]["alerts"] == [
        {"id": str(alert.id), "rule": "not_a_good_fit"}
    ]
    mentees = await gql(client, world.headers("mentee"), NESTED, id=str(other.relationship_id))
    assert mentees["data"]["relationship"]["alerts"] == []

    refused = await gql(client, world.headers("mentor"), ACKNOWLEDGE, id=str(alert.id))
    assert 403 in error_statuses(refused) or refused["data"]["acknowledgeAlert"]["problem"] == 403
    blank = await gql(client, world.headers("coordinator"), RESOLVE, id=str(alert.id), note=" ")
    assert blank["data"]["resolveAlert"] == {"__typename": "Problem", "problem": 422}
    done = await gql(client, world.headers("coordinator"), RESOLVE, id=str(alert.id), note="Done.")
    assert done["data"]["resolveAlert"]["status"] == "resolved"
    assert done["data"]["resolveAlert"]["history"][-1] == {"action": "resolved", "note": "Done."}
    again = await gql(client, world.headers("coordinator"), ACKNOWLEDGE, id=str(alert.id))
    assert again["data"]["acknowledgeAlert"] == {"__typename": "Problem", "problem": 409}
