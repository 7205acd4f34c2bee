"""Tokens: the three grants, scope narrowing, refresh rotation, and forged tokens."""

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from jose import jwt
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth import passwords, tokens
from api.auth.passwords import hash_secret, verify_secret
from api.auth.scopes import ROLE_SCOPES
from api.auth.tokens import InvalidToken, claims_of, decode_access_token, issue_access_token
from api.main import create_app
from api.models import ApiClient, UserAccount
from api.models.enums import Role
from api.settings import Settings
from tests.conftest import make_settings
from tests.factories import PASSWORD, World, make_client

TOKEN = "/api/v1/auth/token"


def account(world: World, who: str) -> UserAccount:
    user = world.accounts[who]
    assert isinstance(user, UserAccount)
    return user


def client_of(world: World, who: str) -> ApiClient:
    client = world.accounts[who]
    assert isinstance(client, ApiClient)
    return client


async def password_login(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, **extra: str
) -> httpx.Response:
    return await client.post(
        TOKEN, data={"grant_type": "password", "username": email, "password": password, **extra}
    )


async def test_password_grant_and_me(client: httpx.AsyncClient, world: World) -> None:
    mentor = account(world, "mentor")
    response = await password_login(client, mentor.email.upper())
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["token_type"] == "bearer" and token["expires_in"] == 15 * 60
    assert set(token["scope"].split()) == ROLE_SCOPES[Role.mentor]
    assert token["refresh_token"]

    header = jwt.get_unverified_header(token["access_token"])
    claims = jwt.get_unverified_claims(token["access_token"])
    assert header["alg"] == "HS256" and header["kid"] == "test-k1"
    assert {"iss", "aud", "exp", "iat", "jti", "sub", "org", "role", "scope"} <= set(claims)

    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["role"] == "mentor"
    assert me.json()["person_id"] == str(world.mentor.id)
    assert me.json()["org_id"] == str(world.org.id)


async def test_asking_for_more_scope_than_the_role_allows_gets_at_most_the_role(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await password_login(
        client, account(world, "mentee").email, scope="goals:read admin people:sensitive"
    )
    assert response.json()["scope"] == "goals:read"
    narrowed = response.json()["access_token"]
    people = await client.get("/api/v1/people", headers={"Authorization": f"Bearer {narrowed}"})
    assert people.status_code == 403


async def test_wrong_password_and_unknown_user_look_the_same(
    client: httpx.AsyncClient, world: World
) -> None:
    wrong = await password_login(client, account(world, "admin").email, "wrong password!!")
    unknown = await password_login(client, "nobody@example.org")
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["error"] == "invalid_grant"
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_a_miss_is_checked_against_a_hash_made_as_real_ones_are() -> None:
    """The stand-in for a missing account's hash is written into the code: it must be a
    real hash with the parameters of the hashes we make, or a miss would take another time
    than a hit."""
    assert passwords._hasher.verify(passwords._DUMMY_HASH, "no such account")
    assert not passwords._hasher.check_needs_rehash(passwords._DUMMY_HASH)


def test_no_secret_matches_a_missing_hash() -> None:
    """A missing account is checked against a dummy hash (so a miss takes as long as a hit);
    even that hash's own secret must not pass for it."""
    assert verify_secret(None, "no such account") is False
    assert verify_secret(hash_secret("right secret"), "right secret") is True
    assert verify_secret(hash_secret("right secret"), "wrong secret") is False


async def test_client_credentials_in_form_or_basic(client: httpx.AsyncClient, world: World) -> None:
    partner = client_of(world, "partner")
    form = await client.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": partner.client_id,
            "client_secret": PASSWORD,
        },
    )
    assert form.status_code == 200
    assert set(form.json()["scope"].split()) == {"people:read", "referrals:read", "referrals:write"}
    assert "refresh_token" not in form.json()
    basic = base64.b64encode(f"{partner.client_id}:{PASSWORD}".encode()).decode()
    via_basic = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert via_basic.status_code == 200
    bad = await client.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": partner.client_id,
            "client_secret": "nope",
        },
    )
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"


