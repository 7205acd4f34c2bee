"""`GET /events`: the pull feed — what the caller may see, oldest first, never skipping."""

from datetime import timedelta
from typing import Any, cast

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.models import ApiClient, Referral
from api.models.base import utcnow
from api.models.enums import ConsentPurpose
from api.services.outbox import emit
from api.settings import Settings
from api.tenancy import enter_organisation
from api.worker import Worker
from tests.factories import World, make_consent, make_inbound_referral
from tests.schema.helpers import error_statuses

FEED = "/api/v1/events"


async def release(hooks: httpx.AsyncClient, world: World, person_id: object) -> None:
    answer = await hooks.patch(
        f"/api/v1/people/{person_id}",
        json={"mentee": {"custody_status": "released"}},
        headers=world.headers("coordinator"),
    )
    assert answer.status_code == 200, answer.text


async def accepted(hook_app: object, world: World, which: Any) -> Referral:
    """The referral `which` picks, with a `referral.accepted` event committed for it."""
    factory = hook_app.state.db_factory  # type: ignore[attr-defined]
    async with factory() as db:
        enter_organisation(db, world.org.id)
        referral: Referral = (await db.exec(select(Referral).where(which))).one()
        system = Principal.system(world.org.id, "test")
        emit(db, system, "referral.accepted", referral, person_id=referral.mentee_id)
        await db.commit()
    return referral


async def test_the_feed_pages_oldest_first_and_keeps_its_cursor_when_idle(
    hooks: httpx.AsyncClient, world: World, dispatcher: Worker
) -> None:
    for person in (world.my_mentee, world.other_mentee, world.self_mentee):
        await release(hooks, world, person.id)
    headers = world.headers("coordinator")
    assert (await hooks.get(FEED, headers=headers)).json()["items"] == []  # not numbered yet
    await dispatcher.drain()

    first = (await hooks.get(FEED, params={"limit": 2}, headers=headers)).json()
    assert [i["data"]["person_id"] for i in first["items"]] == [
        str(world.my_mentee.id),
        str(world.my_mentee.id),  # the relationship's phase moved through the gate
    ]
    rest = (await hooks.get(FEED, params={"after": first["next_cursor"]}, headers=headers)).json()
    assert [i["type"] for i in rest["items"]] == [
        "person.custody_changed",
        "person.custody_changed",
        "relationship.phase_changed",
    ]
    idle = (await hooks.get(FEED, params={"after": rest["next_cursor"]}, headers=headers)).json()
    assert idle == {"items": [], "next_cursor": rest["next_cursor"]}
    only = await hooks.get(FEED, params={"type": "relationship.*"}, headers=headers)
    assert [i["type"] for i in only.json()["items"]] == ["relationship.phase_changed"] * 2


async def test_an_event_that_commits_late_is_not_skipped(
    hook_app: object,
    hook_settings: Settings,
    world: World,
    hooks: httpx.AsyncClient,
    dispatcher: Worker,
) -> None:
    """An event that happened first but whose transaction commits last still comes after the
    reader's cursor."""
    system = Principal.system(world.org.id, "test")
    factory = hook_app.state.db_factory  # type: ignore[attr-defined]
    async with factory() as late:
        enter_organisation(late, world.org.id)
        mine, other = world.my_mentee, world.other_mentee
        early = emit(late, system, "person.custody_changed", mine, person_id=mine.id)
        early.occurred_at = utcnow() - timedelta(seconds=5)
        if not hook_settings.is_sqlite:  # SQLite has one writer: the insert waits for commit
            await late.flush()
        async with factory() as quick:
            enter_organisation(quick, world.org.id)
            emit(quick, system, "person.custody_changed", other, person_id=other.id)
            await quick.commit()
        await dispatcher.drain()
        headers = world.headers("coordinator")
        page = (await hooks.get(FEED, headers=headers)).json()
        assert [i["data"]["person_id"] for i in page["items"]] == [str(world.other_mentee.id)]
        await late.commit()
    await dispatcher.drain()
    after = (await hooks.get(FEED, params={"after": page["next_cursor"]}, headers=headers)).json()
    assert [i["data"]["person_id"] for i in after["items"]] == [str(world.my_mentee.id)]


