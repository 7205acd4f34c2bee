"""People: every rule about reading and changing a person's record."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.models import CustodyEvent, MentoringRelationship, UserAccount
from api.models.base import utcnow
from api.models.consent import lived_experience_disclosed
from api.models.custody import CustodyEventCreate
from api.models.enums import (
    OPEN_RELATIONSHIP_STATUSES,
    CustodyEventName,
    CustodyStatus,
    PersonKind,
)
from api.models.person import (
    SENSITIVE_MENTEE_FIELDS,
    SENSITIVE_MENTOR_FIELDS,
    SENSITIVE_PERSON_FIELDS,
    STAFF_ONLY_MENTEE_FIELDS,
    STAFF_ONLY_MENTOR_FIELDS,
    MenteePreferences,
    MenteeProfile,
    MenteeProfileRead,
    MentorProfile,
    MentorProfileRead,
    Person,
    PersonCreate,
    PersonRead,
    PersonUpdate,
)
from api.services import audit, custody, expectations, policy
from api.services.outbox import emit
from api.services.pagination import MAX_LIMIT, paginate
from api.services.versioning import check_version
from api.services.visibility import Resource, visible_people_clause


@dataclass(frozen=True)
class PeopleFilter:
    kind: PersonKind | None = None
    region: str | None = None
    q: str | None = None
    external_ref: str | None = None
    updated_since: datetime | None = None


async def list_people(
    db: AsyncSession, caller: Principal, filters: PeopleFilter, *, limit: int, cursor: str | None
) -> tuple[Sequence[Person], str | None]:
    stmt = select(Person).where(visible_people_clause(caller))
    if filters.kind:
        stmt = stmt.where(Person.kind == filters.kind)
    if filters.region:
        stmt = stmt.where(sa.func.lower(Person.region) == filters.region.lower())
    if filters.updated_since:
        stmt = stmt.where(Person.updated_at >= filters.updated_since)
    if filters.external_ref:
        stmt = stmt.where(
            col(Person.id).in_(
                select(MenteeProfile.person_id).where(
                    MenteeProfile.org_id == caller.org_id,
                    MenteeProfile.external_ref == filters.external_ref,
                )
            )
        )
    if filters.q:
        needle = filters.q.strip().lower()
        stmt = stmt.where(
            sa.or_(
                *(
                    sa.func.lower(column).contains(needle, autoescape=True)
                    for column in (Person.given_name, Person.family_name, Person.preferred_name)
                )
            )
        )
    # each person listed is audited once for the request (`api/services/audit.py`)
    return await paginate(db, stmt, Person, limit=limit, cursor=cursor)


async def find_person(
    db: AsyncSession, caller: Principal, person_id: uuid.UUID, resource: Resource = "people"
) -> Person:
    """The person if the caller may see them; otherwise NotFound, exactly as if absent."""
    person = (
        await db.exec(
            select(Person).where(Person.id == person_id, visible_people_clause(caller, resource))
        )
    ).first()
    if person is None:
        raise NotFound("No person with that id.")
    return person


async def load_many(
    db: AsyncSession, caller: Principal, person_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Person]:
    """The visible people among `person_ids` (a batch, for GraphQL's nested fields)."""
    found = (
        await db.exec(
            select(Person).where(col(Person.id).in_(person_ids), visible_people_clause(caller))
        )
    ).all()
    return {person.id: person for person in found}


async def find_mentee_for(
    db: AsyncSession, caller: Principal, mentee_id: uuid.UUID, resource: Resource
) -> Person:
    """A mentee named in a request body about `resource`: one the caller may see, or a 422
    on `mentee_id`."""
    try:
        person = await find_person(db, caller, mentee_id, resource)
    except NotFound as exc:
        raise Invalid(
            "No mentee with that id that you may see.", loc=["body", "mentee_id"]
        ) from exc
    if person.kind != PersonKind.mentee:
        raise Invalid("That person is not a mentee.", loc=["body", "mentee_id"])
    return person


async def get_person(db: AsyncSession, caller: Principal, person_id: uuid.UUID) -> Person:
    person = await find_person(db, caller, person_id)
    audit.record(
        db, caller, "person.read", entity_type="person", entity_id=person.id, person_id=person.id
    )
    await db.commit()
    return person


async def create_person(db: AsyncSession, caller: Principal, data: PersonCreate) -> Person:
    policy.authorize(caller, "people.create")
    person = await add_person(db, caller, data)
    await db.commit()
    return person


async def add_person(
    db: AsyncSession, caller: Principal, data: PersonCreate, *, from_referrer: bool = False
) -> Person:
    """Add a person to the caller's transaction (staff here, or a partner's referral). The
    referrer sends the sensitive referral facts it holds without the scope to read them."""
    if not from_referrer:
        _check_sensitive_write(caller, data.mentee, SENSITIVE_MENTEE_FIELDS)
    _check_sensitive_write(caller, data, SENSITIVE_PERSON_FIELDS)
    _check_sensitive_write(caller, data.mentor, SENSITIVE_MENTOR_FIELDS)
    fields = data.model_dump(exclude={"mentee", "mentor"})
    person = Person(org_id=caller.org_id, **fields)
    # Both profiles are set (one to None) so nothing is lazily loaded later.
    person.mentee_profile = None
    person.mentor_profile = None
    if data.mentee is not None:
        await _check_external_ref_free(db, caller.org_id, data.mentee.external_ref, None)
        person.mentee_profile = MenteeProfile(
            person_id=person.id, org_id=caller.org_id, **_mentee_columns(data.mentee.model_dump())
        )
    if data.kind == PersonKind.mentor:
        profile = data.mentor.model_dump() if data.mentor else {}
        person.mentor_profile = MentorProfile(person_id=person.id, **profile)
    db.add(person)
    audit.record(
        db, caller, "person.create", entity_type="person", entity_id=person.id, person_id=person.id
    )
    return person


async def update_person(
    db: AsyncSession,
    caller: Principal,
    person_id: uuid.UUID,
    data: PersonUpdate,
    *,
    if_match: int | None = None,
) -> Person:
    person = await find_person(db, caller, person_id)
    check_version(person, if_match)
    if data.mentee is not None and person.kind != PersonKind.mentee:
        raise Invalid("Only a mentee has a `mentee` profile.", loc=["body", "mentee"])
    if data.mentor is not None and person.kind != PersonKind.mentor:
        raise Invalid("Only a mentor has a `mentor` profile.", loc=["body", "mentor"])

    _check_sensitive_write(caller, data, SENSITIVE_PERSON_FIELDS)
    changes = data.model_dump(exclude_unset=True, exclude={"mentee", "mentor"})
    event: CustodyEventName | None = None
    if data.mentee is not None:
        mentee_changes = data.mentee.model_dump(exclude_unset=True)
        _check_sensitive_write(caller, data.mentee, SENSITIVE_MENTEE_FIELDS)
        if set(mentee_changes) & set(STAFF_ONLY_MENTEE_FIELDS):
            policy.authorize(caller, "people.update_programme_fields")
        if "external_ref" in mentee_changes:
            await _check_external_ref_free(
                db, caller.org_id, mentee_changes["external_ref"], person.id
            )
        event = _custody_event(person, mentee_changes.get("custody_status"))
        if event is not None:
            del mentee_changes["custody_status"]
        custody_before = person.mentee_profile.custody_status if person.mentee_profile else None
        _apply(person.mentee_profile, _mentee_columns(mentee_changes))
        custody_after = person.mentee_profile.custody_status if person.mentee_profile else None
        if custody_after != custody_before:  # a correction of the record, not an event
            emit(
                db,
                caller,
                "person.custody_changed",
                person,
                person_id=person.id,
                **{"from": custody_before, "to": custody_after},
            )
    if data.mentor is not None:
        mentor_changes = data.mentor.model_dump(exclude_unset=True)
        _check_sensitive_write(caller, data.mentor, SENSITIVE_MENTOR_FIELDS)
        staff_only = sorted(set(mentor_changes) & set(STAFF_ONLY_MENTOR_FIELDS))
        if staff_only:
            policy.authorize(caller, "people.update_programme_fields")
        _apply(person.mentor_profile, mentor_changes)
    _apply(person, changes)
    person.updated_at = utcnow()  # profile-only changes still make the person newer
    if event is not None:
        assert person.mentee_profile is not None
        await custody.change_custody(
            db, caller, person, event, occurred_on=person.mentee_profile.release_date
        )
    audit.record(
        db,
        caller,
        "person.update",
        entity_type="person",
        entity_id=person.id,
        person_id=person.id,
        fields=sorted(data.model_dump(exclude_unset=True)),
    )
    await db.commit()
    if person.mentor_profile is not None:
        await db.refresh(person.mentor_profile, ["lived_experience_disclosed"])
    return person


async def delete_person(
    db: AsyncSession, caller: Principal, person_id: uuid.UUID, *, if_match: int | None = None
) -> None:
    """Soft delete: the record is hidden everywhere, its linked logins stop working."""
    person = await find_person(db, caller, person_id)
    check_version(person, if_match)
    policy.authorize(caller, "people.delete")
    open_relationship = (
        await db.exec(
            select(MentoringRelationship.id).where(
                sa.or_(
                    col(MentoringRelationship.mentee_id) == person.id,
                    col(MentoringRelationship.mentor_id) == person.id,
                ),
                col(MentoringRelationship.status).in_(OPEN_RELATIONSHIP_STATUSES),
            )
        )
    ).first()
    if open_relationship is not None:
        raise Conflict("This person has an open mentoring relationship; end it first.")
    person.deleted_at = utcnow()
    await db.exec(
        update(UserAccount).where(col(UserAccount.person_id) == person.id).values(is_active=False)
    )
    audit.record(
        db, caller, "person.delete", entity_type="person", entity_id=person.id, person_id=person.id
    )
    await db.commit()


def present(person: Person, caller: Principal) -> PersonRead:
    """The person as this caller may see them: sensitive fields are left out, not nulled (a
    mentor's lived experience also without their consent to disclose it)."""
    sensitive = caller.has("people:sensitive")
    fields: dict[str, Any] = {
        name: getattr(person, name)
        for name in PersonRead.model_fields
        if name not in ("mentee", "mentor") and (sensitive or name not in SENSITIVE_PERSON_FIELDS)
    }
    if person.mentee_profile is not None:
        profile = person.mentee_profile
        mentee: dict[str, Any] = {
            name: getattr(profile, name)
            for name in MenteeProfileRead.model_fields
            if name not in ("preferences", "expectations")
            and (sensitive or name not in SENSITIVE_MENTEE_FIELDS)
        }
        mentee["expectations"] = expectations.of(profile)
        mentee["preferences"] = MenteePreferences(
            mentor_gender=profile.preferred_mentor_gender,
            peer_mentor_preferred=profile.peer_mentor_preferred,
            shared_background=profile.shared_background,
            shared_background_required=profile.shared_background_required,
        )
        fields["mentee"] = MenteeProfileRead(**mentee)
    if person.mentor_profile is not None:
        mentor_profile = person.mentor_profile
        disclosed = sensitive and lived_experience_disclosed(mentor_profile)
        fields["mentor"] = MentorProfileRead(
            **{
                name: getattr(mentor_profile, name)
                for name in MentorProfileRead.model_fields
                if name != "expectations" and (disclosed or name not in SENSITIVE_MENTOR_FIELDS)
            },
            expectations=expectations.of(mentor_profile),
        )
    return PersonRead(**fields)


def _custody_event(person: Person, status: CustodyStatus | None) -> CustodyEventName | None:
    """A custody status changed by hand is the event it stands for: out of custody is a
    release, back in is a recall. (Other changes, such as to a community sentence, are
    corrections of the record.)"""
    profile = person.mentee_profile
    if status is None or profile is None or status == profile.custody_status:
        return None
    return {
        CustodyStatus.released: CustodyEventName.released,
        CustodyStatus.in_custody: CustodyEventName.recalled,
    }.get(CustodyStatus(status))


async def report_custody_event(
    db: AsyncSession, caller: Principal, person_id: uuid.UUID, data: CustodyEventCreate
) -> CustodyEvent:
    """A custody event reported by the person's referring partner or by staff."""
    policy.authorize(caller, "custody.report")
    person = await find_person(db, caller, person_id)
    if person.kind != PersonKind.mentee:
        raise Invalid("Custody events are about mentees.", loc=["path", "person_id"])
    row = await custody.change_custody(
        db,
        caller,
        person,
        data.event,
        occurred_on=data.occurred_on,
        establishment=data.establishment,
    )
    await db.commit()
    return row


async def custody_history(
    db: AsyncSession,
    caller: Principal,
    person_id: uuid.UUID,
    *,
    limit: int = MAX_LIMIT,
    cursor: str | None = None,
) -> tuple[Sequence[CustodyEvent], str | None]:
    """A page of the mentee's custody events, oldest first."""
    policy.authorize(caller, "custody.read")
    person = await find_person(db, caller, person_id)
    stmt = select(CustodyEvent).where(CustodyEvent.person_id == person.id)
    return await paginate(db, stmt, CustodyEvent, limit=limit, cursor=cursor)


def _mentee_columns(values: dict[str, Any]) -> dict[str, Any]:
    """The API nests `preferences`; the table keeps them as columns matching can filter on."""
    preferences = values.pop("preferences", None)
    if preferences is not None:
        values["preferred_mentor_gender"] = preferences.get("mentor_gender")
        values["peer_mentor_preferred"] = preferences.get("peer_mentor_preferred", False)
        values["shared_background"] = list(preferences.get("shared_background", []))
        values["shared_background_required"] = preferences.get("shared_background_required", False)
    return values


def _apply(row: Any, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        setattr(row, name, value)


def _check_sensitive_write(caller: Principal, profile: Any, names: tuple[str, ...]) -> None:
    if profile is None or caller.has("people:sensitive"):
        return
    written = sorted(set(profile.model_fields_set) & set(names))
    if written:
        raise Forbidden(f"Writing {', '.join(written)} needs the people:sensitive scope.")


async def _check_external_ref_free(
    db: AsyncSession, org_id: uuid.UUID, external_ref: str | None, person_id: uuid.UUID | None
) -> None:
    if external_ref is None:
        return
    holder = (
        await db.exec(
            select(MenteeProfile.person_id).where(
                MenteeProfile.org_id == org_id, MenteeProfile.external_ref == external_ref
            )
        )
    ).first()
    if holder is not None and holder != person_id:
        raise Conflict("Another mentee already has this external_ref.")
