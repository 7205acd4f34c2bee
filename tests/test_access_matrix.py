"""Who sees what, checked both ways: every REST operation and every GraphQL field against
ONE table of truth written here, mirroring the README's "Who sees what".

A route or a field that is not declared below fails these tests, and so does a declared
access that the API does not enforce (or enforces more strictly).
"""

import uuid
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    get_named_type,
)
from graphql.pyutils import Undefined
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.deps import Authorized
from api.auth.principal import Principal
from api.auth.scopes import ROLE_SCOPES
from api.errors import Forbidden
from api.models import ApiClient
from api.models.enums import Role
from api.schema.schema import build_schema
from api.services import policy
from tests.alerts.helpers import raise_alert_for
from tests.factories import World, make_inbound_referral
from tests.schema.helpers import gql

ROLES = ("admin", "coordinator", "mentor", "mentee", "partner", "analyst")
STAFF = {"admin", "coordinator"}
WITH_MENTEE = STAFF | {"mentor", "mentee"}
EVERYONE = set(ROLES)
# A coordinator whose token asked only for `services:read`.
NARROWED = ("narrowed", "services:read")

# The README's "Who sees what": for each action, the scope it needs and the roles that may.
TRUTH: dict[str, tuple[str | None, set[str]]] = {
    "me.read": (None, EVERYONE),
    "organisation.read": (None, EVERYONE),
    "organisation.update": ("admin", {"admin"}),
    "audit.read": ("admin", {"admin"}),
    "people.subject_access": ("admin", {"admin"}),
    "accounts.manage": ("admin", {"admin"}),
    "people.read": ("people:read", WITH_MENTEE | {"partner"}),
    "people.create": ("people:write", STAFF),
    "people.update": ("people:write", STAFF | {"mentor"}),
    "people.update_programme_fields": ("people:write", STAFF),
    "people.delete": ("people:write", STAFF),
    "people.erase": ("admin", {"admin"}),
    "people.legal_hold": ("admin", {"admin"}),
    "custody.report": ("referrals:write", STAFF | {"partner"}),
    "custody.read": ("people:read", STAFF | {"partner"}),
    "consents.read": ("people:read", WITH_MENTEE),
    "consents.write": ("people:write", STAFF),
    "non_associations.read": ("people:read", STAFF),
    "non_associations.write": ("people:write", STAFF),
    "people.expectations": ("relationships:write", WITH_MENTEE),
    "matching.suggest": ("relationships:write", STAFF),
    "relationships.read": ("relationships:read", WITH_MENTEE),
    "relationships.read_notes": ("relationships:read", WITH_MENTEE),
    "relationships.create": ("relationships:write", STAFF),
    "relationships.change": ("relationships:write", STAFF | {"mentor"}),
    "relationships.check_in": ("relationships:write", WITH_MENTEE),
    "relationships.mentee_say": ("relationships:write", STAFF | {"mentee"}),
    "relationships.read_both_sides": ("relationships:read", STAFF),
    "relationships.read_move_notes": ("relationships:read", STAFF | {"mentor"}),
    "caseload.read": ("relationships:read", {"mentor"}),
    "goals.read": ("goals:read", WITH_MENTEE),
    "goals.write": ("goals:write", WITH_MENTEE),
    "sessions.read": ("sessions:read", WITH_MENTEE),
    "sessions.write": ("sessions:write", STAFF | {"mentor"}),
    "sessions.read_private_notes": ("sessions:read", STAFF | {"mentor"}),
    "sessions.write_private_notes": ("sessions:write", STAFF | {"mentor"}),
    "group_sessions.run": ("sessions:write", STAFF | {"mentor"}),
    "concerns.read": ("people:read", STAFF | {"mentor"}),
    "concerns.raise": ("people:write", STAFF | {"mentor"}),
    "concerns.triage": ("people:write", STAFF),
    "concerns.read_triage": ("people:read", STAFF),
    "mentor_support.read": ("people:read", STAFF | {"mentor"}),
    "mentor_support.write": ("people:write", STAFF),
    "mentor_support.read_notes": ("people:read", STAFF),
    "assessments.read": ("assessments:read", WITH_MENTEE),
    "assessments.write": ("assessments:write", STAFF | {"mentor"}),
    "services.read": ("services:read", STAFF | {"mentor"}),
    "services.write": ("services:write", STAFF),
    "referrals.read": ("referrals:read", STAFF | {"mentor", "partner"}),
    "referrals.write": ("referrals:write", STAFF | {"mentor", "partner"}),
    "referrals.refer_in": ("referrals:write", STAFF | {"partner"}),
    "referrals.refer_out": ("referrals:write", STAFF | {"mentor"}),
    "referrals.decide_inbound": ("referrals:write", STAFF),
    "referrals.withdraw_inbound": ("referrals:write", STAFF | {"partner"}),
    "referrals.move_outbound": ("referrals:write", STAFF | {"mentor"}),
    "outcomes.read": ("assessments:read", STAFF | {"mentor"}),
    "outcomes.write": ("assessments:write", STAFF | {"mentor"}),
    "alerts.read": ("people:read", STAFF | {"mentor"}),
    "alerts.change": ("people:write", STAFF),
    "reports.read": ("reports:read", STAFF | {"analyst"}),
    "reports.fairness": ("reports:read", STAFF),
    "reports.cohort_file": ("admin", {"admin"}),
    "events.read": (None, WITH_MENTEE | {"partner"}),
    "webhooks.manage": (None, {"admin", "partner"}),
    "webhooks.manage_organisation": ("admin", {"admin"}),
    "webhooks.manage_own": ("referrals:read", {"partner"}),
}

