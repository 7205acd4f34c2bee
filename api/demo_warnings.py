"""The demo's early warnings: a situation behind every alert rule, then the rules run once,
so the first screen of `make run` already shows what needs attention."""

from datetime import UTC, date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.models import MentoringRelationship, Person
from api.models.enums import (
    CheckInFeeling,
    CustodyStatus,
    Pathway,
    SessionSetting,
    SessionStatus,
    Side,
    Transition,
)
from api.models.goal import GoalCreate, GoalUpdate, ReviewCreate
from api.models.person import MenteeProfileUpdate, MentorProfileUpdate, PersonUpdate
from api.models.relationship import CheckInCreate, MenteeAgreementCreate, RelationshipCreate
from api.models.session import SessionCreate
from api.services import alert_rules, goals, people, relationships, sessions


async def seed(
    db: AsyncSession,
    system: Principal,
    mentors: list[Person],
    mentees: list[Person],
    today: date,
) -> None:
    sam, bernie, priya, tony, grace, rhys = mentors[:6]
    # no_session_held: matched five weeks ago, never met
    await _matched(db, system, mentees[11], bernie, days_ago=35)
    # missed_sessions: met once, then missed twice in a row (once by each side)
    missing = await _matched(db, system, mentees[12], rhys, days_ago=40)
    await _session(db, system, missing, today, -30, SessionStatus.held)
    await _session(db, system, missing, today, -10, SessionStatus.missed_by_mentee)
    await _session(db, system, missing, today, -3, SessionStatus.missed_by_mentor)
    # no_contact_after_release: the release date passed nine days ago, nobody has met since
    released = await _matched(db, system, mentees[13], priya, days_ago=30)
    await _session(db, system, released, today, -20, SessionStatus.held)
    await _profile(db, system, mentees[13], release_date=today - timedelta(days=9))
    # release_without_match: out in twelve days, no mentor yet
    await _profile(
        db,
        system,
        mentees[14],
        custody_status=CustodyStatus.in_custody,
        release_date=today + timedelta(days=12),
    )
    # goal_review_overdue and repeated_lapses: Sam's mentee
    goal = await goals.create_goal(
        db,
        system,
        GoalCreate(
            mentee_id=mentees[0].id,
            pathway=Pathway.drugs_alcohol,
            title="Stay off the spice",
            review_date=today - timedelta(days=12),
        ),
    )
    await goals.update_goal(db, system, goal.id, GoalUpdate(agreed_by_mentee=True))
    for days in (16, 9, 2):
        await goals.add_review(
            db,
            system,
            goal.id,
            ReviewCreate(
                reviewed_on=today - timedelta(days=days),
                note="Used again after a hard visit; talked it through.",
                progress=3,
                lapse=True,
            ),
        )
    # not_a_good_fit: Tony's mentee says so
    (tonys, *_), _ = await relationships.list_relationships(
        db, system, relationships.RelationshipFilter(mentee_id=mentees[2].id), limit=1, cursor=None
    )
    await relationships.record_check_in(
        db,
        system,
        tonys.id,
        CheckInCreate(
            feeling=CheckInFeeling.not_a_good_fit,
            side=Side.mentee,
            comment="He keeps telling me what to do.",
        ),
    )
    # the mentor rules
    await _mentor(db, system, tony, max_caseload=1)
    await _mentor(db, system, sam, last_supervision_on=today - timedelta(days=60))
    await _mentor(db, system, bernie, vetting_expires_on=today + timedelta(days=20))
    await _mentor(db, system, grace, vetting_expires_on=today - timedelta(days=5))
    await alert_rules.evaluate(db, system.org_id)
    await db.commit()


async def _matched(
    db: AsyncSession, system: Principal, mentee: Person, mentor: Person, *, days_ago: int
) -> MentoringRelationship:
    """An active relationship, activated `days_ago`."""
    created = await relationships.create_relationship(
        db, system, RelationshipCreate(mentee_id=mentee.id, mentor_id=mentor.id)
    )
    await relationships.agree(
        db, system, created.id, MenteeAgreementCreate(note="Agreed on the phone.")
    )
    await relationships.transition(db, system, created.id, Transition.activate)
    relationship = await db.get(MentoringRelationship, created.id)
    assert relationship is not None
    relationship.started_on = date.today() - timedelta(days=days_ago)
    relationship.created_at = datetime.now(UTC) - timedelta(days=days_ago + 2)
    await db.commit()
    return relationship


async def _session(
    db: AsyncSession,
    system: Principal,
    relationship: MentoringRelationship,
    today: date,
    days: int,
    status: SessionStatus,
) -> None:
    held = status == SessionStatus.held
    await sessions.create_session(
        db,
        system,
        SessionCreate(
            relationship_id=relationship.id,
            scheduled_start=datetime.combine(today, datetime.min.time(), tzinfo=UTC)
            + timedelta(days=days, hours=14),
            setting=SessionSetting.community,
            status=status,
            status_reason=None if held else "Did not turn up; no answer to calls.",
            duration_minutes=45 if held else None,
        ),
    )


async def _profile(db: AsyncSession, system: Principal, mentee: Person, **fields: object) -> None:
    update = PersonUpdate(mentee=MenteeProfileUpdate.model_validate(fields))
    await people.update_person(db, system, mentee.id, update)


async def _mentor(db: AsyncSession, system: Principal, mentor: Person, **fields: object) -> None:
    update = PersonUpdate(mentor=MentorProfileUpdate.model_validate(fields))
    await people.update_person(db, system, mentor.id, update)
