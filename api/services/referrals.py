"""Referrals: people referred into the programme by partners, and mentees referred out to
services. One state machine for both; every change is in the history."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import Conflict, Invalid, NotFound
from api.models import (
    Goal,
    MenteeProfile,
    MentoringRelationship,
    MentoringSession,
    Person,
    Referral,
    ReferralStatusChange,
    Service,
)
from api.models.base import utcnow
from api.models.enums import (
    OPEN_RELATIONSHIP_STATUSES,
    ConsentPurpose,
    EndingReason,
    ReferralDirection,
    ReferralMoveName,
    ReferralOutcome,
    ReferralStatus,
    RelationshipStatus,
    Role,
    SessionStatus,
)
from api.models.referral import (
    MatchDecision,
    Progress,
    ProgressStep,
    ReferralChange,
    ReferralCreate,
    ReferralRead,
    ReferralUpdate,
)
from api.services import audit, consents, organisation, people, policy, relationships
from api.services.grouping import group_by
from api.services.outbox import emit
from api.services.pagination import paginate
from api.services.versioning import check_version
from api.services.visibility import visible_referrals_clause

S = ReferralStatus
OPEN = frozenset({S.draft, S.sent, S.accepted, S.in_progress})
# The state machine: each move, where it may start, where it leads.
MOVES: dict[ReferralMoveName, tuple[frozenset[S], S]] = {
    ReferralMoveName.send: (frozenset({S.draft}), S.sent),
    ReferralMoveName.accept: (frozenset({S.sent}), S.accepted),
    ReferralMoveName.decline: (frozenset({S.sent}), S.declined),
    ReferralMoveName.start: (frozenset({S.accepted}), S.in_progress),
    ReferralMoveName.complete: (frozenset({S.in_progress}), S.completed),
    ReferralMoveName.withdraw: (OPEN, S.withdrawn),
}
# The event a referral emits on reaching each status (its creation emits `referral.created`).
ARRIVAL_EVENTS: dict[S, str] = {
    S.sent: "referral.sent",
    S.accepted: "referral.accepted",
    S.declined: "referral.declined",
    S.in_progress: "referral.started",
    S.completed: "referral.completed",
    S.withdrawn: "referral.withdrawn",
}
SIGNPOSTED = "Signposted: the mentee was given the service's details, without a referral."


@dataclass(frozen=True)
class ReferralFilter:
    direction: ReferralDirection | None = None
    status: ReferralStatus | None = None
    mentee_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    category: str | None = None
    updated_since: datetime | None = None


async def list_referrals(
    db: AsyncSession,
    caller: Principal,
    filters: ReferralFilter,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Referral], str | None]:
    stmt = select(Referral).where(visible_referrals_clause(caller))
    for column, value in (
        (Referral.direction, filters.direction),
        (Referral.status, filters.status),
        (Referral.mentee_id, filters.mentee_id),
        (Referral.service_id, filters.service_id),
    ):
        if value is not None:
            stmt = stmt.where(col(column) == value)
    if filters.category:
        stmt = stmt.where(
            col(Referral.service_id).in_(
                select(Service.id).where(Service.category == filters.category)
            )
        )
    if filters.updated_since:
        stmt = stmt.where(col(Referral.updated_at) >= filters.updated_since)
    return await paginate(db, stmt, Referral, limit=limit, cursor=cursor)


async def of_mentees(
    db: AsyncSession, caller: Principal, mentee_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Referral]]:
    """Each mentee's visible referrals, oldest first (one query)."""
    rows = (
        await db.exec(
            select(Referral)
            .where(col(Referral.mentee_id).in_(mentee_ids), visible_referrals_clause(caller))
            .order_by(col(Referral.created_at), col(Referral.id))
        )
    ).all()
    return group_by(mentee_ids, rows, lambda referral: referral.mentee_id)


