"""Match suggestions: eligible mentors ranked by explainable factors, all in one SQL query.

Each factor is a value in 0..1 computed by the database for every eligible mentor; the
score is their weighted mean, and the database sorts and cuts the list, so only the page of
suggestions reaches Python, where each factor's value is put into words.
"""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import Invalid
from api.models import MentoringRelationship, MentorProfile, NonAssociation, Person
from api.models.base import utc_today
from api.models.enums import (
    OPEN_RELATIONSHIP_STATUSES,
    ConsentPurpose,
    EndingReason,
    Pathway,
    PersonKind,
    SharedBackground,
)
from api.models.matching import Effect, HeldBack, MatchSuggestion, MatchSuggestions, Reason
from api.services import audit, organisation, people, policy
from api.services.consents import consenting, has_consent
from api.services.eligibility import cleared_and_trained, open_caseloads, supervised_since

WOMEN_SPECIFIC = frozenset({Pathway.abuse_domestic_violence, Pathway.sex_work})
WOMEN = ("female", "woman", "f")
SUPERVISION_DAYS = 90


@dataclass(frozen=True)
class Wanted:
    """What the mentee needs and prefers, and whether lived experience may count."""

    needs: frozenset[str]
    languages: frozenset[str]
    areas: frozenset[str]
    peer_preferred: bool
    sensitive: bool
    supervised_since: date
    background: "Background"


# Each shared-background dimension, and the person's column that holds it.
BACKGROUND_FIELDS = {
    SharedBackground.ethnicity: "ethnicity",
    SharedBackground.religion: "religion",
    SharedBackground.culture: "cultural_background",
}
BACKGROUND_WORDS = {
    SharedBackground.ethnicity: "ethnicity",
    SharedBackground.religion: "religion",
    SharedBackground.culture: "cultural background",
}


@dataclass(frozen=True)
class Background:
    """The mentee's wish for a mentor who shares their background, and what of it may count:
    only with `people:sensitive` and the mentee's consent, only what the mentee recorded,
    and only for mentors who consented too."""

    asked: tuple[SharedBackground, ...] = ()
    values: tuple[tuple[SharedBackground, str], ...] = ()  # (dimension, mentee's value)
    required: bool = False
    why_not: str | None = None  # why the wish cannot count, when it cannot

    @property
    def counted(self) -> bool:
        return bool(self.values) and self.why_not is None


async def _background(
    db: AsyncSession, caller: Principal, mentee: Person, profile: Any
) -> Background:
    asked = tuple(SharedBackground(a) for a in profile.shared_background)
    if not asked:
        return Background()
    required = profile.shared_background_required
    words = " and ".join(BACKGROUND_WORDS[a] for a in asked)
    if not caller.has("people:sensitive"):
        return Background(asked, (), required, f"shared {words} needs people:sensitive to count")
    if not await has_consent(db, mentee.id, ConsentPurpose.background_in_matching):
        return Background(
            asked, (), required, f"shared {words} not counted: no consent from the mentee"
        )
    values = tuple(
        (a, str(value).strip().lower())
        for a in asked
        if (value := getattr(mentee, BACKGROUND_FIELDS[a]))
    )
    if not values:
        return Background(asked, (), required, f"the mentee's {words} is not recorded")
    return Background(asked, values, required)


def _background_columns(background: Background) -> dict[str, ColumnElement[Any]]:
    """Per dimension: 1 when the mentor consented and shares the mentee's value."""
    mentor_consents = consenting(ConsentPurpose.background_in_matching, Person.id)
    return {
        f"shares_{dimension.value}": sa.case(
            (
                sa.and_(
                    mentor_consents,
                    sa.func.lower(sa.func.trim(getattr(Person, BACKGROUND_FIELDS[dimension])))
                    == value,
                ),
                1.0,
            ),
            else_=0.0,
        )
        for dimension, value in background.values
    }


