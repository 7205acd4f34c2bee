"""Goals: the mentee's own plan — agreed by the mentee, in small steps, reviewed regularly."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import Conflict, Invalid, NotFound
from api.models import Goal, GoalReview, GoalStatusChange, GoalStep, MentoringRelationship
from api.models.base import utc_today, utcnow
from api.models.enums import GoalSetBy, GoalStatus, Role, StepStatus
from api.models.goal import (
    GoalCreate,
    GoalRead,
    GoalStatusChangeRead,
    GoalUpdate,
    ReviewCreate,
    StepCreate,
    StepOrder,
    StepProgress,
    StepUpdate,
)
from api.services import audit, people, referrals
from api.services.grouping import group_by
from api.services.outbox import emit
from api.services.pagination import paginate
from api.services.versioning import check_version
from api.services.visibility import visible_goals_clause

# The goal state machine. `proposed` → `active` happens only through the mentee's agreement.
GOAL_MOVES: dict[GoalStatus, frozenset[GoalStatus]] = {
    GoalStatus.proposed: frozenset({GoalStatus.cancelled}),
    GoalStatus.active: frozenset(
        {GoalStatus.achieved, GoalStatus.not_achieved, GoalStatus.on_hold, GoalStatus.cancelled}
    ),
    GoalStatus.on_hold: frozenset(
        {GoalStatus.active, GoalStatus.not_achieved, GoalStatus.cancelled}
    ),
    GoalStatus.achieved: frozenset(),
    GoalStatus.not_achieved: frozenset(),
    GoalStatus.cancelled: frozenset(),
}
SET_BY = {Role.mentee: GoalSetBy.mentee, Role.mentor: GoalSetBy.mentor}


@dataclass(frozen=True)
class GoalFilter:
    mentee_id: uuid.UUID | None = None
    relationship_id: uuid.UUID | None = None
    pathway: str | None = None
    status: GoalStatus | None = None
    review_due_before: date | None = None
    updated_since: datetime | None = None


async def list_goals(
    db: AsyncSession, caller: Principal, filters: GoalFilter, *, limit: int, cursor: str | None
) -> tuple[Sequence[Goal], str | None]:
    stmt = select(Goal).where(visible_goals_clause(caller))
    for column, value in (
        (Goal.mentee_id, filters.mentee_id),
        (Goal.relationship_id, filters.relationship_id),
        (Goal.pathway, filters.pathway),
        (Goal.status, filters.status),
    ):
        if value is not None:
            stmt = stmt.where(col(column) == value)
    if filters.review_due_before is not None:
        stmt = stmt.where(
            col(Goal.review_date) < filters.review_due_before,
            col(Goal.status).in_((GoalStatus.proposed, GoalStatus.active, GoalStatus.on_hold)),
        )
    if filters.updated_since is not None:
        stmt = stmt.where(col(Goal.updated_at) >= filters.updated_since)
    return await paginate(db, stmt, Goal, limit=limit, cursor=cursor)


async def find_goal(db: AsyncSession, caller: Principal, goal_id: uuid.UUID) -> Goal:
    goal = (
        await db.exec(select(Goal).where(Goal.id == goal_id, visible_goals_clause(caller)))
    ).first()
    if goal is None:
        raise NotFound("No goal with that id.")
    return goal


async def of_mentees(
    db: AsyncSession, caller: Principal, mentee_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Goal]]:
    """Each mentee's visible goals, oldest first (one query for any number of mentees)."""
    rows = (
        await db.exec(
            select(Goal)
            .where(col(Goal.mentee_id).in_(mentee_ids), visible_goals_clause(caller))
            .order_by(col(Goal.created_at), col(Goal.id))
        )
    ).all()
    return group_by(mentee_ids, rows, lambda goal: goal.mentee_id)


async def steps_of(
    db: AsyncSession, caller: Principal, goal_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[GoalStep]]:
    """The steps of each visible goal, in plan order (one query)."""
    visible = select(Goal.id).where(visible_goals_clause(caller))
    rows = (
        await db.exec(
            select(GoalStep)
            .where(col(GoalStep.goal_id).in_(goal_ids), col(GoalStep.goal_id).in_(visible))
            .order_by(col(GoalStep.position))
        )
    ).all()
    return group_by(goal_ids, rows, lambda step: step.goal_id)


async def reviews_of(
    db: AsyncSession, caller: Principal, goal_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[GoalReview]]:
    """The reviews of each visible goal, oldest first (one query)."""
    visible = select(Goal.id).where(visible_goals_clause(caller))
    rows = (
        await db.exec(
            select(GoalReview)
            .where(col(GoalReview.goal_id).in_(goal_ids), col(GoalReview.goal_id).in_(visible))
            .order_by(col(GoalReview.reviewed_on), col(GoalReview.created_at))
        )
    ).all()
    return group_by(goal_ids, rows, lambda review: review.goal_id)


