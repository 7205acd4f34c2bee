"""Match-suggestion latency over HTTP at scale, on SQLite and PostgreSQL.

Seeds one organisation with 10,000 mentors and 1,000 mentees (and enough open
relationships that caseloads vary), with every factor that costs the query something: weekly
availability on both sides, backgrounds and the wish to share one (with consents), lived
experience disclosed with consent, and one to three clearances per mentor for the prisons
most mentees are held in. Serves it with `throughgate serve` (one worker), and times
`GET /people/{id}/match-suggestions` for random mentees. Prints p50/p95/p99.

    make bench-matching                       # both databases
    .venv/bin/python benchmarks/matching.py --database sqlite --mentors 2000
"""

import argparse
import asyncio
import random
import statistics
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from harness import migrated_database, served, token

from api.auth.passwords import hash_secret
from api.db import create_engine
from api.models import (
    Consent,
    EstablishmentClearance,
    MenteeProfile,
    MentoringRelationship,
    MentorProfile,
    Organisation,
    Person,
    UserAccount,
)
from api.models.base import utcnow
from api.models.enums import (
    ConsentPurpose,
    ContactChannel,
    ContactFrequency,
    DayPart,
    Ethnicity,
    Pathway,
    SessionSetting,
)
from api.models.support import establishment_key
from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "benchmark password"
REGIONS = ["North East", "Yorkshire", "North West", "London", "Wales", "South West", "Midlands"]
LANGUAGES = ["en", "pl", "ur", "cy", "pa", "ro"]
PATHWAYS = [p.value for p in Pathway]
DAY_PARTS = [d.value for d in DayPart]
ETHNICITIES = [e.value for e in Ethnicity]
RELIGIONS = ["Christian", "Muslim", "Hindu", "Sikh", "Jewish", "Buddhist", None]
CULTURES = ["Irish", "Polish", "Nigerian", "Jamaican", "Punjabi", "Welsh", "Somali", None]
BACKGROUNDS = [["ethnicity"], ["religion"], ["culture"], ["ethnicity", "culture"]]
PRISONS = [f"HMP {name}" for name in (
    "Durham", "Frankland", "Low Newton", "Northumberland", "Leeds", "New Hall", "Hull",
    "Wakefield", "Liverpool", "Styal", "Manchester", "Altcourse", "Wandsworth", "Bronzefield",
    "Pentonville", "Brixton", "Cardiff", "Swansea", "Parc", "Bristol", "Exeter", "Birmingham",
    "Nottingham", "Lincoln", "Norwich", "Bedford", "Lewes", "Winchester", "Leicester", "Hewell",
)]  # fmt: skip
FREQUENCIES = [f.value for f in ContactFrequency]
SETTINGS = [s.value for s in SessionSetting]
CHANNELS = [c.value for c in ContactChannel]


def expectations(rng: random.Random) -> dict[str, Any]:
    """Most people state what they expect of a relationship, some only in part."""
    stated = rng.random() < 0.8
    return {
        "expected_contact_frequency": rng.choice(FREQUENCIES) if stated else None,
        "expected_settings": rng.sample(SETTINGS, k=rng.randint(1, 2)) if stated else [],
        "expected_pathways": rng.sample(PATHWAYS, k=rng.randint(1, 2)) if stated else [],
        "expected_length_months": rng.choice([6, 9, 12, 18]) if rng.random() < 0.6 else None,
        "expected_communication": rng.sample(CHANNELS, k=rng.randint(1, 2)) if stated else [],
    }


