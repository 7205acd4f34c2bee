"""Mentoring relationships: who may be matched, the state machine, phases and check-ins."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, lazyload
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.auth.scopes import STAFF_ROLES
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.models import (
    MentoringRelationship,
    MentoringSession,
    MentorProfile,
    Outcome,
    Person,
    RelationshipCheckIn,
    RelationshipEvent,
)
from api.models.base import utc_today, utcnow
from api.models.enums import (
    OPEN_RELATIONSHIP_STATUSES,
    CustodyEventName,
    CustodyStatus,
    EndingReason,
    Milestone,
    PersonKind,
    Phase,
    RelationshipStatus,
    Role,
    Side,
    Transition,
)
from api.models.expectations import AgreedExpectations
from api.models.relationship import (
    CheckInCreate,
    CheckInRead,
    LatestCheckIns,
    MenteeAgreementCreate,
    MenteeAgreementRead,
    MenteeDecline,
    RelationshipCreate,
    RelationshipEnd,
    RelationshipEventRead,
    RelationshipRead,
    RelationshipUpdate,
)
from api.services import audit, expectations, matching, policy, referrals
from api.services.eligibility import cleared_and_trained, excluded_for, open_caseloads
from api.services.outbox import emit
from api.services.pagination import paginate
from api.services.versioning import check_version
from api.services.visibility import visible_relationships_clause

# The state machine: each move, the states it may start from, and where it leads.
TRANSITIONS: dict[Transition, tuple[frozenset[str], RelationshipStatus]] = {
    Transition.activate: (frozenset({RelationshipStatus.proposed}), RelationshipStatus.active),
    Transition.pause: (frozenset({RelationshipStatus.active}), RelationshipStatus.paused),
    Transition.resume: (frozenset({RelationshipStatus.paused}), RelationshipStatus.active),
    Transition.end: (frozenset(OPEN_RELATIONSHIP_STATUSES), RelationshipStatus.ended),
}
PHASE_ORDER = (Phase.custody, Phase.through_the_gate, Phase.community)
PHASE_FOR_CUSTODY = {
    CustodyStatus.in_custody: Phase.custody,
    CustodyStatus.released: Phase.through_the_gate,
    CustodyStatus.community_sentence: Phase.community,
}


@dataclass(frozen=True)
class RelationshipFilter:
    status: RelationshipStatus | None = None
    phase: Phase | None = None
    mentor_id: uuid.UUID | None = None
    mentee_id: uuid.UUID | None = None
    updated_since: datetime | None = None


async def list_relationships(
    db: AsyncSession,
    caller: Principal,
    filters: RelationshipFilter,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[MentoringRelationship], str | None]:
    stmt = select(MentoringRelationship).where(visible_relationships_clause(caller))
    for column, value in (
        (MentoringRelationship.status, filters.status),
        (MentoringRelationship.phase, filters.phase),
        (MentoringRelationship.mentor_id, filters.mentor_id),
        (MentoringRelationship.mentee_id, filters.mentee_id),
    ):
        if value is not None:
            stmt = stmt.where(col(column) == value)
    if filters.updated_since:
        stmt = stmt.where(col(MentoringRelationship.updated_at) >= filters.updated_since)
    return await paginate(db, stmt, MentoringRelationship, limit=limit, cursor=cursor)


async def find_relationship(
    db: AsyncSession, caller: Principal, relationship_id: uuid.UUID
) -> MentoringRelationship:
    relationship = (
        await db.exec(
            select(MentoringRelationship).where(
                MentoringRelationship.id == relationship_id, visible_relationships_clause(caller)
            )
        )
    ).first()
    if relationship is None:
        raise NotFound("No relationship with that id.")
    return relationship


async def of_people(
    db: AsyncSession, caller: Principal, person_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[MentoringRelationship]]:
    """Each person's visible relationships, as mentee or mentor, oldest first (one query)."""
    rows = (
        await db.exec(
            select(MentoringRelationship)
            .where(
                sa.or_(
                    col(MentoringRelationship.mentee_id).in_(person_ids),
                    col(MentoringRelationship.mentor_id).in_(person_ids),
                ),
                visible_relationships_clause(caller),
            )
            .order_by(col(MentoringRelationship.created_at), col(MentoringRelationship.id))
        )
    ).all()
    found: dict[uuid.UUID, list[MentoringRelationship]] = {i: [] for i in person_ids}
    for row in rows:
        for person_id in (row.mentee_id, row.mentor_id):
            if person_id in found:
                found[person_id].append(row)
    return found


