"""The `throughgate` command, run in-process against an empty database of the suite's kind."""

import asyncio
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from api.cli import app as cli
from api.db import create_engine
from api.demo import DEMO_DOMAIN, DEMO_PARTNER_ID, DEMO_PARTNER_SECRET, DEMO_PASSWORD
from api.main import create_app
from api.models.enums import AlertRule
from api.settings import get_settings
from tests.conftest import TEST_KEYS, make_settings

runner = CliRunner()


@pytest.fixture
def database(scratch_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", scratch_url)
    monkeypatch.setenv("THROUGHGATE_SIGNING_KEYS", TEST_KEYS)
    get_settings.cache_clear()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    yield scratch_url
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, Any, str]:
    result = runner.invoke(cli, list(args))
    payload = json.loads(result.stdout) if result.exit_code == 0 and result.stdout else None
    return result.exit_code, payload, result.stderr


def token_status(database: str, data: dict[str, str]) -> int:
    async def call() -> int:
        app = create_app(make_settings(database))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post("/api/v1/auth/token", data=data)
        await app.state.engine.dispose()
        return response.status_code

    return asyncio.run(call())


def test_create_org_user_and_client(database: str) -> None:
    code, org, _ = run("create-org", "Northgate Mentoring")
    assert code == 0 and org["name"] == "Northgate Mentoring" and org["id"]

    code, _, err = run("create-org", "Northgate Mentoring")
    assert code == 1 and "already exists" in err

    code, user, _ = run(
        "create-user",
        "--org",
        "Northgate Mentoring",
        "--email",
        "Coord@Example.org",
        "--role",
        "coordinator",
        "--password",
        "a long enough password",
    )
    assert code == 0 and user["email"] == "coord@example.org" and user["org_id"] == org["id"]
    assert (
        token_status(
            database,
            {
                "grant_type": "password",
                "username": "coord@example.org",
                "password": "a long enough password",
            },
        )
        == 200
    )

    code, client, _ = run(
        "create-client", "--org", org["id"], "--name", "Probation NE", "--role", "partner"
    )
    assert code == 0 and client["client_id"].startswith("tg_") and client["client_secret"]
    assert (
        token_status(
            database,
            {
                "grant_type": "client_credentials",
                "client_id": client["client_id"],
                "client_secret": client["client_secret"],
            },
        )
        == 200
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "create-user",
                "--org",
                "Nowhere",
                "--email",
                "a@example.org",
                "--role",
                "admin",
                "--password",
                "long enough pass",
            ],
            "No organisation",
        ),
        (
            [
                "create-user",
                "--org",
                "Org",
                "--email",
                "a@example.org",
                "--role",
                "mentor",
                "--password",
                "long enough pass",
            ],
            "must be linked",
        ),
        (
            [
                "create-user",
                "--org",
                "Org",
                "--email",
                "a@example.org",
                "--role",
                "admin",
                "--password",
                "short",
            ],
            "12 characters",
        ),
        (["create-client", "--org", "Org", "--name", "x", "--role", "mentee"], "people log in"),
    ],
)
def test_errors_go_to_stderr_with_a_non_zero_exit(
    database: str, args: list[str], message: str
) -> None:
    assert run("create-org", "Org")[0] == 0
    code, payload, err = run(*args)
    assert code != 0 and payload is None
    assert message in err


def test_unknown_role_is_refused(database: str) -> None:
    result = runner.invoke(cli, ["create-client", "--org", "x", "--name", "n", "--role", "boss"])
    assert result.exit_code == 2


def test_seed_demo_once_and_every_demo_login_works(database: str) -> None:
    code, first, _ = run("seed-demo")
    assert code == 0 and first["seeded"] is True and first["mentees"] >= 20
    code, second, _ = run("seed-demo")
    assert second == {"id": first["id"], "name": first["name"], "seeded": False}
    for role in ("admin", "coordinator", "mentor", "mentee", "analyst"):
        status = token_status(
            database,
            {
                "grant_type": "password",
                "password": DEMO_PASSWORD,
                "username": f"{role}@{DEMO_DOMAIN}",
            },
        )
        assert status == 200, role
    assert (
        token_status(
            database,
            {
                "grant_type": "client_credentials",
                "client_id": DEMO_PARTNER_ID,
                "client_secret": DEMO_PARTNER_SECRET,
            },
        )
        == 200
    )