def seed_rows(mentors: int, mentees: int, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    org_id = uuid.uuid4()
    now = utcnow()
    today = date.today()
    base = {"org_id": org_id, "created_at": now, "updated_at": now, "version": 1}
    rows: dict[str, list[dict[str, Any]]] = {
        "organisation": [
            {
                "id": org_id,
                "name": "Benchmark",
                "settings": {},
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        ],
        "person": [],
        "mentor_profile": [],
        "mentee_profile": [],
        "mentoring_relationship": [],
        "consent": [],
        "establishment_clearance": [],
        "user_account": [
            {
                **base,
                "id": uuid.uuid4(),
                "email": "bench@example.org",
                "password_hash": hash_secret(PASSWORD),
                "role": "coordinator",
                "person_id": None,
                "is_active": True,
                "last_login_at": None,
            }
        ],
    }
    mentor_ids = []
    for i in range(mentors):
        pid = uuid.uuid4()
        mentor_ids.append(pid)
        rows["person"].append(
            {
                **base,
                "id": pid,
                "kind": "mentor",
                "given_name": f"Mentor{i}",
                "family_name": "Bench",
                "gender": rng.choice(["female", "male"]),
                "languages": rng.sample(LANGUAGES, k=rng.randint(1, 2)),
                "region": rng.choice(REGIONS),
                "deleted_at": None,
                "preferred_name": None,
                "pronouns": None,
                "date_of_birth": None,
                "email": None,
                "phone": None,
                **background(rng),
            }
        )
        lived = rng.random() < 0.5
        if lived:
            rows["consent"].append(consent(base, pid, ConsentPurpose.lived_experience_disclosure))
        if rng.random() < 0.8:
            rows["consent"].append(consent(base, pid, ConsentPurpose.background_in_matching))
        for prison in rng.sample(PRISONS, k=rng.randint(1, 3)):
            rows["establishment_clearance"].append(
                {
                    **base,
                    "id": uuid.uuid4(),
                    "mentor_id": pid,
                    "establishment": prison,
                    "establishment_key": establishment_key(prison),
                    "granted_on": today - timedelta(days=400),
                    "granted_by": f"{prison} security department",
                    "expires_on": today + timedelta(days=rng.randint(-100, 700)),
                    "recorded_by": "benchmark",
                }
            )
        rows["mentor_profile"].append(
            {
                "person_id": pid,
                "skills": rng.sample(PATHWAYS, k=rng.randint(1, 4)),
                "max_caseload": rng.randint(1, 4),
                "training_completed_on": None if rng.random() < 0.1 else today - timedelta(days=90),
                "vetting_status": "cleared" if rng.random() < 0.85 else "pending",
                "vetting_expires_on": today + timedelta(days=rng.randint(-60, 700)),
                "last_supervision_on": today - timedelta(days=rng.randint(0, 150)),
                "availability": None,
                "weekly_availability": rng.sample(DAY_PARTS, k=rng.randint(2, 6)),
                "lived_experience": lived,
                **expectations(rng),
            }
        )
    mentee_ids = []
    for i in range(mentees):
        pid = uuid.uuid4()
        mentee_ids.append(pid)
        woman = rng.random() < 0.3
        rows["person"].append(
            {
                **base,
                "id": pid,
                "kind": "mentee",
                "given_name": f"Mentee{i}",
                "family_name": "Bench",
                "gender": "female" if woman else "male",
                "languages": rng.sample(LANGUAGES, k=rng.randint(1, 2)),
                "region": rng.choice(REGIONS),
                "deleted_at": None,
                "preferred_name": None,
                "pronouns": None,
                "date_of_birth": None,
                "email": None,
                "phone": None,
                **background(rng),
            }
        )
        shared = rng.choice(BACKGROUNDS) if rng.random() < 0.3 else []
        if shared:
            rows["consent"].append(consent(base, pid, ConsentPurpose.background_in_matching))
        in_custody = rng.random() < 0.85
        rows["mentee_profile"].append(
            {
                "person_id": pid,
                "org_id": org_id,
                "custody_status": "in_custody" if in_custody else "released",
                "establishment": rng.choice(PRISONS) if in_custody else None,
                "release_date": today
                + timedelta(days=rng.randint(7, 300) * (1 if in_custody else -1)),
                "probation_region": rng.choice(REGIONS),
                "needs": rng.sample(PATHWAYS, k=rng.randint(1, 3)),
                "preferred_mentor_gender": "female" if woman and rng.random() < 0.5 else None,
                "peer_mentor_preferred": rng.random() < 0.5,
                "shared_background": shared,
                "shared_background_required": bool(shared) and rng.random() < 0.1,
                "weekly_availability": rng.sample(DAY_PARTS, k=rng.randint(1, 4)),
                "external_ref": None,
                "risk_level": None,
                "offence_summary": None,
                **expectations(rng),
            }
        )
    # A third of the mentees are already matched, so caseloads are partly used.
    for mentee_id in mentee_ids[: mentees // 3]:
        rows["mentoring_relationship"].append(
            {
                **base,
                "id": uuid.uuid4(),
                "mentee_id": mentee_id,
                "mentor_id": rng.choice(mentor_ids),
                "status": "active",
                "phase": "custody",
                "expectations": None,
                "started_on": today,
                "ended_on": None,
                "ending_reason": None,
                "ending_summary": None,
                "review_date": None,
            }
        )
    rows["mentees"] = [{"id": m} for m in mentee_ids[mentees // 3 :]]
    return rows


def background(rng: random.Random) -> dict[str, Any]:
    return {
        "ethnicity": rng.choice(ETHNICITIES),
        "religion": rng.choice(RELIGIONS),
        "cultural_background": rng.choice(CULTURES),
    }


def consent(base: dict[str, Any], person_id: uuid.UUID, purpose: ConsentPurpose) -> dict[str, Any]:
    return {
        **base,
        "id": uuid.uuid4(),
        "person_id": person_id,
        "purpose": purpose.value,
        "status": "granted",
        "at": base["created_at"],
        "evidence": "written",
        "note": None,
        "recorded_by": "benchmark",
    }


async def load(database_url: str, rows: dict[str, list[dict[str, Any]]]) -> None:
    engine = create_engine(Settings(database_url=database_url))
    tables = [
        Organisation,
        UserAccount,
        Person,
        MentorProfile,
        MenteeProfile,
        MentoringRelationship,
        Consent,
        EstablishmentClearance,
    ]
    async with engine.begin() as connection:
        for model in tables:
            table = model.__table__  # type: ignore[attr-defined]
            batch = rows[table.name]
            for start in range(0, len(batch), 2000):
                await connection.execute(sa.insert(table), batch[start : start + 2000])
        # Planner statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) keep
        # them on a live database; a bulk load leaves none.
        await connection.execute(sa.text("ANALYZE"))
    await engine.dispose()


def run(kind: str, mentors: int, mentees: int, requests: int) -> None:
    rng = random.Random(7)
    with migrated_database(kind) as (url, workdir):
        started = time.perf_counter()
        rows = seed_rows(mentors, mentees, rng)
        asyncio.run(load(url, rows))
        print(
            f"[{kind}] seeded {mentors} mentors, {mentees} mentees in "
            f"{time.perf_counter() - started:.1f}s",
            flush=True,
        )
        serve_and_time(kind, url, workdir, [r["id"] for r in rows["mentees"]], requests, rng)


def serve_and_time(
    kind: str,
    url: str,
    workdir: Path,
    mentee_ids: list[uuid.UUID],
    requests: int,
    rng: random.Random,
) -> None:
    with served(url, workdir, env={"THROUGHGATE_LOG_LEVEL": "WARNING"}) as server:
        bearer = token(
            server.base, grant_type="password", username="bench@example.org", password=PASSWORD
        )
        headers = {"Authorization": f"Bearer {bearer}"}
        timings = []
        with httpx.Client(base_url=server.base, timeout=30) as http:
            for mentee in mentee_ids[:20]:  # warm up
                http.get(f"/api/v1/people/{mentee}/match-suggestions", headers=headers)
            for _ in range(requests):
                mentee = rng.choice(mentee_ids)
                started = time.perf_counter()
                response = http.get(
                    f"/api/v1/people/{mentee}/match-suggestions",
                    params={"limit": 10},
                    headers=headers,
                )
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text
    q = statistics.quantiles(timings, n=100)
    print(
        f"[{kind}] {requests} requests: p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms, "
        f"p99 {q[98]:.1f} ms, mean {statistics.fmean(timings):.1f} ms",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--mentors", type=int, default=10_000)
    parser.add_argument("--mentees", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    for kind in kinds:
        run(kind, args.mentors, args.mentees, args.requests)


if __name__ == "__main__":
    main()
