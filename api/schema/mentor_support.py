"""GraphQL for mentors' support and safeguarding: concerns, supervision, training and
establishment clearance records, and the mentor's caseload. The same service functions as
`/concerns`, `/people/{id}/supervisions`, `/trainings`, `/establishment-clearances` and
`/me/caseload`, so the same rules and audit."""

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from api.auth.principal import Principal
from api.errors import NotFound
from api.models import Concern as ConcernRow
from api.models import EstablishmentClearance as ClearanceRow
from api.models import Supervision as SupervisionRow
from api.models import Training as TrainingRow
from api.models.support import (
    ClearanceCreate,
    ClearanceRead,
    ConcernCategory,
    ConcernClose,
    ConcernCreate,
    ConcernEscalation,
    ConcernMove,
    ConcernReview,
    ConcernStatus,
    ConcernUrgency,
    SupervisionCreate,
    TrainingCreate,
    TrainingRead,
)
from api.schema.context import Context
from api.schema.inputs import input_type, to_model
from api.schema.mutations import Removed, RemovedResult, attempt
from api.schema.problems import Problem
from api.schema.queries import one_at_a_time, page_of, page_size, zoned
from api.schema.types import (
    Caseload,
    Concern,
    Connection,
    EstablishmentClearance,
    Supervision,
    Training,
)
from api.services import caseload, concerns, mentor_support
from api.services.concerns import ConcernFilter

ConcernResult = Annotated[Concern | Problem, strawberry.union("ConcernResult")]
SupervisionResult = Annotated[Supervision | Problem, strawberry.union("SupervisionResult")]
TrainingResult = Annotated[Training | Problem, strawberry.union("TrainingResult")]
ClearanceResult = Annotated[
    EstablishmentClearance | Problem, strawberry.union("EstablishmentClearanceResult")
]

ConcernCreateInput = input_type(ConcernCreate)
ConcernEscalationInput = input_type(ConcernEscalation)
SupervisionCreateInput = input_type(SupervisionCreate)
TrainingCreateInput = input_type(TrainingCreate)
ClearanceCreateInput = input_type(ClearanceCreate)


def _concern(caller: Principal, row: ConcernRow) -> Concern:
    return Concern.from_pydantic(concerns.present(caller, row))


def _training(row: TrainingRow) -> Training:
    return Training.from_pydantic(TrainingRead.model_validate(row, from_attributes=True))


def _clearance(row: ClearanceRow) -> EstablishmentClearance:
    return EstablishmentClearance.from_pydantic(
        ClearanceRead.model_validate(row, from_attributes=True)
    )


