"""`throughgate users ...` and `throughgate clients ...`: every login control at the command
line, each checked by what its owner notices at the API (a token, or a refusal)."""

import asyncio
import json
from typing import Any

import httpx
import pytest

from api.cli import app as cli
from api.main import create_app
from tests.conftest import make_settings
from tests.test_cli import database, run, runner  # noqa: F401  (the `database` fixture)

API = "/api/v1"
PASSWORD = "a long enough password"


def call(url: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request to a fresh app on the command's database."""

    async def send() -> httpx.Response:
        app = create_app(make_settings(url))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            response = await http.request(method, f"{API}{path}", **kwargs)
        await app.state.engine.dispose()
        return response

    return asyncio.run(send())


def login(url: str, email: str, password: str = PASSWORD) -> httpx.Response:
    data = {"grant_type": "password", "username": email, "password": password}
    return call(url, "POST", "/auth/token", data=data)


def client_login(url: str, client_id: str, secret: str) -> httpx.Response:
    data = {"grant_type": "client_credentials"}
    return call(url, "POST", "/auth/token", data=data, auth=(client_id, secret))


def me(url: str, token: str) -> int:
    return call(url, "GET", "/me", headers={"Authorization": f"Bearer {token}"}).status_code


def lines(*args: str) -> list[dict[str, Any]]:
    """A listing command: one JSON object a line."""
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line]


@pytest.fixture
def org(database: str) -> str:  # noqa: F811
    code, made, err = run("create-org", "Login Org")
    assert code == 0, err
    for email, role in (("admin@example.org", "admin"), ("coord@example.org", "coordinator")):
        code, _, err = run(
            "create-user", "--org", "Login Org", "--email", email, "--role", role,
            "--password", PASSWORD,
        )  # fmt: skip
        assert code == 0, err
    return str(made["id"])


def test_users_list_shows_every_login_and_filters_by_role(database: str, org: str) -> None:  # noqa: F811
    everyone = lines("users", "list", "--org", "Login Org")
    assert {u["email"] for u in everyone} == {"admin@example.org", "coord@example.org"}
    assert all(u["is_active"] and u["password_set"] for u in everyone)
    assert not any("password_hash" in u or "setup_token_hash" in u for u in everyone)
    coordinators = lines("users", "list", "--org", org, "--role", "coordinator")
    assert [u["email"] for u in coordinators] == ["coord@example.org"]


