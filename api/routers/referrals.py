"""`/referrals`: into the programme from partners, and out of it to services."""

import uuid
from typing import Annotated, Literal

from fastapi import Body, Path, Response, status

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models import Referral
from api.models.common import Page, Timestamp
from api.models.enums import Pathway, ReferralDirection, ReferralMoveName, ReferralStatus
from api.models.referral import (
    MatchDecision,
    Progress,
    ReferralCompletion,
    ReferralCreate,
    ReferralMove,
    ReferralRead,
    ReferralReasoned,
    ReferralUpdate,
)
from api.routers.common import Cursor, IfMatch, Limit, one_of, with_etag
from api.routers.resource_router import ResourceRouter
from api.services import referrals
from api.services.referrals import ReferralFilter

router = ResourceRouter(
    prefix="/referrals", tags=["referrals"], responses=problem_responses(401, 403, 429)
)
MOVE_PROBLEMS = problem_responses(404, 409, 412, 422)


@router.get(
    "",
    summary="List referrals",
    response_model=Page[ReferralRead],
    responses=problem_responses(422),
)
async def list_referrals(
    db: DB,
    caller: Annotated[Principal, may("referrals.read")],
    direction: ReferralDirection | None = None,
    status: ReferralStatus | None = None,
    mentee_id: uuid.UUID | None = None,
    service_id: uuid.UUID | None = None,
    category: Pathway | None = None,
    updated_since: Timestamp | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ReferralRead]:
    """Staff see the organisation's referrals, a partner the ones it made, a mentor their
    mentees'."""
    filters = ReferralFilter(
        direction=direction,
        status=status,
        mentee_id=mentee_id,
        service_id=service_id,
        category=category,
        updated_since=updated_since,
    )
    rows, next_cursor = await referrals.list_referrals(
        db, caller, filters, limit=limit, cursor=cursor
    )
    return Page(items=await referrals.present(db, caller, rows), next_cursor=next_cursor)


@router.post(
    "",
    summary="Make a referral",
    status_code=status.HTTP_201_CREATED,
    response_model=ReferralRead,
    responses=problem_responses(409, 422),
)
async def create_referral(
    db: DB,
    caller: Annotated[Principal, may("referrals.write")],
    body: ReferralCreate,
    response: Response,
) -> ReferralRead:
    """Inbound (partners, coordinators): `person` and `external_ref`; the answer's
    `mentee_id` is the person, new or linked by the same `external_ref`. Starts `sent`.

    Outbound (staff, mentors): `mentee_id` and `service_id`; starts `draft`, or with
    `signpost: true` is recorded as signposting and completed at once."""
    referral = await referrals.create_referral(db, caller, body)
    response.headers["Location"] = f"/api/v1/referrals/{referral.id}"
    return await _answer(db, caller, referral, response)


@router.get(
    "/{referral_id}",
    summary="Get a referral",
    response_model=ReferralRead,
    responses=problem_responses(404, 422),
)
async def get_referral(
    db: DB,
    caller: Annotated[Principal, may("referrals.read")],
    referral_id: uuid.UUID,
    response: Response,
) -> ReferralRead:
    """One referral with its history."""
    referral = await referrals.find_referral(db, caller, referral_id)
    return await _answer(db, caller, referral, response)


@router.get(
    "/{referral_id}/progress",
    summary="Follow a referred person",
    response_model=Progress,
    responses=problem_responses(404, 422),
)
async def referral_progress(
    db: DB, caller: Annotated[Principal, may("referrals.read")], referral_id: uuid.UUID
) -> Progress:
    """What a partner may know: the referral's history, the relationship's status and
    phase, sessions held and missed, goals by status. Never notes or sensitive details."""
    return await referrals.progress(db, caller, referral_id)


@router.patch(
    "/{referral_id}",
    summary="Change a draft referral",
    response_model=ReferralRead,
    responses=problem_responses(404, 409, 412, 422),
)
async def update_referral(
    db: DB,
    caller: Annotated[Principal, may("referrals.write")],
    referral_id: uuid.UUID,
    body: ReferralUpdate,
    if_match: IfMatch,
    response: Response,
) -> ReferralRead:
    """Only while `draft`."""
    referral = await referrals.update_referral(db, caller, referral_id, body, if_match=if_match)
    return await _answer(db, caller, referral, response)