async def find_referral(db: AsyncSession, caller: Principal, referral_id: uuid.UUID) -> Referral:
    found = (
        await db.exec(
            select(Referral).where(Referral.id == referral_id, visible_referrals_clause(caller))
        )
    ).first()
    if found is None:
        raise NotFound("No referral with that id.")
    return found


async def create_referral(db: AsyncSession, caller: Principal, data: ReferralCreate) -> Referral:
    if data.direction == ReferralDirection.inbound:
        try:
            return await _refer_in(db, caller, data)
        except (IntegrityError, Conflict):
            # A concurrent retry created the same person first (seen by the unique index or
            # by the external_ref check): link to them instead.
            await db.rollback()
            return await _refer_in(db, caller, data)
    return await _refer_out(db, caller, data)


async def _refer_in(db: AsyncSession, caller: Principal, data: ReferralCreate) -> Referral:
    """A person referred into the programme. A case reference belongs to its referrer: the
    same client's earlier referral with it links the same person; a mentee holding it who
    came in another way is only a pending match for staff to confirm, and the referral gets
    a person of its own, so the answer is the same whether the reference was known or not.
    Staff see the whole organisation, so their referral links the holder directly."""
    policy.authorize(caller, "referrals.refer_in")
    assert data.person is not None and data.external_ref is not None
    holder = (
        await db.exec(
            select(MenteeProfile.person_id).where(
                MenteeProfile.org_id == caller.org_id,
                MenteeProfile.external_ref == data.external_ref,
            )
        )
    ).first()
    mentee_id = await _earlier_referral_of(db, caller, data.external_ref)
    pending_match_id = None
    if mentee_id is None and holder is not None and caller.sees_whole_organisation:
        mentee_id = holder
    if mentee_id is None:
        person_data = data.person.model_copy(deep=True)
        assert person_data.mentee is not None
        # The reference stays on the referral only while someone else holds it.
        person_data.mentee.external_ref = data.external_ref if holder is None else None
        mentee_id = (await people.add_person(db, caller, person_data, from_referrer=True)).id
        pending_match_id = holder
    referral = Referral(
        org_id=caller.org_id,
        direction=ReferralDirection.inbound,
        status=S.sent,
        reason=data.reason,
        mentee_id=mentee_id,
        external_ref=data.external_ref,
        referred_by_client_id=caller.client_id,
        referred_by_user_id=caller.user_id,
        pending_match_id=pending_match_id,
    )
    db.add(referral)
    _record(db, caller, referral, None, S.sent)
    _emit_created(db, caller, referral)
    audit.record(
        db,
        caller,
        "referral.create",
        entity_type="referral",
        entity_id=referral.id,
        person_id=mentee_id,
    )
    await db.commit()
    return referral


async def _earlier_referral_of(
    db: AsyncSession, caller: Principal, external_ref: str
) -> uuid.UUID | None:
    """The person of this client's (or, for staff, this organisation's) earlier inbound
    referral with the same case reference."""
    stmt = select(Referral.mentee_id).where(
        Referral.org_id == caller.org_id,
        Referral.direction == ReferralDirection.inbound,
        Referral.external_ref == external_ref,
    )
    if not caller.sees_whole_organisation:
        stmt = stmt.where(Referral.referred_by_client_id == caller.client_id)
    return (await db.exec(stmt.order_by(col(Referral.created_at)))).first()


async def decide_pending_match(
    db: AsyncSession, caller: Principal, referral_id: uuid.UUID, data: MatchDecision
) -> Referral:
    """Staff: `confirm` moves the referral (and any earlier one of the same client with
    this reference) to the mentee who holds the reference, and removes the person made for
    it; `reject` keeps them apart."""
    referral = await find_referral(db, caller, referral_id)
    policy.authorize(caller, "referrals.decide_inbound")
    if referral.pending_match_id is None:
        raise Conflict("This referral has no pending match.")
    if data.decision == "confirm":
        provisional = referral.mentee_id
        if await relationships.open_relationship_of(db, provisional) is not None:
            raise Conflict("The person made for this referral is already being mentored.")
        linked = (await db.exec(select(Referral).where(Referral.mentee_id == provisional))).all()
        for row in linked:
            row.mentee_id = referral.pending_match_id
            row.pending_match_id = None
            row.updated_at = utcnow()
        person = await db.get(Person, provisional)
        assert person is not None
        person.deleted_at = utcnow()
    referral.pending_match_id = None
    referral.updated_at = utcnow()
    audit.record(
        db,
        caller,
        f"referral.match_{data.decision}",
        entity_type="referral",
        entity_id=referral.id,
        person_id=referral.mentee_id,
    )
    await db.commit()
    return referral


