"""Which rows a caller may reach: one place, used by every query that returns a person's data.

Rows the caller may not see are filtered out in SQL, so they are simply not found (404).
Every clause also needs a scope on its resource (`<resource>:read` or `:write`): without
one it is `false`, so a nested GraphQL field or a batch loader cannot forget the scope.
"""

from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from api.auth.principal import Principal
from api.models import (
    Alert,
    Assessment,
    Concern,
    EstablishmentClearance,
    Event,
    Goal,
    GroupFacilitator,
    GroupSession,
    MentoringRelationship,
    MentoringSession,
    Outcome,
    Person,
    Referral,
    Supervision,
    Training,
    WebhookSubscription,
)
from api.models.base import utcnow
from api.models.enums import (
    OPEN_RELATIONSHIP_STATUSES,
    ConsentPurpose,
    ReferralDirection,
    Role,
)
from api.models.event import CATALOGUE, PARTNER_TYPES
from api.services import policy
from api.services.consents import consenting

Resource = Literal["people", "relationships", "goals", "sessions", "referrals", "assessments"]


def holds_scope_on(caller: Principal, resource: Resource) -> bool:
    return caller.has(f"{resource}:read") or caller.has(f"{resource}:write")


def _scoped(caller: Principal, resource: Resource, clause: ColumnElement[bool]) -> Any:
    return clause if holds_scope_on(caller, resource) else sa.false()


def visible_person_ids(caller: Principal) -> sa.Select[Any] | None:
    """For person-scoped roles, the ids they may see; None means the whole organisation."""
    if caller.sees_whole_organisation:
        return None
    if caller.role == Role.partner:
        return sa.select(col(Referral.mentee_id)).where(
            col(Referral.org_id) == caller.org_id,
            col(Referral.direction) == ReferralDirection.inbound,
            _partners_live_referral(caller),
        )
    own = sa.select(sa.literal(caller.person_id, sa.Uuid()).label("id"))
    if caller.role == Role.mentor:
        mentees = sa.select(col(MentoringRelationship.mentee_id)).where(
            col(MentoringRelationship.org_id) == caller.org_id,
            col(MentoringRelationship.mentor_id) == caller.person_id,
            col(MentoringRelationship.status).in_(OPEN_RELATIONSHIP_STATUSES),
        )
        return sa.select(sa.union(own, mentees).subquery().c.id)
    return own  # mentee: only themselves


def _partners_live_referral(caller: Principal) -> ColumnElement[bool]:
    """The partner's own referral, open or closed less than the organisation's
    `partner_visibility_days` ago (`visible_until`, set when it closed)."""
    return sa.and_(
        col(Referral.referred_by_client_id) == caller.client_id,
        sa.or_(col(Referral.closed_at).is_(None), col(Referral.visible_until) > utcnow()),
    )


def _person_reached(caller: Principal, person_id_column: Any) -> ColumnElement[bool]:
    ids = visible_person_ids(caller)
    return sa.true() if ids is None else col(person_id_column).in_(ids)


def visible_people_clause(caller: Principal, resource: Resource = "people") -> Any:
    """People the caller may see; `resource` names the scope that reaches them (a goal
    writer finds the mentee a goal is for with `goals:write`)."""
    return _scoped(
        caller,
        resource,
        sa.and_(
            col(Person.org_id) == caller.org_id,
            col(Person.deleted_at).is_(None),
            _person_reached(caller, Person.id),
        ),
    )


def visible_relationships_clause(caller: Principal, resource: Resource = "relationships") -> Any:
    """Staff see the organisation's relationships; mentors and mentees their own."""
    in_org = col(MentoringRelationship.org_id) == caller.org_id
    if caller.role == Role.mentor:
        reach = col(MentoringRelationship.mentor_id) == caller.person_id
    elif caller.role == Role.mentee:
        reach = col(MentoringRelationship.mentee_id) == caller.person_id
    else:
        reach = _person_reached(caller, MentoringRelationship.mentee_id)
    return _scoped(caller, resource, sa.and_(in_org, reach))


def visible_sessions_clause(caller: Principal) -> Any:
    """Sessions of the relationships the caller reaches; a mentor's access to them (and their
    notes) ends with the relationship."""
    relationships = sa.select(col(MentoringRelationship.id)).where(
        visible_relationships_clause(caller, "sessions")
    )
    if caller.role == Role.mentor:
        relationships = relationships.where(
            col(MentoringRelationship.status).in_(OPEN_RELATIONSHIP_STATUSES)
        )
    return col(MentoringSession.relationship_id).in_(relationships)


def visible_group_sessions_clause(caller: Principal) -> Any:
    """Staff see every group session; others those with an attendee session they see, and a
    mentor also the ones they facilitate."""
    in_org = col(GroupSession.org_id) == caller.org_id
    if caller.sees_whole_organisation:
        return _scoped(caller, "sessions", in_org)
    attended = sa.select(col(MentoringSession.group_session_id)).where(
        visible_sessions_clause(caller), col(MentoringSession.group_session_id).is_not(None)
    )
    reach: ColumnElement[bool] = col(GroupSession.id).in_(attended)
    if caller.role == Role.mentor:
        facilitated = sa.select(col(GroupFacilitator.group_session_id)).where(
            col(GroupFacilitator.mentor_id) == caller.person_id
        )
        reach = sa.or_(reach, col(GroupSession.id).in_(facilitated))
    return _scoped(caller, "sessions", sa.and_(in_org, reach))