async def create_goal(db: AsyncSession, caller: Principal, data: GoalCreate) -> Goal:
    """A goal set by the caller; a mentee's own goal is agreed (and active) from the start."""
    mentee = (await people.find_mentee_for(db, caller, data.mentee_id, "goals")).id
    await _check_relationship(db, mentee, data.relationship_id)
    set_by = SET_BY.get(caller.role, GoalSetBy.coordinator)
    goal = Goal(
        org_id=caller.org_id,
        mentee_id=mentee,
        relationship_id=data.relationship_id,
        pathway=data.pathway,
        title=data.title,
        description=data.description,
        target_date=data.target_date,
        review_date=data.review_date,
        set_by=set_by,
        status=GoalStatus.proposed,
    )
    db.add(goal)
    _record(db, caller, goal, None, GoalStatus.proposed)
    if set_by == GoalSetBy.mentee:
        _agree(db, caller, goal)
    audit.record(db, caller, "goal.create", entity_type="goal", entity_id=goal.id, person_id=mentee)
    await referrals.touch_for(db, mentee)
    await db.commit()
    return goal


async def update_goal(
    db: AsyncSession,
    caller: Principal,
    goal_id: uuid.UUID,
    data: GoalUpdate,
    *,
    if_match: int | None = None,
) -> Goal:
    goal = await find_goal(db, caller, goal_id)
    check_version(goal, if_match)
    changes = data.model_dump(exclude_unset=True)
    agreed = changes.pop("agreed_by_mentee", None)
    status = changes.pop("status", None)
    if "relationship_id" in changes:
        await _check_relationship(db, goal.mentee_id, changes["relationship_id"])
    if agreed is False:
        raise Invalid(
            "Agreement is not withdrawn; put the goal on hold or cancel it.",
            loc=["body", "agreed_by_mentee"],
        )
    if agreed and not goal.agreed_by_mentee:
        if goal.status != GoalStatus.proposed:
            raise Conflict(f"A {goal.status} goal is not awaiting agreement.")
        _agree(db, caller, goal)
    if status is not None and status != goal.status:
        if status == GoalStatus.active and goal.status == GoalStatus.proposed:
            raise Conflict("A proposed goal becomes active when the mentee agrees to it.")
        if status not in GOAL_MOVES[GoalStatus(goal.status)]:
            raise Conflict(f"A goal that is {goal.status} cannot become {status}.")
        _record(db, caller, goal, goal.status, status)
        goal.status = status
        if status == GoalStatus.achieved:
            emit(
                db,
                caller,
                "goal.achieved",
                goal,
                person_id=goal.mentee_id,
                relationship_id=goal.relationship_id,
                pathway=goal.pathway,
            )
    for name, value in changes.items():
        setattr(goal, name, value)
    goal.updated_at = utcnow()
    audit.record(
        db,
        caller,
        "goal.update",
        entity_type="goal",
        entity_id=goal.id,
        person_id=goal.mentee_id,
        fields=sorted(data.model_dump(exclude_unset=True)),
    )
    await referrals.touch_for(db, goal.mentee_id)
    await db.commit()
    return goal


