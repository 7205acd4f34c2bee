"""Match suggestions: eligible mentors ranked by explainable factors, all in one SQL query.

Each factor is a value in 0..1 computed by the database for every eligible mentor; the
score is their weighted mean, and the database sorts and cuts the list, so only the page of
suggestions reaches Python, where each factor's value is put into words.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import Invalid, NotFound
from api.models import MentoringRelationship, MentorProfile, NonAssociation, Person
from api.models.base import utc_today
from api.models.enums import (
    OPEN_RELATIONSHIP_STATUSES,
    ConsentPurpose,
    EndingReason,
    Pathway,
    PersonKind,
    SharedBackground,
    VettingStatus,
)
from api.models.expectations import Expectations
from api.models.matching import (
    Effect,
    HeldBack,
    MatchExplanation,
    MatchSuggestion,
    MatchSuggestions,
    Reason,
)
from api.models.terms import as_float, enum_list_holds, flag, json_list_holds, not_indexed
from api.services import (
    audit,
    establishment_access,
    expectations,
    organisation,
    people,
    policy,
)
from api.services.consents import consenting, has_consent
from api.services.eligibility import (
    cleared_and_trained,
    non_association_between,
    open_caseloads,
    supervised_since,
)

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
    times: frozenset[str] = frozenset()  # the day parts the mentee can meet
    expectations: Expectations = field(default_factory=Expectations)  # what the mentee expects
    access: establishment_access.Access | None = None  # in custody: where a mentor must be cleared


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
        f"shares_{dimension.value}": flag(
            sa.and_(  # the consent check is the costly part: only for those who share
                sa.func.lower(sa.func.trim(getattr(Person, BACKGROUND_FIELDS[dimension]))) == value,
                mentor_consents,
            )
        )
        for dimension, value in background.values
    }


@dataclass
class _Ranking:
    """Everything one mentee's ranking needs: the scoring select (eligible mentors only, or
    every mentor of the organisation for an explanation) and the filters that apply."""

    mentee: Person
    wanted: Wanted
    factors: dict[str, tuple[float, ColumnElement[Any]]]
    shares: dict[str, ColumnElement[Any]]
    excluded: list[uuid.UUID]
    in_date: ColumnElement[bool]
    overdue: timedelta
    gender: str | None
    caseload: Any
    open_count: Any
    # Factors that count only for some mentors: null for the others, whose mean they leave.
    partial: frozenset[str] = frozenset()

    def filters(self) -> list[ColumnElement[bool]]:
        """What keeps a mentor out, besides eligibility: exclusions and what the mentee asked."""
        found: list[ColumnElement[bool]] = [col(Person.id).not_in(self.excluded)]
        if self.shares and self.wanted.background.required:  # a filter only when asked
            found.extend(value == 1.0 for value in self.shares.values())
        if self.gender:
            found.append(sa.func.lower(col(Person.gender)) == self.gender.lower())
        found.extend(establishment_access.filters(self.wanted.access))
        return found


async def _ranking(db: AsyncSession, caller: Principal, mentee_id: uuid.UUID) -> _Ranking:
    policy.authorize(caller, "matching.suggest")
    mentee = await people.find_person(db, caller, mentee_id, "relationships")
    profile = mentee.mentee_profile
    if profile is None:
        raise Invalid("Suggestions are for mentees.", loc=["path", "mentee_id"])
    org = await organisation.get_organisation(db, caller)
    weights = organisation.matching_weights(org)
    overdue = organisation.supervision_overdue(org)
    wanted = Wanted(
        needs=frozenset(profile.needs),
        languages=frozenset(language.lower() for language in mentee.languages),
        areas=frozenset(a.lower() for a in (mentee.region, profile.probation_region) if a),
        peer_preferred=profile.peer_mentor_preferred,
        # Lived experience is sensitive: without the scope it neither shows nor counts.
        sensitive=caller.has("people:sensitive"),
        supervised_since=utc_today() - timedelta(days=SUPERVISION_DAYS),
        background=await _background(db, caller, mentee, profile),
        times=frozenset(profile.weekly_availability),
        expectations=expectations.of(profile),
        access=establishment_access.access_needed(profile),
    )
    caseload = open_caseloads(caller.org_id)
    open_count = sa.func.coalesce(caseload.c.open_count, 0)
    expected = expectations.factor(wanted.expectations)
    shares = _background_columns(wanted.background) if wanted.background.counted else {}
    factors = {
        name: (weight, value)
        for name, value in _factor_values(wanted, open_count, expected, shares).items()
        if (weight := getattr(weights, name)) > 0
    }
    return _Ranking(
        mentee=mentee,
        wanted=wanted,
        factors=factors,
        shares=shares,
        excluded=await _excluded_mentors(db, mentee.id),
        in_date=supervised_since(utc_today() - overdue),
        overdue=overdue,
        gender=profile.preferred_mentor_gender,
        caseload=caseload,
        open_count=open_count,
        # `expectations` counts only for a mentor who states something the mentee states too
        partial=frozenset() if expected is None else frozenset({expectations.FACTOR}),
    )


async def suggest(
    db: AsyncSession, caller: Principal, mentee_id: uuid.UUID, *, limit: int
) -> MatchSuggestions:
    """The organisation's eligible mentors for this mentee, best first, and those held back
    because their supervision is overdue (with the reason, for staff)."""
    ranking = await _ranking(db, caller, mentee_id)
    scored = _scored_mentors(caller, ranking, *_eligible(ranking), *ranking.filters())
    c = scored.candidates.c

    def best(supervised: bool) -> Any:
        top = scored.select().where(c.supervised.is_(supervised))
        return sa.select(top.order_by(sa.desc("score"), c.open_count, c.id).limit(limit).subquery())

    # One pass over the mentors for the best of those supervised in time (the page) and the
    # best of those held back for supervision: the database keeps only the first of each.
    chosen = sa.union_all(best(True), best(False)).subquery("chosen")
    stmt = _with_details(chosen).order_by(
        sa.desc(chosen.c.supervised), sa.desc(chosen.c.score), chosen.c.open_count, chosen.c.id
    )
    connection = await db.connection()  # plain rows: only the page, no ORM objects
    found = (
        (await connection.execute(stmt, execution_options=_own_compiled_cache())).mappings().all()
    )
    rows = [row for row in found if row["supervised"]]
    held = [row for row in found if not row["supervised"]]
    audit.read_rows(db, "person", [row["id"] for row in (*rows, *held)])
    return MatchSuggestions(
        items=[_suggestion(row, ranking.wanted, ranking.factors) for row in rows],
        held_back=[
            HeldBack(mentor_id=row["id"], reason=_held_back_reason(row, ranking.overdue))
            for row in held
        ],
    )


async def explain(
    db: AsyncSession, caller: Principal, mentee_id: uuid.UUID, mentor_id: uuid.UUID
) -> MatchExplanation:
    """One mentor for one mentee: the score with every factor, and whatever keeps them out
    of the suggestions. The same scoring select as `suggest`, for one mentor of any state."""
    ranking = await _ranking(db, caller, mentee_id)
    connection = await db.connection()
    row = (
        (
            await connection.execute(
                _with_details(
                    _scored_mentors(caller, ranking, col(Person.id) == mentor_id)
                    .select()
                    .subquery("scored")
                ),
                execution_options=_own_compiled_cache(),
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("No mentor with that id.")
    audit.read_rows(db, "person", [row["id"]])
    exclusions = await _exclusions(db, ranking, row)
    held_back = None
    if not exclusions and not _supervised(row, ranking):
        held_back = _held_back_reason(row, ranking.overdue)
    suggestion = _suggestion(row, ranking.wanted, ranking.factors)
    return MatchExplanation(
        **suggestion.model_dump(),
        suggested=not exclusions and held_back is None,
        exclusions=exclusions,
        held_back=held_back,
    )


def _held_back_reason(row: Any, overdue: timedelta) -> str:
    return (
        f"supervision overdue: none since {row['last_supervision_on'] or 'their training'} "
        f"(over {overdue.days} days)"
    )


def _supervised(row: Any, ranking: _Ranking) -> bool:
    since = utc_today() - ranking.overdue
    last = row["last_supervision_on"] or row["training_completed_on"]
    return last is not None and last >= since


async def _exclusions(db: AsyncSession, ranking: _Ranking, row: Any) -> list[str]:
    """Each rule that keeps this mentor out of this mentee's suggestions, in words."""
    today = utc_today()
    found = []
    if row["vetting_status"] != VettingStatus.cleared:
        found.append(f"vetting is {row['vetting_status']}, not cleared")
    elif row["vetting_expires_on"] is None or row["vetting_expires_on"] < today:
        found.append(f"vetting out of date (expires {row['vetting_expires_on'] or 'unknown'})")
    if row["training_completed_on"] is None or row["training_completed_on"] > today:
        found.append("training not completed")
    if row["open_count"] >= row["max_caseload"]:
        found.append(f"caseload full ({row['open_count']} of {row['max_caseload']})")
    if row["id"] in ranking.excluded:
        found.append(await _why_excluded(db, ranking.mentee.id, row["id"]))
    if ranking.gender and (row["gender"] or "").lower() != ranking.gender.lower():
        found.append(f"the mentee asked for a {ranking.gender} mentor")
    if prison := establishment_access.exclusion(row, ranking.wanted.access):
        found.append(prison)
    if ranking.shares and ranking.wanted.background.required:
        missing = [
            BACKGROUND_WORDS[d]
            for d, _ in ranking.wanted.background.values
            if not row[f"shares_{d.value}"]
        ]
        if missing:
            found.append(
                f"the mentee requires a mentor sharing their {' and '.join(missing)}; "
                "not known to share it"
            )
    return found


