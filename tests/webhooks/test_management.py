"""`/webhooks`: who manages which subscription, safe URLs, secrets, pings, the delivery log."""

from typing import Any

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from standardwebhooks import Webhook

from api.models import AuditEvent, Referral
from api.services.webhook_delivery import UnsafeUrl, check_url_form
from api.worker import Worker
from tests.conftest import make_settings
from tests.factories import World
from tests.webhooks.conftest import settle
from tests.webhooks.receiver import Receiver, running_receiver

HOOKS = "/api/v1/webhooks"
PUBLIC = "https://93.184.215.14/hooks"  # a public address: no name to resolve


async def make_hook(
    http: httpx.AsyncClient, headers: dict[str, str], url: str = PUBLIC, **extra: Any
) -> httpx.Response:
    return await http.post(HOOKS, json={"url": url, "events": ["*"], **extra}, headers=headers)


async def test_admins_manage_the_organisation_s_and_partners_their_own(
    client: httpx.AsyncClient, world: World
) -> None:
    admin, partner = world.headers("admin"), world.headers("partner")
    mine = (await make_hook(client, partner)).json()
    theirs = (await make_hook(client, world.headers("other_partner"))).json()
    staff = (await make_hook(client, admin, description="Case system")).json()
    assert mine["owner"].startswith("client:") and "secret" in mine

    listed = (await client.get(HOOKS, headers=admin)).json()["items"]
    assert {h["id"] for h in listed} == {mine["id"], theirs["id"], staff["id"]}
    assert all("secret" not in h for h in listed)
    own = (await client.get(HOOKS, headers=partner)).json()["items"]
    assert [h["id"] for h in own] == [mine["id"]]
    for hook in (theirs, staff):
        assert (await client.get(f"{HOOKS}/{hook['id']}", headers=partner)).status_code == 404
    foreign = world.headers("foreign_coordinator")
    for who in ("coordinator", "mentor", "mentee", "analyst"):
        assert (await client.get(HOOKS, headers=world.headers(who))).status_code == 403
        assert (await make_hook(client, world.headers(who))).status_code == 403
    assert (await client.get(f"{HOOKS}/{staff['id']}", headers=foreign)).status_code == 403

    patched = await client.patch(
        f"{HOOKS}/{mine['id']}",
        json={"events": ["referral.*"], "description": "NDelius"},
        headers={**partner, "If-Match": f'"{mine["version"]}"'},
    )
    assert patched.status_code == 200
    assert patched.json()["events"] == ["referral.*"]
    assert (await client.delete(f"{HOOKS}/{mine['id']}", headers=partner)).status_code == 204
    assert (await client.get(f"{HOOKS}/{mine['id']}", headers=partner)).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://localhost/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.0.10/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://[::ffff:10.0.0.1]/hooks",
        "https://0.0.0.0/hooks",
        "ftp://93.184.215.14/hooks",
        "https://user:pw@93.184.215.14/hooks",
        "not a url",
    ],
)
async def test_unsafe_urls_are_refused_and_change_nothing(
    client: httpx.AsyncClient, world: World, url: str
) -> None:
    answer = await make_hook(client, world.headers("admin"), url)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["loc"] == ["body", "url"]
    assert (await client.get(HOOKS, headers=world.headers("admin"))).json()["items"] == []


def test_production_takes_https_only() -> None:
    production = make_settings("sqlite://", env="production")
    with pytest.raises(UnsafeUrl):
        check_url_form("http://93.184.215.14/hooks", production)
    assert check_url_form("https://93.184.215.14/hooks", production) == "93.184.215.14"