@router.post(
    "/{referral_id}/decline",
    summary="Decline a referral",
    response_model=ReferralRead,
    responses=MOVE_PROBLEMS,
)
async def decline_referral(
    db: DB,
    caller: Annotated[Principal, may("referrals.write")],
    referral_id: uuid.UUID,
    body: ReferralReasoned,
    if_match: IfMatch,
    response: Response,
) -> ReferralRead:
    """`sent` → `declined`, with a reason the referrer can read."""
    referral = await referrals.move(
        db, caller, referral_id, ReferralMoveName.decline, note=body.reason, if_match=if_match
    )
    return await _answer(db, caller, referral, response)


@router.post(
    "/{referral_id}/withdraw",
    summary="Withdraw a referral",
    response_model=ReferralRead,
    responses=MOVE_PROBLEMS,
)
async def withdraw_referral(
    db: DB,
    caller: Annotated[Principal, may("referrals.write")],
    referral_id: uuid.UUID,
    body: ReferralReasoned,
    if_match: IfMatch,
    response: Response,
) -> ReferralRead:
    """Any open state → `withdrawn`, with a reason."""
    referral = await referrals.move(
        db, caller, referral_id, ReferralMoveName.withdraw, note=body.reason, if_match=if_match
    )
    return await _answer(db, caller, referral, response)


@router.post(
    "/{referral_id}/complete",
    summary="Complete a referral",
    response_model=ReferralRead,
    responses=MOVE_PROBLEMS,
)
async def complete_referral(
    db: DB,
    caller: Annotated[Principal, may("referrals.write")],
    referral_id: uuid.UUID,
    body: ReferralCompletion,
    if_match: IfMatch,
    response: Response,
) -> ReferralRead:
    """`in_progress` → `completed`, with an outcome and a note."""
    referral = await referrals.move(
        db,
        caller,
        referral_id,
        ReferralMoveName.complete,
        note=body.note,
        outcome=body.outcome,
        if_match=if_match,
    )
    return await _answer(db, caller, referral, response)


SIMPLE_MOVES = (ReferralMoveName.send, ReferralMoveName.accept, ReferralMoveName.start)


@router.post(
    "/{referral_id}/pending-match",
    summary="Confirm or reject a pending match",
    response_model=ReferralRead,
    responses=problem_responses(404, 409, 422),
)
async def decide_pending_match(
    db: DB,
    caller: Annotated[Principal, may("referrals.decide_inbound")],
    referral_id: uuid.UUID,
    body: MatchDecision,
    response: Response,
) -> ReferralRead:
    """Staff: the case reference of this inbound referral is held by another mentee.
    `confirm`: the same person (the referral moves to them, the person made for it goes);
    `reject`: someone else."""
    referral = await referrals.decide_pending_match(db, caller, referral_id, body)
    return await _answer(db, caller, referral, response)


@router.post(
    f"/{{referral_id}}/{one_of('move', SIMPLE_MOVES)}",
    summary="Send, accept or start a referral",
    response_model=ReferralRead,
    responses=MOVE_PROBLEMS,
)
async def move_referral(
    db: DB,
    caller: Annotated[Principal, may("referrals.write")],
    referral_id: uuid.UUID,
    move: Annotated[
        Literal[ReferralMoveName.send, ReferralMoveName.accept, ReferralMoveName.start],
        Path(
            description="`send`: draft → sent; `accept`: sent → accepted; "
            "`start`: accepted → in_progress."
        ),
    ],
    if_match: IfMatch,
    response: Response,
    body: Annotated[ReferralMove | None, Body()] = None,
) -> ReferralRead:
    """Apply one move; any other move from the current state is a 409."""
    referral = await referrals.move(
        db, caller, referral_id, move, note=body.note if body else None, if_match=if_match
    )
    return await _answer(db, caller, referral, response)


async def _answer(
    db: DB, caller: Principal, referral: Referral, response: Response
) -> ReferralRead:
    with_etag(response, referral)
    return (await referrals.present(db, caller, [referral]))[0]
