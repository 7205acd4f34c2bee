"""A year of a programme's past work, made up: mentees matched in custody or the community,
released, met (or not) after the gate, with sessions, goals, assessments and outcomes.

The demo seeds a few dozen so its reports have something to show; the reports benchmark
seeds ten thousand. Rows are written with bulk INSERTs, parents before children.
"""

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import (
    Assessment,
    Goal,
    MenteeProfile,
    MentoringRelationship,
    MentoringSession,
    MentorProfile,
    Outcome,
    Person,
    RelationshipEvent,
)
from api.models.identifiers import pnc_check_letter

# Parents first: a batch of children is written only after its parents.
TABLE_ORDER: tuple[type[SQLModel], ...] = (
    Person,
    MenteeProfile,
    MentorProfile,
    MentoringRelationship,
    RelationshipEvent,
    MentoringSession,
    Goal,
    Outcome,
    Assessment,
)
REGIONS = ("North East", "Yorkshire", "North West", "London", "Wales")
NAMES = ("Alex", "Jordan", "Casey", "Robin", "Sasha", "Jamie", "Morgan", "Riley", "Charlie")
SURNAMES = ("Hart", "Singh", "Lewis", "Reid", "Kaur", "Fox", "Webb", "Mills", "Shaw", "Byrne")
ENDINGS = (
    ("completed", 6),
    ("lost_contact", 3),
    ("returned_to_custody", 2),
    ("mentee_withdrew", 2),
    ("moved_away", 1),
    ("mentor_withdrew", 1),
)
SESSION_STATUSES = (
    ("held", 70),
    ("missed_by_mentee", 12),
    ("missed_by_mentor", 5),
    ("cancelled", 13),
)
PATHWAYS = ("accommodation", "education_training_employment", "health", "drugs_alcohol")


@dataclass
class Year:
    """What to make: `mentees` people over the year before `today`; `open_share` of them
    still in an open relationship (0 keeps every mentor's caseload untouched)."""

    org_id: uuid.UUID
    mentor_ids: list[uuid.UUID]
    mentees: int
    today: date
    seed: int = 2026
    open_share: float = 0.0
    activity: bool = True  # False: people and relationships only (for the export benchmark)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def _pnc(rng: random.Random) -> str:
    year, serial = str(rng.randint(2000, 2024)), f"{rng.randint(1, 9_999_999):07d}"
    return f"{year}/{serial}{pnc_check_letter(year, serial)}"


def _row(model: type[SQLModel], rng: random.Random, **values: Any) -> tuple[type, dict[str, Any]]:
    if "id" in model.model_fields and "id" not in values:
        values["id"] = uuid.UUID(int=rng.getrandbits(128))
    if "created_at" in model.model_fields:
        stamp = values.pop("_at", None) or datetime.now(UTC)
        values.setdefault("created_at", stamp)
        values.setdefault("updated_at", stamp)
        values.setdefault("version", 1)
    return model, values


def rows(year: Year) -> Iterator[tuple[type, dict[str, Any]]]:
    """Every row of the year, mentee by mentee."""
    rng = random.Random(year.seed)  # noqa: S311  (made-up data, not security)
    for _ in range(year.mentees):
        yield from _mentee(year, rng)


def _mentee(year: Year, rng: random.Random) -> Iterator[tuple[type, dict[str, Any]]]:
    org, today = year.org_id, year.today
    started = today - timedelta(days=rng.randint(30, 364))
    from_custody = rng.random() < 0.6
    release = started + timedelta(days=rng.randint(5, 120)) if from_custody else None
    released = release is not None and release <= today
    woman = rng.random() < 0.3
    person_id = uuid.UUID(int=rng.getrandbits(128))
    yield _row(
        Person,
        rng,
        id=person_id,
        org_id=org,
        kind="mentee",
        given_name=rng.choice(NAMES),
        family_name=rng.choice(SURNAMES),
        gender="female" if woman else "male",
        date_of_birth=None if rng.random() < 0.05 else date(rng.randint(1965, 2005), 6, 15),
        region=rng.choice(REGIONS),
        languages=["en"],
        _at=_at(started - timedelta(days=3)),
    )
    yield _row(
        MenteeProfile,
        rng,
        person_id=person_id,
        org_id=org,
        custody_status="in_custody"
        if from_custody and not released
        else ("released" if from_custody else "community_sentence"),
        release_date=release,
        needs=rng.sample(PATHWAYS, k=2),
        pnc_number=_pnc(rng) if rng.random() < 0.85 else None,
        prison_number=(
            f"{rng.choice('ABG')}{rng.randint(1000, 9999)}{rng.choice('BCDEF')}{rng.choice('HJKL')}"
            if from_custody and rng.random() < 0.8
            else None
        ),
    )
    stays_open = rng.random() < year.open_share
    last_day = today - timedelta(days=1)
    ended = None if stays_open else min(last_day, started + timedelta(days=rng.randint(28, 330)))
    relationship_id = uuid.UUID(int=rng.getrandbits(128))
    yield _row(
        MentoringRelationship,
        rng,
        id=relationship_id,
        org_id=org,
        mentee_id=person_id,
        mentor_id=rng.choice(year.mentor_ids),
        status="active" if ended is None else "ended",
        phase=("through_the_gate" if released else "custody") if from_custody else "community",
        started_on=started,
        ended_on=ended,
        ending_reason=None if ended is None else _pick(rng, ENDINGS),
        ending_summary=None if ended is None else "Ended as agreed at the last review.",
        _at=_at(started),
    )
    phases = ["custody", "through_the_gate"] if released else ["custody"]
    for phase, on in zip(
        phases if from_custody else ["community"], (started, release), strict=False
    ):
        assert on is not None
        yield _row(
            RelationshipEvent,
            rng,
            org_id=org,
            relationship_id=relationship_id,
            field="phase",
            to_value=phase,
            at=_at(on),
            by="system:programme-year",
        )
    if not year.activity:
        return
    end = ended or today
    day = started + timedelta(days=rng.randint(2, 10))
    if released and release is not None and rng.random() < 0.7:
        day = release + timedelta(days=rng.choice((1, 2, 4, 6, 12, 20, 26)))
    while day < end:
        status = _pick(rng, SESSION_STATUSES)
        yield _row(
            MentoringSession,
            rng,
            org_id=org,
            relationship_id=relationship_id,
            scheduled_start=_at(day, rng.randint(9, 17)),
            duration_minutes=60 if status == "held" else None,
            format=rng.choice(("one_to_one", "one_to_one", "group", "activity")),
            setting="custody"
            if release and day < release
            else rng.choice(("community", "community", "phone", "video")),
            status=status,
            status_reason=None if status == "held" else "Recorded from the diary.",
            topics=[],
        )
        day += timedelta(days=rng.randint(6, 21))
    yield from _plan(org, person_id, relationship_id, started, ended, release, today, rng)