async def create_relationship(
    db: AsyncSession, caller: Principal, data: RelationshipCreate
) -> MentoringRelationship:
    """Propose a match. Safe under concurrency: the mentor's row is locked while counting."""
    if caller.role not in STAFF_ROLES:
        raise Forbidden("Matching mentors and mentees is for administrators and coordinators.")
    mentee = await _person_of_kind(db, caller, data.mentee_id, PersonKind.mentee)
    mentor = await _person_of_kind(db, caller, data.mentor_id, PersonKind.mentor)
    await _lock_mentor(db, mentor.id)

    caseload = open_caseloads(caller.org_id)
    today = utc_today()
    capacity = (
        await db.exec(
            select(MentorProfile.max_caseload, sa.func.coalesce(caseload.c.open_count, 0))
            .outerjoin(caseload, caseload.c.mentor_id == MentorProfile.person_id)
            .where(MentorProfile.person_id == mentor.id, cleared_and_trained(today))
        )
    ).first()
    if capacity is None:
        raise Conflict(
            "This mentor cannot take a new mentee: vetting must be cleared and in date, "
            "and training completed."
        )
    max_caseload, open_count = capacity
    if (await db.exec(select(excluded_for(mentee.id, mentor.id)))).one():
        raise Conflict("These two must never be matched (a non-association or safeguarding).")
    if open_count >= max_caseload:
        raise Conflict(f"This mentor's caseload is full ({open_count} of {max_caseload}).")
    if await open_relationship_of(db, mentee.id) is not None:
        raise Conflict("This mentee already has an open relationship; end it first.")

    fit = await matching.fit(db, caller, mentee.id, mentor.id)
    assert mentee.mentee_profile is not None
    phase = data.phase or PHASE_FOR_CUSTODY[CustodyStatus(mentee.mentee_profile.custody_status)]
    agreed = (
        data.agreed_expectations
        if "agreed_expectations" in data.model_fields_set
        else expectations.agreed(
            expectations.of(mentee.mentee_profile), expectations.of(mentor.mentor_profile)
        )
    )
    relationship = MentoringRelationship(
        org_id=caller.org_id,
        mentee_id=mentee.id,
        mentor_id=mentor.id,
        status=RelationshipStatus.proposed,
        phase=phase,
        expectations=data.expectations,
        agreed_expectations=expectations.stored(agreed),
        review_date=data.review_date,
        match_score=fit.score,
        mentor_rank=fit.rank,
        suggestible_mentors=fit.suggestible,
    )
    db.add(relationship)
    _record(db, caller, relationship, "status", None, RelationshipStatus.proposed)
    _record(db, caller, relationship, "phase", None, phase)
    audit.record(
        db,
        caller,
        "relationship.create",
        entity_type="relationship",
        entity_id=relationship.id,
        person_id=mentee.id,
    )
    try:
        await referrals.touch_for(db, mentee.id)
        await db.commit()
    except IntegrityError as exc:  # the one-open-relationship index, under a race
        await db.rollback()
        raise Conflict("This mentee already has an open relationship; end it first.") from exc
    return relationship


async def update_relationship(
    db: AsyncSession,
    caller: Principal,
    relationship_id: uuid.UUID,
    data: RelationshipUpdate,
    *,
    if_match: int | None = None,
) -> MentoringRelationship:
    relationship = await find_relationship(db, caller, relationship_id)
    policy.authorize(caller, "relationships.change", relationship)
    check_version(relationship, if_match)
    if relationship.status == RelationshipStatus.ended:
        raise Conflict("An ended relationship does not change.")
    changes = data.model_dump(exclude_unset=True)
    if "agreed_expectations" in changes:
        _check_expectations_open(relationship)
        del changes["agreed_expectations"]
        relationship.agreed_expectations = expectations.stored(data.agreed_expectations)
    new_phase = changes.pop("phase", None)
    if new_phase is not None and new_phase != relationship.phase:
        if PHASE_ORDER.index(new_phase) < PHASE_ORDER.index(Phase(relationship.phase)):
            raise Conflict(
                f"The phase moves forward only ({' → '.join(PHASE_ORDER)}); "
                "after a recall, end the relationship with `returned_to_custody`."
            )
        _record(db, caller, relationship, "phase", relationship.phase, new_phase)
        relationship.phase = new_phase
    for name, value in changes.items():
        setattr(relationship, name, value)
    audit.record(
        db,
        caller,
        "relationship.update",
        entity_type="relationship",
        entity_id=relationship.id,
        person_id=relationship.mentee_id,
        fields=sorted(data.model_dump(exclude_unset=True)),
    )
    await referrals.touch_for(db, relationship.mentee_id)
    await db.commit()
    return relationship