async def suggest(
    db: AsyncSession, caller: Principal, mentee_id: uuid.UUID, *, limit: int
) -> MatchSuggestions:
    """The organisation's eligible mentors for this mentee, best first, and those held back
    because their supervision is overdue (with the reason, for staff)."""
    policy.authorize(caller, "matching.suggest")
    mentee = await people.find_person(db, caller, mentee_id, "relationships")
    profile = mentee.mentee_profile
    if profile is None:
        raise Invalid("Suggestions are for mentees.", loc=["path", "mentee_id"])
    org = await organisation.get_organisation(db, caller)
    weights = organisation.matching_weights(org)
    overdue = organisation.supervision_overdue(org)
    in_date = supervised_since(utc_today() - overdue)
    wanted = Wanted(
        needs=frozenset(profile.needs),
        languages=frozenset(language.lower() for language in mentee.languages),
        areas=frozenset(a.lower() for a in (mentee.region, profile.probation_region) if a),
        peer_preferred=profile.peer_mentor_preferred,
        # Lived experience is sensitive: without the scope it neither shows nor counts.
        sensitive=caller.has("people:sensitive"),
        supervised_since=utc_today() - timedelta(days=SUPERVISION_DAYS),
        background=await _background(db, caller, mentee, profile),
    )
    caseload = open_caseloads(caller.org_id)
    open_count = sa.func.coalesce(caseload.c.open_count, 0)
    factors = {
        name: (weight, value)
        for name, value in _factor_values(wanted, open_count).items()
        if (weight := getattr(weights, name)) > 0
    }
    shares = _background_columns(wanted.background) if wanted.background.counted else {}
    stmt = _ranked_mentors(caller, caseload, open_count, factors, shares, limit).where(
        col(Person.id).not_in(await _excluded_mentors(db, mentee.id))
    )
    if shares and wanted.background.required:  # a filter only when the mentee asks for one
        stmt = stmt.where(*(value == 1.0 for value in shares.values()))
    if profile.preferred_mentor_gender:
        stmt = stmt.where(
            sa.func.lower(col(Person.gender)) == profile.preferred_mentor_gender.lower()
        )
    connection = await db.connection()  # plain rows: only the page, no ORM objects
    rows = (await connection.execute(stmt.where(in_date))).mappings().all()
    held = (await connection.execute(stmt.where(sa.not_(in_date)))).mappings().all()
    audit.read_rows(db, "person", [row["id"] for row in (*rows, *held)])
    return MatchSuggestions(
        items=[_suggestion(row, wanted, factors) for row in rows],
        held_back=[
            HeldBack(
                mentor_id=row["id"],
                reason=f"supervision overdue: none since "
                f"{row['last_supervision_on'] or 'their training'} "
                f"(over {overdue.days} days)",
            )
            for row in held
        ],
    )