# Every REST operation and the access it declares. Public ones are listed as None.
REST: dict[tuple[str, str], str | None] = {
    ("POST", "/api/v1/auth/token"): None,
    ("POST", "/api/v1/auth/set-password"): None,
    ("GET", "/api/v1/users"): "accounts.manage",
    ("POST", "/api/v1/users"): "accounts.manage",
    ("GET", "/api/v1/users/{user_id}"): "accounts.manage",
    ("POST", "/api/v1/users/{user_id}/disable"): "accounts.manage",
    ("POST", "/api/v1/users/{user_id}/enable"): "accounts.manage",
    ("POST", "/api/v1/users/{user_id}/reset-password"): "accounts.manage",
    ("GET", "/api/v1/clients"): "accounts.manage",
    ("POST", "/api/v1/clients"): "accounts.manage",
    ("GET", "/api/v1/clients/{api_client_id}"): "accounts.manage",
    ("POST", "/api/v1/clients/{api_client_id}/rotate-secret"): "accounts.manage",
    ("POST", "/api/v1/clients/{api_client_id}/disable"): "accounts.manage",
    ("POST", "/api/v1/clients/{api_client_id}/enable"): "accounts.manage",
    ("POST", "/api/v1/clients/{api_client_id}/revoke"): "accounts.manage",
    ("GET", "/healthz"): None,
    ("GET", "/readyz"): None,
    ("GET", "/metrics"): None,
    ("GET", "/api/v1/graphql"): None,  # each GraphQL field declares its own (below)
    ("POST", "/api/v1/graphql"): None,
    ("GET", "/api/v1/docs"): None,  # off in production
    ("GET", "/api/v1/redoc"): None,
    ("GET", "/api/v1/me"): "me.read",
    ("GET", "/api/v1/me/caseload"): "caseload.read",
    ("GET", "/api/v1/concerns"): "concerns.read",
    ("POST", "/api/v1/concerns"): "concerns.raise",
    ("GET", "/api/v1/concerns/{concern_id}"): "concerns.read",
    ("POST", "/api/v1/concerns/{concern_id}/review"): "concerns.triage",
    ("POST", "/api/v1/concerns/{concern_id}/close"): "concerns.triage",
    ("POST", "/api/v1/concerns/{concern_id}/escalate"): "concerns.triage",
    ("GET", "/api/v1/people/{mentor_id}/supervisions"): "mentor_support.read",
    ("POST", "/api/v1/people/{mentor_id}/supervisions"): "mentor_support.write",
    (
        "DELETE",
        "/api/v1/people/{mentor_id}/supervisions/{supervision_id}",
    ): "mentor_support.write",
    ("GET", "/api/v1/people/{mentor_id}/trainings"): "mentor_support.read",
    ("POST", "/api/v1/people/{mentor_id}/trainings"): "mentor_support.write",
    ("DELETE", "/api/v1/people/{mentor_id}/trainings/{training_id}"): "mentor_support.write",
    ("GET", "/api/v1/people/{mentor_id}/establishment-clearances"): "mentor_support.read",
    ("POST", "/api/v1/people/{mentor_id}/establishment-clearances"): "mentor_support.write",
    (
        "DELETE",
        "/api/v1/people/{mentor_id}/establishment-clearances/{clearance_id}",
    ): "mentor_support.write",
    ("GET", "/api/v1/group-sessions"): "sessions.read",
    ("POST", "/api/v1/group-sessions"): "sessions.write",
    ("GET", "/api/v1/group-sessions/{group_session_id}"): "sessions.read",
    ("POST", "/api/v1/group-sessions/{group_session_id}/attendance"): "sessions.write",
    ("POST", "/api/v1/group-sessions/{group_session_id}/attendees"): "sessions.write",
    (
        "DELETE",
        "/api/v1/group-sessions/{group_session_id}/attendees/{relationship_id}",
    ): "sessions.write",
    ("GET", "/api/v1/organisation"): "organisation.read",
    ("PATCH", "/api/v1/organisation"): "organisation.update",
    ("GET", "/api/v1/audit-events"): "audit.read",
    ("GET", "/api/v1/people"): "people.read",
    ("POST", "/api/v1/people"): "people.create",
    ("GET", "/api/v1/people/{person_id}"): "people.read",
    ("GET", "/api/v1/people/{person_id}/subject-access-export"): "people.subject_access",
    ("PATCH", "/api/v1/people/{person_id}"): "people.update",
    ("DELETE", "/api/v1/people/{person_id}"): "people.delete",
    ("POST", "/api/v1/people/{person_id}/erase"): "people.erase",
    ("GET", "/api/v1/people/{person_id}/legal-hold"): "people.legal_hold",
    ("PUT", "/api/v1/people/{person_id}/legal-hold"): "people.legal_hold",
    ("DELETE", "/api/v1/people/{person_id}/legal-hold"): "people.legal_hold",
    ("PUT", "/api/v1/people/{person_id}/expectations"): "people.expectations",
    ("GET", "/api/v1/people/{mentee_id}/match-suggestions"): "matching.suggest",
    ("GET", "/api/v1/people/{mentee_id}/match-suggestions/{mentor_id}"): "matching.suggest",
    ("GET", "/api/v1/people/{person_id}/consents"): "consents.read",
    ("POST", "/api/v1/people/{person_id}/consents"): "consents.write",
    ("GET", "/api/v1/people/{mentee_id}/non-associations"): "non_associations.read",
    ("POST", "/api/v1/people/{mentee_id}/non-associations"): "non_associations.write",
    (
        "DELETE",
        "/api/v1/people/{mentee_id}/non-associations/{non_association_id}",
    ): "non_associations.write",
    ("GET", "/api/v1/people/{mentee_id}/distance-travelled"): "assessments.read",
    ("POST", "/api/v1/people/{person_id}/custody-events"): "custody.report",
    ("GET", "/api/v1/people/{person_id}/custody-events"): "custody.read",
    ("GET", "/api/v1/relationships"): "relationships.read",
    ("POST", "/api/v1/relationships"): "relationships.create",
    ("GET", "/api/v1/relationships/{relationship_id}"): "relationships.read",
    ("PATCH", "/api/v1/relationships/{relationship_id}"): "relationships.change",
    ("POST", "/api/v1/relationships/{relationship_id}/end"): "relationships.change",
    ("POST", "/api/v1/relationships/{relationship_id}/agree"): "relationships.mentee_say",
    ("POST", "/api/v1/relationships/{relationship_id}/decline"): "relationships.mentee_say",
    ("POST", "/api/v1/relationships/{relationship_id}/{move}"): "relationships.change",
    ("POST", "/api/v1/relationships/{relationship_id}/check-ins"): "relationships.check_in",
    ("GET", "/api/v1/relationships/{relationship_id}/check-ins"): "relationships.read",
    ("GET", "/api/v1/goals"): "goals.read",
    ("POST", "/api/v1/goals"): "goals.write",
    ("GET", "/api/v1/goals/{goal_id}"): "goals.read",
    ("PATCH", "/api/v1/goals/{goal_id}"): "goals.write",
    ("GET", "/api/v1/goals/{goal_id}/steps"): "goals.read",
    ("POST", "/api/v1/goals/{goal_id}/steps"): "goals.write",
    ("POST", "/api/v1/goals/{goal_id}/steps/order"): "goals.write",
    ("PATCH", "/api/v1/goals/{goal_id}/steps/{step_id}"): "goals.write",
    ("DELETE", "/api/v1/goals/{goal_id}/steps/{step_id}"): "goals.write",
    ("GET", "/api/v1/goals/{goal_id}/reviews"): "goals.read",
    ("POST", "/api/v1/goals/{goal_id}/reviews"): "goals.write",
    ("GET", "/api/v1/sessions"): "sessions.read",
    ("POST", "/api/v1/sessions"): "sessions.write",
    ("GET", "/api/v1/sessions/{session_id}"): "sessions.read",
    ("PATCH", "/api/v1/sessions/{session_id}"): "sessions.write",
    ("GET", "/api/v1/assessments"): "assessments.read",
    ("POST", "/api/v1/assessments"): "assessments.write",
    ("GET", "/api/v1/assessments/{assessment_id}"): "assessments.read",
    ("GET", "/api/v1/services"): "services.read",
    ("POST", "/api/v1/services"): "services.write",
    ("GET", "/api/v1/services/{service_id}"): "services.read",
    ("PATCH", "/api/v1/services/{service_id}"): "services.write",
    ("POST", "/api/v1/services/{service_id}/retire"): "services.write",
    ("GET", "/api/v1/referrals"): "referrals.read",
    ("POST", "/api/v1/referrals"): "referrals.write",
    ("GET", "/api/v1/referrals/{referral_id}"): "referrals.read",
    ("PATCH", "/api/v1/referrals/{referral_id}"): "referrals.write",
    ("GET", "/api/v1/referrals/{referral_id}/progress"): "referrals.read",
    ("POST", "/api/v1/referrals/{referral_id}/decline"): "referrals.write",
    ("POST", "/api/v1/referrals/{referral_id}/withdraw"): "referrals.write",
    ("POST", "/api/v1/referrals/{referral_id}/complete"): "referrals.write",
    ("POST", "/api/v1/referrals/{referral_id}/{move}"): "referrals.write",
    ("POST", "/api/v1/referrals/{referral_id}/pending-match"): "referrals.decide_inbound",
    ("GET", "/api/v1/outcomes"): "outcomes.read",
    ("POST", "/api/v1/outcomes"): "outcomes.write",
    ("GET", "/api/v1/outcomes/{outcome_id}"): "outcomes.read",
    ("PATCH", "/api/v1/outcomes/{outcome_id}"): "outcomes.write",
    ("GET", "/api/v1/alerts"): "alerts.read",
    ("GET", "/api/v1/alerts/{alert_id}"): "alerts.read",
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): "alerts.change",
    ("POST", "/api/v1/alerts/{alert_id}/resolve"): "alerts.change",
    ("GET", "/api/v1/reports/programme"): "reports.read",
    ("GET", "/api/v1/reports/programme.html"): "reports.read",
    ("GET", "/api/v1/reports/jdl-cohort"): "reports.read",
    ("GET", "/api/v1/reports/matching-fairness"): "reports.fairness",
    ("GET", "/api/v1/reports/jdl-cohort.csv"): "reports.cohort_file",
    ("GET", "/api/v1/events"): "events.read",
    ("GET", "/api/v1/webhooks"): "webhooks.manage",
    ("POST", "/api/v1/webhooks"): "webhooks.manage",
    ("GET", "/api/v1/webhooks/{webhook_id}"): "webhooks.manage",
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): "webhooks.manage",
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): "webhooks.manage",
    ("POST", "/api/v1/webhooks/{webhook_id}/rotate-secret"): "webhooks.manage",
    ("POST", "/api/v1/webhooks/{webhook_id}/ping"): "webhooks.manage",
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"): "webhooks.manage",
    ("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry"): "webhooks.manage",
}
PATH_VALUES = {"move": "activate"}
REFERRAL_MOVE = "accept"