async def transition(
    db: AsyncSession,
    caller: Principal,
    relationship_id: uuid.UUID,
    move: Transition,
    *,
    note: str | None = None,
    ending: RelationshipEnd | None = None,
    if_match: int | None = None,
) -> MentoringRelationship:
    """Apply one move of the state machine, or refuse it with 409."""
    relationship = await find_relationship(db, caller, relationship_id)
    policy.authorize(caller, "relationships.change", relationship)
    check_version(relationship, if_match)
    allowed_from, target = TRANSITIONS[move]
    if relationship.status not in allowed_from:
        raise Conflict(f"A relationship that is {relationship.status} cannot {move}.")
    if move == Transition.activate and relationship.mentee_agreed_at is None:
        raise Conflict(
            "The mentee has not agreed to this match yet: record their agreement "
            "(POST /relationships/{id}/agree) before activating it."
        )
    today = utc_today()
    if move == Transition.activate and relationship.started_on is None:
        relationship.started_on = today
    if move == Transition.activate:  # the mentor's side of the agreed expectations
        relationship.mentor_agreed_at = utcnow()
        relationship.mentor_agreed_by = caller.subject
    if move == Transition.end:
        assert ending is not None
        relationship.ended_on = today
        relationship.ending_reason = ending.ending_reason
        relationship.ending_summary = ending.ending_summary
        note = ending.ending_summary
    _record(db, caller, relationship, "status", relationship.status, target, note)
    relationship.status = target
    await referrals.follow_relationship(db, caller, relationship)
    audit.record(
        db,
        caller,
        f"relationship.{move}",
        entity_type="relationship",
        entity_id=relationship.id,
        person_id=relationship.mentee_id,
    )
    await db.commit()
    return relationship


def _check_expectations_open(relationship: MentoringRelationship) -> None:
    """The agreed expectations change only while nobody has agreed them yet."""
    if relationship.status != RelationshipStatus.proposed:
        raise Conflict(
            f"The agreed expectations change only while the match is proposed; this one is "
            f"{relationship.status}."
        )
    if relationship.mentee_agreed_at is not None:
        raise Conflict(
            "The mentee has agreed to this match and its expectations; to change them, the "
            "mentee declines it and a new match is proposed."
        )


async def agree(
    db: AsyncSession, caller: Principal, relationship_id: uuid.UUID, data: MenteeAgreementCreate
) -> MentoringRelationship:
    """The mentee agrees to a proposed match: themself, or staff on their behalf with a note
    of how the mentee agreed. Needed before the relationship is activated."""
    relationship = await find_relationship(db, caller, relationship_id)
    policy.authorize(caller, "relationships.mentee_say", relationship)
    if relationship.status != RelationshipStatus.proposed:
        raise Conflict(f"Only a proposed match is agreed to; this one is {relationship.status}.")
    if relationship.mentee_agreed_at is not None:
        raise Conflict("The mentee has already agreed to this match.")
    on_behalf = caller.role != Role.mentee
    if on_behalf and not data.note:
        raise Invalid(
            "Staff recording the mentee's agreement say how the mentee agreed.",
            loc=["body", "note"],
        )
    relationship.mentee_agreed_at = utcnow()
    relationship.mentee_agreed_by = caller.subject
    relationship.mentee_agreement_note = data.note
    relationship.mentee_agreed_on_behalf = on_behalf
    relationship.updated_at = utcnow()
    audit.record(
        db,
        caller,
        "relationship.mentee_agreed",
        entity_type="relationship",
        entity_id=relationship.id,
        person_id=relationship.mentee_id,
    )
    await db.commit()
    return relationship


