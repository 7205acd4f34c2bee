"""Erasure: a person's personal data removed for good while the anonymous facts that reports
count stay; on request (`POST /people/{id}/erase`) or once the organisation's retention
period has passed since their last relationship or referral ended (`throughgate retention`).
This module does both, and holds the one list of what is erased and what is kept.

`PARTS` names, for every table about a person, which rows are theirs, what each personal
column becomes, and why each other text column may stay. `tests/services/test_erasure.py`
fails when a text, JSON or identifier column on a table linked to `person` is in neither.

Erasure is audited (`person.erase`) with how many rows of each table changed, never what
they held. A legal hold on the person stops both the request and the retention run.
"""

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import SQLModel, col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import Conflict, NotFound
from api.models import (
    Alert,
    Assessment,
    Concern,
    Consent,
    CustodyEvent,
    EstablishmentClearance,
    Goal,
    GoalReview,
    GoalStatusChange,
    GoalStep,
    MenteeProfile,
    MentoringRelationship,
    MentoringSession,
    MentorProfile,
    NonAssociation,
    Organisation,
    Outcome,
    Person,
    Referral,
    ReferralStatusChange,
    RefreshToken,
    RelationshipCheckIn,
    RelationshipEvent,
    Supervision,
    Training,
    UserAccount,
    WebhookDelivery,
    WebhookSubscription,
)
from api.models.base import utcnow
from api.models.enums import OPEN_RELATIONSHIP_STATUSES, UNRESOLVED_ALERT_STATUSES, AlertStatus
from api.models.erasure import ErasureRead, LegalHoldRead, LegalHoldSet
from api.services import accounts, audit, organisation, policy

Rows = Callable[[uuid.UUID], ColumnElement[bool]]

# Why a text column may stay once its person is erased.
CODED = "a coded value (a state, a category, a pathway, a score) that reports count"
ACTOR = "who acted: an account reference (`user:<id>`), not this person's data"
AREA = "an area, coarse enough to count by (reports are filtered by region)"
COURSE = "the name of a training course, not of anyone"
STANDING_ORDER = "a login's webhook subscription: an address, event names and delivery states"


# What someone expects of a relationship: how they like to live and keep in touch.
EXPECTATIONS_ERASED: dict[str, Any] = {
    "expected_contact_frequency": None,
    "expected_settings": [],
    "expected_pathways": [],
    "expected_length_months": None,
    "expected_communication": [],
}


def _relationships(person_id: uuid.UUID) -> sa.Select[Any]:
    return sa.select(col(MentoringRelationship.id)).where(
        sa.or_(
            col(MentoringRelationship.mentee_id) == person_id,
            col(MentoringRelationship.mentor_id) == person_id,
        )
    )


def _goals(person_id: uuid.UUID) -> sa.Select[Any]:
    return sa.select(col(Goal.id)).where(col(Goal.mentee_id) == person_id)


def _referrals(person_id: uuid.UUID) -> sa.Select[Any]:
    return sa.select(col(Referral.id)).where(col(Referral.mentee_id) == person_id)


def _logins(person_id: uuid.UUID) -> sa.Select[Any]:
    return sa.select(col(UserAccount.id)).where(col(UserAccount.person_id) == person_id)


@dataclass(frozen=True)
class Part:
    """One table's share of a person: which rows, what becomes of each personal column."""

    model: type[SQLModel]
    rows: Rows | None  # None: no row is changed (everything in it is kept)
    erased: Mapping[str, Any] = field(default_factory=dict)  # column → what it becomes
    kept: Mapping[str, str] = field(default_factory=dict)  # column → why it stays
    delete: bool = False  # the rows are removed altogether

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)


