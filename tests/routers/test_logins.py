"""Logins under control: administrators invite, disable, enable and reset people's logins
and keep machine clients in hand; failed logins back off per account; forwarded addresses
count only from trusted proxies."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.main import create_app
from api.models import ApiClient, UserAccount
from tests.conftest import make_settings
from tests.factories import PASSWORD, World
from tests.test_auth import TOKEN, password_login

API = "/api/v1"


def admin(world: World) -> dict[str, str]:
    return world.headers("admin")


async def invite(client: httpx.AsyncClient, world: World, **body: Any) -> httpx.Response:
    return await client.post(f"{API}/users", json=body, headers=admin(world))


async def set_password(client: httpx.AsyncClient, token: str, password: str) -> httpx.Response:
    return await client.post(
        f"{API}/auth/set-password", json={"token": token, "password": password}
    )


async def test_an_invited_mentee_chooses_a_password_once(
    client: httpx.AsyncClient, world: World
) -> None:
    invited = await invite(
        client,
        world,
        email="New.Mentee@Example.org",
        role="mentee",
        person_id=str(world.my_mentee.id),
    )
    assert invited.status_code == 201, invited.text
    body = invited.json()
    assert body["user"]["email"] == "new.mentee@example.org"
    assert body["user"]["password_set"] is False and body["user"]["is_active"] is True
    token = body["set_password"]["token"]
    # no password works until one is chosen
    assert (await password_login(client, "new.mentee@example.org", "")).status_code in (400, 422)
    assert (await set_password(client, token, "short")).status_code == 422
    assert (await set_password(client, token, "a long new password")).status_code == 204
    assert (await set_password(client, token, "another long password")).status_code == 422
    login = await password_login(client, "new.mentee@example.org", "a long new password")
    assert login.status_code == 200, login.text
    me = await client.get(
        f"{API}/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert me.json()["person_id"] == str(world.my_mentee.id)
    listed = await client.get(f"{API}/users", params={"role": "mentee"}, headers=admin(world))
    emails = {u["email"]: u for u in listed.json()["items"]}
    assert emails["new.mentee@example.org"]["password_set"] is True


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"email": "m@example.org", "role": "mentor"}, 422),  # a mentor's login names them
        ({"email": "m@example.org", "role": "coordinator", "person_id": "{mentee}"}, 422),
        ({"email": "m@example.org", "role": "mentor", "person_id": "{mentee}"}, 422),
        ({"email": "m@example.org", "role": "mentee", "person_id": "{foreign}"}, 422),
        ({"email": "not-an-email", "role": "coordinator"}, 422),
        ({"email": "m@example.org", "role": "coordinator", "password": "x" * 12}, 422),
    ],
)
async def test_bad_invitations_are_refused(
    client: httpx.AsyncClient, world: World, body: dict[str, str], status: int
) -> None:
    ids = {"{mentee}": str(world.my_mentee.id), "{foreign}": str(world.foreign_mentee.id)}
    body = {k: ids.get(v, v) for k, v in body.items()}
    answer = await invite(client, world, **body)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    again = await invite(client, world, email="c2@example.org", role="coordinator")
    assert again.status_code == 201
    assert (await invite(client, world, email="C2@example.org", role="analyst")).status_code == 409


async def test_disabling_a_login_stops_its_tokens_at_once(
    client: httpx.AsyncClient, world: World
) -> None:
    user = world.accounts["coordinator"]
    assert isinstance(user, UserAccount)
    login = (await password_login(client, user.email)).json()
    bearer = {"Authorization": f"Bearer {login['access_token']}"}
    assert (await client.get(f"{API}/me", headers=bearer)).status_code == 200

    disabled = await client.post(f"{API}/users/{user.id}/disable", headers=admin(world))
    assert disabled.status_code == 200 and disabled.json()["is_active"] is False
    assert (await client.get(f"{API}/me", headers=bearer)).status_code == 401
    refresh = await client.post(
        TOKEN, data={"grant_type": "refresh_token", "refresh_token": login["refresh_token"]}
    )
    assert refresh.status_code == 400
    assert (await password_login(client, user.email)).status_code == 400

    enabled = await client.post(f"{API}/users/{user.id}/enable", headers=admin(world))
    assert enabled.json()["is_active"] is True
    assert (await client.get(f"{API}/me", headers=bearer)).status_code == 401  # stays revoked
    again = await password_login(client, user.email)
    assert again.status_code == 200
    fresh = {"Authorization": f"Bearer {again.json()['access_token']}"}
    assert (await client.get(f"{API}/me", headers=fresh)).status_code == 200  # a new one works

    me = world.accounts["admin"]
    own = await client.post(f"{API}/users/{me.id}/disable", headers=admin(world))
    assert own.status_code == 409


async def test_a_password_reset_revokes_and_hands_out_a_token(
    client: httpx.AsyncClient, world: World
) -> None:
    user = world.accounts["mentor"]
    assert isinstance(user, UserAccount)
    login = (await password_login(client, user.email)).json()
    reset = await client.post(f"{API}/users/{user.id}/reset-password", headers=admin(world))
    assert reset.status_code == 200, reset.text
    bearer = {"Authorization": f"Bearer {login['access_token']}"}
    assert (await client.get(f"{API}/me", headers=bearer)).status_code == 401
    assert (await password_login(client, user.email)).status_code == 400  # the old password
    await set_password(client, reset.json()["token"], "a brand new password")
    assert (await password_login(client, user.email, "a brand new password")).status_code == 200


async def client_token(client: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await client.post(
        TOKEN, data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )


async def test_clients_are_created_rotated_disabled_and_revoked(
    client: httpx.AsyncClient, world: World
) -> None:
    made = await client.post(
        f"{API}/clients", json={"name": "Probation NE", "role": "partner"}, headers=admin(world)
    )
    assert made.status_code == 201, made.text
    row, secret = made.json()["client"], made.json()["secret"]
    first = await client_token(client, row["client_id"], secret)
    assert first.status_code == 200
    bearer = {"Authorization": f"Bearer {first.json()['access_token']}"}

    rotated = await client.post(f"{API}/clients/{row['id']}/rotate-secret", headers=admin(world))
    new_secret = rotated.json()["secret"]
    assert new_secret != secret
    assert (await client.get(f"{API}/me", headers=bearer)).status_code == 401
    assert (await client_token(client, row["client_id"], secret)).status_code == 401
    second = await client_token(client, row["client_id"], new_secret)
    assert second.status_code == 200
    rotated_bearer = {"Authorization": f"Bearer {second.json()['access_token']}"}
    assert (await client.get(f"{API}/me", headers=rotated_bearer)).status_code == 200

    await client.post(f"{API}/clients/{row['id']}/disable", headers=admin(world))
    assert (await client_token(client, row["client_id"], new_secret)).status_code == 401
    await client.post(f"{API}/clients/{row['id']}/enable", headers=admin(world))
    assert (await client_token(client, row["client_id"], new_secret)).status_code == 200

    revoked = await client.post(f"{API}/clients/{row['id']}/revoke", headers=admin(world))
    assert revoked.json()["revoked_at"] is not None
    assert (await client_token(client, row["client_id"], new_secret)).status_code == 401
    enable = await client.post(f"{API}/clients/{row['id']}/enable", headers=admin(world))
    assert enable.status_code == 409
    listed = await client.get(f"{API}/clients", params={"active": "false"}, headers=admin(world))
    assert row["id"] in {c["id"] for c in listed.json()["items"]}
    assert "secret_hash" not in listed.text


async def test_only_administrators_manage_logins(client: httpx.AsyncClient, world: World) -> None:
    for who in ("coordinator", "mentor", "partner"):
        assert (await client.get(f"{API}/users", headers=world.headers(who))).status_code == 403
    foreign = await client.get(
        f"{API}/users/{world.accounts['foreign_coordinator'].id}", headers=admin(world)
    )
    assert foreign.status_code == 404


@pytest.fixture
async def strict(migrated: str) -> Any:
    app: FastAPI = create_app(
        make_settings(
            migrated,
            rate_limit_login_failures="3/15 minutes",
            trusted_proxies=["10.0.0.9"],
        )
    )
    yield app
    await app.state.engine.dispose()


async def test_failed_logins_back_off_per_account(strict: FastAPI, world: World) -> None:
    user = world.accounts["coordinator"]
    assert isinstance(user, UserAccount)
    transport = httpx.ASGITransport(app=strict)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        wrong = [(await password_login(http, user.email, "wrong")).status_code for _ in range(3)]
        assert wrong == [400, 400, 400]
        # the right password is refused too while the account backs off
        locked = await password_login(http, user.email.upper())
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1
        # other accounts are not held up
        other = world.accounts["mentor"]
        assert isinstance(other, UserAccount)
        assert (await password_login(http, other.email)).status_code == 200
        partner = world.accounts["partner"]
        assert isinstance(partner, ApiClient)
        for _ in range(3):
            await client_token(http, partner.client_id, "wrong secret")
        assert (await client_token(http, partner.client_id, PASSWORD)).status_code == 429


async def test_forwarded_addresses_count_only_from_trusted_proxies(
    migrated: str, world: World
) -> None:
    app: FastAPI = create_app(
        make_settings(migrated, rate_limit_token="2/minute", trusted_proxies=["127.0.0.0/8"])
    )
    async with (
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 5000)), base_url="http://t"
        ) as via_proxy,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("203.0.113.7", 5000)),
            base_url="http://t",
        ) as direct,
    ):

        async def ask(http: httpx.AsyncClient, forwarded: str) -> int:
            response = await http.post(
                TOKEN,
                data={"grant_type": "password", "username": "x@example.org", "password": "y"},
                headers={"X-Forwarded-For": forwarded},
            )
            return response.status_code

        # behind the trusted proxy, each forwarded address has its own allowance
        assert [await ask(via_proxy, "198.51.100.1") for _ in range(3)] == [400, 400, 429]
        assert await ask(via_proxy, "198.51.100.2") == 400
        # a direct caller cannot choose its address by sending the header
        assert [await ask(direct, f"198.51.100.{n}") for n in range(10, 13)] == [400, 400, 429]
    await app.state.engine.dispose()


async def test_an_email_taken_in_another_organisation_is_a_409_not_a_500(
    client: httpx.AsyncClient, world: World
) -> None:
    foreign = world.accounts["foreign_coordinator"]
    assert isinstance(foreign, UserAccount)
    answer = await invite(client, world, email=foreign.email.upper(), role="analyst")
    assert answer.status_code == 409, answer.text
    assert answer.json()["type"] == "/problems/conflict"
    assert (
        await invite(client, world, email="fresh@example.org", role="analyst")
    ).status_code == 201