async def _why_excluded(db: AsyncSession, mentee_id: uuid.UUID, mentor_id: uuid.UUID) -> str:
    non_associated = (
        await db.exec(
            select(NonAssociation.id).where(non_association_between(mentee_id, mentor_id))
        )
    ).first()
    if non_associated is not None:
        return "a non-association links them"
    open_now = (
        await db.exec(
            select(MentoringRelationship.id).where(
                MentoringRelationship.mentee_id == mentee_id,
                MentoringRelationship.mentor_id == mentor_id,
                col(MentoringRelationship.status).in_(OPEN_RELATIONSHIP_STATUSES),
            )
        )
    ).first()
    if open_now is not None:
        return "already matched with this mentee"
    return "an earlier relationship between them ended for safeguarding"


def _factor_values(
    wanted: Wanted,
    open_count: Any,
    expected: ColumnElement[Any] | None,
    shares: dict[str, ColumnElement[Any]],
) -> dict[str, ColumnElement[Any]]:
    """The factors that apply to this mentee, each a 0..1 SQL expression over a mentor
    (`shares`: per background dimension the mentee asked to share and may count, whether the
    mentor shares it)."""

    values: dict[str, ColumnElement[Any]] = {}
    if wanted.needs:
        covered = sum(
            (flag(enum_list_holds(MentorProfile.skills, need)) for need in sorted(wanted.needs)),
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
            sa.or_(*(json_list_holds(Person.languages, lang) for lang in sorted(wanted.languages)))
        )
    if wanted.areas:
        values["region"] = flag(sa.func.lower(col(Person.region)).in_(sorted(wanted.areas)))
    if wanted.times:
        common = sum(
            (
                flag(enum_list_holds(MentorProfile.weekly_availability, t))
                for t in sorted(wanted.times)
            ),
            start=sa.literal(0.0),
        )
        values["availability"] = common / float(len(wanted.times))
    if shares:
        values["background"] = sum(shares.values(), start=sa.literal(0.0)) / float(len(shares))
    if expected is not None:
        values[expectations.FACTOR] = expected
    if wanted.needs & WOMEN_SPECIFIC:
        values["women_specific"] = flag(sa.func.lower(col(Person.gender)).in_(WOMEN))
    max_caseload = col(MentorProfile.max_caseload)
    values["capacity"] = (max_caseload - open_count) * 1.0 / as_float(max_caseload)
    values["supervision"] = flag(col(MentorProfile.last_supervision_on) >= wanted.supervised_since)
    values.update(establishment_access.factors(wanted.access))
    return values