# The one list. A relationship's notes, sessions, check-ins and history are erased with
# either of its two people: they are about both.
PARTS: tuple[Part, ...] = (
    Part(
        Person,
        lambda p: col(Person.id) == p,
        erased={
            "given_name": "",
            "family_name": "",
            "preferred_name": None,
            "pronouns": None,
            "gender": None,
            "date_of_birth": None,
            "languages": [],
            "email": None,
            "phone": None,
            "legal_hold_reason": None,
        },
        kept={"kind": CODED, "region": AREA},
    ),
    Part(
        MenteeProfile,
        lambda p: col(MenteeProfile.person_id) == p,
        erased={
            "establishment": None,
            "external_ref": None,
            "preferred_mentor_gender": None,
            "shared_background": [],  # wishes about ethnicity, religion or culture
            "weekly_availability": [],  # when they can meet: their week's routine
            **EXPECTATIONS_ERASED,
            "risk_level": None,
            "offence_summary": None,
            "mappa_level": None,
            "licence_end_date": None,
            "probation_practitioner": None,
            "pnc_number": None,
            "prison_number": None,
        },
        kept={"custody_status": CODED, "needs": CODED, "probation_region": AREA},
    ),
    Part(
        MentorProfile,
        lambda p: col(MentorProfile.person_id) == p,
        erased={"availability": None, "weekly_availability": [], **EXPECTATIONS_ERASED},
        kept={"skills": CODED, "vetting_status": CODED},
    ),
    Part(
        UserAccount,
        lambda p: col(UserAccount.person_id) == p,
        erased={
            # unique and required: the erased login keeps an address that names nobody
            "email": (
                sa.literal("erased-") + sa.cast(col(UserAccount.id), sa.String) + "@erased.invalid"
            ),
            "password_hash": accounts.NO_PASSWORD,
            "setup_token_hash": None,
            "setup_token_expires_at": None,
            "is_active": False,
            "token_generation": col(UserAccount.token_generation) + 1,
        },
        kept={"role": CODED},
    ),
    Part(RefreshToken, lambda p: col(RefreshToken.user_id).in_(_logins(p)), delete=True),
    Part(
        Consent,
        lambda p: col(Consent.person_id) == p,
        erased={"note": None},
        kept={"purpose": CODED, "status": CODED, "evidence": CODED, "recorded_by": ACTOR},
    ),
    Part(
        CustodyEvent,
        lambda p: col(CustodyEvent.person_id) == p,
        erased={"establishment": None},
        kept={"event": CODED, "by": ACTOR},
    ),
    Part(
        NonAssociation,
        lambda p: sa.or_(
            col(NonAssociation.mentee_id) == p, col(NonAssociation.other_person_id) == p
        ),
        erased={"reason": None},
        kept={"kind": CODED, "by": ACTOR},
    ),
    Part(
        Supervision,
        lambda p: col(Supervision.mentor_id) == p,
        erased={"supervisor": "", "notes": None},
        kept={"kind": CODED, "recorded_by": ACTOR},
    ),
    Part(Training, None, kept={"course": COURSE, "recorded_by": ACTOR}),
    # Where a mentor may visit, and who vouched for them: of no use once they are gone.
    Part(
        EstablishmentClearance,
        lambda p: col(EstablishmentClearance.mentor_id) == p,
        delete=True,
    ),
    Part(
        Concern,
        lambda p: col(Concern.person_id) == p,
        erased={
            "description": "",
            "outcome": None,
            "escalated_to": None,
            "escalation_reference": None,
            "history": [],
        },
        kept={"category": CODED, "urgency": CODED, "status": CODED, "raised_by": ACTOR},
    ),
    Part(
        Alert,
        lambda p: sa.or_(col(Alert.mentee_id) == p, col(Alert.mentor_id) == p),
        erased={"message": "", "facts": {}, "history": []},
        kept={
            "rule": CODED,
            "severity": CODED,
            "status": CODED,
            "subject_type": CODED,
            "resolved_by": ACTOR,
        },
    ),
    Part(
        MentoringRelationship,
        lambda p: col(MentoringRelationship.id).in_(_relationships(p)),
        erased={
            "expectations": None,
            "agreed_expectations": None,
            "ending_summary": None,
            "mentee_agreement_note": None,
        },
        kept={
            "status": CODED,
            "phase": CODED,
            "ending_reason": CODED,
            "mentee_agreed_by": ACTOR,
            "mentor_agreed_by": ACTOR,
        },
    ),
    Part(
        RelationshipEvent,
        lambda p: col(RelationshipEvent.relationship_id).in_(_relationships(p)),
        erased={"note": None},
        kept={"field": CODED, "from_value": CODED, "to_value": CODED, "by": ACTOR},
    ),
    Part(
        RelationshipCheckIn,
        lambda p: col(RelationshipCheckIn.relationship_id).in_(_relationships(p)),
        erased={"comment": None},
        kept={"side": CODED, "feeling": CODED, "by": ACTOR},
    ),
    Part(
        MentoringSession,
        lambda p: col(MentoringSession.relationship_id).in_(_relationships(p)),
        erased={"status_reason": None, "notes": None, "private_notes": None},
        kept={
            "format": CODED,
            "setting": CODED,
            "status": CODED,
            "topics": CODED,
            "private_notes_by": ACTOR,
        },
    ),
    Part(
        Goal,
        lambda p: col(Goal.mentee_id) == p,
        erased={"title": "", "description": None},
        kept={"pathway": CODED, "set_by": CODED, "status": CODED, "agreed_by": ACTOR},
    ),
    Part(
        GoalStep,
        lambda p: col(GoalStep.goal_id).in_(_goals(p)),
        erased={"title": ""},
        kept={"status": CODED},
    ),
    Part(
        GoalReview,
        lambda p: col(GoalReview.goal_id).in_(_goals(p)),
        erased={"note": ""},
        kept={"by": ACTOR},
    ),
    Part(
        GoalStatusChange,
        lambda p: col(GoalStatusChange.goal_id).in_(_goals(p)),
        erased={"note": None},
        kept={"from_status": CODED, "to_status": CODED, "by": ACTOR},
    ),
    Part(Assessment, None, kept={"scores": CODED, "recorded_by": ACTOR}),
    Part(
        Outcome,
        lambda p: col(Outcome.mentee_id) == p,
        erased={"note": None},
        kept={
            "milestone": CODED,
            "accommodation": CODED,
            "employment": CODED,
            "recorded_by": ACTOR,
        },
    ),
    Part(
        Referral,
        lambda p: col(Referral.mentee_id) == p,
        erased={"reason": None, "external_ref": None},
        kept={"direction": CODED, "status": CODED, "outcome": CODED},
    ),
    Part(
        ReferralStatusChange,
        lambda p: col(ReferralStatusChange.referral_id).in_(_referrals(p)),
        erased={"note": None},
        kept={"from_status": CODED, "to_status": CODED, "by": ACTOR},
    ),
    Part(
        WebhookSubscription,
        None,
        kept=dict.fromkeys(
            (
                "url",
                "events",
                "secret",
                "description",
                "owner_role",
                "previous_secret",
                "disabled_reason",
                "lease_owner",
            ),
            STANDING_ORDER,
        ),
    ),
    Part(
        WebhookDelivery,
        None,
        kept=dict.fromkeys(
            ("event_type", "payload", "status", "last_error", "response_excerpt"),
            STANDING_ORDER + " (events carry ids and states, never names or notes)",
        ),
    ),
)