async def decline(
    db: AsyncSession, caller: Principal, relationship_id: uuid.UUID, data: MenteeDecline
) -> MentoringRelationship:
    """The mentee declines a proposed match (themself, or staff on their behalf): it ends
    before it starts, as `mentee_withdrew`, with their reason as the closing summary."""
    relationship = await find_relationship(db, caller, relationship_id)
    policy.authorize(caller, "relationships.mentee_say", relationship)
    if relationship.status != RelationshipStatus.proposed:
        raise Conflict(
            f"Only a proposed match is declined; this one is {relationship.status} "
            "(end it instead)."
        )
    relationship.ended_on = utc_today()
    relationship.ending_reason = EndingReason.mentee_withdrew
    relationship.ending_summary = data.reason
    note = f"Declined by the mentee: {data.reason}"
    _record(db, caller, relationship, "status", relationship.status, RelationshipStatus.ended, note)
    relationship.status = RelationshipStatus.ended
    await referrals.follow_relationship(db, caller, relationship)
    audit.record(
        db,
        caller,
        "relationship.mentee_declined",
        entity_type="relationship",
        entity_id=relationship.id,
        person_id=relationship.mentee_id,
    )
    await db.commit()
    return relationship


async def record_check_in(
    db: AsyncSession, caller: Principal, relationship_id: uuid.UUID, data: CheckInCreate
) -> RelationshipCheckIn:
    policy.authorize(caller, "relationships.check_in")
    relationship = await find_relationship(db, caller, relationship_id)
    side = _check_in_side(caller, data.side)
    if relationship.status == RelationshipStatus.ended:
        raise Conflict("The relationship has ended.")
    if data.session_id is not None:
        session = await db.get(MentoringSession, data.session_id)
        if session is None or session.relationship_id != relationship.id:
            raise Invalid(
                "That session is not one of this relationship's.", loc=["body", "session_id"]
            )
    check_in = RelationshipCheckIn(
        org_id=caller.org_id,
        relationship_id=relationship.id,
        side=side,
        feeling=data.feeling,
        comment=data.comment,
        session_id=data.session_id,
        by=caller.subject,
    )
    db.add(check_in)
    await db.commit()
    return check_in


async def present_new_check_in(
    db: AsyncSession, caller: Principal, check_in: RelationshipCheckIn
) -> CheckInRead:
    """A check-in just recorded, as its author reads it."""
    relationship = await db.get(MentoringRelationship, check_in.relationship_id)
    assert relationship is not None
    return present_check_in(caller, relationship, check_in)


async def list_check_ins(
    db: AsyncSession,
    caller: Principal,
    relationship_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[CheckInRead], str | None]:
    relationship = await find_relationship(db, caller, relationship_id)
    stmt = select(RelationshipCheckIn).where(RelationshipCheckIn.relationship_id == relationship.id)
    rows, next_cursor = await paginate(db, stmt, RelationshipCheckIn, limit=limit, cursor=cursor)
    return [present_check_in(caller, relationship, row) for row in rows], next_cursor


async def follow_custody(
    db: AsyncSession, caller: Principal, mentee_id: uuid.UUID, event: CustodyEventName
) -> None:
    """The open relationship follows the mentee through the gate and back: a release takes
    it from `custody` `through_the_gate`; a recall takes it back to `custody` and keeps it
    open (continuity through custody is the point). Recorded in its history, as part of
    the caller's transaction."""
    relationship = await open_relationship_of(db, mentee_id)
    if relationship is None:
        return
    if event == CustodyEventName.released and relationship.phase == Phase.custody:
        moved_to, note = Phase.through_the_gate, "The mentee was released."
    elif event == CustodyEventName.recalled and relationship.phase != Phase.custody:
        moved_to, note = Phase.custody, "The mentee was recalled to custody."
    else:
        return
    _record(db, caller, relationship, "phase", relationship.phase, moved_to, note)
    relationship.phase = moved_to
    relationship.updated_at = utcnow()