def _factor_values(wanted: Wanted, open_count: Any) -> dict[str, ColumnElement[Any]]:
    """The factors that apply to this mentee, each a 0..1 SQL expression over a mentor."""

    def flag(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return sa.case((condition, 1.0), else_=0.0)

    def lists(column: Any, value: str) -> ColumnElement[bool]:
        # The JSON list as text holds `"value"`; autoescape keeps `_` from matching anything.
        text: ColumnElement[str] = sa.func.lower(sa.cast(column, sa.Text))
        return text.contains(json.dumps(value), autoescape=True)

    values: dict[str, ColumnElement[Any]] = {}
    if wanted.needs:
        covered = sum(
            (flag(lists(MentorProfile.skills, need)) for need in sorted(wanted.needs)),
            start=sa.literal(0.0),
        )
        values["needs"] = covered / float(len(wanted.needs))
    if wanted.peer_preferred and wanted.sensitive:
        values["peer"] = flag(
            sa.and_(
                col(MentorProfile.lived_experience).is_(True),
                consenting(ConsentPurpose.lived_experience_disclosure, MentorProfile.person_id),
            )
        )
    if wanted.languages:
        values["language"] = flag(
            sa.or_(*(lists(Person.languages, language) for language in sorted(wanted.languages)))
        )
    if wanted.areas:
        values["region"] = flag(sa.func.lower(col(Person.region)).in_(sorted(wanted.areas)))
    if wanted.background.counted:
        shares = list(_background_columns(wanted.background).values())
        values["background"] = sum(shares, start=sa.literal(0.0)) / float(len(shares))
    if wanted.needs & WOMEN_SPECIFIC:
        values["women_specific"] = flag(sa.func.lower(col(Person.gender)).in_(WOMEN))
    max_caseload = col(MentorProfile.max_caseload)
    values["capacity"] = (max_caseload - open_count) * 1.0 / max_caseload
    values["supervision"] = flag(col(MentorProfile.last_supervision_on) >= wanted.supervised_since)
    return values


def _ranked_mentors(
    caller: Principal,
    caseload: Any,
    open_count: Any,
    factors: dict[str, tuple[float, ColumnElement[Any]]],
    extra: dict[str, ColumnElement[Any]],
    limit: int,
) -> sa.Select[Any]:
    """Eligible mentors with each factor's value and the weighted mean, best first."""
    total = sum(weight for weight, _ in factors.values())
    weighted = sum((weight * value for weight, value in factors.values()), start=sa.literal(0.0))
    score = weighted / total if total else sa.literal(0.0)
    return (
        sa.select(
            col(Person.id),
            col(Person.gender),
            col(Person.region),
            col(Person.languages),
            col(MentorProfile.skills),
            col(MentorProfile.max_caseload),
            col(MentorProfile.last_supervision_on),
            open_count.label("open_count"),
            *(value.label(f"factor_{name}") for name, (_, value) in factors.items()),
            *(value.label(name) for name, value in extra.items()),
            score.label("score"),
        )
        .join(MentorProfile, col(MentorProfile.person_id) == col(Person.id))
        .outerjoin(caseload, caseload.c.mentor_id == col(Person.id))
        .where(
            col(Person.org_id) == caller.org_id,
            col(Person.kind) == PersonKind.mentor,
            col(Person.deleted_at).is_(None),
            cleared_and_trained(utc_today()),
            open_count < col(MentorProfile.max_caseload),
        )
        .order_by(sa.desc("score"), open_count, col(Person.id))
        .limit(limit)
    )


async def _excluded_mentors(db: AsyncSession, mentee_id: uuid.UUID) -> list[uuid.UUID]:
    """Mentors this mentee must not be offered: non-associated, ended for safeguarding, or
    already theirs. A handful of ids, fetched first so the big query stays a plain filter."""
    pairs = (
        await db.exec(
            select(NonAssociation.mentee_id, NonAssociation.other_person_id).where(
                sa.or_(
                    col(NonAssociation.mentee_id) == mentee_id,
                    col(NonAssociation.other_person_id) == mentee_id,
                )
            )
        )
    ).all()
    related = (
        await db.exec(
            select(MentoringRelationship.mentor_id).where(
                MentoringRelationship.mentee_id == mentee_id,
                sa.or_(
                    col(MentoringRelationship.ending_reason) == EndingReason.safeguarding,
                    col(MentoringRelationship.status).in_(OPEN_RELATIONSHIP_STATUSES),
                ),
            )
        )
    ).all()
    return [*(other if first == mentee_id else first for first, other in pairs), *related]


def _suggestion(
    row: Any, wanted: Wanted, factors: dict[str, tuple[float, ColumnElement[Any]]]
) -> MatchSuggestion:
    reasons = []
    for name in factors:
        value = float(row[f"factor_{name}"])
        effect = Effect.raised if value >= 0.5 else Effect.lowered
        reasons.append(Reason(factor=name, effect=effect, detail=_WORDS[name](row, wanted)))
    if wanted.background.why_not:  # asked for, so always explained, even when not counted
        reasons.append(
            Reason(factor="background", effect=Effect.not_counted, detail=wanted.background.why_not)
        )
    return MatchSuggestion(
        mentor_id=row["id"], score=round(float(row["score"]), 4), reasons=reasons
    )


def _needs_words(row: Any, wanted: Wanted) -> str:
    covered = sorted(wanted.needs & set(row["skills"]))
    if not covered:
        return f"covers none of the mentee's {len(wanted.needs)} needs"
    return f"covers {', '.join(covered)} of {len(wanted.needs)} needs"


def _language_words(row: Any, wanted: Wanted) -> str:
    shared = sorted(wanted.languages & {language.lower() for language in row["languages"]})
    return f"speaks {', '.join(shared)}" if shared else "no language in common"


def _region_words(row: Any, wanted: Wanted) -> str:
    if row["region"] and row["region"].lower() in wanted.areas:
        return f"works in {row['region']}"
    return f"works in {row['region'] or 'an unknown region'}, not the mentee's"


def _background_words(row: Any, wanted: Wanted) -> str:
    """Which asked-for dimensions the mentor shares, never the values themselves."""
    shared = [d for d, _ in wanted.background.values if row[f"shares_{d.value}"]]
    missing = [d for d, _ in wanted.background.values if not row[f"shares_{d.value}"]]
    parts = []
    if shared:
        parts.append("shares the mentee's " + " and ".join(BACKGROUND_WORDS[d] for d in shared))
    if missing:
        parts.append(
            "not known to share the mentee's " + " and ".join(BACKGROUND_WORDS[d] for d in missing)
        )
    asked = " (the mentee requires it)" if wanted.background.required else " (as asked)"
    return "; ".join(parts) + asked


_WORDS: dict[str, Callable[[Any, Wanted], str]] = {
    "background": _background_words,
    "needs": _needs_words,
    "language": _language_words,
    "region": _region_words,
    "peer": lambda row, _: (
        "has lived experience, as the mentee would like"
        if row["factor_peer"]
        else "no lived experience, though the mentee would like a peer mentor"
    ),
    "women_specific": lambda row, _: (
        "a woman mentor for women-specific needs"
        if row["factor_women_specific"]
        else "not a woman mentor, and the mentee has women-specific needs"
    ),
    "capacity": lambda row, _: (
        f"{row['max_caseload'] - row['open_count']} of {row['max_caseload']} places free"
    ),
    "supervision": lambda row, _: (
        f"supervised within {SUPERVISION_DAYS} days"
        if row["factor_supervision"]
        else f"no supervision recorded in {SUPERVISION_DAYS} days"
    ),
}