async def _refer_out(db: AsyncSession, caller: Principal, data: ReferralCreate) -> Referral:
    """A mentee referred (or only signposted) to a service of the directory."""
    policy.authorize(caller, "referrals.refer_out")
    assert data.mentee_id is not None and data.service_id is not None
    mentee = await people.find_mentee_for(db, caller, data.mentee_id, "referrals")
    service = await db.get(Service, data.service_id)
    if service is None or service.org_id != caller.org_id or service.retired_at is not None:
        raise Invalid("No active service with that id.", loc=["body", "service_id"])
    if not data.signpost and not service.accepts_referrals:
        raise Conflict("This service does not take referrals; signpost the mentee instead.")
    referral = Referral(
        org_id=caller.org_id,
        direction=ReferralDirection.outbound,
        status=S.draft,
        reason=data.reason,
        mentee_id=mentee.id,
        service_id=service.id,
        referred_by_user_id=caller.user_id,
        referred_by_client_id=caller.client_id,
    )
    db.add(referral)
    _record(db, caller, referral, None, S.draft)
    _emit_created(db, caller, referral)
    if data.signpost:
        await _enter(db, caller, referral, S.completed, SIGNPOSTED)
    audit.record(
        db,
        caller,
        "referral.create",
        entity_type="referral",
        entity_id=referral.id,
        person_id=mentee.id,
    )
    await db.commit()
    return referral


async def update_referral(
    db: AsyncSession,
    caller: Principal,
    referral_id: uuid.UUID,
    data: ReferralUpdate,
    *,
    if_match: int | None = None,
) -> Referral:
    referral = await find_referral(db, caller, referral_id)
    check_version(referral, if_match)
    if referral.status != S.draft:
        raise Conflict("Only a draft referral changes.")
    changes = data.model_dump(exclude_unset=True)
    if changes.get("service_id") is not None:
        service = await db.get(Service, changes["service_id"])
        if service is None or service.org_id != caller.org_id or service.retired_at:
            raise Invalid("No active service with that id.", loc=["body", "service_id"])
    for name, value in changes.items():
        setattr(referral, name, value)
    referral.updated_at = utcnow()
    await db.commit()
    return referral


async def move(
    db: AsyncSession,
    caller: Principal,
    referral_id: uuid.UUID,
    name: ReferralMoveName,
    *,
    note: str | None = None,
    outcome: str | None = None,
    if_match: int | None = None,
) -> Referral:
    """Apply one move of the state machine, or refuse it with 409."""
    referral = await find_referral(db, caller, referral_id)
    check_version(referral, if_match)
    _check_who(caller, referral, name)
    allowed_from, target = MOVES[name]
    if referral.status not in allowed_from:
        raise Conflict(f"A referral that is {referral.status} cannot {name}.")
    if outcome is not None:
        referral.outcome = outcome
    await _enter(db, caller, referral, target, note)
    audit.record(
        db,
        caller,
        f"referral.{name}",
        entity_type="referral",
        entity_id=referral.id,
        person_id=referral.mentee_id,
    )
    await db.commit()
    return referral


