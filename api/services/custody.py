"""A person's custody: the one place it changes, whoever reports the change."""

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import Conflict
from api.models import CustodyEvent, Person
from api.models.base import utcnow
from api.models.enums import CustodyEventName, CustodyStatus
from api.services import audit, referrals, relationships
from api.services.outbox import emit

# What each event needs the person's custody status to be before it.
_BEFORE: dict[CustodyEventName, frozenset[CustodyStatus]] = {
    CustodyEventName.released: frozenset({CustodyStatus.in_custody}),
    CustodyEventName.recalled: frozenset(
        {CustodyStatus.released, CustodyStatus.community_sentence}
    ),
    CustodyEventName.transferred: frozenset({CustodyStatus.in_custody}),
    CustodyEventName.sentence_ended: frozenset(
        {CustodyStatus.released, CustodyStatus.community_sentence}
    ),
}


async def change_custody(
    db: AsyncSession,
    caller: Principal,
    person: Person,
    event: CustodyEventName,
    *,
    occurred_on: date | None = None,
    establishment: str | None = None,
) -> CustodyEvent:
    """Apply a custody event to a mentee, in the caller's transaction: the profile changes,
    the event is kept in the person's custody history, the open relationship follows
    (release: through the gate; recall: back to custody, still open), and the partner's
    referral shows the change. Refused with 409 when it does not fit the current status."""
    profile = person.mentee_profile
    assert profile is not None
    current = CustodyStatus(profile.custody_status)
    before = profile.custody_status
    if current not in _BEFORE[event]:
        raise Conflict(f"A person who is {current} cannot be {event}.")
    if event == CustodyEventName.released:
        profile.custody_status = CustodyStatus.released
        profile.release_date = occurred_on
    elif event == CustodyEventName.recalled:
        profile.custody_status = CustodyStatus.in_custody
    elif event == CustodyEventName.sentence_ended:
        profile.licence_end_date = occurred_on or profile.licence_end_date
    if establishment is not None:
        profile.establishment = establishment
    row = CustodyEvent(
        org_id=person.org_id,
        person_id=person.id,
        event=event,
        occurred_on=occurred_on,
        establishment=establishment,
        by=caller.subject,
    )
    db.add(row)
    person.updated_at = utcnow()
    if profile.custody_status != before:
        emit(
            db,
            caller,
            "person.custody_changed",
            person,
            person_id=person.id,
            **{"from": before, "to": profile.custody_status, "event": event},
        )
    await relationships.follow_custody(db, caller, person.id, event)
    await referrals.touch_for(db, person.id)
    audit.record(
        db,
        caller,
        f"person.custody_{event}",
        entity_type="person",
        entity_id=person.id,
        person_id=person.id,
    )
    return row