def test_seed_demo_covers_the_domain(database: str) -> None:
    assert run("seed-demo")[0] == 0

    async def fetch() -> dict[str, Any]:
        app = create_app(make_settings(database))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            token = (
                await client.post(
                    "/api/v1/auth/token",
                    data={
                        "grant_type": "password",
                        "username": f"coordinator@{DEMO_DOMAIN}",
                        "password": DEMO_PASSWORD,
                    },
                )
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            found: dict[str, Any] = {}
            for name in (
                "relationships",
                "goals",
                "sessions",
                "assessments",
                "services",
                "referrals",
            ):
                response = await client.get(
                    f"/api/v1/{name}", params={"limit": 200}, headers=headers
                )
                found[name] = response.json()["items"]
            found["alerts"] = (
                await client.get("/api/v1/alerts", params={"limit": 200}, headers=headers)
            ).json()["items"]
            found["report"] = (
                await client.get("/api/v1/reports/programme", headers=headers)
            ).json()
            found["cohort"] = (
                await client.get("/api/v1/reports/jdl-cohort", headers=headers)
            ).json()
            found["custody_events"] = [
                event
                for referral in found["referrals"]
                if referral["direction"] == "inbound" and referral["status"] != "declined"
                for event in (
                    await client.get(
                        f"/api/v1/people/{referral['mentee_id']}/custody-events",
                        headers=headers,
                    )
                ).json()["items"]
            ]
            found["reviews"] = [
                review
                for goal in found["goals"]
                for review in (
                    await client.get(f"/api/v1/goals/{goal['id']}/reviews", headers=headers)
                ).json()["items"]
            ]
            mentees = (
                await client.get("/api/v1/people?kind=mentee&limit=200", headers=headers)
            ).json()["items"]
            found["background_reasons"] = [
                reason
                for mentee in mentees
                if mentee["mentee"]["preferences"]["shared_background"]
                for item in (
                    await client.get(
                        f"/api/v1/people/{mentee['id']}/match-suggestions", headers=headers
                    )
                ).json()["items"]
                for reason in item["reasons"]
                if reason["factor"]
                in ("background", "availability", "expectations", "establishment_access")
            ]
            # mentors' support and safeguarding: concerns, records, a group, who is held back
            found["concerns"] = (
                await client.get("/api/v1/concerns", params={"limit": 200}, headers=headers)
            ).json()["items"]
            found["group_sessions"] = (
                await client.get("/api/v1/group-sessions", headers=headers)
            ).json()["items"]
            mentors = (
                await client.get("/api/v1/people?kind=mentor&limit=200", headers=headers)
            ).json()["items"]
            for kind in ("supervisions", "trainings", "establishment-clearances"):
                found[kind] = [
                    row
                    for mentor in mentors
                    for row in (
                        await client.get(f"/api/v1/people/{mentor['id']}/{kind}", headers=headers)
                    ).json()["items"]
                ]
            tony = next(m["id"] for m in mentors if m["given_name"] == "Tony")
            found["tony_kept_out"] = [
                exclusion
                for mentee in mentees
                if mentee["mentee"]["preferences"]["shared_background"]
                for exclusion in (
                    await client.get(
                        f"/api/v1/people/{mentee['id']}/match-suggestions/{tony}",
                        headers=headers,
                    )
                ).json()["exclusions"]
            ]
            found["held_back"] = [
                held["mentor_id"]
                for mentee in mentees[:5]
                for held in (
                    await client.get(
                        f"/api/v1/people/{mentee['id']}/match-suggestions", headers=headers
                    )
                ).json()["held_back"]
            ]
        await app.state.engine.dispose()
        return found

    found = asyncio.run(fetch())
    assert {c["status"] for c in found["concerns"]} == {"open", "in_review", "closed"}
    assert any(c["escalated_to"] for c in found["concerns"] if c["status"] == "closed")
    assert len({s["mentor_id"] for s in found["supervisions"]}) >= 2
    assert {t["course"] for t in found["trainings"]} >= {"Peer mentor induction"}
    assert found["held_back"], "a mentor whose supervision is overdue is held back"
    attended = {a["attendance"] for group in found["group_sessions"] for a in group["attendees"]}
    assert len(found["group_sessions"]) == 2 and {"attended", "expected"} <= attended
    # mentees who asked for a mentor sharing their background, each suggestion saying how;
    # they are in custody: only mentors cleared for their prison, one clearance running out
    reasons = found["background_reasons"]
    assert {r["factor"] for r in reasons} == {
        "background",
        "availability",
        "expectations",
        "establishment_access",
    }
    assert {r["effect"] for r in reasons} == {"raised", "lowered", "not_counted"}
    access = {r["effect"] for r in reasons if r["factor"] == "establishment_access"}
    assert access == {"raised", "lowered"}
    assert any("expired on" in exclusion for exclusion in found["tony_kept_out"])
    assert len({c["establishment"] for c in found["establishment-clearances"]}) >= 10
    rels = found["relationships"]
    assert {r["status"] for r in rels} == {"proposed", "active", "paused", "ended"}
    assert {r["phase"] for r in rels} == {"custody", "through_the_gate", "community"}
    assert all(r["history"] for r in rels)
    released = [r for r in rels if r["history"][-1]["note"] == "The mentee was released."]
    assert len(released) == 1
    # the current plans are proposed or active; the past year's goals reached an end
    assert {g["status"] for g in found["goals"]} >= {"proposed", "active", "achieved"}
    progress = {(g["step_progress"]["done"], g["step_progress"]["total"]) for g in found["goals"]}
    assert len(progress) > 2  # steps at various stages
    assert any(review["lapse"] for review in found["reviews"])
    assert {s["status"] for s in found["sessions"]} == {
        "scheduled",
        "held",
        "cancelled",
        "missed_by_mentee",
        "missed_by_mentor",
    }
    per_mentee: dict[str, int] = {}
    for assessment in found["assessments"]:
        per_mentee[assessment["mentee_id"]] = per_mentee.get(assessment["mentee_id"], 0) + 1
    assert set(per_mentee.values()) == {2}
    services = found["services"]
    assert len(services) >= 25
    assert {s["category"] for s in services} == {
        "accommodation",
        "education_training_employment",
        "health",
        "drugs_alcohol",
        "finance_benefit_debt",
        "children_families",
        "attitudes_thinking_behaviour",
        "abuse_domestic_violence",
        "sex_work",
    }
    assert len({s["area"] for s in services}) == 5
    assert {s["accepts_referrals"] for s in services} == {True, False}
    every_status = {"sent", "accepted", "declined", "in_progress", "completed", "withdrawn"}
    inbound = {r["status"] for r in found["referrals"] if r["direction"] == "inbound"}
    outbound = {r["status"] for r in found["referrals"] if r["direction"] == "outbound"}
    assert inbound == every_status
    # the partner told the programme of a move between prisons, and one of its cases waits
    # for a coordinator to confirm it is the mentee already on the programme
    assert [(e["event"], e["establishment"]) for e in found["custody_events"]] == [
        ("transferred", "HMP Frankland")
    ]
    pending = [r for r in found["referrals"] if r["pending_match_id"] is not None]
    assert [r["status"] for r in pending] == ["sent"]
    assert outbound == every_status | {"draft"}

    # the reports have a year to show, even to a reader who sees small counts hidden
    tables = {t["key"]: t["rows"] for t in found["report"]["tables"]}
    assert tables["relationships"][0]["counts"]["started"]["value"] >= 60
    assert tables["through_the_gate"][0]["counts"]["released"]["value"] >= 5
    assert tables["through_the_gate"][0]["figures"]["rate_28_days"] is not None
    three_months = [
        r for r in tables["outcomes_compared_with_start"] if r["group"]["milestone"] == "3_months"
    ]
    assert three_months[0]["counts"]["mentees"]["value"] >= 5
    assert len(tables["distance_travelled"]) >= 4
    assert found["cohort"]["meets_minimum"] is True
    # every early-warning rule has raised an alert
    assert {a["rule"] for a in found["alerts"]} == {rule.value for rule in AlertRule}


def test_seed_demo_refuses_production(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THROUGHGATE_ENV", "production")
    get_settings.cache_clear()
    code, _, err = run("seed-demo")
    assert code == 1 and "development" in err


def test_the_installed_command_runs(database: str, tmp_path: Path) -> None:
    """The console script itself, as a shell or Dockerfile calls it."""
    exe = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "throughgate"
    command = [str(exe)] if exe.exists() else ["throughgate"]
    done = subprocess.run(
        [*command, "create-org", "From the shell"],
        capture_output=True,
        text=True,
        check=False,
        env={"DATABASE_URL": database, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["name"] == "From the shell"


def test_export_commands_regenerate_the_committed_contracts(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    for command, committed in (
        ("export-openapi", root / "openapi" / "openapi.json"),
        ("export-graphql", root / "api" / "schema" / "schema.graphql"),
    ):
        target = tmp_path / committed.name
        result = runner.invoke(cli, [command, str(target)])
        assert result.exit_code == 0, result.stderr
        assert target.read_text() == committed.read_text()


CSV_HEADER = "name,provider,category,area,url,accepts_referrals\n"


def test_import_services_all_or_nothing(database: str, tmp_path: Path) -> None:
    assert run("create-org", "Directory Org")[0] == 0
    good = tmp_path / "services.csv"
    good.write_text(
        CSV_HEADER + "Tenancy Support,Northgate Housing,accommodation,North East,"
        "https://housing.example.org,true\n" + "Recovery Cafe,Tyne Recovery,drugs_alcohol,,,no\n"
    )
    code, report, _ = run("import-services", str(good), "--org", "Directory Org", "--dry-run")
    assert code == 0 and report == {"valid": 2, "imported": 0, "dry_run": True}
    assert service_names(database) == []

    bad = tmp_path / "bad.csv"
    bad.write_text(
        CSV_HEADER
        + "Fine,Someone,health,,,true\n"
        + "Broken,Someone,housing,,,true\n"
        + ",Nobody,health,,not a url,maybe\n"
    )
    code, _, err = run("import-services", str(bad), "--org", "Directory Org")
    assert code == 1
    assert "row 2: category" in err and "row 3: name" in err and "row 3: url" in err
    assert "2 of 3 rows are invalid; nothing was imported" in err
    assert service_names(database) == []

    code, report, _ = run("import-services", str(good), "--org", "Directory Org")
    assert code == 0 and report["imported"] == 2
    assert service_names(database) == ["Recovery Cafe", "Tenancy Support"]


def test_import_services_from_json(database: str, tmp_path: Path) -> None:
    assert run("create-org", "Json Org")[0] == 0
    file = tmp_path / "services.json"
    file.write_text(
        json.dumps(
            [
                {
                    "name": "GP Access",
                    "provider": "NHS North",
                    "category": "health",
                    "accepts_referrals": False,
                }
            ]
        )
    )
    code, report, _ = run("import-services", str(file), "--org", "Json Org")
    assert code == 0 and report["imported"] == 1
    not_a_list = tmp_path / "object.json"
    not_a_list.write_text('{"name": "x"}')
    code, _, err = run("import-services", str(not_a_list), "--org", "Json Org")
    assert code == 1 and "list of objects" in err


def service_names(database: str) -> list[str]:
    async def names() -> list[str]:
        engine = create_engine(make_settings(database))
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT name FROM service ORDER BY name"))
            found = [row[0] for row in rows]
        await engine.dispose()
        return found

    return asyncio.run(names())