async def test_each_caller_reads_only_what_it_may_see(
    hooks: httpx.AsyncClient, world: World, dispatcher: Worker, db: AsyncSession
) -> None:
    for person in (world.my_mentee, world.other_mentee, world.self_mentee):
        await release(hooks, world, person.id)
    await dispatcher.drain()
    # a partner hears of more than its referral only while the person consents to it
    unshared = await hooks.get(FEED, headers=world.headers("partner"))
    assert unshared.json()["items"] == []
    await make_consent(db, world.other_mentee, ConsentPurpose.share_progress_with_referrer)

    def people(who: str, scopes: str | None = None) -> set[str]:
        return {i["data"]["person_id"] for i in pages[(who, scopes)]["items"]}

    pages = {}
    for who, scopes in (
        ("mentor", None),
        ("mentee", None),
        ("partner", None),
        ("other_partner", None),
        ("foreign_coordinator", None),
        ("coordinator", "relationships:read"),
    ):
        answer = await hooks.get(FEED, headers=world.headers(who, scopes))
        assert answer.status_code == 200
        pages[(who, scopes)] = answer.json()
    assert people("mentor") == {str(world.my_mentee.id)}
    assert people("mentee") == {str(world.self_mentee.id)}
    assert people("partner") == {str(world.other_mentee.id)}
    assert people("other_partner") == people("foreign_coordinator") == set()
    assert (await hooks.get(FEED, headers=world.headers("analyst"))).status_code == 403
    narrowed = pages[("coordinator", "relationships:read")]["items"]
    assert {i["type"] for i in narrowed} == {"relationship.phase_changed"}
    (partner_item,) = pages[("partner", None)]["items"]
    assert set(partner_item["data"]) == {"referral_id", "person_id", "progress"}


async def test_bad_feed_parameters_are_422_problems(hooks: httpx.AsyncClient, world: World) -> None:
    headers = world.headers("coordinator")
    for params in ({"after": "abc"}, {"after": "-1"}, {"type": "referal.*"}, {"limit": "0"}):
        answer = await hooks.get(FEED, params=params, headers=headers)
        assert answer.status_code == 422, params
        assert answer.headers["content-type"] == "application/problem+json"
    assert (await hooks.get(FEED)).status_code == 401


async def test_graphql_reads_the_same_feed(
    hooks: httpx.AsyncClient, world: World, dispatcher: Worker
) -> None:
    await release(hooks, world, world.other_mentee.id)
    await dispatcher.drain()
    query = """query($after: String, $types: [String!]) {
      events(after: $after, types: $types, first: 10) {
        nodes { id type occurredAt cursor data } nextCursor
      }
    }"""
    for who in ("coordinator", "partner"):
        rest = (await hooks.get(FEED, headers=world.headers(who))).json()
        answer = await hooks.post(
            "/api/v1/graphql",
            json={"query": query, "variables": {"types": ["person.*"]}},
            headers=world.headers(who),
        )
        feed = answer.json()["data"]["events"]
        assert [n["data"] for n in feed["nodes"]] == [i["data"] for i in rest["items"]]
        assert feed["nextCursor"] == rest["next_cursor"]
    refused = await hooks.post(
        "/api/v1/graphql",
        json={"query": query, "variables": {"after": "nope"}},
        headers=world.headers("coordinator"),
    )
    assert error_statuses(refused.json()) == [422]