def test_an_invited_mentee_sets_their_own_password_once(database: str, org: str) -> None:  # noqa: F811
    admin = login(database, "admin@example.org").json()["access_token"]
    person = call(
        database,
        "POST",
        "/people",
        json={
            "kind": "mentee",
            "given_name": "Kyle",
            "family_name": "Walsh",
            "mentee": {"custody_status": "in_custody"},
        },
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert person.status_code == 201, person.text

    code, invited, err = run(
        "users", "invite", "--org", "Login Org", "--email", "Kyle@Example.org",
        "--role", "mentee", "--person", person.json()["id"],
    )  # fmt: skip
    assert code == 0, err
    assert invited["email"] == "kyle@example.org" and invited["password_set"] is False
    assert invited["person_id"] == person.json()["id"] and invited["expires_at"]
    token = invited["set_password_token"]

    assert login(database, "kyle@example.org", "").status_code in (400, 422)
    chosen = {"token": token, "password": "kyle's own password"}
    assert call(database, "POST", "/auth/set-password", json=chosen).status_code == 204
    again = {"token": token, "password": "someone else's password"}
    assert call(database, "POST", "/auth/set-password", json=again).status_code == 422
    answer = login(database, "kyle@example.org", "kyle's own password")
    assert answer.status_code == 200, answer.text
    found = call(
        database, "GET", "/me", headers={"Authorization": f"Bearer {answer.json()['access_token']}"}
    )
    assert found.json()["person_id"] == person.json()["id"]
    listed = {u["email"]: u for u in lines("users", "list", "--org", org)}
    assert listed["kyle@example.org"]["password_set"] is True

    # a mentee's login names its person
    code, _, err = run(
        "users", "invite", "--org", org, "--email", "x@example.org", "--role", "mentee"
    )
    assert code == 1 and "person" in err


def test_a_disabled_login_gets_no_token_until_enabled(database: str, org: str) -> None:  # noqa: F811
    before = login(database, "coord@example.org").json()
    assert me(database, before["access_token"]) == 200

    code, row, err = run("users", "disable", "--org", org, "coord@example.org")
    assert code == 0, err
    assert row["is_active"] is False
    assert me(database, before["access_token"]) == 401
    refresh = {"grant_type": "refresh_token", "refresh_token": before["refresh_token"]}
    assert call(database, "POST", "/auth/token", data=refresh).status_code == 400
    assert login(database, "coord@example.org").status_code == 400

    code, row, err = run("users", "enable", "--org", "Login Org", row["id"])
    assert code == 0, err
    assert row["is_active"] is True
    assert login(database, "coord@example.org").status_code == 200
    assert me(database, before["access_token"]) == 401  # old tokens stay dead

    code, _, err = run("users", "disable", "--org", org, "nobody@example.org")
    assert code == 1 and "No login" in err


def test_a_reset_password_stops_working_and_a_new_one_is_chosen(database: str, org: str) -> None:  # noqa: F811
    before = login(database, "coord@example.org").json()["access_token"]

    code, reset, err = run("users", "reset-password", "--org", org, "coord@example.org")
    assert code == 0, err
    assert reset["set_password_token"] and reset["expires_at"]
    assert me(database, before) == 401
    assert login(database, "coord@example.org").status_code == 400  # the old password
    listed = {u["email"]: u for u in lines("users", "list", "--org", org)}
    assert listed["coord@example.org"]["password_set"] is False

    chosen = {"token": reset["set_password_token"], "password": "a brand new password"}
    assert call(database, "POST", "/auth/set-password", json=chosen).status_code == 204
    assert login(database, "coord@example.org", "a brand new password").status_code == 200


@pytest.fixture
def partner(database: str, org: str) -> dict[str, Any]:  # noqa: F811
    code, made, err = run(
        "create-client", "--org", org, "--name", "Probation NE", "--role", "partner"
    )
    assert code == 0, err
    return dict(made)


def test_clients_list_shows_no_secret(database: str, partner: dict[str, Any]) -> None:  # noqa: F811
    listed = lines("clients", "list", "--org", "Login Org")
    assert [(c["client_id"], c["name"], c["is_active"]) for c in listed] == [
        (partner["client_id"], "Probation NE", True)
    ]
    assert partner["client_secret"] not in json.dumps(listed)
    assert not any("secret_hash" in c for c in listed)


def test_a_rotated_secret_refuses_the_old_one(database: str, partner: dict[str, Any]) -> None:  # noqa: F811
    old = client_login(database, partner["client_id"], partner["client_secret"])
    assert old.status_code == 200

    code, rotated, err = run("clients", "rotate-secret", "--org", "Login Org", partner["id"])
    assert code == 0, err
    assert rotated["client_secret"] and rotated["client_secret"] != partner["client_secret"]
    assert me(database, old.json()["access_token"]) == 401
    assert client_login(database, partner["client_id"], partner["client_secret"]).status_code == 401
    assert client_login(database, partner["client_id"], rotated["client_secret"]).status_code == 200


def test_a_disabled_client_gets_no_token_until_enabled(
    database: str,  # noqa: F811
    partner: dict[str, Any],
) -> None:
    before = client_login(database, partner["client_id"], partner["client_secret"]).json()

    code, row, err = run("clients", "disable", "--org", "Login Org", partner["client_id"])
    assert code == 0, err
    assert row["is_active"] is False
    assert me(database, before["access_token"]) == 401
    assert client_login(database, partner["client_id"], partner["client_secret"]).status_code == 401

    code, row, err = run("clients", "enable", "--org", "Login Org", partner["client_id"])
    assert code == 0, err
    assert row["is_active"] is True
    assert client_login(database, partner["client_id"], partner["client_secret"]).status_code == 200


def test_a_revoked_client_never_gets_a_token_again(
    database: str,  # noqa: F811
    partner: dict[str, Any],
) -> None:
    before = client_login(database, partner["client_id"], partner["client_secret"]).json()

    code, row, err = run("clients", "revoke", "--org", "Login Org", partner["id"])
    assert code == 0, err
    assert row["revoked_at"] is not None
    assert me(database, before["access_token"]) == 401
    assert client_login(database, partner["client_id"], partner["client_secret"]).status_code == 401

    code, _, err = run("clients", "enable", "--org", "Login Org", partner["id"])
    assert code == 1 and "revoked" in err
    assert client_login(database, partner["client_id"], partner["client_secret"]).status_code == 401
    code, _, err = run("clients", "rotate-secret", "--org", "Login Org", partner["id"])
    assert code == 1 and "revoked" in err

    code, _, err = run("clients", "revoke", "--org", "Login Org", "tg_unknown")
    assert code == 1 and "No client" in err