# --- finding, refusing --------------------------------------------------------------------


async def _find(db: AsyncSession, caller: Principal, person_id: uuid.UUID) -> Person:
    """Any record of the caller's organisation, a deleted one too (a deleted record is the
    first that should go); an erased one answers as gone."""
    person = (
        await db.exec(select(Person).where(Person.id == person_id, Person.org_id == caller.org_id))
    ).first()
    if person is None:
        raise NotFound("No person with that id.")
    return person


async def _open_work(db: AsyncSession, person_id: uuid.UUID) -> str | None:
    relationship = (
        await db.exec(
            select(MentoringRelationship.id).where(
                sa.or_(
                    col(MentoringRelationship.mentee_id) == person_id,
                    col(MentoringRelationship.mentor_id) == person_id,
                ),
                col(MentoringRelationship.status).in_(OPEN_RELATIONSHIP_STATUSES),
            )
        )
    ).first()
    if relationship is not None:
        return "This person has an open mentoring relationship; end it first."
    referral = (
        await db.exec(
            select(Referral.id).where(
                Referral.mentee_id == person_id, col(Referral.closed_at).is_(None)
            )
        )
    ).first()
    if referral is not None:
        return "This person has an open referral; close or withdraw it first."
    return None


async def _refusal(db: AsyncSession, person: Person) -> str | None:
    if person.erased_at is not None:
        return f"This record was erased on {person.erased_at.date().isoformat()}."
    if person.legal_hold_since is not None:
        return "A legal hold is set on this person; lift it first."
    return await _open_work(db, person.id)