# Every root GraphQL field and the action it checks.
GRAPHQL_ROOT: dict[str, str] = {
    "Query.me": "me.read",
    "Query.organisation": "organisation.read",
    "Query.person": "people.read",
    "Query.people": "people.read",
    "Query.relationship": "relationships.read",
    "Query.relationships": "relationships.read",
    "Query.goal": "goals.read",
    "Query.goals": "goals.read",
    "Query.session": "sessions.read",
    "Query.sessions": "sessions.read",
    "Query.assessments": "assessments.read",
    "Query.distanceTravelled": "assessments.read",
    "Query.service": "services.read",
    "Query.services": "services.read",
    "Query.referral": "referrals.read",
    "Query.referrals": "referrals.read",
    "Query.referralProgress": "referrals.read",
    "Query.events": "events.read",
    "Query.matchSuggestions": "matching.suggest",
    "Query.matchExplanation": "matching.suggest",
    "Query.nonAssociations": "non_associations.read",
    "Query.consents": "consents.read",
    "Mutation.recordConsent": "consents.write",
    "Query.custodyEvents": "custody.read",
    "Mutation.createPerson": "people.create",
    "Mutation.updatePerson": "people.update",
    "Mutation.deletePerson": "people.delete",
    "Mutation.stateExpectations": "people.expectations",
    "Mutation.createRelationship": "relationships.create",
    "Mutation.updateRelationship": "relationships.change",
    "Mutation.moveRelationship": "relationships.change",
    "Mutation.endRelationship": "relationships.change",
    "Mutation.agreeToRelationship": "relationships.mentee_say",
    "Mutation.declineRelationship": "relationships.mentee_say",
    "Mutation.recordCheckIn": "relationships.check_in",
    "Mutation.addNonAssociation": "non_associations.write",
    "Mutation.removeNonAssociation": "non_associations.write",
    "Mutation.updateOrganisation": "organisation.update",
    "Mutation.createGoal": "goals.write",
    "Mutation.updateGoal": "goals.write",
    "Mutation.addStep": "goals.write",
    "Mutation.updateStep": "goals.write",
    "Mutation.addReview": "goals.write",
    "Mutation.createSession": "sessions.write",
    "Mutation.updateSession": "sessions.write",
    "Mutation.recordAssessment": "assessments.write",
    "Mutation.createService": "services.write",
    "Mutation.updateService": "services.write",
    "Mutation.retireService": "services.write",
    "Mutation.createReferral": "referrals.write",
    "Mutation.moveReferral": "referrals.write",
    "Mutation.decidePendingMatch": "referrals.decide_inbound",
    "Mutation.reportCustodyEvent": "custody.report",
    "Query.outcomes": "outcomes.read",
    "Query.outcome": "outcomes.read",
    "Mutation.recordOutcome": "outcomes.write",
    "Mutation.updateOutcome": "outcomes.write",
    "Query.groupSession": "sessions.read",
    "Query.groupSessions": "sessions.read",
    "Mutation.createGroupSession": "sessions.write",
    "Mutation.recordGroupAttendance": "sessions.write",
    "Mutation.addGroupAttendees": "sessions.write",
    "Mutation.removeGroupAttendee": "sessions.write",
    "Query.matchHeldBack": "matching.suggest",
    "Query.concerns": "concerns.read",
    "Query.concern": "concerns.read",
    "Mutation.raiseConcern": "concerns.raise",
    "Mutation.reviewConcern": "concerns.triage",
    "Mutation.closeConcern": "concerns.triage",
    "Mutation.escalateConcern": "concerns.triage",
    "Query.supervisions": "mentor_support.read",
    "Query.trainings": "mentor_support.read",
    "Mutation.recordSupervision": "mentor_support.write",
    "Mutation.removeSupervision": "mentor_support.write",
    "Mutation.recordTraining": "mentor_support.write",
    "Mutation.removeTraining": "mentor_support.write",
    "Query.establishmentClearances": "mentor_support.read",
    "Mutation.recordEstablishmentClearance": "mentor_support.write",
    "Mutation.removeEstablishmentClearance": "mentor_support.write",
    "Query.caseload": "caseload.read",
    "Query.alerts": "alerts.read",
    "Query.alert": "alerts.read",
    "Mutation.acknowledgeAlert": "alerts.change",
    "Mutation.resolveAlert": "alerts.change",
}
# Nested fields that lead to other records: the scope on the named resource filters their
# rows (no scope: empty or null), as for the root fields of that resource.
GRAPHQL_NESTED: dict[str, str] = {
    "Person.referrals": "referrals",
    "Person.goals": "goals",
    "Person.relationships": "relationships",
    "Relationship.sessions": "sessions",
    "Relationship.alerts": "people",
    "Relationship.mentee": "people",
    "Relationship.mentor": "people",
    "Goal.steps": "goals",
    "Goal.reviews": "goals",
    "CaseloadEntry.openAlerts": "people",
}
# Sensitive fields: they resolve only with `people:sensitive`.
GRAPHQL_SENSITIVE = {
    "Person.ethnicity",
    "Person.religion",
    "Person.culturalBackground",
    "MenteeProfile.riskLevel",
    "MenteeProfile.offenceSummary",
    "MenteeProfile.mappaLevel",
    "MenteeProfile.licenceEndDate",
    "MenteeProfile.probationPractitioner",
    "MenteeProfile.pncNumber",
    "MenteeProfile.prisonNumber",
    "MentorProfile.livedExperience",
    "Session.privateNotes",
    "NonAssociation.reason",
}
RECORD_TYPES = {
    "Person",
    "Relationship",
    "Goal",
    "Step",
    "Review",
    "Session",
    "Referral",
    "Alert",
    "GroupSession",
    "Concern",
    "Supervision",
    "Training",
    "EstablishmentClearance",
}