def visible_concerns_clause(caller: Principal) -> Any:
    """Staff see the organisation's concerns, a mentor the ones they raised; nobody else any
    (never the mentee, never a partner)."""
    if not policy.allows(caller, "concerns.read") and not policy.allows(caller, "concerns.raise"):
        return sa.false()
    in_org = col(Concern.org_id) == caller.org_id
    if caller.role == Role.mentor:
        return sa.and_(in_org, col(Concern.raised_by_person_id) == caller.person_id)
    return in_org


def visible_mentor_records_clause(
    caller: Principal, model: type[Supervision | Training | EstablishmentClearance]
) -> Any:
    """Supervision, training and clearance records: staff see all, a mentor their own."""
    in_org = col(model.org_id) == caller.org_id
    if caller.role == Role.mentor:
        return _scoped(caller, "people", sa.and_(in_org, col(model.mentor_id) == caller.person_id))
    if caller.role in (Role.admin, Role.coordinator):
        return _scoped(caller, "people", in_org)
    return sa.false()


def visible_goals_clause(caller: Principal) -> Any:
    return _scoped(caller, "goals", _about_reached_mentee(caller, Goal))


def visible_assessments_clause(caller: Principal) -> Any:
    return _scoped(caller, "assessments", _about_reached_mentee(caller, Assessment))


def visible_referrals_clause(caller: Principal) -> Any:
    """Staff: the organisation's referrals; a partner: the ones it made; a mentor: their
    mentees'."""
    in_org = col(Referral.org_id) == caller.org_id
    if caller.role == Role.partner:
        reach = _partners_live_referral(caller)
    else:
        reach = _person_reached(caller, Referral.mentee_id)
    return _scoped(caller, "referrals", sa.and_(in_org, reach))


def _about_reached_mentee(caller: Principal, model: Any) -> ColumnElement[bool]:
    return sa.and_(col(model.org_id) == caller.org_id, _person_reached(caller, model.mentee_id))


def visible_outcomes_clause(caller: Principal) -> Any:
    """Outcomes are for the people who work with the mentee: staff, and their mentor."""
    if caller.role not in (Role.admin, Role.coordinator, Role.mentor):
        return sa.false()
    return _scoped(caller, "assessments", _about_reached_mentee(caller, Outcome))


def visible_events_clause(caller: Principal) -> ColumnElement[bool]:
    """Numbered events of the caller's organisation that they may hear of: the read scope of
    each type, and the person concerned one they reach. A partner hears of its own referrals
    and, while the person consents to share their progress, of the people it referred, for
    as long as it may see them."""
    numbered = sa.and_(col(Event.org_id) == caller.org_id, col(Event.seq).is_not(None))
    if caller.role == Role.partner:
        if not caller.has("referrals:read"):
            return sa.false()
        own_referrals = sa.select(col(Referral.id)).where(visible_referrals_clause(caller))
        return sa.and_(
            numbered,
            col(Event.type).in_(sorted(PARTNER_TYPES)),
            sa.or_(
                sa.and_(
                    col(Event.subject_type) == "referral", col(Event.subject_id).in_(own_referrals)
                ),
                sa.and_(
                    col(Event.subject_type) != "referral",
                    _person_reached(caller, Event.person_id),
                    consenting(ConsentPurpose.share_progress_with_referrer, Event.person_id),
                ),
            ),
        )
    readable = sorted(
        kind
        for kind, scope in CATALOGUE.items()
        if caller.has(scope)
        and (not kind.startswith("alert.") or policy.allows(caller, "alerts.read"))
    )
    reach = sa.and_(
        numbered, col(Event.type).in_(readable), _person_reached(caller, Event.person_id)
    )
    if caller.sees_whole_organisation:
        return reach
    # An alert's events reach whoever sees the alert, no one else: a mentor does not hear of
    # an alert about their mentee that names someone else (an urgent concern staff raised).
    seen_alerts = sa.select(col(Alert.id)).where(visible_alerts_clause(caller))
    return sa.and_(
        reach,
        sa.or_(
            col(Event.subject_type) != "alert",
            col(Event.subject_id).in_(seen_alerts),
        ),
    )


def visible_alerts_clause(caller: Principal) -> Any:
    """Staff see the organisation's alerts; a mentor those about their own relationships
    and themselves (the alert names them as `mentor_id`); nobody else sees any."""
    if not policy.allows(caller, "alerts.read"):
        return sa.false()
    in_org = col(Alert.org_id) == caller.org_id
    if caller.role == Role.mentor:
        return sa.and_(in_org, col(Alert.mentor_id) == caller.person_id)
    return in_org


def visible_webhooks_clause(caller: Principal) -> ColumnElement[bool]:
    """Administrators manage the organisation's subscriptions; a partner its own."""
    in_org = col(WebhookSubscription.org_id) == caller.org_id
    if policy.allows(caller, "webhooks.manage_organisation"):
        return in_org
    if policy.allows(caller, "webhooks.manage_own"):
        return sa.and_(in_org, col(WebhookSubscription.owner_client_id) == caller.client_id)
    return sa.false()