async def list_steps(
    db: AsyncSession, caller: Principal, goal_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[Sequence[GoalStep], str | None]:
    """A page of the goal's steps, in plan order."""
    goal = await find_goal(db, caller, goal_id)
    stmt = select(GoalStep).where(GoalStep.goal_id == goal.id)
    return await paginate(
        db, stmt, GoalStep, limit=limit, cursor=cursor, order_by=col(GoalStep.position)
    )


async def add_step(
    db: AsyncSession, caller: Principal, goal_id: uuid.UUID, data: StepCreate
) -> GoalStep:
    goal = await find_goal(db, caller, goal_id)
    last = (
        await db.exec(select(sa.func.max(GoalStep.position)).where(GoalStep.goal_id == goal.id))
    ).one()
    step = GoalStep(
        org_id=goal.org_id,
        goal_id=goal.id,
        position=(last or 0) + 1,
        title=data.title,
        due_date=data.due_date,
    )
    db.add(step)
    _touch(db, caller, goal, "goal.step.add")
    await db.commit()
    return step


async def update_step(
    db: AsyncSession,
    caller: Principal,
    goal_id: uuid.UUID,
    step_id: uuid.UUID,
    data: StepUpdate,
    *,
    if_match: int | None = None,
) -> GoalStep:
    goal = await find_goal(db, caller, goal_id)
    step = await _step(db, goal, step_id)
    check_version(step, if_match)
    changes = data.model_dump(exclude_unset=True)
    status = changes.get("status")
    if status == StepStatus.done:
        changes["done_on"] = changes.get("done_on") or utc_today()
    elif status is not None:
        changes["done_on"] = None
    elif "done_on" in changes and step.status != StepStatus.done:
        raise Invalid("Only a step that is done has a done_on date.", loc=["body", "done_on"])
    for name, value in changes.items():
        setattr(step, name, value)
    _touch(db, caller, goal, "goal.step.update")
    await db.commit()
    return step


async def remove_step(
    db: AsyncSession, caller: Principal, goal_id: uuid.UUID, step_id: uuid.UUID
) -> None:
    goal = await find_goal(db, caller, goal_id)
    await db.delete(await _step(db, goal, step_id))
    _touch(db, caller, goal, "goal.step.remove")
    await db.commit()


async def reorder_steps(
    db: AsyncSession, caller: Principal, goal_id: uuid.UUID, data: StepOrder
) -> list[GoalStep]:
    goal = await find_goal(db, caller, goal_id)
    steps = {step.id: step for step in (await steps_of(db, caller, [goal.id]))[goal.id]}
    if sorted(map(str, data.step_ids)) != sorted(map(str, steps)):
        raise Invalid("Name every step of the goal exactly once.", loc=["body", "step_ids"])
    for position, step_id in enumerate(data.step_ids, start=1):
        steps[step_id].position = position
    _touch(db, caller, goal, "goal.step.reorder")
    await db.commit()
    return [steps[step_id] for step_id in data.step_ids]


async def add_review(
    db: AsyncSession, caller: Principal, goal_id: uuid.UUID, data: ReviewCreate
) -> GoalReview:
    """A dated progress note. A lapse is recorded as it is: the goal's status stays."""
    goal = await find_goal(db, caller, goal_id)
    review = GoalReview(
        org_id=goal.org_id,
        goal_id=goal.id,
        reviewed_on=data.reviewed_on or utc_today(),
        note=data.note,
        progress=data.progress,
        lapse=data.lapse,
        by=caller.subject,
    )
    db.add(review)
    _touch(db, caller, goal, "goal.review.add")
    await db.commit()
    return review


async def list_reviews(
    db: AsyncSession, caller: Principal, goal_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[Sequence[GoalReview], str | None]:
    """A page of the goal's reviews, in the order they were recorded."""
    goal = await find_goal(db, caller, goal_id)
    stmt = select(GoalReview).where(GoalReview.goal_id == goal.id)
    return await paginate(db, stmt, GoalReview, limit=limit, cursor=cursor)


async def present(db: AsyncSession, goals: Sequence[Goal]) -> list[GoalRead]:
    """Goals with their step progress and status history: two queries for any number."""
    ids = [g.id for g in goals]
    counts = (
        await db.exec(
            select(
                GoalStep.goal_id,
                sa.func.count(),
                sa.func.sum(sa.case((col(GoalStep.status) == StepStatus.done, 1), else_=0)),
            )
            .where(col(GoalStep.goal_id).in_(ids))
            .group_by(col(GoalStep.goal_id))
        )
    ).all()
    progress = {
        goal_id: StepProgress(total=total, done=done or 0) for goal_id, total, done in counts
    }
    changes = (
        await db.exec(
            select(GoalStatusChange)
            .where(col(GoalStatusChange.goal_id).in_(ids))
            .order_by(col(GoalStatusChange.at), col(GoalStatusChange.created_at))
        )
    ).all()
    history: dict[uuid.UUID, list[GoalStatusChangeRead]] = {i: [] for i in ids}
    for change in changes:
        history[change.goal_id].append(
            GoalStatusChangeRead(
                from_=change.from_status,
                to=change.to_status,
                at=change.at,
                by=change.by,
                note=change.note,
            )
        )
    return [
        GoalRead.model_validate(
            {
                **goal.model_dump(),
                "step_progress": progress.get(goal.id, StepProgress(done=0, total=0)),
                "history": history[goal.id],
            }
        )
        for goal in goals
    ]


def _agree(db: AsyncSession, caller: Principal, goal: Goal) -> None:
    goal.agreed_by_mentee = True
    goal.agreed_at = utcnow()
    goal.agreed_by = caller.subject
    _record(db, caller, goal, goal.status, GoalStatus.active, "Agreed by the mentee.")
    goal.status = GoalStatus.active


def _record(
    db: AsyncSession,
    caller: Principal,
    goal: Goal,
    from_status: str | None,
    to_status: str,
    note: str | None = None,
) -> None:
    db.add(
        GoalStatusChange(
            org_id=goal.org_id,
            goal_id=goal.id,
            from_status=from_status,
            to_status=to_status,
            by=caller.subject,
            note=note,
        )
    )


def _touch(db: AsyncSession, caller: Principal, goal: Goal, action: str) -> None:
    """Steps and reviews change the goal's plan: the goal is newer, and it is audited."""
    goal.updated_at = utcnow()
    db.add(goal)
    audit.record(
        db, caller, action, entity_type="goal", entity_id=goal.id, person_id=goal.mentee_id
    )


async def _check_relationship(
    db: AsyncSession, mentee_id: uuid.UUID, relationship_id: uuid.UUID | None
) -> None:
    if relationship_id is None:
        return
    relationship = await db.get(MentoringRelationship, relationship_id)
    if relationship is None or relationship.mentee_id != mentee_id:
        raise Invalid("That relationship is not this mentee's.", loc=["body", "relationship_id"])


async def _step(db: AsyncSession, goal: Goal, step_id: uuid.UUID) -> GoalStep:
    step = await db.get(GoalStep, step_id)
    if step is None or step.goal_id != goal.id:
        raise NotFound("No such step on this goal.")
    return step