def _principal(role: str, scopes: frozenset[str] | None = None) -> Principal:
    granted = ROLE_SCOPES[Role(role)] if scopes is None else scopes
    return Principal(org_id=uuid.uuid4(), role=Role(role), scopes=granted, subject="test")


def _allowed(action: str, caller: str) -> bool:
    scope, roles = TRUTH[action]
    if caller == NARROWED[0]:
        return "coordinator" in roles and scope in (None, NARROWED[1])
    return caller in roles


def _headers(world: World, caller: str) -> dict[str, str]:
    if caller == NARROWED[0]:
        return world.headers("coordinator", scopes=NARROWED[1])
    return world.headers(caller)


CALLERS = (*ROLES, NARROWED[0])


def test_the_policy_is_the_table_of_truth() -> None:
    assert set(policy.POLICY) == set(TRUTH)
    for action, (scope, roles) in TRUTH.items():
        assert policy.rule(action).scope == scope, action
        for role in ROLES:
            assert policy.allows(_principal(role), action) == (role in roles), (action, role)
        if scope is not None:  # the right role with a token narrowed below the scope
            narrowed = _principal("admin", frozenset(ROLE_SCOPES[Role.admin] - {scope}))
            assert not policy.allows(narrowed, action), action


def test_the_owner_rules_hold_on_their_own() -> None:
    """Where the answer depends on the row, the table decides it alone: a mentor is refused
    another mentor's relationship, sessions, private notes, group and records, and a mentee
    another mentee's match, even if a query ever handed them over (visibility normally keeps
    them out of reach first)."""
    me, other = uuid.uuid4(), uuid.uuid4()
    mentor = Principal(
        org_id=uuid.uuid4(),
        role=Role.mentor,
        scopes=ROLE_SCOPES[Role.mentor],
        subject="user:me",
        person_id=me,
    )
    mentee = Principal(
        org_id=mentor.org_id,
        role=Role.mentee,
        scopes=ROLE_SCOPES[Role.mentee],
        subject="user:mentee",
        person_id=me,
    )
    coordinator = _principal("coordinator")
    unsensitive = _principal("coordinator", ROLE_SCOPES[Role.coordinator] - {"people:sensitive"})
    mine = SimpleNamespace(mentor_id=me, status="active")
    theirs = SimpleNamespace(mentor_id=other, status="active")
    ended = SimpleNamespace(mentor_id=me, status="ended")
    cases: list[tuple[Principal, str, object, bool]] = [
        *[
            case
            for action in (
                "relationships.change",
                "relationships.read_move_notes",
                "sessions.write",
            )
            for case in (
                (mentor, action, mine, True),
                (mentor, action, theirs, False),
                (coordinator, action, theirs, True),
            )
        ],
        (mentor, "sessions.write_private_notes", mine, True),
        (mentor, "sessions.write_private_notes", theirs, False),
        (coordinator, "sessions.write_private_notes", theirs, True),
        (unsensitive, "sessions.write_private_notes", theirs, False),
        (mentor, "sessions.read_private_notes", SimpleNamespace(private_notes_by="user:me"), True),
        (mentor, "sessions.read_private_notes", SimpleNamespace(private_notes_by="user:x"), False),
        (coordinator, "sessions.read_private_notes", SimpleNamespace(private_notes_by="x"), True),
        (unsensitive, "sessions.read_private_notes", SimpleNamespace(private_notes_by="x"), False),
        (mentor, "group_sessions.run", SimpleNamespace(facilitator_ids={me}), True),
        (mentor, "group_sessions.run", SimpleNamespace(facilitator_ids={other}), False),
        (coordinator, "group_sessions.run", SimpleNamespace(facilitator_ids={other}), True),
        (mentor, "mentor_support.read", SimpleNamespace(id=me), True),
        (mentor, "mentor_support.read", SimpleNamespace(id=other), False),
        (coordinator, "mentor_support.read", SimpleNamespace(id=other), True),
        (mentor, "relationships.read_notes", mine, True),
        (mentor, "relationships.read_notes", ended, False),
        (coordinator, "relationships.read_notes", ended, True),
        (mentee, "relationships.mentee_say", SimpleNamespace(mentee_id=me), True),
        (mentee, "relationships.mentee_say", SimpleNamespace(mentee_id=other), False),
        (coordinator, "relationships.mentee_say", SimpleNamespace(mentee_id=other), True),
        *[
            (caller, "people.expectations", SimpleNamespace(id=person), allowed)
            for caller, person, allowed in (
                (mentee, me, True),
                (mentee, other, False),
                (mentor, me, True),
                (mentor, other, False),
                (coordinator, other, True),
            )
        ],
    ]
    wrong = [
        (caller.role, action, row)
        for caller, action, row, allowed in cases
        if policy.allows(caller, action, row) != allowed
    ]
    assert wrong == []
    with pytest.raises(Forbidden):
        policy.authorize(mentor, "sessions.write", theirs)
    assert policy.authorize(mentor, "sessions.write", mine) is mentor