def _eligible(ranking: _Ranking) -> list[ColumnElement[bool]]:
    """The hard rules every suggested mentor meets (eligibility.py), as filters."""
    return [
        cleared_and_trained(utc_today()),
        ranking.open_count < col(MentorProfile.max_caseload),
    ]


@dataclass(frozen=True)
class _Scored:
    """The mentors that meet some conditions, each with their factors (`candidates`, a
    materialised common table expression), and the score made of those factors."""

    candidates: Any
    score: ColumnElement[Any]

    def select(self) -> Any:
        """Each mentor's id, load, factors and score, without the details."""
        return sa.select(*self.candidates.c, self.score.label("score"))


# What a coordinator needs to know of a suggested mentor, and what their reasons are made of.
DETAILS = (
    col(Person.given_name),
    col(Person.preferred_name),
    col(Person.family_name),
    col(Person.gender),
    col(Person.region),
    col(Person.languages),
    col(MentorProfile.skills),
    col(MentorProfile.max_caseload),
    col(MentorProfile.availability),
    col(MentorProfile.weekly_availability),
    col(MentorProfile.last_supervision_on),
    col(MentorProfile.training_completed_on),
    col(MentorProfile.vetting_status),
    col(MentorProfile.vetting_expires_on),
    *(getattr(MentorProfile, name) for name in expectations.COLUMNS),
)