@strawberry.type
class MentorSupportQuery:
    @strawberry.field(
        description="Concerns: staff see the organisation's, a mentor the ones they raised "
        "(never the mentee or a partner). Every read is audited."
    )
    @one_at_a_time
    async def concerns(
        self,
        info: Info[Context, None],
        status: ConcernStatus | None = None,
        urgency: ConcernUrgency | None = None,
        category: ConcernCategory | None = None,
        person_id: uuid.UUID | None = None,
        updated_since: datetime | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Concern]:
        context = info.context
        caller = context.authorize("concerns.read")
        filters = ConcernFilter(
            status=status,
            urgency=urgency,
            category=category,
            person_id=person_id,
            updated_since=zoned(updated_since),
        )
        rows, cursor = await concerns.list_concerns(
            context.db, caller, filters, limit=page_size(first), cursor=after
        )
        return page_of([_concern(caller, row) for row in rows], cursor)

    @strawberry.field(description="One concern, or null if absent or not yours to see. Audited.")
    @one_at_a_time
    async def concern(self, info: Info[Context, None], id: uuid.UUID) -> Concern | None:
        context = info.context
        caller = context.authorize("concerns.read")
        try:
            found = await concerns.get_concern(context.db, caller, id)
        except NotFound:
            return None
        return _concern(caller, found)

    @strawberry.field(
        description="A mentor's supervisions, for staff and the mentor (notes: staff only)."
    )
    @one_at_a_time
    async def supervisions(
        self,
        info: Info[Context, None],
        mentor_id: uuid.UUID,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Supervision]:
        context = info.context
        caller = context.authorize("mentor_support.read")
        rows, cursor = await mentor_support.list_records(
            context.db, caller, mentor_id, SupervisionRow, limit=page_size(first), cursor=after
        )
        return page_of(
            [
                Supervision.from_pydantic(mentor_support.present_supervision(caller, r))
                for r in rows
            ],
            cursor,
        )

    @strawberry.field(description="A mentor's completed courses, for staff and the mentor.")
    @one_at_a_time
    async def trainings(
        self,
        info: Info[Context, None],
        mentor_id: uuid.UUID,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Training]:
        context = info.context
        caller = context.authorize("mentor_support.read")
        rows, cursor = await mentor_support.list_records(
            context.db, caller, mentor_id, TrainingRow, limit=page_size(first), cursor=after
        )
        return page_of([_training(r) for r in rows], cursor)

    @strawberry.field(
        description="The establishments a mentor is cleared to visit (expired clearances "
        "too), for staff and the mentor."
    )
    @one_at_a_time
    async def establishment_clearances(
        self,
        info: Info[Context, None],
        mentor_id: uuid.UUID,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[EstablishmentClearance]:
        context = info.context
        caller = context.authorize("mentor_support.read")
        rows, cursor = await mentor_support.list_records(
            context.db, caller, mentor_id, ClearanceRow, limit=page_size(first), cursor=after
        )
        return page_of([_clearance(r) for r in rows], cursor)

    @strawberry.field(
        description="A mentor's own open relationships: the mentee's name, the phase, the "
        "next scheduled session, open goals and open alerts (mentors only)."
    )
    @one_at_a_time
    async def caseload(self, info: Info[Context, None]) -> Caseload:
        context = info.context
        found = await caseload.caseload(context.db, context.authorize("caseload.read"))
        return Caseload.from_pydantic(found)


@strawberry.type
class MentorSupportMutation:
    @strawberry.mutation(
        description="Raise a concern about a person or a relationship (a mentor: their own "
        "mentees). An urgent one raises an urgent alert."
    )
    async def raise_concern(
        self,
        info: Info[Context, None],
        input: ConcernCreateInput,  # type: ignore[valid-type]
    ) -> ConcernResult:
        async def work(db: AsyncSession, caller: Principal) -> Concern:
            row = await concerns.raise_concern(db, caller, to_model(ConcernCreate, input))
            return _concern(caller, row)

        return await attempt(info, "concerns.raise", work)

    @strawberry.mutation(description="Start reviewing a concern: open → in_review (staff).")
    async def review_concern(
        self, info: Info[Context, None], id: uuid.UUID, note: str | None = None
    ) -> ConcernResult:
        async def work(db: AsyncSession, caller: Principal) -> Concern:
            body = to_model(ConcernReview, {"note": note})
            row = await concerns.move(db, caller, id, ConcernMove.review, note=body.note)
            return _concern(caller, row)

        return await attempt(info, "concerns.triage", work)

    @strawberry.mutation(description="Close a concern with its outcome (staff).")
    async def close_concern(
        self, info: Info[Context, None], id: uuid.UUID, outcome: str
    ) -> ConcernResult:
        async def work(db: AsyncSession, caller: Principal) -> Concern:
            closing = to_model(ConcernClose, {"outcome": outcome})
            row = await concerns.move(db, caller, id, ConcernMove.close, closing=closing)
            return _concern(caller, row)

        return await attempt(info, "concerns.triage", work)

    @strawberry.mutation(description="Record which agency was told, when, its reference (staff).")
    async def escalate_concern(
        self,
        info: Info[Context, None],
        id: uuid.UUID,
        input: ConcernEscalationInput,  # type: ignore[valid-type]
    ) -> ConcernResult:
        async def work(db: AsyncSession, caller: Principal) -> Concern:
            data = to_model(ConcernEscalation, input)
            return _concern(caller, await concerns.escalate(db, caller, id, data))

        return await attempt(info, "concerns.triage", work)

    @strawberry.mutation(description="Record a supervision; `lastSupervisionOn` follows (staff).")
    async def record_supervision(
        self,
        info: Info[Context, None],
        mentor_id: uuid.UUID,
        input: SupervisionCreateInput,  # type: ignore[valid-type]
    ) -> SupervisionResult:
        async def work(db: AsyncSession, caller: Principal) -> Supervision:
            data = to_model(SupervisionCreate, input)
            row = await mentor_support.add_supervision(db, caller, mentor_id, data)
            return Supervision.from_pydantic(mentor_support.present_supervision(caller, row))

        return await attempt(info, "mentor_support.write", work)

    @strawberry.mutation(description="Remove a supervision recorded in error (staff).")
    async def remove_supervision(
        self, info: Info[Context, None], mentor_id: uuid.UUID, id: uuid.UUID
    ) -> RemovedResult:
        async def work(db: AsyncSession, caller: Principal) -> Removed:
            await mentor_support.remove(db, caller, mentor_id, SupervisionRow, id)
            return Removed(id=id)

        return await attempt(info, "mentor_support.write", work)

    @strawberry.mutation(
        description="Record a completed course; `trainingCompletedOn` follows (staff)."
    )
    async def record_training(
        self,
        info: Info[Context, None],
        mentor_id: uuid.UUID,
        input: TrainingCreateInput,  # type: ignore[valid-type]
    ) -> TrainingResult:
        async def work(db: AsyncSession, caller: Principal) -> Training:
            data = to_model(TrainingCreate, input)
            return _training(await mentor_support.add_training(db, caller, mentor_id, data))

        return await attempt(info, "mentor_support.write", work)

    @strawberry.mutation(description="Remove a course recorded in error (staff).")
    async def remove_training(
        self, info: Info[Context, None], mentor_id: uuid.UUID, id: uuid.UUID
    ) -> RemovedResult:
        async def work(db: AsyncSession, caller: Principal) -> Removed:
            await mentor_support.remove(db, caller, mentor_id, TrainingRow, id)
            return Removed(id=id)

        return await attempt(info, "mentor_support.write", work)

    @strawberry.mutation(
        description="Record a mentor's clearance to visit an establishment, until it expires "
        "(staff)."
    )
    async def record_establishment_clearance(
        self,
        info: Info[Context, None],
        mentor_id: uuid.UUID,
        input: ClearanceCreateInput,  # type: ignore[valid-type]
    ) -> ClearanceResult:
        async def work(db: AsyncSession, caller: Principal) -> EstablishmentClearance:
            data = to_model(ClearanceCreate, input)
            return _clearance(await mentor_support.add_clearance(db, caller, mentor_id, data))

        return await attempt(info, "mentor_support.write", work)

    @strawberry.mutation(description="Remove a clearance withdrawn or recorded in error (staff).")
    async def remove_establishment_clearance(
        self, info: Info[Context, None], mentor_id: uuid.UUID, id: uuid.UUID
    ) -> RemovedResult:
        async def work(db: AsyncSession, caller: Principal) -> Removed:
            await mentor_support.remove(db, caller, mentor_id, ClearanceRow, id)
            return Removed(id=id)

        return await attempt(info, "mentor_support.write", work)
