"""Expectations: what each side states it expects of a mentoring relationship, how a
mentee's and a mentor's statements are compared (in SQL for the score, in words for the
reasons), and what a proposed relationship takes as agreed when nobody says otherwise.

A part counts only when both sides state it. They agree on it when:
- `contact_frequency`: the same frequency;
- `settings`, `pathways`, `communication`: at least one in common;
- `length_months`: the mentor expects to stay at least as long as the mentee expects.
"""

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.models import MentorProfile, Person
from api.models.base import utcnow
from api.models.enums import ContactChannel, SessionSetting
from api.models.expectations import Expectations
from api.models.matching import Effect, Reason
from api.models.terms import as_float, enum_list_holds, flag
from api.services import audit, people, policy

FIELDS = tuple(Expectations.model_fields)
FACTOR = "expectations"

# How each part is said when the mentor has not stated it.
_UNSTATED = {
    "contact_frequency": "how often to be in touch",
    "settings": "where to meet",
    "pathways": "what to focus on",
    "length_months": "how long to mentor",
    "communication": "how to keep in touch",
}
_PLACES = {
    SessionSetting.custody: "in custody",
    SessionSetting.community: "at a community venue",
    SessionSetting.phone: "by phone",
    SessionSetting.video: "by video",
}
_CHANNELS = {
    ContactChannel.phone: "phone",
    ContactChannel.text: "text",
    ContactChannel.email: "email",
    ContactChannel.letter: "letter",
    ContactChannel.in_person: "in person",
}


def column(field: str) -> str:
    """The profile column (mentee's and mentor's alike) that holds one part."""
    return f"expected_{field}"


COLUMNS: tuple[str, ...] = tuple(column(field) for field in FIELDS)


def from_columns(values: Mapping[str, Any]) -> Expectations:
    """The expectations held in a profile's columns (a row mapping, or `of(profile)`)."""
    return Expectations.model_validate({field: values[column(field)] for field in FIELDS})


def of(profile: Any) -> Expectations:
    """A mentee's or a mentor's profile's expectations."""
    return from_columns({name: getattr(profile, name) for name in COLUMNS})


def stored(expectations: Expectations | None) -> dict[str, Any] | None:
    """As a relationship keeps them: nothing when nothing is stated."""
    if expectations is None or not any(_stated(expectations, f) for f in FIELDS):
        return None
    return expectations.model_dump(mode="json")


async def state(
    db: AsyncSession, caller: Principal, person_id: uuid.UUID, data: Expectations
) -> Person:
    """A mentee or a mentor states what they expect (themself, or staff for them): the whole
    statement is replaced."""
    person = await people.find_person(db, caller, person_id)
    policy.authorize(caller, "people.expectations", person)
    profile = person.mentee_profile or person.mentor_profile
    assert profile is not None  # every person has the profile of their kind
    values = data.model_dump(mode="json")
    for field in FIELDS:
        setattr(profile, column(field), values[field])
    person.updated_at = utcnow()
    audit.record(
        db,
        caller,
        "person.expectations",
        entity_type="person",
        entity_id=person.id,
        person_id=person.id,
    )
    await db.commit()
    return person


def _stated(expectations: Expectations, field: str) -> bool:
    value = getattr(expectations, field)
    return value is not None and value != []


def _agrees(field: str, mentee: Any, mentor: Any) -> bool:
    if field == "length_months":
        return bool(mentor >= mentee)
    if isinstance(mentee, list):
        return bool(set(mentee) & set(mentor))
    return bool(mentee == mentor)


def _sql(field: str, mentee: Any) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Whether the mentor stated this part, and whether they agree with the mentee: the
    same rules as `_agrees`, over the mentor's profile columns."""
    mentor = getattr(MentorProfile, column(field))
    if isinstance(mentee, list):
        holds = [enum_list_holds(mentor, value) for value in mentee]
        return col(mentor) != sa.literal([], mentor.type), sa.or_(*holds)
    stated = col(mentor).is_not(None)
    if field == "length_months":
        return stated, col(mentor) >= mentee
    return stated, col(mentor) == mentee


def factor(mentee: Expectations) -> ColumnElement[Any] | None:
    """The `expectations` factor for this mentee: the share of the parts both sides state on
    which they agree. Null for a mentor who states none of the mentee's parts: the factor
    does not count for them. None when the mentee states nothing: it does not apply."""
    parts = [_sql(field, getattr(mentee, field)) for field in FIELDS if _stated(mentee, field)]
    if not parts:
        return None
    agreed = sum((flag(agrees) for _, agrees in parts), start=sa.literal(0.0))
    stated = sum((flag(stated) for stated, _ in parts), start=sa.literal(0.0))
    return agreed / as_float(sa.func.nullif(stated, 0.0))


def reasons(mentee: Expectations, mentor: Expectations) -> list[Reason]:
    """One reason for each part both state, raised when they agree and lowered when they do
    not, in words a coordinator can repeat; and one saying what the mentor has not stated."""
    found = []
    unstated = []
    for field in FIELDS:
        if not _stated(mentee, field):
            continue
        if not _stated(mentor, field):
            unstated.append(_UNSTATED[field])
            continue
        mine, theirs = getattr(mentee, field), getattr(mentor, field)
        agrees = _agrees(field, mine, theirs)
        found.append(
            Reason(
                factor=FACTOR,
                effect=Effect.raised if agrees else Effect.lowered,
                detail=_words(field, mine, theirs, agrees),
            )
        )
    if unstated:
        found.append(
            Reason(
                factor=FACTOR,
                effect=Effect.not_counted,
                detail=f"the mentor has not said {_join(unstated, 'or')}",
            )
        )
    return found


def agreed(mentee: Expectations, mentor: Expectations) -> Expectations | None:
    """What a proposal takes as agreed when the coordinator says nothing: each part both
    sides state and agree on (lists: what they have in common; the length: the mentee's)."""
    values: dict[str, Any] = {}
    for field in FIELDS:
        mine, theirs = getattr(mentee, field), getattr(mentor, field)
        if not (_stated(mentee, field) and _stated(mentor, field)):
            continue
        if not _agrees(field, mine, theirs):
            continue
        values[field] = [v for v in mine if v in theirs] if isinstance(mine, list) else mine
    return Expectations.model_validate(values) if values else None


def _join(words: list[str], last: str = "or") -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {last} {words[-1]}"


def _words(field: str, mine: Any, theirs: Any, agrees: bool) -> str:
    common = [v for v in mine if v in theirs] if isinstance(mine, list) else []
    if field == "contact_frequency":
        if agrees:
            return f"both expect {mine} contact"
        return f"expects {mine} contact; mentor offers {theirs}"
    if field == "length_months":
        if mine == theirs:
            return f"both expect {mine} months"
        if agrees:
            return f"expects {mine} months; mentor can stay {theirs}"
        return f"expects {mine} months; mentor expects only {theirs}"
    if field == "settings":
        if agrees:
            return f"both would meet {_join([_PLACES[s] for s in common])}"
        return (
            f"would meet {_join([_PLACES[s] for s in mine])}; "
            f"mentor offers {_join([_PLACES[s] for s in theirs])}"
        )
    if field == "pathways":
        if agrees:
            return f"both would focus on {_join(common, 'and')}"
        return f"would focus on {_join(mine, 'and')}; mentor on {_join(theirs, 'and')}"
    if agrees:
        return f"both would keep in touch by {_join([_CHANNELS[c] for c in common])}"
    return (
        f"would keep in touch by {_join([_CHANNELS[c] for c in mine])}; "
        f"mentor by {_join([_CHANNELS[c] for c in theirs])}"
    )
