"""Mentoring sessions (the table is not called `session`: that word means the database's)."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator, BaseModel
from pydantic import Field as PydField
from sqlmodel import Field, SQLModel

from api.models.base import OrgRecord, UTCDateTime, empty_list, json_column
from api.models.common import (
    Input,
    RecordRead,
    Text200,
    Text500,
    Text4000,
    Timestamp,
    unique,
)
from api.models.enums import Pathway, SessionFormat, SessionSetting, SessionStatus


class MentoringSession(OrgRecord, table=True):
    __tablename__ = "mentoring_session"
    __table_args__ = (
        sa.Index("ix_mentoring_session_org_page", "org_id", "created_at", "id"),
        sa.Index("ix_mentoring_session_relationship_start", "relationship_id", "scheduled_start"),
        # the alert rules: a relationship's last held session, its missed ones since
        sa.Index(
            "ix_mentoring_session_relationship_status_start",
            "relationship_id",
            "status",
            "scheduled_start",
        ),
    )

    relationship_id: uuid.UUID = Field(foreign_key="mentoring_relationship.id")
    scheduled_start: datetime = Field(sa_type=UTCDateTime)
    duration_minutes: int | None = None
    format: str = Field(default="one_to_one", max_length=20)
    setting: str = Field(max_length=20)
    status: str = Field(default="scheduled", max_length=20)
    status_reason: str | None = Field(default=None, max_length=1000)
    topics: list[str] = Field(default_factory=empty_list, sa_column=json_column())
    notes: str | None = Field(default=None, max_length=8000)
    private_notes: str | None = Field(default=None, max_length=8000)
    private_notes_by: str | None = Field(default=None, max_length=80)
    wellbeing: int | None = None
    group_session_id: uuid.UUID | None = Field(
        default=None, foreign_key="group_session.id", index=True
    )


class GroupSession(OrgRecord, table=True):
    """One meeting of several mentees from several relationships: each attendee's
    relationship holds a `format: group` session of it, whose status is their attendance."""

    __tablename__ = "group_session"
    __table_args__ = (sa.Index("ix_group_session_org_page", "org_id", "created_at", "id"),)

    title: str = Field(max_length=200)
    scheduled_start: datetime = Field(sa_type=UTCDateTime)
    duration_minutes: int | None = None
    setting: str = Field(max_length=20)
    topics: list[str] = Field(default_factory=empty_list, sa_column=json_column())
    notes: str | None = Field(default=None, max_length=8000)


class GroupFacilitator(SQLModel, table=True):
    """A mentor who runs a group session."""

    __tablename__ = "group_facilitator"

    group_session_id: uuid.UUID = Field(foreign_key="group_session.id", primary_key=True)
    mentor_id: uuid.UUID = Field(foreign_key="person.id", primary_key=True, index=True)


class SessionGoal(SQLModel, table=True):
    """The goals discussed in a session."""

    __tablename__ = "session_goal"

    session_id: uuid.UUID = Field(foreign_key="mentoring_session.id", primary_key=True)
    goal_id: uuid.UUID = Field(foreign_key="goal.id", primary_key=True, index=True)


# --- API models -----------------------------------------------------------------------------

Minutes = Annotated[int, PydField(ge=1, le=600)]
Wellbeing = Annotated[int, PydField(ge=1, le=5, description="1 (very low) to 5 (very good).")]
Topics = Annotated[list[Pathway], PydField(max_length=len(Pathway)), AfterValidator(unique)]


class SessionCreate(Input):
    relationship_id: uuid.UUID
    scheduled_start: Timestamp
    duration_minutes: Minutes | None = None
    format: SessionFormat = SessionFormat.one_to_one
    setting: SessionSetting
    status: SessionStatus = PydField(
        SessionStatus.scheduled, description="A past session may be recorded directly as held."
    )
    status_reason: Text500 | None = PydField(
        None, description="Why it was cancelled or missed (required then)."
    )
    topics: Topics = []
    goal_ids: list[uuid.UUID] = PydField([], description="Goals discussed (the mentee's own).")
    notes: Text4000 | None = None
    private_notes: Text4000 | None = PydField(
        None, description="Sensitive: staff with people:sensitive, or the mentor, write them."
    )
    wellbeing: Wellbeing | None = None


class SessionUpdate(Input):
    scheduled_start: Timestamp | None = None
    duration_minutes: Minutes | None = None
    format: SessionFormat | None = None
    setting: SessionSetting | None = None
    status: SessionStatus | None = None
    status_reason: Text500 | None = None
    topics: Topics | None = None
    goal_ids: list[uuid.UUID] | None = None
    notes: Text4000 | None = None
    private_notes: Text4000 | None = None
    wellbeing: Wellbeing | None = None

    not_null = frozenset({"scheduled_start", "format", "setting", "status", "topics", "goal_ids"})


class SessionRead(RecordRead):
    relationship_id: uuid.UUID
    mentee_id: uuid.UUID
    mentor_id: uuid.UUID
    scheduled_start: datetime
    duration_minutes: int | None
    format: SessionFormat
    setting: SessionSetting
    status: SessionStatus
    status_reason: str | None
    topics: list[Pathway]
    goal_ids: list[uuid.UUID]
    notes: str | None
    private_notes: str | None = PydField(
        None, description="Only with `people:sensitive`, or for the mentor who wrote them."
    )
    wellbeing: int | None
    group_session_id: uuid.UUID | None = PydField(
        None, description="The group session this is one attendee's part of."
    )


class SessionSort(StrEnum):
    scheduled_start = "scheduled_start"
    scheduled_start_desc = "-scheduled_start"


class Attendance(StrEnum):
    expected = "expected"
    attended = "attended"
    missed = "missed"
    cancelled = "cancelled"


# An attendee's attendance is the status of their relationship's session of the group.
ATTENDANCE_STATUS = {
    Attendance.expected: SessionStatus.scheduled,
    Attendance.attended: SessionStatus.held,
    Attendance.missed: SessionStatus.missed_by_mentee,
    Attendance.cancelled: SessionStatus.cancelled,
}


class GroupSessionCreate(Input):
    title: Text200
    scheduled_start: Timestamp
    duration_minutes: Minutes | None = None
    setting: SessionSetting
    topics: Topics = []
    notes: Text4000 | None = None
    facilitator_ids: list[uuid.UUID] = PydField(
        min_length=1, max_length=10, description="The mentors who run it."
    )
    relationship_ids: list[uuid.UUID] = PydField(
        min_length=1,
        max_length=50,
        description="One open relationship per attendee; each gets a `group` session.",
    )


class MarkedAttendance(StrEnum):
    attended = "attended"
    missed = "missed"
    cancelled = "cancelled"


class AttendanceMark(Input):
    relationship_id: uuid.UUID
    attendance: MarkedAttendance


class AttendanceRecord(Input):
    marks: list[AttendanceMark] = PydField(min_length=1, max_length=50)


class GroupAttendeesAdd(Input):
    relationship_ids: list[uuid.UUID] = PydField(
        min_length=1,
        max_length=50,
        description="One open relationship per new attendee; each gets a `group` session.",
    )


class GroupAttendee(BaseModel):
    relationship_id: uuid.UUID
    mentee_id: uuid.UUID
    session_id: uuid.UUID
    attendance: Attendance


class GroupSessionRead(RecordRead):
    title: str
    scheduled_start: datetime
    duration_minutes: int | None
    setting: SessionSetting
    topics: list[Pathway]
    notes: str | None
    facilitator_ids: list[uuid.UUID]
    attendees: list[GroupAttendee] = PydField(
        description="Staff and facilitators see every attendee; others their own."
    )