def _record(
    db: AsyncSession,
    caller: Principal,
    relationship: MentoringRelationship,
    field: str,
    from_value: str | None,
    to_value: str,
    note: str | None = None,
) -> None:
    """One line of the relationship's history, and the event it makes."""
    db.add(
        RelationshipEvent(
            org_id=relationship.org_id,
            relationship_id=relationship.id,
            field=field,
            from_value=from_value,
            to_value=to_value,
            by=caller.subject,
            note=note,
        )
    )
    kind = _event_of(field, from_value, to_value)
    if kind is not None:
        emit(
            db,
            caller,
            kind,
            relationship,
            person_id=relationship.mentee_id,
            mentee_id=relationship.mentee_id,
            mentor_id=relationship.mentor_id,
            ending_reason=relationship.ending_reason if kind == "relationship.ended" else None,
            **{"from": from_value, "to": to_value},
        )


def _event_of(field: str, from_value: str | None, to_value: str) -> str | None:
    if field == "phase":
        return None if from_value is None else "relationship.phase_changed"
    if to_value == RelationshipStatus.active:
        return (
            "relationship.resumed"
            if from_value == RelationshipStatus.paused
            else ("relationship.activated")
        )
    return f"relationship.{to_value}"


async def _person_of_kind(
    db: AsyncSession, caller: Principal, person_id: uuid.UUID, kind: PersonKind
) -> Person:
    person = (
        await db.exec(
            select(Person).where(
                Person.id == person_id,
                Person.org_id == caller.org_id,
                col(Person.deleted_at).is_(None),
            )
        )
    ).first()
    if person is None or person.kind != kind:
        raise Invalid(f"No {kind} with that id in your organisation.", loc=["body", f"{kind}_id"])
    return person


async def _lock_mentor(db: AsyncSession, mentor_id: uuid.UUID) -> None:
    """Serialise new matches for one mentor until this transaction ends.

    A no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite, so the
    caseload counted next cannot be overtaken by a concurrent match.
    """
    await db.exec(
        update(MentorProfile)
        .where(col(MentorProfile.person_id) == mentor_id)
        .values(max_caseload=MentorProfile.max_caseload)
    )


async def open_relationship_of(
    db: AsyncSession, mentee_id: uuid.UUID
) -> MentoringRelationship | None:
    return (
        await db.exec(
            select(MentoringRelationship).where(
                MentoringRelationship.mentee_id == mentee_id,
                col(MentoringRelationship.status).in_(OPEN_RELATIONSHIP_STATUSES),
            )
        )
    ).first()


def _check_in_side(caller: Principal, asked: Side | None) -> Side:
    own = {Role.mentor: Side.mentor, Role.mentee: Side.mentee}.get(caller.role)
    if own is not None:
        if asked is not None and asked != own:
            raise Invalid(f"A {caller.role} records their own view.", loc=["body", "side"])
        return own
    if asked is None:
        raise Invalid("Say whose view this is.", loc=["body", "side"])
    return asked


def display_name(person: Person) -> str:
    """How a person is named to the people working with them: the name they go by."""
    return f"{person.preferred_name or person.given_name} {person.family_name}"