async def progress(db: AsyncSession, caller: Principal, referral_id: uuid.UUID) -> Progress:
    """A minimised view of the referred person's journey since the referral: states and
    counts only (for a partner, only with the person's consent to share them). The
    relationship is one open when the referral was made or begun after it; sessions and
    goals count from the referral on (a session held before it but logged after it too)."""
    referral = await find_referral(db, caller, referral_id)
    (read,) = await present(db, caller, [referral])
    history = [ProgressStep(from_=c.from_, to=c.to, at=c.at) for c in read.history]
    if caller.role == Role.partner and not await consents.has_consent(
        db, referral.mentee_id, ConsentPurpose.share_progress_with_referrer
    ):
        return Progress(referral_status=S(referral.status), history=history, progress_shared=False)
    since = referral.created_at
    relationship = (
        await db.exec(
            select(MentoringRelationship)
            .where(
                MentoringRelationship.mentee_id == referral.mentee_id,
                sa.or_(
                    col(MentoringRelationship.created_at) >= since,
                    col(MentoringRelationship.status).in_(OPEN_RELATIONSHIP_STATUSES),
                ),
            )
            .order_by(col(MentoringRelationship.created_at).desc())
        )
    ).first()
    sessions = (
        await db.exec(
            select(MentoringSession.status, sa.func.count())
            .join(
                MentoringRelationship,
                col(MentoringRelationship.id) == col(MentoringSession.relationship_id),
            )
            .where(
                MentoringRelationship.mentee_id == referral.mentee_id,
                # held after the referral, or logged after it
                sa.or_(
                    col(MentoringSession.scheduled_start) >= since,
                    col(MentoringSession.created_at) >= since,
                ),
            )
            .group_by(col(MentoringSession.status))
        )
    ).all()
    by_session = dict(sessions)
    goals = (
        await db.exec(
            select(Goal.status, sa.func.count())
            .where(Goal.mentee_id == referral.mentee_id, col(Goal.created_at) >= since)
            .group_by(col(Goal.status))
        )
    ).all()
    return Progress(
        referral_status=S(referral.status),
        history=history,
        progress_shared=True,
        relationship_status=relationship.status if relationship else None,
        relationship_phase=relationship.phase if relationship else None,
        ending_reason=relationship.ending_reason if relationship else None,
        sessions_held=by_session.get(SessionStatus.held, 0),
        sessions_missed=by_session.get(SessionStatus.missed_by_mentee, 0)
        + by_session.get(SessionStatus.missed_by_mentor, 0),
        goals_by_status={status: count for status, count in goals},
    )


async def present(
    db: AsyncSession, caller: Principal, referrals: Sequence[Referral]
) -> list[ReferralRead]:
    """Referrals with their history; a pending match is shown to staff only."""
    staff = caller.sees_whole_organisation
    ids = [r.id for r in referrals]
    changes = (
        await db.exec(
            select(ReferralStatusChange)
            .where(col(ReferralStatusChange.referral_id).in_(ids))
            .order_by(col(ReferralStatusChange.at), col(ReferralStatusChange.created_at))
        )
    ).all()
    history = group_by(ids, changes, lambda change: change.referral_id)
    return [
        ReferralRead.model_validate(
            {
                **referral.model_dump(exclude={"pending_match_id"}),
                "pending_match_id": referral.pending_match_id if staff else None,
                "history": [
                    ReferralChange(
                        from_=c.from_status, to=c.to_status, at=c.at, by=c.by, note=c.note
                    )
                    for c in history[referral.id]
                ],
            }
        )
        for referral in referrals
    ]


def _emit_created(db: AsyncSession, caller: Principal, referral: Referral) -> None:
    emit(
        db,
        caller,
        "referral.created",
        referral,
        person_id=referral.mentee_id,
        direction=referral.direction,
        status=referral.status,
        service_id=referral.service_id,
    )


def _check_who(caller: Principal, referral: Referral, name: ReferralMoveName) -> None:
    """Inbound: staff decide; the referring partner may withdraw. Outbound: staff and the
    mentee's mentor record every step (services have no logins here)."""
    if referral.direction == ReferralDirection.outbound:
        policy.authorize(caller, "referrals.move_outbound")
    elif name == ReferralMoveName.withdraw:
        policy.authorize(caller, "referrals.withdraw_inbound")
    else:
        policy.authorize(caller, "referrals.decide_inbound")


