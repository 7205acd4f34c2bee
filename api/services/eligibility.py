"""Who may be given a new mentee: the hard rules, as SQL shared by matching and by creation.

A mentor is eligible when vetting is cleared and in date, training is completed, and open
relationships (proposed, active, paused) are below their caseload. For a given mentee, a
mentor is also excluded when a non-association links them, or when an earlier relationship
between them ended for safeguarding reasons.
"""

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from api.models import MentoringRelationship, MentorProfile, NonAssociation
from api.models.enums import OPEN_RELATIONSHIP_STATUSES, EndingReason, VettingStatus


def open_caseloads(org_id: uuid.UUID) -> Any:
    """Subquery: `mentor_id, open_count` for every mentor with open relationships."""
    return (
        sa.select(
            col(MentoringRelationship.mentor_id).label("mentor_id"),
            sa.func.count().label("open_count"),
        )
        .where(
            col(MentoringRelationship.org_id) == org_id,
            col(MentoringRelationship.status).in_(OPEN_RELATIONSHIP_STATUSES),
        )
        .group_by(col(MentoringRelationship.mentor_id))
        .subquery("caseload")
    )


def cleared_and_trained(today: date) -> ColumnElement[bool]:
    return sa.and_(
        col(MentorProfile.vetting_status) == VettingStatus.cleared,
        col(MentorProfile.vetting_expires_on) >= today,
        col(MentorProfile.training_completed_on).is_not(None),
        col(MentorProfile.training_completed_on) <= today,
    )


def supervised_since(since: date) -> ColumnElement[bool]:
    """Supervised on or after `since`; a mentor never supervised counts from their training
    (supervision is due within the threshold of starting)."""
    return (
        sa.func.coalesce(
            col(MentorProfile.last_supervision_on), col(MentorProfile.training_completed_on)
        )
        >= since
    )


def non_association_between(mentee_id: uuid.UUID, mentor_id: Any) -> ColumnElement[bool]:
    """A non-association row linking the two, recorded on either of them."""
    return sa.or_(
        sa.and_(
            col(NonAssociation.mentee_id) == mentee_id,
            col(NonAssociation.other_person_id) == mentor_id,
        ),
        sa.and_(
            col(NonAssociation.mentee_id) == mentor_id,
            col(NonAssociation.other_person_id) == mentee_id,
        ),
    )


def excluded_for(mentee_id: uuid.UUID, mentor_id: Any) -> ColumnElement[bool]:
    """The mentor must never be matched with this mentee."""
    non_associated = sa.exists().where(non_association_between(mentee_id, mentor_id))
    ended_for_safeguarding = sa.exists().where(
        col(MentoringRelationship.mentee_id) == mentee_id,
        col(MentoringRelationship.mentor_id) == mentor_id,
        col(MentoringRelationship.ending_reason) == EndingReason.safeguarding,
    )
    return sa.or_(non_associated, ended_for_safeguarding)