def _operations(app: FastAPI) -> dict[tuple[str, str], APIRoute]:
    found = {}
    for context in iter_route_contexts(app.routes):
        route = context.route
        if isinstance(route, APIRoute):
            for method in route.methods or ():
                found[(method, str(context.path_format))] = route
    return found


def _declared_action(route: APIRoute) -> str | None:
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if isinstance(dependency.call, Authorized):
            return dependency.call.action
        pending.extend(dependency.dependencies)
    return None


def test_every_rest_operation_declares_its_access(app: FastAPI) -> None:
    operations = _operations(app)
    assert set(operations) == set(REST), "a route without a row in REST (or a stale row)"
    for key, route in operations.items():
        assert _declared_action(route) == REST[key], key


def _concrete(path: str) -> str:
    move = REFERRAL_MOVE if path.startswith("/api/v1/referrals") else PATH_VALUES["move"]
    parts = []
    for part in path.split("/"):
        if part == "{move}":
            parts.append(move)
        elif part.startswith("{"):
            parts.append(str(uuid.uuid4()))
        else:
            parts.append(part)
    return "/".join(parts)


async def test_rest_refuses_exactly_who_the_table_refuses(
    client: httpx.AsyncClient, world: World
) -> None:
    """Random ids and an empty body: a 403 means refused by role or scope; anything else
    (200, 404, 422...) means the caller got past the access check."""
    mismatches = []
    for (method, path), action in REST.items():
        if action is None:
            continue
        for caller in CALLERS:
            response = await client.request(
                method,
                _concrete(path),
                headers=_headers(world, caller),
                json={} if method in {"POST", "PATCH"} else None,
            )
            refused = response.status_code == 403
            if refused == _allowed(action, caller):
                mismatches.append((method, path, caller, response.status_code))
    assert mismatches == []