# --- erasing ------------------------------------------------------------------------------


async def erase_person(
    db: AsyncSession, caller: Principal, person_id: uuid.UUID, *, trigger: str = "request"
) -> ErasureRead:
    """Erase the person's personal data for good; refused (409) while a relationship or
    referral is open or a legal hold is set, and for a record erased already."""
    policy.authorize(caller, "people.erase")
    person = await _find(db, caller, person_id)
    refusal = await _refusal(db, person)
    if refusal is not None:
        raise Conflict(refusal)
    now, erased_id = utcnow(), person.id  # the session forgets the row it loaded
    rows = await _erase(db, caller, erased_id, now)
    audit.record(
        db,
        caller,
        "person.erase",
        entity_type="person",
        entity_id=erased_id,
        person_id=erased_id,
        trigger=trigger,
        rows=rows,
    )
    await db.commit()
    return ErasureRead(person_id=erased_id, erased_at=now, rows=rows)


async def _erase(
    db: AsyncSession, caller: Principal, person_id: uuid.UUID, now: datetime
) -> dict[str, int]:
    # alerts about them are over: resolve them before their words go
    await db.exec(
        update(Alert)
        .where(
            sa.or_(col(Alert.mentee_id) == person_id, col(Alert.mentor_id) == person_id),
            col(Alert.status).in_(UNRESOLVED_ALERT_STATUSES),
        )
        .values(status=AlertStatus.resolved, resolved_at=now, resolved_by=caller.subject)
        .execution_options(synchronize_session=False)
    )
    counts: dict[str, int] = {}
    for part in PARTS:
        if part.rows is None:
            continue
        where = part.rows(person_id)
        if part.delete:
            done = await db.exec(
                delete(part.model).where(where).execution_options(synchronize_session=False)
            )
        else:
            values = dict(part.erased)
            columns = part.model.__table__.c  # type: ignore[attr-defined]
            if "version" in columns:
                values |= {"version": columns.version + 1, "updated_at": now}
            if part.model is Person:
                values |= {"erased_at": now, "deleted_at": sa.func.coalesce(Person.deleted_at, now)}
            done = await db.exec(
                update(part.model)
                .where(where)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        if done.rowcount:
            counts[part.table] = done.rowcount
    db.expire_all()  # what the session loaded before is stale now
    return counts


# --- legal holds --------------------------------------------------------------------------


async def get_legal_hold(
    db: AsyncSession, caller: Principal, person_id: uuid.UUID
) -> LegalHoldRead:
    policy.authorize(caller, "people.legal_hold")
    person = await _find(db, caller, person_id)
    if person.legal_hold_since is None:
        raise NotFound("No legal hold is set on this person.")
    return _present_hold(person)


async def set_legal_hold(
    db: AsyncSession, caller: Principal, person_id: uuid.UUID, data: LegalHoldSet
) -> LegalHoldRead:
    """Keep the record from erasure until the hold is lifted (setting it again changes the
    reason and keeps when it began)."""
    policy.authorize(caller, "people.legal_hold")
    person = await _find(db, caller, person_id)
    if person.erased_at is not None:
        raise Conflict("This record is erased already; there is nothing left to hold.")
    person.legal_hold_reason = data.reason
    person.legal_hold_since = person.legal_hold_since or utcnow()
    person.legal_hold_by = caller.subject
    audit.record(
        db,
        caller,
        "person.legal_hold.set",
        entity_type="person",
        entity_id=person.id,
        person_id=person.id,
    )
    await db.commit()
    return _present_hold(person)


async def lift_legal_hold(db: AsyncSession, caller: Principal, person_id: uuid.UUID) -> None:
    policy.authorize(caller, "people.legal_hold")
    person = await _find(db, caller, person_id)
    if person.legal_hold_since is None:
        raise NotFound("No legal hold is set on this person.")
    person.legal_hold_reason = person.legal_hold_since = person.legal_hold_by = None
    audit.record(
        db,
        caller,
        "person.legal_hold.lift",
        entity_type="person",
        entity_id=person.id,
        person_id=person.id,
    )
    await db.commit()


def _present_hold(person: Person) -> LegalHoldRead:
    assert person.legal_hold_since is not None and person.legal_hold_by is not None
    return LegalHoldRead(
        person_id=person.id,
        reason=person.legal_hold_reason or "",
        since=person.legal_hold_since,
        by=person.legal_hold_by,
    )


# --- retention ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """A record past the organisation's retention period."""

    person_id: uuid.UUID
    kind: str
    last_ended_on: date  # the clock: the last relationship or referral's end
    held: bool  # a legal hold keeps it


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


async def due_for_erasure(db: AsyncSession, org: Organisation, today: date) -> list[Due]:
    """The organisation's records whose last relationship or referral ended more than its
    `retention_years` ago (a record that never had either: its last change), with nothing
    open, not erased yet; held ones are listed, marked `held`."""
    cutoff = years_before(today, organisation.retention_years(org))
    people = (
        await db.exec(
            select(Person.id, Person.kind, Person.updated_at, Person.legal_hold_since).where(
                Person.org_id == org.id, col(Person.erased_at).is_(None)
            )
        )
    ).all()
    ends: dict[uuid.UUID, list[date]] = {}
    busy: set[uuid.UUID] = set()
    relationships = (
        await db.exec(select(MentoringRelationship).where(MentoringRelationship.org_id == org.id))
    ).all()
    for rel in relationships:
        for person_id in (rel.mentee_id, rel.mentor_id):
            if rel.status in OPEN_RELATIONSHIP_STATUSES:
                busy.add(person_id)
            else:
                ends.setdefault(person_id, []).append(rel.ended_on or rel.updated_at.date())
    referrals = (
        await db.exec(
            select(Referral.mentee_id, Referral.closed_at).where(Referral.org_id == org.id)
        )
    ).all()
    for mentee_id, closed_at in referrals:
        if closed_at is None:
            busy.add(mentee_id)
        else:
            ends.setdefault(mentee_id, []).append(closed_at.date())
    due = []
    for person_id, kind, updated_at, held_since in people:
        if person_id in busy:
            continue
        last = max(ends.get(person_id) or [updated_at.date()])
        if last <= cutoff:
            due.append(Due(person_id, kind, last, held=held_since is not None))
    return sorted(due, key=lambda d: (d.last_ended_on, str(d.person_id)))


async def erase_due(db: AsyncSession, caller: Principal, due: Due) -> ErasureRead | None:
    """Erase one record the retention run found (None when it changed since: held, reopened
    or erased meanwhile)."""
    try:
        return await erase_person(db, caller, due.person_id, trigger="retention")
    except Conflict:
        await db.rollback()
        return None
