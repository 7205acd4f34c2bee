"""`throughgate retention`: records past the organisation's retention period lose their
personal data; a dry run lists them and changes nothing; legal holds are skipped."""

import asyncio
import json
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import select

from api.cli import app as cli
from api.db import create_engine, session_factory
from api.models import MenteeProfile, MentoringRelationship, Organisation, Person, Referral
from api.models.base import utcnow
from api.tenancy import span_organisations
from tests.conftest import make_settings
from tests.test_cli import database, run, runner  # noqa: F401  (the `database` fixture)

YEAR = timedelta(days=365)


def lines(*args: str) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    """The records (one JSON object a line), the summary (the last line), and stderr."""
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.stderr
    found = [json.loads(line) for line in result.stdout.splitlines() if line]
    return found[:-1], found[-1]["summary"], result.stderr


def person(org_id: uuid.UUID, name: str, kind: str = "mentee", **extra: Any) -> Person:
    row = Person(org_id=org_id, kind=kind, given_name=name, family_name="Smith", **extra)
    if kind == "mentee":
        row.mentee_profile = MenteeProfile(
            person_id=row.id, org_id=org_id, custody_status="released", pnc_number="2012/1X"
        )
    return row


def ended(org_id: uuid.UUID, mentee: Person, mentor: Person, ago: timedelta) -> Any:
    return MentoringRelationship(
        org_id=org_id,
        mentee_id=mentee.id,
        mentor_id=mentor.id,
        status="ended",
        ended_on=date.today() - ago,
        ending_summary=f"{mentee.given_name} moved on.",
    )


def arrange(url: str, org_id: str) -> dict[str, uuid.UUID]:
    """Who is past six years, who is not, who is held."""

    async def work() -> dict[str, uuid.UUID]:
        engine = create_engine(make_settings(url))
        async with session_factory(engine)() as db:
            span_organisations(db, "tests arrange an organisation's records")
            org = uuid.UUID(org_id)
            old_mentor = person(org, "Olwen", kind="mentor")
            old = person(org, "Oscar")
            held = person(
                org,
                "Hattie",
                legal_hold_reason="A claim",
                legal_hold_since=utcnow(),
                legal_hold_by="user:x",
            )
            recent = person(org, "Rhys")
            recent_mentor = person(org, "Rowan", kind="mentor")
            busy_mentor = person(org, "Bob", kind="mentor")
            busy = person(org, "Bea")
            never = person(org, "Nell", updated_at=utcnow() - 7 * YEAR)
            everyone = [old_mentor, old, held, recent, recent_mentor, busy, busy_mentor, never]
            db.add_all(everyone)
            await db.flush()
            db.add_all(
                [
                    ended(org, old, old_mentor, 7 * YEAR),
                    ended(org, held, old_mentor, 8 * YEAR),
                    ended(org, recent, recent_mentor, 2 * YEAR),
                    MentoringRelationship(
                        org_id=org, mentee_id=busy.id, mentor_id=busy_mentor.id, status="active"
                    ),
                    Referral(
                        org_id=org,
                        direction="inbound",
                        status="completed",
                        mentee_id=busy.id,
                        closed_at=utcnow() - 10 * YEAR,
                    ),
                ]
            )
            await db.commit()
            ids = {p.given_name: p.id for p in everyone}
        await engine.dispose()
        return ids

    return asyncio.run(work())


def names(url: str) -> dict[uuid.UUID, tuple[str, str | None]]:
    async def work() -> dict[uuid.UUID, tuple[str, str | None]]:
        engine = create_engine(make_settings(url))
        async with session_factory(engine)() as db:
            span_organisations(db, "tests check every organisation's records")
            rows = (await db.exec(select(Person))).all()
            found = {
                p.id: (p.given_name, p.mentee_profile.pnc_number if p.mentee_profile else None)
                for p in rows
            }
        await engine.dispose()
        return found

    return asyncio.run(work())


def set_retention(url: str, years: int) -> None:
    async def work() -> None:
        engine = create_engine(make_settings(url))
        async with session_factory(engine)() as db:
            span_organisations(db, "tests change a setting")
            org = (await db.exec(select(Organisation))).one()
            org.settings = {**org.settings, "retention_years": years}
            await db.commit()
        await engine.dispose()

    asyncio.run(work())


@pytest.fixture
def world(database: str) -> dict[str, uuid.UUID]:  # noqa: F811
    code, org, err = run("create-org", "Retention Org")
    assert code == 0, err
    return arrange(database, org["id"])


def test_a_dry_run_lists_and_changes_nothing(
    database: str,  # noqa: F811
    world: dict[str, uuid.UUID],
) -> None:
    before = names(database)
    records, summary, err = lines("retention", "--dry-run")
    by_id = {uuid.UUID(r["person_id"]): r for r in records}
    assert {id_: r["action"] for id_, r in by_id.items()} == {
        world["Olwen"]: "would_erase",
        world["Oscar"]: "would_erase",
        world["Nell"]: "would_erase",
        world["Hattie"]: "held",
    }
    assert by_id[world["Oscar"]]["last_ended_on"] == (date.today() - 7 * YEAR).isoformat()
    assert by_id[world["Olwen"]]["kind"] == "mentor"
    assert summary == {
        "dry_run": True,
        "organisations": 1,
        "due": 3,
        "held": 1,
        "erased": 0,
        "skipped": 0,
    }
    assert "dry run" in err
    assert names(database) == before


def test_the_run_erases_what_is_due_and_skips_holds(
    database: str,  # noqa: F811
    world: dict[str, uuid.UUID],
) -> None:
    records, summary, _ = lines("retention", "--org", "Retention Org")
    assert {uuid.UUID(r["person_id"]) for r in records if r["action"] == "erased"} == {
        world["Olwen"],
        world["Oscar"],
        world["Nell"],
    }
    assert (summary["due"], summary["erased"], summary["held"]) == (3, 3, 1)
    after = names(database)
    assert after[world["Oscar"]] == ("", None) and after[world["Nell"]] == ("", None)
    assert after[world["Olwen"]] == ("", None)
    assert after[world["Hattie"]] == ("Hattie", "2012/1X")  # held
    assert after[world["Rhys"]] == ("Rhys", "2012/1X")  # two years ago
    assert after[world["Bea"]] == ("Bea", "2012/1X")  # an open relationship
    assert after[world["Bob"]] == ("Bob", None)  # her mentor

    # once erased, never again; a shorter period brings the recent record in
    records, summary, _ = lines("retention")
    assert (summary["due"], summary["erased"]) == (0, 0)
    set_retention(database, 1)
    records, summary, _ = lines("retention", "--dry-run")
    due = {uuid.UUID(r["person_id"]) for r in records if r["action"] == "would_erase"}
    assert due == {world["Rhys"], world["Rowan"]}


def test_an_unknown_organisation_is_an_error(database: str) -> None:  # noqa: F811
    code, _, err = run("retention", "--org", "Nowhere")
    assert code == 1 and "No organisation" in err
