"""The demo's support and safeguarding: supervision and training, establishment clearances,
concerns, a group session."""

from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.models import MentoringRelationship, Person
from api.models.enums import OPEN_RELATIONSHIP_STATUSES, Pathway, Role, SessionSetting
from api.models.session import (
    AttendanceMark,
    AttendanceRecord,
    GroupSessionCreate,
    MarkedAttendance,
)
from api.models.support import (
    ClearanceCreate,
    ConcernCategory,
    ConcernClose,
    ConcernCreate,
    ConcernEscalation,
    ConcernMove,
    ConcernUrgency,
    SupervisionCreate,
    SupervisionKind,
    TrainingCreate,
)
from api.services import concerns, group_sessions, mentor_support


async def seed_support(
    db: AsyncSession, system: Principal, mentors: list[Person], mentees: list[Person], today: date
) -> None:
    await _supervision_and_training(db, system, mentors, today)
    await _concerns(db, system, mentors[0], mentees, today)
    await _group_sessions(db, system, mentors, today)


async def _supervision_and_training(
    db: AsyncSession, system: Principal, mentors: list[Person], today: date
) -> None:
    """Every mentor trained and supervised, except Rhys, whose supervision is overdue (he
    shows in match suggestions' `held_back`)."""
    kinds = list(SupervisionKind)
    for index, mentor in enumerate(mentors):
        await mentor_support.add_training(
            db,
            system,
            mentor.id,
            TrainingCreate(
                course="Peer mentor induction",
                completed_on=today - timedelta(days=300 + 20 * index),
            ),
        )
        await mentor_support.add_training(
            db,
            system,
            mentor.id,
            TrainingCreate(
                course="Safeguarding adults and children",
                completed_on=today - timedelta(days=200 + 10 * index),
                expires_on=today + timedelta(days=530 - 10 * index),
            ),
        )
        overdue = mentor.given_name == "Rhys"
        for months in (1, 2) if not overdue else (6,):
            await mentor_support.add_supervision(
                db,
                system,
                mentor.id,
                SupervisionCreate(
                    held_on=today - timedelta(days=30 * months + index),
                    kind=kinds[(index + months) % len(kinds)],
                    supervisor="Dr Adaeze Okafor" if months == 1 else "Jo Reid",
                    notes="Caseload steady; talked through a difficult visit.",
                    wellbeing=7 - (index % 3),
                    burnout=index == 3 and months == 1,
                    retraumatisation=index == 1 and months == 1,
                ),
            )


async def seed_clearances(
    db: AsyncSession,
    system: Principal,
    mentors: list[Person],
    regions: dict[str, list[str]],
    wanted: set[str],
    today: date,
) -> None:
    """Who may visit which prison: each mentor their own region's establishments, and the
    `wanted` ones (where the mentees who asked for a shared background are held) — Bernie
    there only for three weeks more, and Tony's there lapsed last month, so suggestions
    leave him out and the explanation says why."""
    for index, mentor in enumerate(mentors):
        own = set(regions.get(mentor.region or "", []))
        for place in sorted(own | wanted):
            expires = today + timedelta(days=400 + 30 * index)
            if place not in own and mentor.given_name == "Tony":
                expires = today - timedelta(days=30)
            elif place not in own and mentor.given_name == "Bernie":
                expires = today + timedelta(days=21)
            clearance = ClearanceCreate(
                establishment=place,
                granted_on=min(today, expires) - timedelta(days=365),
                granted_by=f"{place} security department",
                expires_on=expires,
            )
            await mentor_support.add_clearance(db, system, mentor.id, clearance)


async def _concerns(
    db: AsyncSession, system: Principal, sam: Person, mentees: list[Person], today: date
) -> None:
    """An urgent concern from Sam (the demo mentor) still open, one in review, one closed
    after an escalation."""
    as_sam = Principal(
        org_id=system.org_id,
        role=Role.mentor,
        scopes=system.scopes - {"people:sensitive"},
        subject="system:seed-demo",
        person_id=sam.id,
    )
    await concerns.raise_concern(
        db,
        as_sam,
        ConcernCreate(
            person_id=mentees[0].id,
            category=ConcernCategory.self_harm,
            urgency=ConcernUrgency.urgent,
            description="Talked about not seeing the point since his appeal was refused.",
        ),
    )
    reviewing = await concerns.raise_concern(
        db,
        system,
        ConcernCreate(
            person_id=mentees[2].id,
            category=ConcernCategory.substance_use,
            urgency=ConcernUrgency.soon,
            description="Smelt of alcohol at the gym session; says it was a one-off.",
        ),
    )
    await concerns.move(db, system, reviewing.id, ConcernMove.review, note="Asked the key worker.")
    closed = await concerns.raise_concern(
        db,
        system,
        ConcernCreate(
            person_id=mentees[4].id,
            category=ConcernCategory.safeguarding_child,
            urgency=ConcernUrgency.urgent,
            description="Mentioned his partner's new boyfriend hits the children.",
        ),
    )
    await concerns.escalate(
        db,
        system,
        closed.id,
        ConcernEscalation(
            agency="Children's social care (MASH)",
            escalated_on=today - timedelta(days=12),
            reference="MASH-48213",
        ),
    )
    await concerns.move(
        db,
        system,
        closed.id,
        ConcernMove.close,
        closing=ConcernClose(outcome="Referred to the MASH; a social worker has visited."),
    )


async def _group_sessions(
    db: AsyncSession, system: Principal, mentors: list[Person], today: date
) -> None:
    """A peer-support group Sam and Tony ran last week for their mentees, with its
    attendance, and the next one planned."""
    sam, tony = mentors[0], mentors[3]
    open_ones = (
        await db.exec(
            select(MentoringRelationship).where(
                col(MentoringRelationship.mentor_id).in_([sam.id, tony.id]),
                col(MentoringRelationship.status).in_(OPEN_RELATIONSHIP_STATUSES),
                col(MentoringRelationship.started_on).is_not(None),
            )
        )
    ).all()
    ids = [r.id for r in open_ones]
    last_week = datetime.combine(today - timedelta(days=6), datetime.min.time(), UTC)
    for start in (last_week.replace(hour=14), last_week.replace(hour=14) + timedelta(days=14)):
        group = await group_sessions.create_group_session(
            db,
            system,
            GroupSessionCreate(
                title="Peer support group: life after release",
                scheduled_start=start,
                duration_minutes=90,
                setting=SessionSetting.custody,
                topics=[Pathway.attitudes_thinking_behaviour, Pathway.accommodation],
                notes="Run in the chapel; officers aware.",
                facilitator_ids=[sam.id, tony.id],
                relationship_ids=ids,
            ),
        )
        if start < datetime.now(UTC):
            marks = [
                AttendanceMark(
                    relationship_id=relationship_id,
                    attendance=MarkedAttendance.missed if i == 1 else MarkedAttendance.attended,
                )
                for i, relationship_id in enumerate(ids)
            ]
            await group_sessions.record_attendance(
                db, system, group.id, AttendanceRecord(marks=marks)
            )