async def test_an_alert_is_heard_of_only_by_those_who_see_it(
    hooks: httpx.AsyncClient, world: World, dispatcher: Worker
) -> None:
    """An urgent concern staff raise about a mentee raises an alert the mentee's mentor does
    not see; the feed does not tell the mentor of it either. The mentor's own concern's
    alert they do hear of; the mentee and a partner hear of none."""
    body = {
        "person_id": str(world.my_mentee.id),
        "category": "risk_to_others",
        "urgency": "urgent",
        "description": "Threats made on the wing.",
    }
    by_staff = await hooks.post("/api/v1/concerns", json=body, headers=world.headers("admin"))
    by_mentor = await hooks.post("/api/v1/concerns", json=body, headers=world.headers("mentor"))
    assert by_staff.status_code == by_mentor.status_code == 201
    await dispatcher.drain()

    async def alerts_heard_of(who: str) -> list[str]:
        answer = await hooks.get(FEED, params={"type": "alert.*"}, headers=world.headers(who))
        assert answer.status_code == 200, answer.text
        return [item["data"]["alert_id"] for item in answer.json()["items"]]

    staff_heard = await alerts_heard_of("coordinator")
    assert len(staff_heard) == 2
    seen = await hooks.get("/api/v1/alerts", headers=world.headers("mentor"))
    (visible,) = [a["id"] for a in seen.json()["items"] if a["rule"] == "urgent_concern"]
    assert await alerts_heard_of("mentor") == [visible]
    for who in ("mentee", "partner"):
        assert await alerts_heard_of(who) == []


async def test_a_partner_hears_of_its_own_referrals_only(
    hook_app: object, world: World, hooks: httpx.AsyncClient, dispatcher: Worker
) -> None:
    """Two partners of one organisation: a referral's events reach the one that made it."""
    referral = await accepted(hook_app, world, Referral.mentee_id == world.other_mentee.id)
    await dispatcher.drain()
    heard = (await hooks.get(FEED, headers=world.headers("partner"))).json()["items"]
    assert [i["data"]["referral_id"] for i in heard] == [str(referral.id)]
    other = (await hooks.get(FEED, headers=world.headers("other_partner"))).json()["items"]
    assert other == []


async def test_a_partner_never_hears_of_an_alert_even_about_a_person_it_referred(
    hooks: httpx.AsyncClient, world: World, dispatcher: Worker, db: AsyncSession
) -> None:
    """Consent to share progress with the referrer lets a partner hear of the person's
    progress, never of an alert about them."""
    await make_consent(db, world.other_mentee, ConsentPurpose.share_progress_with_referrer)
    body = {
        "person_id": str(world.other_mentee.id),
        "category": "self_harm",
        "urgency": "urgent",
        "description": "Said they could not see a way forward.",
    }
    raised = await hooks.post("/api/v1/concerns", json=body, headers=world.headers("admin"))
    assert raised.status_code == 201, raised.text
    await release(hooks, world, world.other_mentee.id)  # progress the partner may hear of
    await dispatcher.drain()
    staff = await hooks.get(FEED, params={"type": "alert.*"}, headers=world.headers("coordinator"))
    assert [i["data"]["person_id"] for i in staff.json()["items"]] == [str(world.other_mentee.id)]
    heard = (await hooks.get(FEED, headers=world.headers("partner"))).json()["items"]
    assert heard, "the partner hears of the release"
    assert not [i for i in heard if i["type"].startswith("alert.")]


async def test_a_partner_does_not_hear_of_another_partners_referral_of_its_person(
    hook_app: object, world: World, hooks: httpx.AsyncClient, dispatcher: Worker, db: AsyncSession
) -> None:
    """Two partners referred the same person, who consents to share progress with their
    referrers: each hears of the person's progress, and only of its own referral."""
    await make_consent(db, world.other_mentee, ConsentPurpose.share_progress_with_referrer)
    second = await make_inbound_referral(
        db, world.other_mentee, cast(ApiClient, world.accounts["other_partner"])
    )
    await accepted(hook_app, world, Referral.id == second.id)
    await dispatcher.drain()
    theirs = (await hooks.get(FEED, headers=world.headers("other_partner"))).json()["items"]
    assert [i["data"]["referral_id"] for i in theirs] == [str(second.id)]
    heard = (await hooks.get(FEED, headers=world.headers("partner"))).json()["items"]
    assert str(second.id) not in [i["data"].get("referral_id") for i in heard]
