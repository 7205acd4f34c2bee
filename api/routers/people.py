"""`/people`: mentees and mentors."""

import uuid
from typing import Annotated

from fastapi import Query, Response, status

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models.common import Page, QueryText, Timestamp
from api.models.custody import CustodyEventCreate, CustodyEventRead
from api.models.enums import PersonKind
from api.models.expectations import Expectations
from api.models.person import PersonCreate, PersonRead, PersonUpdate, SubjectAccessExport
from api.routers.common import Cursor, IfMatch, Limit, with_etag
from api.routers.resource_router import ResourceRouter
from api.services import expectations, people, subject_access
from api.services.people import PeopleFilter

router = ResourceRouter(
    prefix="/people", tags=["people"], responses=problem_responses(401, 403, 429)
)


@router.get(
    "",
    summary="List people",
    response_model=Page[PersonRead],
    response_model_exclude_unset=True,
    responses=problem_responses(422),
)
async def list_people(
    db: DB,
    caller: Annotated[Principal, may("people.read")],
    kind: PersonKind | None = None,
    region: QueryText | None = None,
    q: Annotated[QueryText | None, Query(description="Text in a name.")] = None,
    external_ref: QueryText | None = None,
    updated_since: Timestamp | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[PersonRead]:
    """People the caller may see, oldest first. Mentors see their own mentees and themselves."""
    filters = PeopleFilter(
        kind=kind, region=region, q=q, external_ref=external_ref, updated_since=updated_since
    )
    rows, next_cursor = await people.list_people(db, caller, filters, limit=limit, cursor=cursor)
    return Page(items=[people.present(p, caller) for p in rows], next_cursor=next_cursor)


@router.post(
    "",
    summary="Add a person",
    status_code=status.HTTP_201_CREATED,
    response_model=PersonRead,
    response_model_exclude_unset=True,
    responses=problem_responses(409, 422),
)
async def create_person(
    db: DB,
    caller: Annotated[Principal, may("people.create")],
    body: PersonCreate,
    response: Response,
) -> PersonRead:
    """Add a mentee (with their `mentee` profile) or a mentor. Staff only."""
    person = await people.create_person(db, caller, body)
    with_etag(response, person)
    response.headers["Location"] = f"/api/v1/people/{person.id}"
    return people.present(person, caller)


@router.get(
    "/{person_id}",
    summary="Get a person",
    response_model=PersonRead,
    response_model_exclude_unset=True,
    responses=problem_responses(404, 422),
)
async def get_person(
    db: DB,
    caller: Annotated[Principal, may("people.read")],
    person_id: uuid.UUID,
    response: Response,
) -> PersonRead:
    """One person; sensitive fields only with `people:sensitive`. Sends an `ETag`."""
    person = await people.get_person(db, caller, person_id)
    with_etag(response, person)
    return people.present(person, caller)


@router.get(
    "/{person_id}/subject-access-export",
    summary="Everything held about a person (subject access)",
    response_model=SubjectAccessExport,
    responses=problem_responses(404, 422),
)
async def subject_access_export(
    db: DB,
    caller: Annotated[Principal, may("people.subject_access")],
    person_id: uuid.UUID,
) -> SubjectAccessExport:
    """The person's record and profile, and every record that names them — relationships
    with their history, goals with steps and reviews, sessions, assessments, outcomes,
    referrals, consents, concerns, alerts, custody events, non-associations, supervision and
    training — with the logins and the audit of who read or changed their data, as one JSON
    document for a subject access request. Other people's data is redacted (their ids; free
    text in rows about another mentee; a non-association's reason); secrets are never
    included. The export itself is audited."""
    return SubjectAccessExport.model_validate(await subject_access.export(db, caller, person_id))


@router.patch(
    "/{person_id}",
    summary="Change a person",
    response_model=PersonRead,
    response_model_exclude_unset=True,
    responses=problem_responses(404, 409, 412, 422),
)
async def update_person(
    db: DB,
    caller: Annotated[Principal, may("people.update")],
    person_id: uuid.UUID,
    body: PersonUpdate,
    if_match: IfMatch,
    response: Response,
) -> PersonRead:
    """Change the fields sent (JSON merge); `null` clears an optional field."""
    person = await people.update_person(db, caller, person_id, body, if_match=if_match)
    with_etag(response, person)
    return people.present(person, caller)


@router.put(
    "/{person_id}/expectations",
    summary="State what a mentee or a mentor expects of a relationship",
    response_model=Expectations,
    responses=problem_responses(404, 422),
)
async def state_expectations(
    db: DB,
    caller: Annotated[Principal, may("people.expectations")],
    person_id: uuid.UUID,
    body: Expectations,
) -> Expectations:
    """Replace the person's expectations profile (read as `mentee.expectations` or
    `mentor.expectations`), which matching compares before a match: by the mentee or the
    mentor themself, or by staff."""
    person = await expectations.state(db, caller, person_id, body)
    return expectations.of(person.mentee_profile or person.mentor_profile)


@router.delete(
    "/{person_id}",
    summary="Remove a person",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 409, 412),
)
async def delete_person(
    db: DB,
    caller: Annotated[Principal, may("people.delete")],
    person_id: uuid.UUID,
    if_match: IfMatch,
) -> Response:
    """Hide the record everywhere (soft delete) and switch off the person's login. Staff only."""
    await people.delete_person(db, caller, person_id, if_match=if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{person_id}/custody-events",
    summary="Report a custody event",
    status_code=status.HTTP_201_CREATED,
    response_model=CustodyEventRead,
    responses=problem_responses(404, 409, 422),
)
async def report_custody_event(
    db: DB,
    caller: Annotated[Principal, may("custody.report")],
    person_id: uuid.UUID,
    body: CustodyEventCreate,
) -> CustodyEventRead:
    """The referring partner (or staff) reports that the mentee was `released` (with
    `occurred_on`), `recalled`, `transferred` (to `establishment`) or that their sentence
    ended. The custody status follows, and so does the open relationship: a release takes
    it through the gate, a recall back to custody (it stays open). 409 when the event does
    not fit the current custody status."""
    row = await people.report_custody_event(db, caller, person_id, body)
    return CustodyEventRead.model_validate(row, from_attributes=True)


@router.get(
    "/{person_id}/custody-events",
    summary="A mentee's custody history",
    response_model=Page[CustodyEventRead],
    responses=problem_responses(404, 422),
)
async def custody_history(
    db: DB,
    caller: Annotated[Principal, may("custody.read")],
    person_id: uuid.UUID,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CustodyEventRead]:
    """Every custody event reported, oldest first. Staff and the referring partner."""
    rows, next_cursor = await people.custody_history(
        db, caller, person_id, limit=limit, cursor=cursor
    )
    return Page(
        items=[CustodyEventRead.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_cursor,
    )
