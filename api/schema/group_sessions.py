"""GraphQL for group sessions: the same service functions as `/group-sessions`."""

import uuid
from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from api.auth.principal import Principal
from api.errors import NotFound
from api.models.session import AttendanceRecord, GroupAttendeesAdd, GroupSessionCreate
from api.schema.context import Context
from api.schema.inputs import input_type, to_model
from api.schema.mutations import ExpectedVersion, attempt
from api.schema.problems import Problem
from api.schema.queries import one_at_a_time, page_of, page_size
from api.schema.types import Connection, GroupSession
from api.services import group_sessions

GroupSessionResult = Annotated[GroupSession | Problem, strawberry.union("GroupSessionResult")]
GroupSessionCreateInput = input_type(GroupSessionCreate)
AttendanceRecordInput = input_type(AttendanceRecord)
GroupAttendeesAddInput = input_type(GroupAttendeesAdd)


@strawberry.type
class GroupSessionQuery:
    @strawberry.field(description="One group session, or null if absent or not yours to see.")
    @one_at_a_time
    async def group_session(self, info: Info[Context, None], id: uuid.UUID) -> GroupSession | None:
        context = info.context
        caller = context.authorize("sessions.read")
        try:
            found = await group_sessions.find_group_session(context.db, caller, id)
        except NotFound:
            return None
        (read,) = await group_sessions.present(context.db, caller, [found])
        return GroupSession.from_pydantic(read)

    @strawberry.field(description="Group sessions you run or someone you may see attends.")
    @one_at_a_time
    async def group_sessions(
        self, info: Info[Context, None], first: int = 50, after: str | None = None
    ) -> Connection[GroupSession]:
        context = info.context
        caller = context.authorize("sessions.read")
        rows, cursor = await group_sessions.list_group_sessions(
            context.db, caller, limit=page_size(first), cursor=after
        )
        reads = await group_sessions.present(context.db, caller, rows)
        return page_of([GroupSession.from_pydantic(read) for read in reads], cursor)


@strawberry.type
class GroupSessionMutation:
    @strawberry.mutation(description="Plan a group session for attendees of several relationships.")
    async def create_group_session(
        self,
        info: Info[Context, None],
        input: GroupSessionCreateInput,  # type: ignore[valid-type]
    ) -> GroupSessionResult:
        async def work(db: AsyncSession, caller: Principal) -> GroupSession:
            data = to_model(GroupSessionCreate, input)
            group = await group_sessions.create_group_session(db, caller, data)
            (read,) = await group_sessions.present(db, caller, [group])
            return GroupSession.from_pydantic(read)

        return await attempt(info, "sessions.write", work)

    @strawberry.mutation(description="Record who attended, missed or was cancelled.")
    async def record_group_attendance(
        self,
        info: Info[Context, None],
        id: uuid.UUID,
        input: AttendanceRecordInput,  # type: ignore[valid-type]
    ) -> GroupSessionResult:
        async def work(db: AsyncSession, caller: Principal) -> GroupSession:
            data = to_model(AttendanceRecord, input)
            group = await group_sessions.record_attendance(db, caller, id, data)
            (read,) = await group_sessions.present(db, caller, [group])
            return GroupSession.from_pydantic(read)

        return await attempt(info, "sessions.write", work)

    @strawberry.mutation(
        description="Add attendees from open relationships you may record sessions of."
    )
    async def add_group_attendees(
        self,
        info: Info[Context, None],
        id: uuid.UUID,
        input: GroupAttendeesAddInput,  # type: ignore[valid-type]
    ) -> GroupSessionResult:
        async def work(db: AsyncSession, caller: Principal) -> GroupSession:
            data = to_model(GroupAttendeesAdd, input)
            group = await group_sessions.add_attendees(db, caller, id, data)
            (read,) = await group_sessions.present(db, caller, [group])
            return GroupSession.from_pydantic(read)

        return await attempt(info, "sessions.write", work)

    @strawberry.mutation(
        description="Take an attendee off before the group starts (after: mark them instead)."
    )
    async def remove_group_attendee(
        self,
        info: Info[Context, None],
        id: uuid.UUID,
        relationship_id: uuid.UUID,
        expected_version: ExpectedVersion = None,
    ) -> GroupSessionResult:
        async def work(db: AsyncSession, caller: Principal) -> GroupSession:
            group = await group_sessions.remove_attendee(
                db, caller, id, relationship_id, if_match=expected_version
            )
            (read,) = await group_sessions.present(db, caller, [group])
            return GroupSession.from_pydantic(read)

        return await attempt(info, "sessions.write", work)
