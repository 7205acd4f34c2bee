"""Alerts: early warnings raised by the rules (`api/services/alert_rules.py`) or by another
part of the programme, acknowledged and resolved by staff, cleared by themselves."""

import uuid
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic import Field as PydField
from sqlmodel import Field

from api.models.base import OrgRecord, UTCDateTime, empty_dict, empty_list, json_column, utcnow
from api.models.common import Input, NoNul, RecordRead
from api.models.enums import AlertStatus, Severity

_UNRESOLVED = sa.text("status IN ('open', 'acknowledged')")


class Alert(OrgRecord, table=True):
    __table_args__ = (
        # At most one unresolved alert per rule and subject: the database holds the line.
        sa.Index(
            "uq_alert_unresolved_subject",
            "org_id",
            "rule",
            "subject_id",
            unique=True,
            sqlite_where=_UNRESOLVED,
            postgresql_where=_UNRESOLVED,
        ),
        sa.Index("ix_alert_org_page", "org_id", "created_at", "id"),
        sa.Index("ix_alert_org_status", "org_id", "status"),
        sa.Index("ix_alert_org_status_page", "org_id", "status", "created_at", "id"),
        sa.Index("ix_alert_rule_subject", "rule", "subject_id"),
    )

    rule: str = Field(max_length=40)
    severity: str = Field(max_length=10)
    status: str = Field(default=AlertStatus.open, max_length=12)
    subject_type: str = Field(max_length=20)  # relationship, mentee, mentor, goal, ...
    subject_id: uuid.UUID
    mentee_id: uuid.UUID | None = Field(default=None, foreign_key="person.id", index=True)
    mentor_id: uuid.UUID | None = Field(default=None, foreign_key="person.id", index=True)
    relationship_id: uuid.UUID | None = Field(
        default=None, foreign_key="mentoring_relationship.id", index=True
    )
    message: str = Field(max_length=1000)
    facts: dict[str, Any] = Field(default_factory=empty_dict, sa_column=json_column())
    raised_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by: str | None = Field(default=None, max_length=80)
    # When the rule last saw its condition clear. A person may resolve an alert whose
    # condition still holds; the rule then raises no new one until it has cleared.
    cleared_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    history: list[dict[str, Any]] = Field(default_factory=empty_list, sa_column=json_column())


class AlertCheck(OrgRecord, table=True):
    """A write that changed what the rules read: the worker evaluates the rules that read
    `source` for the organisation, then deletes the marks it saw."""

    __tablename__ = "alert_check"

    source: str = Field(max_length=40)


# --- API models -----------------------------------------------------------------------------

Note = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), NoNul
]


class AlertAcknowledge(Input):
    note: Note | None = None


class AlertResolve(Input):
    note: Note = PydField(description="What was done, for the record.")


class AlertHistoryEntry(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    action: str = PydField(examples=["raised", "acknowledged", "resolved"])
    at: datetime
    by: str = PydField(description="Who: an account, a client, or `system:alerts`.")
    note: str | None = None


class AlertRead(RecordRead):
    rule: str = PydField(examples=["no_session_held"])
    severity: Severity
    status: AlertStatus
    subject_type: str = PydField(description="What the alert is about: its `subject_id`'s kind.")
    subject_id: uuid.UUID
    mentee_id: uuid.UUID | None
    mentor_id: uuid.UUID | None
    relationship_id: uuid.UUID | None
    message: str = PydField(description="What is wrong and what to do, in plain language.")
    facts: dict[str, Any] = PydField(
        description='The numbers that fired it, e.g. `{"days_since_last_held_session": 23}`.'
    )
    raised_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None
    history: list[AlertHistoryEntry]


Days = Annotated[int, PydField(ge=1, le=3650)]


class AlertThresholds(Input):
    """The rules' thresholds: an organisation setting an administrator changes."""

    no_session_held_days: Days = PydField(
        21, description="An active relationship with no held session for this many days."
    )
    missed_sessions_in_a_row: Annotated[int, PydField(ge=1, le=50)] = PydField(
        2, description="Missed sessions in a row (either side)."
    )
    no_contact_after_release_days: Days = PydField(
        7, description="Days after release without a held session."
    )
    release_without_match_days: Days = PydField(
        28, description="Days before release with no open relationship."
    )
    goal_review_overdue_days: Days = PydField(
        7, description="Days an open goal's review date has passed."
    )
    repeated_lapses_count: Annotated[int, PydField(ge=1, le=50)] = PydField(
        3, description="Reviews with a lapse, for one mentee, within the window."
    )
    repeated_lapses_window_days: Days = PydField(30)
    supervision_overdue_days: Days = PydField(
        42, description="Days since an active mentor's last supervision."
    )
    vetting_expiring_days: Days = PydField(
        30, description="Days before a working mentor's vetting expires."
    )
