"""Match suggestions: eligible mentors (filtered in SQL), scored by explainable factors."""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.errors import Forbidden, Invalid
from api.models import MentoringRelationship, MentorProfile, Person
from api.models.base import utc_today
from api.models.enums import OPEN_RELATIONSHIP_STATUSES, Pathway, PersonKind, Role
from api.models.matching import MatchingWeights, MatchSuggestion, Reason
from api.services import organisation, people
from api.services.eligibility import cleared_and_trained, excluded_for, open_caseloads

WOMEN_SPECIFIC = frozenset({Pathway.abuse_domestic_violence, Pathway.sex_work})
WOMEN = frozenset({"female", "woman", "f"})
SUPERVISION_DAYS = 90


@dataclass(frozen=True)
class MenteeNeeds:
    needs: frozenset[str]
    languages: frozenset[str]
    areas: frozenset[str]
    peer_preferred: bool


async def suggest(
    db: AsyncSession, caller: Principal, mentee_id: uuid.UUID, *, limit: int
) -> list[MatchSuggestion]:
    """The organisation's eligible mentors for this mentee, best first."""
    if caller.role not in (Role.admin, Role.coordinator):
        raise Forbidden("Matching is for administrators and coordinators.")
    mentee = await people.find_person(db, caller, mentee_id)
    profile = mentee.mentee_profile
    if profile is None:
        raise Invalid("Suggestions are for mentees.", loc=["path", "mentee_id"])
    weights = organisation.matching_weights(await organisation.get_organisation(db, caller))
    wanted = MenteeNeeds(
        needs=frozenset(profile.needs),
        languages=frozenset(language.lower() for language in mentee.languages),
        areas=frozenset(a.lower() for a in (mentee.region, profile.probation_region) if a),
        peer_preferred=profile.peer_mentor_preferred,
    )
    connection = await db.connection()  # plain rows: no ORM objects for thousands of mentors
    rows = (
        await connection.execute(
            _eligible_mentors(caller, mentee.id, profile.preferred_mentor_gender)
        )
    ).all()
    # Lived experience is sensitive: without the scope it neither shows nor counts.
    sensitive = caller.has("people:sensitive")
    today = utc_today()
    scored = [_score(wanted, row, weights, sensitive, today) for row in rows]
    scored.sort(key=lambda s: (-s[0].score, s[1], str(s[0].mentor_id)))
    return [suggestion for suggestion, _ in scored[:limit]]


def _eligible_mentors(
    caller: Principal, mentee_id: uuid.UUID, preferred_gender: str | None
) -> sa.Select[Any]:
    caseload = open_caseloads(caller.org_id)
    open_count = sa.func.coalesce(caseload.c.open_count, 0)
    already_matched = sa.exists().where(
        col(MentoringRelationship.mentee_id) == mentee_id,
        col(MentoringRelationship.mentor_id) == col(Person.id),
        col(MentoringRelationship.status).in_(OPEN_RELATIONSHIP_STATUSES),
    )
    stmt = (
        sa.select(
            col(Person.id),
            col(Person.gender),
            col(Person.languages),
            col(Person.region),
            col(MentorProfile.skills),
            col(MentorProfile.max_caseload),
            col(MentorProfile.lived_experience),
            col(MentorProfile.last_supervision_on),
            open_count.label("open_count"),
        )
        .join(MentorProfile, col(MentorProfile.person_id) == col(Person.id))
        .outerjoin(caseload, caseload.c.mentor_id == col(Person.id))
        .where(
            col(Person.org_id) == caller.org_id,
            col(Person.kind) == PersonKind.mentor,
            col(Person.deleted_at).is_(None),
            cleared_and_trained(utc_today()),
            open_count < col(MentorProfile.max_caseload),
            sa.not_(excluded_for(mentee_id, col(Person.id))),
            sa.not_(already_matched),
        )
    )
    if preferred_gender:
        stmt = stmt.where(sa.func.lower(col(Person.gender)) == preferred_gender.lower())
    return stmt


def _score(
    wanted: MenteeNeeds, row: Any, weights: MatchingWeights, sensitive: bool, today: date
) -> tuple[MatchSuggestion, int]:
    factors: list[tuple[str, float, float, str]] = []  # factor, weight, value 0..1, detail

    if wanted.needs:
        covered = sorted(wanted.needs & set(row.skills))
        detail = (
            f"covers {', '.join(covered)} of {len(wanted.needs)} needs"
            if covered
            else f"covers none of the mentee's {len(wanted.needs)} needs"
        )
        factors.append(("needs", weights.needs, len(covered) / len(wanted.needs), detail))
    if wanted.peer_preferred and sensitive:
        lived = bool(row.lived_experience)
        factors.append(
            (
                "peer",
                weights.peer,
                float(lived),
                "has lived experience, as the mentee would like"
                if lived
                else "no lived experience, though the mentee would like a peer mentor",
            )
        )
    if wanted.languages:
        shared = sorted(wanted.languages & {language.lower() for language in row.languages})
        factors.append(
            (
                "language",
                weights.language,
                float(bool(shared)),
                f"speaks {', '.join(shared)}" if shared else "no language in common",
            )
        )
    if wanted.areas:
        near = (row.region or "").lower() in wanted.areas
        factors.append(
            (
                "region",
                weights.region,
                float(near),
                f"works in {row.region}"
                if near
                else f"works in {row.region or 'an unknown region'}, not the mentee's",
            )
        )
    if wanted.needs & WOMEN_SPECIFIC:
        woman = (row.gender or "").lower() in WOMEN
        factors.append(
            (
                "women_specific",
                weights.women_specific,
                float(woman),
                "a woman mentor for women-specific needs"
                if woman
                else "not a woman mentor, and the mentee has women-specific needs",
            )
        )
    free = row.max_caseload - row.open_count
    factors.append(
        (
            "capacity",
            weights.capacity,
            free / row.max_caseload,
            f"{free} of {row.max_caseload} places free",
        )
    )
    recent = row.last_supervision_on is not None and row.last_supervision_on >= today - timedelta(
        days=SUPERVISION_DAYS
    )
    factors.append(
        (
            "supervision",
            weights.supervision,
            float(recent),
            f"supervised within {SUPERVISION_DAYS} days"
            if recent
            else f"no supervision recorded in {SUPERVISION_DAYS} days",
        )
    )

    counted = [f for f in factors if f[1] > 0]
    total = sum(weight for _, weight, _, _ in counted)
    score = sum(weight * value for _, weight, value, _ in counted) / total if total else 0.0
    reasons = [
        Reason(factor=name, effect="raised" if value >= 0.5 else "lowered", detail=detail)
        for name, _, value, detail in counted
    ]
    return MatchSuggestion(mentor_id=row.id, score=round(score, 4), reasons=reasons), int(
        row.open_count
    )