async def test_refresh_rotates_and_reuse_revokes_the_family(
    client: httpx.AsyncClient, world: World
) -> None:
    first = (await password_login(client, account(world, "coordinator").email)).json()

    async def refresh(token: str, **extra: str) -> httpx.Response:
        return await client.post(
            TOKEN, data={"grant_type": "refresh_token", "refresh_token": token, **extra}
        )

    second = await refresh(first["refresh_token"], scope="people:read")
    assert second.status_code == 200
    assert second.json()["scope"] == "people:read"
    third = await refresh(second.json()["refresh_token"], scope="people:read admin")
    assert third.json()["scope"] == "people:read"  # a refresh never widens the grant

    replayed = await refresh(first["refresh_token"])
    assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"
    # the theft signal revoked every token of that login, including the newest
    assert (await refresh(third.json()["refresh_token"])).status_code == 400
    assert (await refresh("made-up")).status_code == 400


async def test_a_refresh_token_works_only_for_its_client(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    """RFC 6749 §6: the client refreshing must be the one the token was issued to."""
    email = account(world, "coordinator").email
    portal = client_of(world, "partner").client_id
    other = (await make_client(db, world.org, Role.partner)).client_id

    async def refresh(token: str, **extra: str) -> httpx.Response:
        return await client.post(
            TOKEN, data={"grant_type": "refresh_token", "refresh_token": token, **extra}
        )

    def basic(client_id: str) -> str:
        return "Basic " + base64.b64encode(f"{client_id}:{PASSWORD}".encode()).decode()

    app_login = (await password_login(client, email, client_id="throughgate-mobile")).json()
    for wrong in ({}, {"client_id": "another-app"}, {"client_id": portal}):
        refused = await refresh(app_login["refresh_token"], **wrong)
        assert refused.status_code in (400, 401), wrong
    assert (await refresh(app_login["refresh_token"], client_id="throughgate-mobile")).is_success

    login = await client.post(
        TOKEN,
        data={"grant_type": "password", "username": email, "password": PASSWORD},
        headers={"Authorization": basic(portal)},
    )
    assert login.status_code == 200, login.text
    stolen = await client.post(
        TOKEN,
        data={"grant_type": "refresh_token", "refresh_token": login.json()["refresh_token"]},
        headers={"Authorization": basic(other)},
    )
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"
    unproven = await refresh(login.json()["refresh_token"], client_id=portal)
    assert unproven.status_code == 401 and unproven.json()["error"] == "invalid_client"

    plain = (await password_login(client, email)).json()
    assert (
        await refresh(plain["refresh_token"], client_id="throughgate-mobile")
    ).status_code == 400
    assert (await refresh(plain["refresh_token"])).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"grant_type": "password", "username": "a@example.org"},
        {"grant_type": "refresh_token"},
        {"grant_type": "authorization_code", "code": "x"},
        {},
    ],
)
async def test_malformed_token_requests(client: httpx.AsyncClient, body: dict[str, str]) -> None:
    response = await client.post(TOKEN, data=body)
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == "application/problem+json"


def _forge(
    claims: dict[str, object], key: str = "k" * 40, kid: str = "test-k1", alg: str = "HS256"
) -> str:
    token: str = jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})
    return token


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


async def test_forged_and_stale_tokens_are_401(client: httpx.AsyncClient, world: World) -> None:
    admin = account(world, "admin")
    now = int(time.time())
    good = {
        "iss": "throughgate",
        "aud": "throughgate-api",
        "sub": f"user:{admin.id}",
        "org": str(admin.org_id),
        "role": "admin",
        "scope": "people:read",
        "iat": now,
        "exp": now + 600,
        "jti": "x",
    }
    valid = _forge(good)
    header, payload, signature = valid.split(".")
    tampered_payload = _b64(
        {
            **good,
            "role": "admin",
            "scope": "admin people:read people:write",
            "org": str(world.other_org.id),
        }
    )
    forged = {
        "alg none": f"{_b64({'alg': 'none', 'kid': 'test-k1'})}.{payload}.",
        "tampered payload": f"{header}.{tampered_payload}.{signature}",
        "wrong key": _forge(good, key="z" * 40),
        "unknown kid": _forge(good, kid="nope"),
        "expired": _forge({**good, "exp": now - 10}),
        "wrong audience": _forge({**good, "aud": "someone-else"}),
        "wrong issuer": _forge({**good, "iss": "evil"}),
        **{
            f"no {claim}": _forge({k: v for k, v in good.items() if k != claim})
            for claim in ("exp", "iat", "jti", "sub", "aud", "iss")
        },
        "other organisation": _forge({**good, "org": str(world.other_org.id)}),
        "role changed": _forge({**good, "role": "coordinator"}),
        "neither a user nor a client": _forge({**good, "sub": f"robot:{admin.id}"}),
        "garbage": "not.a.token",
    }
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {valid}"})
    ).status_code == 200
    old_key = _forge(good, key="o" * 40, kid="test-old")
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {old_key}"})
    ).status_code == 200
    for name, token in forged.items():
        response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert response.headers["www-authenticate"].startswith("Bearer"), name
    basic = await client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401