async def test_bad_bodies_are_422(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("admin")
    for body in (
        {"url": PUBLIC, "events": []},
        {"url": PUBLIC, "events": ["referal.*"]},
        {"url": PUBLIC, "events": ["referral.**"]},
        {"url": PUBLIC},
        {"url": PUBLIC, "events": ["*"], "secret": "mine"},
    ):
        answer = await client.post(HOOKS, json=body, headers=admin)
        assert answer.status_code == 422, body
    hook = (await make_hook(client, admin)).json()
    changes: list[dict[str, str | None]] = [
        {"url": None},
        {"events": None},
        {"enabled": None},
        {"url": "https://10.0.0.1"},
    ]
    for change in changes:
        answer = await client.patch(f"{HOOKS}/{hook['id']}", json=change, headers=admin)
        assert answer.status_code == 422, change


async def test_a_rotated_secret_signs_beside_the_old_one_during_its_grace(
    hooks: httpx.AsyncClient, world: World, receiver: Receiver
) -> None:
    admin = world.headers("admin")
    hook = (await make_hook(hooks, admin, receiver.url)).json()
    rotated = await hooks.post(f"{HOOKS}/{hook['id']}/rotate-secret", headers=admin)
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret != hook["secret"]
    ping = await hooks.post(f"{HOOKS}/{hook['id']}/ping", headers=admin)
    assert ping.json()["status"] == "delivered"
    (message,) = receiver.received
    for secret in (hook["secret"], new_secret):
        assert Webhook(secret).verify(message.body, message.headers)["type"] == "webhook.ping"

    await hooks.post(f"{HOOKS}/{hook['id']}/rotate-secret", json={"grace_hours": 0}, headers=admin)
    await hooks.post(f"{HOOKS}/{hook['id']}/ping", headers=admin)
    assert len(receiver.received[-1].headers["webhook-signature"].split()) == 1


async def test_a_failing_receiver_disables_the_subscription_and_its_owner_sees_why(
    hooks: httpx.AsyncClient, world: World, db: AsyncSession, dispatcher: Worker
) -> None:
    admin = world.headers("admin")
    with running_receiver(answers=[500, 500, 302, 500]) as receiver:
        hook = (await make_hook(hooks, admin, receiver.url)).json()
        referral = (
            await db.exec(select(Referral).where(Referral.mentee_id == world.other_mentee.id))
        ).one()
        await hooks.post(
            f"/api/v1/referrals/{referral.id}/accept", headers=world.headers("coordinator")
        )
        await settle(dispatcher, lambda: len(receiver.received) >= 4)
        await dispatcher.drain()
        seen = (await hooks.get(f"{HOOKS}/{hook['id']}", headers=admin)).json()
        assert seen["enabled"] is False
        assert "4 consecutive failed attempts" in seen["disabled_reason"]
        assert "HTTP 500" in seen["disabled_reason"]
        log = (await hooks.get(f"{HOOKS}/{hook['id']}/deliveries", headers=admin)).json()
        (delivery,) = log["items"]
        assert (delivery["status"], delivery["attempts"]) == ("failed", 4)
        assert delivery["response_excerpt"] == "ok"
        assert len(receiver.received) == 4  # the redirect was not followed
        retry_url = f"{HOOKS}/{hook['id']}/deliveries/{delivery['id']}/retry"
        assert (await hooks.post(retry_url, headers=admin)).status_code == 409

        enabled = await hooks.patch(f"{HOOKS}/{hook['id']}", json={"enabled": True}, headers=admin)
        assert enabled.json()["enabled"] is True
        assert (await hooks.post(retry_url, headers=admin)).status_code == 202
        await settle(dispatcher, lambda: len(receiver.received) >= 5)
    assert len(set(receiver.ids())) == 1
    disabled = (
        await db.exec(select(AuditEvent).where(AuditEvent.action == "webhook.disable"))
    ).one()
    assert (disabled.actor, disabled.actor_role) == ("system:webhooks.deliver", "coordinator")


async def test_a_slow_receiver_does_not_stall_the_others(
    hook_settings: Any, hook_app: Any, world: World, db: AsyncSession, hooks: httpx.AsyncClient
) -> None:
    from api.worker import Context
    from tests.webhooks.conftest import dispatcher_jobs

    impatient = hook_settings.model_copy(update={"webhook_timeout_seconds": 0.5})
    worker = Worker(Context(hook_app.state.db_factory, impatient), dispatcher_jobs())
    admin = world.headers("admin")
    with running_receiver(delay=3) as slow, running_receiver() as fast:
        slow_hook = (await make_hook(hooks, admin, slow.url)).json()
        await make_hook(hooks, admin, fast.url)
        referral = (
            await db.exec(select(Referral).where(Referral.mentee_id == world.other_mentee.id))
        ).one()
        await hooks.post(
            f"/api/v1/referrals/{referral.id}/accept", headers=world.headers("coordinator")
        )
        await worker.run_once()
        await worker.run_once()
        assert len(fast.received) == 1
        log = (await hooks.get(f"{HOOKS}/{slow_hook['id']}/deliveries", headers=admin)).json()
        assert log["items"][0]["last_error"] == "no answer within 0.5 s"
        assert log["items"][0]["status"] == "pending"
    await worker.context.close()