def _with_details(scored: Any) -> Any:
    """The rows of `scored` (a subquery of `_Scored.select`) with each mentor's details."""
    return (
        sa.select(scored, *DETAILS)
        .join(Person, col(Person.id) == scored.c.id)
        .join(MentorProfile, col(MentorProfile.person_id) == scored.c.id)
    )


def _scored_mentors(caller: Principal, ranking: _Ranking, *conditions: Any) -> _Scored:
    """The organisation's mentors that meet `conditions`, each factor's value and the
    weighted mean.

    The factors are worked out once per mentor, in a materialised common table expression,
    and the score from them: in one select, each factor would be worked out twice (its own
    column, and its term in the score), and compiled twice. The expression holds only what
    the score needs, so the database carries narrow rows while it sorts them; the details
    are joined to the page alone (`_with_details`)."""
    factors, partial = ranking.factors, ranking.partial
    candidates = (
        establishment_access.joined(
            sa.select(
                col(Person.id),
                ranking.open_count.label("open_count"),
                ranking.in_date.label("supervised"),
                *(value.label(f"factor_{name}") for name, (_, value) in factors.items()),
                *(value.label(name) for name, value in ranking.shares.items()),
            )
            .select_from(MentorProfile)
            .join(Person, col(Person.id) == col(MentorProfile.person_id))
            .outerjoin(ranking.caseload, ranking.caseload.c.mentor_id == col(Person.id)),
            col(Person.id),
            ranking.wanted.access,
        )
        .where(
            # every mentor of the organisation is looked at: these narrow nothing
            not_indexed(col(Person.org_id)) == caller.org_id,
            not_indexed(col(Person.kind)) == PersonKind.mentor,
            col(Person.deleted_at).is_(None),
            *conditions,
        )
        .cte("candidates")
        .prefix_with("MATERIALIZED")
    )
    c = candidates.c
    weighted = sum(
        (
            weight
            * (
                sa.func.coalesce(c[f"factor_{name}"], 0.0)
                if name in partial
                else c[f"factor_{name}"]
            )
            for name, (weight, _) in factors.items()
        ),
        start=sa.literal(0.0),
    )
    total = sum(
        (
            weight * flag(c[f"factor_{name}"].is_not(None)) if name in partial else weight
            for name, (weight, _) in factors.items()
        ),
        start=sa.literal(0.0),
    )
    return _Scored(
        candidates, sa.func.coalesce(weighted / as_float(sa.func.nullif(total, 0.0)), 0.0)
    )


