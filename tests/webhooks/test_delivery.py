"""Webhooks delivered to real receivers on 127.0.0.1: signed, retried, minimised, ordered."""

import json
from typing import Any

import httpx
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from standardwebhooks import Webhook

from api.models import Event, Referral
from api.models.enums import ConsentPurpose
from api.tenancy import enter_organisation
from api.worker import Worker
from tests.factories import World, make_consent
from tests.webhooks.conftest import settle
from tests.webhooks.receiver import Receiver, running_receiver

HOOKS = "/api/v1/webhooks"


async def subscribe(
    hooks: httpx.AsyncClient, headers: dict[str, str], url: str, events: list[str]
) -> dict[str, Any]:
    response = await hooks.post(HOOKS, json={"url": url, "events": events}, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def partner_referral(db: AsyncSession, world: World) -> Referral:
    return (
        await db.exec(select(Referral).where(Referral.mentee_id == world.other_mentee.id))
    ).one()


async def test_an_accepted_referral_reaches_the_partner_signed_and_minimised(
    hooks: httpx.AsyncClient,
    world: World,
    db: AsyncSession,
    dispatcher: Worker,
    receiver: Receiver,
) -> None:
    hook = await subscribe(hooks, world.headers("partner"), receiver.url, ["referral.*"])
    assert hook["secret"].startswith("whsec_")
    referral = await partner_referral(db, world)
    accepted = await hooks.post(
        f"/api/v1/referrals/{referral.id}/accept",
        json={"note": "Private: discussed at the panel"},
        headers=world.headers("coordinator"),
    )
    assert accepted.status_code == 200
    await settle(dispatcher, lambda: len(receiver.received) >= 1)

    (message,) = receiver.received
    payload = Webhook(hook["secret"]).verify(message.body, message.headers)
    assert payload["type"] == "referral.accepted"
    data = payload["data"]
    assert data["referral_id"] == str(referral.id)
    assert data["person_id"] == str(world.other_mentee.id)
    assert data["progress"]["referral_status"] == "accepted"
    assert [(h["from"], h["to"]) for h in data["progress"]["history"]] == [("sent", "accepted")]
    text = message.body.decode()
    for secret in ("Private", "Aisha", "Theft", "risk", "offence", "note", "user:"):
        assert secret not in text
    assert message.headers["webhook-signature"].startswith("v1,")
    feed = await hooks.get("/api/v1/events", headers=world.headers("partner"))
    assert [item["id"] for item in feed.json()["items"]] == [message.webhook_id]
    assert feed.json()["items"][0]["data"] == data


async def test_a_receiver_failing_three_times_gets_one_event_with_one_id(
    hooks: httpx.AsyncClient,
    world: World,
    db: AsyncSession,
    dispatcher: Worker,
) -> None:
    with running_receiver(answers=[500, 503, 500]) as receiver:
        hook = await subscribe(hooks, world.headers("admin"), receiver.url, ["referral.accepted"])
        referral = await partner_referral(db, world)
        await hooks.post(
            f"/api/v1/referrals/{referral.id}/accept", headers=world.headers("coordinator")
        )
        await settle(dispatcher, lambda: len(receiver.received) >= 4)
        await dispatcher.drain()

    assert len(set(receiver.ids())) == 1
    assert len(receiver.ids()) == 4
    for message in receiver.received:
        Webhook(hook["secret"]).verify(message.body, message.headers)
    bodies = {message.body for message in receiver.received}
    assert len(bodies) == 1, "every retry carries the same body"
    log = await hooks.get(f"{HOOKS}/{hook['id']}/deliveries", headers=world.headers("admin"))
    (delivery,) = log.json()["items"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
        "delivered",
        4,
        200,
    )
    assert delivery["event_id"] == receiver.ids()[0]


async def test_a_partner_never_hears_of_someone_it_did_not_refer(
    hooks: httpx.AsyncClient,
    world: World,
    db: AsyncSession,
    dispatcher: Worker,
) -> None:
    coordinator = world.headers("coordinator")
    await make_consent(db, world.other_mentee, ConsentPurpose.share_progress_with_referrer)
    with running_receiver() as mine, running_receiver() as staff, running_receiver() as other:
        await subscribe(hooks, world.headers("partner"), mine.url, ["*"])
        await subscribe(hooks, world.headers("other_partner"), other.url, ["*"])
        await subscribe(hooks, world.headers("admin"), staff.url, ["*"])
        for person in (world.my_mentee, world.other_mentee):
            changed = await hooks.patch(
                f"/api/v1/people/{person.id}",
                json={"mentee": {"custody_status": "released"}},
                headers=coordinator,
            )
            assert changed.status_code == 200, changed.text
        referral = await partner_referral(db, world)
        await hooks.post(f"/api/v1/referrals/{referral.id}/accept", headers=coordinator)
        await settle(dispatcher, lambda: len(staff.received) >= 4)
        await dispatcher.drain()

    staff_types = sorted(m.json["type"] for m in staff.received)
    assert staff_types == [
        "person.custody_changed",
        "person.custody_changed",
        "referral.accepted",
        "relationship.phase_changed",  # my_mentee's relationship went through the gate
    ]
    heard = [m.json for m in mine.received]
    assert sorted(m["type"] for m in heard) == ["person.custody_changed", "referral.accepted"]
    assert {m["data"]["person_id"] for m in heard} == {str(world.other_mentee.id)}
    assert other.received == []


async def test_deliveries_keep_the_order_of_the_events(
    hooks: httpx.AsyncClient,
    world: World,
    db: AsyncSession,
    dispatcher: Worker,
) -> None:
    with running_receiver(answers=[500]) as receiver:
        await subscribe(hooks, world.headers("admin"), receiver.url, ["referral.*"])
        referral = await partner_referral(db, world)
        coordinator = world.headers("coordinator")
        for move in ("accept", "start"):
            await hooks.post(f"/api/v1/referrals/{referral.id}/{move}", headers=coordinator)
        await settle(dispatcher, lambda: len(receiver.received) >= 3)
        await dispatcher.drain()
    types = [m.json["type"] for m in receiver.received]
    assert types == ["referral.accepted", "referral.accepted", "referral.started"]


async def test_a_rolled_back_change_leaves_no_event(
    hooks: httpx.AsyncClient, hook_app: Any, world: World, db: AsyncSession
) -> None:
    """Two coordinators accept the same referral at once: the loser's transaction, and the
    event it had written, are rolled back."""
    from api.auth.principal import Principal
    from api.auth.scopes import ROLE_SCOPES
    from api.models.enums import ReferralMoveName, Role
    from api.services import referrals

    referral = await partner_referral(db, world)
    caller = Principal(
        org_id=world.org.id,
        role=Role.coordinator,
        scopes=ROLE_SCOPES[Role.coordinator],
        subject="user:test",
    )
    async with hook_app.state.db_factory() as slow:
        enter_organisation(slow, world.org.id)
        stale = await referrals.find_referral(slow, caller, referral.id)  # version 1, sent
        assert stale.status == "sent"
        won = await hooks.post(
            f"/api/v1/referrals/{referral.id}/accept", headers=world.headers("coordinator")
        )
        assert won.status_code == 200
        try:
            await referrals.move(slow, caller, referral.id, ReferralMoveName.accept)
        except Exception as exc:  # the version check refuses the stale write
            assert "StaleData" in type(exc).__name__
            await slow.rollback()
        else:
            raise AssertionError("the stale accept was committed")
    accepted = (
        await db.exec(
            select(func.count()).select_from(Event).where(col(Event.type) == "referral.accepted")
        )
    ).one()
    assert accepted == 1


async def test_events_are_written_with_their_change(
    hooks: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    coordinator = world.headers("coordinator")
    mentee = world.other_mentee.id
    relationship = await hooks.post(
        "/api/v1/relationships",
        json={"mentee_id": str(mentee), "mentor_id": str(world.other_mentor.id)},
        headers=coordinator,
    )
    rid = relationship.json()["id"]
    for move, body in (
        ("agree", {"note": "Agreed on the phone."}),
        ("activate", None),
        ("pause", None),
        ("resume", None),
        ("end", {"ending_reason": "completed", "ending_summary": "Settled in a flat."}),
    ):
        answer = await hooks.post(
            f"/api/v1/relationships/{rid}/{move}", json=body, headers=coordinator
        )
        assert answer.status_code == 200, answer.text
    goal = await hooks.post(
        "/api/v1/goals",
        json={"mentee_id": str(mentee), "pathway": "accommodation", "title": "A flat"},
        headers=coordinator,
    )
    gid = goal.json()["id"]
    await hooks.patch(f"/api/v1/goals/{gid}", json={"agreed_by_mentee": True}, headers=coordinator)
    achieved = await hooks.patch(
        f"/api/v1/goals/{gid}", json={"status": "achieved"}, headers=coordinator
    )
    assert achieved.status_code == 200, achieved.text
    rows = (
        await db.exec(select(Event).order_by(col(Event.occurred_at), col(Event.created_at)))
    ).all()
    assert [e.type for e in rows] == [
        "relationship.proposed",
        "relationship.activated",
        "relationship.paused",
        "relationship.resumed",
        "relationship.ended",
        "goal.achieved",
    ]
    ended = rows[4].data
    assert ended["ending_reason"] == "completed"
    assert "Settled" not in json.dumps([e.data for e in rows])
