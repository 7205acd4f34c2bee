"""Who can see which people: one place, used by every query that returns a person's data.

Rows the caller may not see are filtered out in SQL, so they are simply not found (404).
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from api.auth.principal import Principal
from api.models import Event, MentoringRelationship, Person, Referral, WebhookSubscription
from api.models.enums import OPEN_RELATIONSHIP_STATUSES, ReferralDirection, Role
from api.models.event import CATALOGUE, PARTNER_TYPES


def visible_person_ids(caller: Principal) -> sa.Select[Any] | None:
    """For person-scoped roles, the ids they may see; None means the whole organisation."""
    if caller.sees_whole_organisation:
        return None
    if caller.role == Role.partner:
        return sa.select(col(Referral.mentee_id)).where(
            col(Referral.org_id) == caller.org_id,
            col(Referral.direction) == ReferralDirection.inbound,
            col(Referral.referred_by_client_id) == caller.client_id,
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


def person_is_visible(caller: Principal, person_id_column: Any) -> ColumnElement[bool]:
    """A WHERE clause: the row's person is one the caller may see (within their organisation)."""
    ids = visible_person_ids(caller)
    return sa.true() if ids is None else col(person_id_column).in_(ids)


def visible_people_clause(caller: Principal) -> ColumnElement[bool]:
    return sa.and_(
        col(Person.org_id) == caller.org_id,
        col(Person.deleted_at).is_(None),
        person_is_visible(caller, Person.id),
    )


def visible_relationships_clause(caller: Principal) -> ColumnElement[bool]:
    """Staff see the organisation's relationships; mentors and mentees their own."""
    in_org = col(MentoringRelationship.org_id) == caller.org_id
    if caller.role == Role.mentor:
        return sa.and_(in_org, col(MentoringRelationship.mentor_id) == caller.person_id)
    if caller.role == Role.mentee:
        return sa.and_(in_org, col(MentoringRelationship.mentee_id) == caller.person_id)
    return sa.and_(in_org, person_is_visible(caller, MentoringRelationship.mentee_id))


def visible_for_mentee(caller: Principal, model: Any) -> ColumnElement[bool]:
    """Rows about a mentee (goals, assessments): visible when the mentee is."""
    return sa.and_(col(model.org_id) == caller.org_id, person_is_visible(caller, model.mentee_id))


def visible_events_clause(caller: Principal) -> ColumnElement[bool]:
    """Numbered events of the caller's organisation that they may hear of: the read scope of
    each type, and the person concerned visible to them. A partner hears of the people it
    referred, and of its own referrals only."""
    numbered = sa.and_(col(Event.org_id) == caller.org_id, col(Event.seq).is_not(None))
    if caller.role == Role.partner:
        if not caller.has("referrals:read"):
            return sa.false()
        own_referrals = sa.select(col(Referral.id)).where(
            col(Referral.org_id) == caller.org_id,
            col(Referral.referred_by_client_id) == caller.client_id,
        )
        return sa.and_(
            numbered,
            col(Event.type).in_(sorted(PARTNER_TYPES)),
            sa.or_(
                sa.and_(
                    col(Event.subject_type) == "referral", col(Event.subject_id).in_(own_referrals)
                ),
                sa.and_(
                    col(Event.subject_type) != "referral",
                    person_is_visible(caller, Event.person_id),
                ),
            ),
        )
    readable = sorted(kind for kind, scope in CATALOGUE.items() if caller.has(scope))
    return sa.and_(
        numbered, col(Event.type).in_(readable), person_is_visible(caller, Event.person_id)
    )


def visible_webhooks_clause(caller: Principal) -> ColumnElement[bool]:
    """Administrators manage the organisation's subscriptions; a partner its own."""
    in_org = col(WebhookSubscription.org_id) == caller.org_id
    if caller.has("admin"):
        return in_org
    if caller.role == Role.partner and caller.has("referrals:read"):
        return sa.and_(in_org, col(WebhookSubscription.owner_client_id) == caller.client_id)
    return sa.false()