# How an inbound referral ends when the mentoring it led to ends.
OUTCOME_OF_ENDING = {
    EndingReason.completed: ReferralOutcome.achieved,
    EndingReason.mentor_withdrew: ReferralOutcome.partly_achieved,
    EndingReason.moved_away: ReferralOutcome.partly_achieved,
    EndingReason.returned_to_custody: ReferralOutcome.partly_achieved,
    EndingReason.other: ReferralOutcome.partly_achieved,
    EndingReason.mentee_withdrew: ReferralOutcome.not_achieved,
    EndingReason.lost_contact: ReferralOutcome.not_achieved,
    EndingReason.safeguarding: ReferralOutcome.not_achieved,
}


async def follow_relationship(
    db: AsyncSession, caller: Principal, relationship: MentoringRelationship
) -> None:
    """The mentee's inbound referrals follow the mentoring, in the caller's transaction: an
    accepted one is `in_progress` once the relationship is active, an `in_progress` one is
    `completed` (its outcome from the ending reason) when the relationship ends. Any change
    to the relationship makes them newer for `updated_since` polling."""
    if relationship.status == RelationshipStatus.active:
        moves, note = {S.accepted: S.in_progress}, "The mentoring began."
    elif relationship.status == RelationshipStatus.ended:
        moves = {S.in_progress: S.completed}
        note = f"The mentoring ended ({relationship.ending_reason})."
    else:
        moves, note = {}, ""
    if moves:
        following = (
            await db.exec(
                select(Referral).where(
                    Referral.mentee_id == relationship.mentee_id,
                    Referral.direction == ReferralDirection.inbound,
                    col(Referral.status).in_(list(moves)),
                )
            )
        ).all()
        for referral in following:
            if moves[S(referral.status)] == S.completed:
                assert relationship.ending_reason is not None
                referral.outcome = OUTCOME_OF_ENDING[EndingReason(relationship.ending_reason)]
            await _enter(db, caller, referral, moves[S(referral.status)], note)
    await touch_for(db, relationship.mentee_id)


async def touch_for(db: AsyncSession, mentee_id: uuid.UUID) -> None:
    """Something a referring partner sees about this mentee changed (custody, the
    relationship, sessions, goals): its inbound referrals become newer, so polling with
    `updated_since` finds them."""
    await db.exec(
        sa.update(Referral)
        .where(
            col(Referral.mentee_id) == mentee_id,
            col(Referral.direction) == ReferralDirection.inbound,
            sa.or_(col(Referral.closed_at).is_(None), col(Referral.visible_until) > utcnow()),
        )
        .values(updated_at=utcnow())
    )


async def _enter(
    db: AsyncSession, caller: Principal, referral: Referral, target: S, note: str | None = None
) -> None:
    """Move the referral to `target`, in its history; a closed referral stays visible to its
    partner for the organisation's `partner_visibility_days`."""
    _record(db, caller, referral, referral.status, target, note)
    emit(
        db,
        caller,
        ARRIVAL_EVENTS[target],
        referral,
        person_id=referral.mentee_id,
        direction=referral.direction,
        **{"from": referral.status, "to": target},
    )
    referral.status = target
    referral.updated_at = utcnow()
    if target not in OPEN:
        org = await organisation.get_organisation(db, caller)
        referral.closed_at = referral.updated_at
        referral.visible_until = referral.closed_at + organisation.partner_visibility(org)


def _record(
    db: AsyncSession,
    caller: Principal,
    referral: Referral,
    from_status: str | None,
    to_status: str,
    note: str | None = None,
) -> None:
    db.add(
        ReferralStatusChange(
            org_id=referral.org_id,
            referral_id=referral.id,
            from_status=from_status,
            to_status=to_status,
            by=caller.subject,
            note=note,
        )
    )
