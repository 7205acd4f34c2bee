"""Every table, imported here so Alembic and the metadata see the whole schema."""

from api.models.accounts import ApiClient, RefreshToken, UserAccount
from api.models.alert import Alert, AlertCheck
from api.models.assessment import Assessment
from api.models.audit import AuditEvent
from api.models.base import Record
from api.models.consent import Consent
from api.models.custody import CustodyEvent
from api.models.event import Event
from api.models.goal import Goal, GoalReview, GoalStatusChange, GoalStep
from api.models.idempotency import IdempotencyRecord
from api.models.organisation import Organisation
from api.models.outcome import Outcome
from api.models.person import MenteeProfile, MentorProfile, Person
from api.models.referral import Referral, ReferralStatusChange
from api.models.relationship import (
    MentoringRelationship,
    NonAssociation,
    RelationshipCheckIn,
    RelationshipEvent,
)
from api.models.service import Service
from api.models.session import GroupFacilitator, GroupSession, MentoringSession, SessionGoal
from api.models.support import Concern, EstablishmentClearance, Supervision, Training
from api.models.webhook import WebhookDelivery, WebhookSubscription

__all__ = [
    "Alert",
    "AlertCheck",
    "ApiClient",
    "Assessment",
    "AuditEvent",
    "Concern",
    "Consent",
    "CustodyEvent",
    "EstablishmentClearance",
    "Event",
    "Goal",
    "GoalReview",
    "GoalStatusChange",
    "GoalStep",
    "GroupFacilitator",
    "GroupSession",
    "IdempotencyRecord",
    "MenteeProfile",
    "MentorProfile",
    "MentoringRelationship",
    "MentoringSession",
    "NonAssociation",
    "Organisation",
    "Outcome",
    "Person",
    "Record",
    "Referral",
    "ReferralStatusChange",
    "RefreshToken",
    "RelationshipCheckIn",
    "RelationshipEvent",
    "Service",
    "SessionGoal",
    "Supervision",
    "Training",
    "UserAccount",
    "WebhookDelivery",
    "WebhookSubscription",
]