async def display_names(db: AsyncSession, person_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each person's `display_name`. Their profiles are not loaded: a name needs none."""
    people = await db.exec(
        select(Person)
        .where(col(Person.id).in_(set(person_ids)))
        .options(lazyload(Person.mentee_profile), lazyload(Person.mentor_profile))  # type: ignore[arg-type]
    )
    return {person.id: display_name(person) for person in people.all()}


async def present(
    db: AsyncSession, caller: Principal, relationships: Sequence[MentoringRelationship]
) -> list[RelationshipRead]:
    """Relationships with their people's names, history, latest check-ins and outcome
    prompt: four queries. Notes, comments and the ending summary are left out where the
    caller may not read them."""
    ids = [r.id for r in relationships]
    person_ids = {p for r in relationships for p in (r.mentee_id, r.mentor_id)}
    names = await display_names(db, person_ids)
    events = (
        await db.exec(
            select(RelationshipEvent)
            .where(col(RelationshipEvent.relationship_id).in_(ids))
            .order_by(col(RelationshipEvent.at), col(RelationshipEvent.created_at))
        )
    ).all()
    ranked = (
        select(
            RelationshipCheckIn,
            sa.func.row_number()
            .over(
                partition_by=(
                    col(RelationshipCheckIn.relationship_id),
                    col(RelationshipCheckIn.side),
                ),
                order_by=(col(RelationshipCheckIn.at).desc(), col(RelationshipCheckIn.id).desc()),
            )
            .label("rank"),
        )
        .where(col(RelationshipCheckIn.relationship_id).in_(ids))
        .subquery()
    )
    latest_row = aliased(RelationshipCheckIn, ranked)
    latest = (await db.exec(select(latest_row).where(ranked.c.rank == 1))).all()
    ended = [r.id for r in relationships if r.status == RelationshipStatus.ended]
    with_end_outcome = set(
        (
            await db.exec(
                select(Outcome.relationship_id).where(
                    col(Outcome.relationship_id).in_(ended), Outcome.milestone == Milestone.end
                )
            )
        ).all()
        if ended
        else ()
    )

    history: dict[uuid.UUID, list[RelationshipEvent]] = {i: [] for i in ids}
    for event in events:
        history[event.relationship_id].append(event)
    check_ins: dict[tuple[uuid.UUID, str], RelationshipCheckIn] = {
        (c.relationship_id, c.side): c for c in latest
    }
    return [
        _read(
            caller,
            r,
            history[r.id],
            check_ins,
            names,
            end_outcome_due=r.id in ended and r.id not in with_end_outcome,
        )
        for r in relationships
    ]


def _read(
    caller: Principal,
    relationship: MentoringRelationship,
    events: list[RelationshipEvent],
    check_ins: dict[tuple[uuid.UUID, str], RelationshipCheckIn],
    names: dict[uuid.UUID, str],
    *,
    end_outcome_due: bool,
) -> RelationshipRead:
    def latest(side: Side) -> CheckInRead | None:
        found = check_ins.get((relationship.id, side))
        return present_check_in(caller, relationship, found) if found else None

    with_text = _reads_move_notes(caller, relationship)
    return RelationshipRead.model_validate(
        {
            **relationship.model_dump(),
            "mentee_name": names.get(relationship.mentee_id),
            "mentor_name": names.get(relationship.mentor_id),
            "ending_summary": relationship.ending_summary if with_text else None,
            "phase_started_at": {e.to_value: e.at for e in events if e.field == "phase"},
            "end_outcome_due": end_outcome_due,
            "mentee_agreement": _agreement(relationship, with_text),
            "agreed_expectations": _agreed_expectations(relationship),
            "latest_check_ins": LatestCheckIns(
                mentor=latest(Side.mentor), mentee=latest(Side.mentee)
            ),
            "history": [
                RelationshipEventRead(
                    field=e.field,
                    from_=e.from_value,
                    to=e.to_value,
                    at=e.at,
                    by=e.by,
                    note=e.note if with_text else None,
                )
                for e in events
            ],
        }
    )


def _agreement(relationship: MentoringRelationship, with_text: bool) -> MenteeAgreementRead | None:
    if relationship.mentee_agreed_at is None:
        return None
    return MenteeAgreementRead(
        at=relationship.mentee_agreed_at,
        by=relationship.mentee_agreed_by or "",
        on_behalf=bool(relationship.mentee_agreed_on_behalf),
        note=relationship.mentee_agreement_note if with_text else None,
    )


def _agreed_expectations(relationship: MentoringRelationship) -> AgreedExpectations | None:
    if relationship.agreed_expectations is None:
        return None
    return AgreedExpectations(
        **relationship.agreed_expectations,
        mentee_agreed_at=relationship.mentee_agreed_at,
        mentor_agreed_at=relationship.mentor_agreed_at,
    )


def _reads_move_notes(caller: Principal, relationship: MentoringRelationship) -> bool:
    """Notes on moves and the ending summary: staff, and the relationship's current mentor."""
    return policy.allows(caller, "relationships.read_notes", relationship) and policy.allows(
        caller, "relationships.read_move_notes", relationship
    )


def present_check_in(
    caller: Principal, relationship: MentoringRelationship, check_in: RelationshipCheckIn
) -> CheckInRead:
    """A check-in; its comment only for its own side and for staff
    (`relationships.read_both_sides`), and never for a former mentor."""
    read = CheckInRead.model_validate(check_in, from_attributes=True)
    own_side = {Role.mentor: Side.mentor, Role.mentee: Side.mentee}.get(caller.role)
    readable = policy.allows(caller, "relationships.read_notes", relationship) and (
        own_side == check_in.side or policy.allows(caller, "relationships.read_both_sides")
    )
    return read if readable else read.model_copy(update={"comment": None})
