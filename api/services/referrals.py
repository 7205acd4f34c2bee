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
    Referral,
    ReferralStatusChange,
    Service,
)
from api.models.base import utcnow
from api.models.enums import (
    ReferralDirection,
    ReferralMoveName,
    ReferralStatus,
    SessionStatus,
)
from api.models.referral import (
    Progress,
    ReferralChange,
    ReferralCreate,
    ReferralRead,
    ReferralUpdate,
)
from api.services import audit, people, policy
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
# The event each move emits.
MOVE_EVENTS: dict[ReferralMoveName, str] = {
    ReferralMoveName.send: "referral.sent",
    ReferralMoveName.accept: "referral.accepted",
    ReferralMoveName.decline: "referral.declined",
    ReferralMoveName.start: "referral.started",
    ReferralMoveName.complete: "referral.completed",
    ReferralMoveName.withdraw: "referral.withdrawn",
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
    """A person referred into the programme; the same external_ref links the same person."""
    policy.authorize(caller, "referrals.refer_in")
    assert data.person is not None and data.external_ref is not None
    existing = (
        await db.exec(
            select(MenteeProfile.person_id).where(
                MenteeProfile.org_id == caller.org_id,
                MenteeProfile.external_ref == data.external_ref,
            )
        )
    ).first()
    if existing is None:
        person_data = data.person.model_copy(deep=True)
        assert person_data.mentee is not None
        person_data.mentee.external_ref = data.external_ref
        mentee_id = (await people.add_person(db, caller, person_data)).id
    else:
        mentee_id = existing
    referral = Referral(
        org_id=caller.org_id,
        direction=ReferralDirection.inbound,
        status=S.sent,
        reason=data.reason,
        mentee_id=mentee_id,
        external_ref=data.external_ref,
        referred_by_client_id=caller.client_id,
        referred_by_user_id=caller.user_id,
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
        _record(db, caller, referral, S.draft, S.completed, SIGNPOSTED)
        _emit_move(db, caller, referral, ReferralMoveName.complete, S.draft)
        referral.status = S.completed
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
    _record(db, caller, referral, referral.status, target, note)
    _emit_move(db, caller, referral, name, S(referral.status))
    referral.status = target
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
    """A minimised view of the referred person's journey: states and counts only."""
    referral = await find_referral(db, caller, referral_id)
    relationship = (
        await db.exec(
            select(MentoringRelationship)
            .where(MentoringRelationship.mentee_id == referral.mentee_id)
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
            .where(MentoringRelationship.mentee_id == referral.mentee_id)
            .group_by(col(MentoringSession.status))
        )
    ).all()
    by_session = dict(sessions)
    goals = (
        await db.exec(
            select(Goal.status, sa.func.count())
            .where(Goal.mentee_id == referral.mentee_id)
            .group_by(col(Goal.status))
        )
    ).all()
    (read,) = await present(db, [referral])
    return Progress(
        referral_status=S(referral.status),
        history=read.history,
        relationship_status=relationship.status if relationship else None,
        relationship_phase=relationship.phase if relationship else None,
        sessions_held=by_session.get(SessionStatus.held, 0),
        sessions_missed=by_session.get(SessionStatus.missed_by_mentee, 0)
        + by_session.get(SessionStatus.missed_by_mentor, 0),
        goals_by_status={status: count for status, count in goals},
    )


async def present(db: AsyncSession, referrals: Sequence[Referral]) -> list[ReferralRead]:
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
                **referral.model_dump(),
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


def _emit_move(
    db: AsyncSession, caller: Principal, referral: Referral, name: ReferralMoveName, from_: S
) -> None:
    emit(
        db,
        caller,
        MOVE_EVENTS[name],
        referral,
        person_id=referral.mentee_id,
        direction=referral.direction,
        **{"from": from_, "to": MOVES[name][1]},
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