def _own_compiled_cache() -> dict[str, Any]:
    """Execution options for running a `_scored_mentors` statement.

    It has one term per need, language, day part... of its mentee: a shape of its own, which
    the engine's statement cache would keep, never to use again, for every full garbage
    collection to walk. So each statement is compiled into a cache of its own, gone with it."""
    return {"compiled_cache": {}}


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
        if name == expectations.FACTOR:  # a reason for each part compared
            reasons.extend(
                expectations.reasons(wanted.expectations, expectations.from_columns(row))
            )
            continue
        value = float(row[f"factor_{name}"])
        effect = Effect.raised if value >= 0.5 else Effect.lowered
        reasons.append(Reason(factor=name, effect=effect, detail=_WORDS[name](row, wanted)))
    if wanted.background.why_not:  # asked for, so always explained, even when not counted
        reasons.append(
            Reason(factor="background", effect=Effect.not_counted, detail=wanted.background.why_not)
        )
    reasons.extend(establishment_access.not_counted(wanted.access))
    return MatchSuggestion(
        mentor_id=row["id"],
        mentor_name=f"{row['preferred_name'] or row['given_name']} {row['family_name']}",
        open_relationships=row["open_count"],
        max_caseload=row["max_caseload"],
        availability=row["availability"],
        score=round(float(row["score"]), 4),
        reasons=reasons,
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


def _availability_words(row: Any, wanted: Wanted) -> str:
    common = [t for t in sorted(wanted.times) if t in set(row["weekly_availability"] or ())]
    if not common:
        return "no time in the week in common with the mentee"
    return f"can meet at {len(common)} of the mentee's {len(wanted.times)} times: " + ", ".join(
        common
    )


_WORDS: dict[str, Callable[[Any, Wanted], str]] = {
    "availability": _availability_words,
    "background": _background_words,
    "establishment_access": lambda row, wanted: establishment_access.words(row, wanted.access),
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


@dataclass(frozen=True)
class Fit:
    """How well a proposed mentor fitted the mentee, among the mentors who could be offered."""

    score: float
    rank: int | None  # 1 for the best suggestion; None when the mentor was not suggestible
    suggestible: int


async def fit(
    db: AsyncSession, caller: Principal, mentee_id: uuid.UUID, mentor_id: uuid.UUID
) -> Fit:
    """The mentor's score for this mentee and their place in the mentee's suggestions, as the
    caller would have seen them when proposing the match: what the fairness report compares
    across groups of mentees."""
    ranking = await _ranking(db, caller, mentee_id)
    connection = await db.connection()
    scored = _scored_mentors(caller, ranking, col(Person.id) == mentor_id).select().subquery()
    chosen = (
        await connection.execute(sa.select(scored.c.score), execution_options=_own_compiled_cache())
    ).scalar_one()
    suggestible = (
        _scored_mentors(caller, ranking, *_eligible(ranking), *ranking.filters(), ranking.in_date)
        .select()
        .subquery()
    )
    pool, better, listed = (
        await connection.execute(
            sa.select(
                sa.func.count(),
                sa.func.count().filter(suggestible.c.score > chosen),
                sa.func.count().filter(suggestible.c.id == mentor_id),
            ).select_from(suggestible),
            execution_options=_own_compiled_cache(),
        )
    ).one()
    return Fit(score=round(float(chosen), 4), rank=better + 1 if listed else None, suggestible=pool)