async def test_a_refusal_says_why(client: httpx.AsyncClient, world: World) -> None:
    """A token without the action's scope is told which scope it lacks; a role the table
    leaves out is told the rule's reason."""
    narrowed = await client.get(
        "/api/v1/people", headers=world.headers("coordinator", scopes="services:read")
    )
    assert narrowed.status_code == 403
    assert narrowed.json()["detail"] == "This needs the scope(s): people:read."
    mentor = await client.post("/api/v1/people", json={}, headers=world.headers("mentor"))
    assert mentor.status_code == 403
    assert mentor.json()["detail"] == "Only administrators and coordinators add people."


SCHEMA = build_schema()._schema


def _object_types() -> dict[str, GraphQLObjectType]:
    return {
        name: t
        for name, t in SCHEMA.type_map.items()
        if isinstance(t, GraphQLObjectType) and not name.startswith("__")
    }


def test_every_graphql_field_declares_its_access() -> None:
    undeclared = []
    for type_name, object_type in _object_types().items():
        for field_name, field in object_type.fields.items():
            key = f"{type_name}.{field_name}"
            root = type_name in {"Query", "Mutation"}
            # a page (`...Connection.nodes`) belongs to the root field that returned it
            leads_on = get_named_type(field.type).name in RECORD_TYPES
            nested = leads_on and not root and not type_name.endswith("Connection")
            if (root and key not in GRAPHQL_ROOT) or (nested and key not in GRAPHQL_NESTED):
                undeclared.append(key)
    assert undeclared == []
    roots = {f"{t}.{f}" for t in ("Query", "Mutation") for f in _object_types()[t].fields}
    assert roots == set(GRAPHQL_ROOT)
    sensitive = {
        f"{type_name}.{field_name}"
        for type_name, object_type in _object_types().items()
        for field_name in object_type.fields
        if _is_sensitive(type_name, field_name)
    }
    assert sensitive == GRAPHQL_SENSITIVE