def _plan(
    org: uuid.UUID,
    person_id: uuid.UUID,
    relationship_id: uuid.UUID,
    started: date,
    ended: date | None,
    release: date | None,
    today: date,
    rng: random.Random,
) -> Iterator[tuple[type, dict[str, Any]]]:
    """Goals, two assessments and the outcomes at each milestone reached."""
    for pathway in rng.sample(PATHWAYS, k=rng.randint(1, 2)):
        yield _row(
            Goal,
            rng,
            org_id=org,
            mentee_id=person_id,
            relationship_id=relationship_id,
            pathway=pathway,
            title="A goal set together",
            set_by="mentor",
            agreed_by_mentee=True,
            status=rng.choice(("active", "achieved", "achieved", "not_achieved", "on_hold")),
            _at=_at(started + timedelta(days=7)),
        )
    first = {p: rng.randint(2, 6) for p in rng.sample(PATHWAYS, k=2)}
    later = min(started + timedelta(days=90), today - timedelta(days=1))
    for taken, scores in (
        (started, first),
        (later, {p: min(10, max(1, s + rng.randint(-1, 4))) for p, s in first.items()}),
    ):
        yield _row(
            Assessment,
            rng,
            org_id=org,
            mentee_id=person_id,
            taken_on=taken,
            scores=scores,
            recorded_by="system:programme-year",
        )
    progress = 0.0
    milestones: list[tuple[str, date | None]] = [
        ("start", started),
        ("release", release),
        ("3_months", started + timedelta(days=91)),
        ("6_months", started + timedelta(days=182)),
        ("end", ended),
    ]
    for milestone, on in milestones:
        if on is None or on >= today or (ended is not None and on > ended):
            continue
        if milestone != "start" and rng.random() < 0.2:
            continue  # not every milestone gets recorded
        yield _row(
            Outcome,
            rng,
            org_id=org,
            mentee_id=person_id,
            relationship_id=relationship_id,
            milestone=milestone,
            recorded_on=on,
            accommodation=rng.choice(("settled", "temporary"))
            if rng.random() < 0.3 + progress
            else rng.choice(("rough_sleeping", "in_custody", "temporary", "unknown")),
            employment=rng.choice(("employed", "training", "education", "volunteering"))
            if rng.random() < 0.15 + progress
            else rng.choice(("none", "unknown")),
            gp_registered=rng.random() < 0.4 + progress,
            bank_account=rng.random() < 0.35 + progress,
            id_documents=rng.random() < 0.3 + progress,
            benefits_in_payment=rng.random() < 0.3 + progress,
            drug_alcohol_treatment=rng.random() < 0.3,
            reoffended_known=milestone != "start" and rng.random() < 0.1,
            recalled=milestone != "start" and rng.random() < 0.07,
            recorded_by="system:programme-year",
        )
        progress += 0.15


async def write(db: AsyncSession, produced: Iterator[tuple[type, dict[str, Any]]]) -> int:
    """Bulk-insert the rows in batches, parents first; returns how many were written."""
    buffers: dict[type, list[dict[str, Any]]] = {model: [] for model in TABLE_ORDER}
    written = 0

    connection = await db.connection()

    async def flush() -> None:
        for model in TABLE_ORDER:
            if buffers[model]:
                await connection.execute(sa.insert(model.__table__), buffers[model])  # type: ignore[attr-defined]
                buffers[model] = []

    for model, values in produced:
        buffers[model].append(values)
        written += 1
        if written % 5000 == 0:
            await flush()
    await flush()
    await db.commit()
    return written