async def test_a_deactivated_account_loses_access_at_once(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    headers = world.headers("coordinator")
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    user = account(world, "coordinator")
    user.is_active = False
    db.add(user)
    await db.commit()
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
    assert (await password_login(client, user.email)).status_code == 400


async def test_token_requests_are_rate_limited(migrated: str, world: World) -> None:
    app: FastAPI = create_app(make_settings(migrated, rate_limit_token="3/minute"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as limited:
        statuses = [
            (await password_login(limited, "nobody@example.org")).status_code for _ in range(4)
        ]
        assert statuses == [400, 400, 400, 429]
        last = await password_login(limited, "nobody@example.org")
        assert last.status_code == 429
        assert 1 <= int(last.headers["retry-after"]) <= 60
        assert last.json()["type"] == "/problems/too-many-requests"
    await app.state.engine.dispose()


async def test_api_requests_are_rate_limited_per_caller(migrated: str, world: World) -> None:
    # An hour's window: the limiter's sliding count lets a third request through when a
    # window boundary falls between the second and the third, far likelier in a minute.
    app: FastAPI = create_app(make_settings(migrated, rate_limit_api="2/hour"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as limited:
        mine = [
            (await limited.get("/api/v1/me", headers=world.headers("admin"))).status_code
            for _ in range(3)
        ]
        assert mine == [200, 200, 429]
        other = await limited.get("/api/v1/me", headers=world.headers("coordinator"))
        assert other.status_code == 200
    await app.state.engine.dispose()


def test_token_lifetime_comes_from_settings() -> None:
    settings = make_settings("sqlite+aiosqlite://", access_token_minutes=5)
    token, lifetime = issue_access_token(
        settings, subject="user:x", org_id=uuid.uuid4(), role="admin", scope="admin"
    )
    assert lifetime == 300
    claims = decode_access_token(settings, token)
    assert claims.expires_at - datetime.now(UTC) <= timedelta(minutes=5)


def test_a_token_checked_once_still_expires_and_still_needs_its_key() -> None:
    signer = make_settings("sqlite+aiosqlite://", signing_keys=f"k1:{'a' * 40}")
    token, _ = issue_access_token(
        signer, subject="user:x", org_id=uuid.uuid4(), role="admin", scope="admin"
    )
    claims = claims_of(signer, token)  # verified, and remembered
    assert claims_of(signer, token, now=claims.expires_at) == claims
    with pytest.raises(InvalidToken):
        claims_of(signer, token, now=claims.expires_at + timedelta(seconds=1))

    withdrawn = make_settings("sqlite+aiosqlite://", signing_keys=f"k2:{'b' * 40}")
    with pytest.raises(InvalidToken):
        claims_of(withdrawn, token)
    rotated = make_settings("sqlite+aiosqlite://", signing_keys=f"k2:{'b' * 40},k1:{'a' * 40}")
    assert claims_of(rotated, token) == claims
    elsewhere = make_settings(
        "sqlite+aiosqlite://", signing_keys=f"k1:{'a' * 40}", token_audience="other"
    )
    with pytest.raises(InvalidToken):
        claims_of(elsewhere, token)


def test_remembered_tokens_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "_verified", {})
    monkeypatch.setattr(tokens, "_REMEMBERED", 2)
    settings = make_settings("sqlite+aiosqlite://")
    issued = [
        issue_access_token(
            settings, subject=f"user:{n}", org_id=uuid.uuid4(), role="admin", scope=""
        )[0]
        for n in range(3)
    ]
    for token in issued:
        claims_of(settings, token)
    assert [key[0] for key in tokens._verified] == issued[1:]  # the oldest went first


def test_a_token_is_verified_once_then_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "_verified", {})
    verified: list[str] = []

    def counting(settings: Settings, token: str) -> tokens.TokenClaims:
        verified.append(token)
        return decode_access_token(settings, token)

    monkeypatch.setattr(tokens, "decode_access_token", counting)
    settings = make_settings("sqlite+aiosqlite://")
    token, _ = issue_access_token(
        settings, subject="user:x", org_id=uuid.uuid4(), role="admin", scope=""
    )
    assert claims_of(settings, token) == claims_of(settings, token)
    assert verified == [token]