def _is_sensitive(type_name: str, field_name: str) -> bool:
    from api.schema import types

    python_type = getattr(types, type_name, None)
    definition = getattr(python_type, "__strawberry_definition__", None)
    if definition is None:
        return False
    for field in definition.fields:
        if field.python_name and _camel(field.python_name) == field_name:
            return bool(field.permission_classes)
    return False


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


SCALARS: dict[str, Any] = {
    "UUID": None,  # a fresh one each time
    "String": "x",
    "Int": 1,
    "Float": 0.5,
    "Boolean": True,
    "Date": "2025-01-01",
    "DateTime": "2025-01-01T00:00:00+00:00",
    "JSON": {},
}


def _sample(graphql_type: GraphQLInputType) -> Any:
    if isinstance(graphql_type, GraphQLNonNull):
        return _sample(graphql_type.of_type)
    if isinstance(graphql_type, GraphQLList):
        return []
    if isinstance(graphql_type, GraphQLEnumType):
        return next(iter(graphql_type.values))
    if isinstance(graphql_type, GraphQLInputObjectType):
        return {
            name: _sample(field.type)
            for name, field in graphql_type.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
    assert isinstance(graphql_type, GraphQLScalarType)
    value = SCALARS[graphql_type.name]
    return str(uuid.uuid4()) if graphql_type.name == "UUID" else value


def _document(root: str, name: str) -> tuple[str, dict[str, Any]]:
    field = _object_types()[root].fields[name]
    required = {
        arg_name: arg
        for arg_name, arg in field.args.items()
        if isinstance(arg.type, GraphQLNonNull)
    }
    declared = ", ".join(f"${n}: {a.type}" for n, a in required.items())
    passed = ", ".join(f"{n}: ${n}" for n in required)
    named = get_named_type(field.type)
    if isinstance(named, GraphQLUnionType):
        selection = "{ __typename ... on Problem { status: httpStatus } }"
    elif isinstance(named, GraphQLObjectType):
        selection = "{ __typename }"
    else:
        selection = ""
    operation = "query" if root == "Query" else "mutation"
    head = f"{operation} ({declared})" if declared else operation
    call = f"{name}({passed})" if passed else name
    return f"{head} {{ {call} {selection} }}", {n: _sample(a.type) for n, a in required.items()}


def _refused(answer: dict[str, Any], name: str) -> bool:
    statuses = [e.get("extensions", {}).get("status") for e in answer.get("errors") or []]
    result = (answer.get("data") or {}).get(name)
    if isinstance(result, dict) and result.get("__typename") == "Problem":
        statuses.append(result["status"])
    return 403 in statuses


async def test_graphql_refuses_exactly_who_the_table_refuses(
    client: httpx.AsyncClient, world: World
) -> None:
    mismatches = []
    for key, action in GRAPHQL_ROOT.items():
        root, name = key.split(".")
        document, variables = _document(root, name)
        for caller in CALLERS:
            answer = await gql(client, _headers(world, caller), document, **variables)
            if _refused(answer, name) == _allowed(action, caller):
                mismatches.append((key, caller, answer))
    assert mismatches == []


NESTED_QUERIES = {
    "Person.relationships": ("person", "{ relationships { id } }"),
    "Person.goals": ("person", "{ goals { id } }"),
    "Person.referrals": ("person", "{ referrals { id } }"),
    "Relationship.mentee": ("relationship", "{ mentee { id } }"),
    "Relationship.mentor": ("relationship", "{ mentor { id } }"),
    "Relationship.sessions": ("relationship", "{ sessions { id } }"),
    "Relationship.alerts": ("relationship", "{ alerts { id } }"),
    "Goal.steps": ("goal", "{ steps { id } }"),
    "Goal.reviews": ("goal", "{ reviews { id } }"),
    "CaseloadEntry.openAlerts": ("caseload", "{ items { openAlerts { id } } }"),
}
PARENT_SCOPE = {
    "person": "people:read",
    "relationship": "relationships:read",
    "goal": "goals:read",
    "caseload": "relationships:read",
}
# The parent's reader: a caseload is a mentor's own.
PARENT_READER = {"caseload": "mentor"}


async def _records(client: httpx.AsyncClient, world: World) -> dict[str, str]:
    """A relationship with a session, a goal with a step and a review, a referral."""
    staff = world.headers("coordinator")
    relationships = await client.get(
        "/api/v1/relationships", params={"mentee_id": str(world.my_mentee.id)}, headers=staff
    )
    relationship_id = relationships.json()["items"][0]["id"]
    session = await client.post(
        "/api/v1/sessions",
        json={
            "relationship_id": relationship_id,
            "scheduled_start": "2030-01-01T10:00:00Z",
            "duration_minutes": 60,
            "format": "one_to_one",
            "setting": "custody",
        },
        headers=staff,
    )
    assert session.status_code == 201, session.text
    goal = await client.post(
        "/api/v1/goals",
        json={"mentee_id": str(world.my_mentee.id), "pathway": "accommodation", "title": "A home"},
        headers=staff,
    )
    assert goal.status_code == 201, goal.text
    goal_id = goal.json()["id"]
    step = await client.post(
        f"/api/v1/goals/{goal_id}/steps", json={"title": "Call"}, headers=staff
    )
    review = await client.post(
        f"/api/v1/goals/{goal_id}/reviews",
        json={"note": "Fine", "progress": 5, "lapse": False},
        headers=staff,
    )
    assert step.status_code == 201 and review.status_code == 201, (step.text, review.text)
    return {"person": str(world.my_mentee.id), "relationship": relationship_id, "goal": goal_id}


@pytest.mark.parametrize("field", sorted(GRAPHQL_NESTED))
async def test_a_nested_field_needs_the_scope_of_its_records(
    client: httpx.AsyncClient, world: World, db: AsyncSession, field: str
) -> None:
    """A token with the parent's scope but not the nested records' gets nothing nested."""
    parent, selection = NESTED_QUERIES[field]
    ids = await _records(client, world)
    await raise_alert_for(db, world.org.id, ids["relationship"])
    partner = world.accounts["partner"]
    assert isinstance(partner, ApiClient)
    await make_inbound_referral(db, world.my_mentee, partner)
    nested = field.split(".")[1]
    reader = PARENT_READER.get(parent, "coordinator")
    if parent in ids:
        document = f"query ($id: UUID!) {{ {parent}(id: $id) {selection} }}"
        variables = {"id": ids[parent]}
    else:  # a root field of the caller's own (the caseload)
        document, variables = f"{{ {parent} {selection} }}", {}

    def found(answer: dict[str, Any]) -> Any:
        value = answer["data"][parent]
        if "items" in value:  # the caseload's entries
            return [row for entry in value["items"] for row in entry[nested]]
        return value[nested]

    resource = GRAPHQL_NESTED[field]
    full = " ".join(sorted({PARENT_SCOPE[parent], f"{resource}:read"}))
    seen = await gql(client, world.headers(reader, scopes=full), document, **variables)
    assert found(seen) not in (None, []), seen
    if PARENT_SCOPE[parent] == f"{resource}:read":
        return  # the same scope reaches both (steps and reviews of a goal)
    narrow = world.headers(reader, scopes=PARENT_SCOPE[parent])
    hidden = await gql(client, narrow, document, **variables)
    assert found(hidden) in (None, []), hidden
