"""The fairness report: suggestions and matches by the mentee's gender, ethnicity and region,
so a programme sees whether some groups wait longer or are offered worse-fitting matches.

Its groups cross special category data with what happened to few people, so counts from 1
to 4 are suppressed for every reader, staff included, and the ethnicity table needs
`people:sensitive`. Two statements fetch one row per match proposed in the period and one
per mentee still waiting at its end; Python groups them three ways and takes the medians.
"""

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.models import MentoringRelationship, Organisation, Person
from api.models.base import utcnow
from api.models.enums import EndingReason
from api.models.report import FairnessReport, ReportTable
from api.services import policy
from api.services.reports.period import Period
from api.services.reports.sql import run
from api.services.reports.tables import Tabulator, mentees_in_scope
from api.services.suppression import Count, share

Rel = MentoringRelationship
DIMENSIONS = ("gender", "ethnicity", "region")
NOT_RECORDED = "not_recorded"
# Every reader: the groups are small and partly special category data.
TABULATOR = Tabulator(exact=False)


async def fairness_report(db: AsyncSession, caller: Principal, period: Period) -> FairnessReport:
    policy.authorize(caller, "reports.fairness")
    organisation = await db.get(Organisation, caller.org_id)
    assert organisation is not None
    matches = await _matches(db, caller.org_id, period)
    waiting = await _waiting(db, caller.org_id, period)
    dimensions = list(DIMENSIONS)
    not_reported = []
    if not caller.has("people:sensitive"):
        dimensions.remove("ethnicity")
        not_reported.append("By ethnicity: special category data, for `people:sensitive` only.")
    return FairnessReport(
        organisation=organisation.name,
        period_from=period.start,
        period_to=period.end,
        region=period.region,
        generated_at=utcnow(),
        exact_counts=TABULATOR.exact,
        tables=[_table(dimension, matches, waiting, period) for dimension in dimensions],
        not_reported=not_reported,
    )


def _group_of(value: str | None) -> str:
    """Free-text groups (gender, region) compare ignoring case and surrounding spaces."""
    return (value or "").strip().lower() or NOT_RECORDED


def _mentee_groups() -> list[sa.ColumnElement[Any]]:
    """The mentee's column for each dimension, and when they were recorded."""
    groups: list[sa.ColumnElement[Any]] = [getattr(Person, d) for d in DIMENSIONS]
    return [*groups, col(Person.created_at).label("recorded_at")]


async def _matches(db: AsyncSession, org_id: Any, period: Period) -> Sequence[Any]:
    """Each match proposed in the period: the mentee's groups, the wait since the mentee was
    recorded (first matches only), how well it fitted, and whether the mentee declined it."""
    earlier = aliased(Rel)
    first = ~sa.exists().where(
        col(earlier.mentee_id) == col(Rel.mentee_id),
        col(earlier.created_at) < col(Rel.created_at),
    )
    declined = sa.and_(
        col(Rel.ending_reason) == EndingReason.mentee_withdrew, col(Rel.started_on).is_(None)
    )
    rows: Sequence[Any] = (
        await run(
            db,
            sa.select(
                *_mentee_groups(),
                col(Rel.created_at).label("proposed_at"),
                first.label("first"),
                declined.label("declined"),
                col(Rel.match_score),
                col(Rel.mentor_rank),
                col(Rel.suggestible_mentors),
            )
            .join(Person, col(Person.id) == col(Rel.mentee_id))
            .where(
                col(Rel.org_id) == org_id,
                col(Rel.mentee_id).in_(mentees_in_scope(org_id, period)),
                col(Rel.created_at) >= period.first_instant,
                col(Rel.created_at) < period.after_last_instant,
            ),
        )
    ).all()
    return rows


async def _waiting(db: AsyncSession, org_id: Any, period: Period) -> Sequence[Any]:
    """Mentees recorded by the end of the period who had never been offered a match by then."""
    end = period.after_last_instant
    offered = sa.exists().where(col(Rel.mentee_id) == col(Person.id), col(Rel.created_at) < end)
    rows: Sequence[Any] = (
        await run(
            db,
            sa.select(*_mentee_groups()).where(
                col(Person.id).in_(mentees_in_scope(org_id, period)),
                col(Person.created_at) < end,
                ~offered,
            ),
        )
    ).all()
    return rows


def _days(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 86400


def _median(values: Iterable[float]) -> float | None:
    found = list(values)
    return round(statistics.median(found), 1) if found else None


def _table(
    dimension: str, matches: Sequence[Any], waiting: Sequence[Any], period: Period
) -> ReportTable:
    by_group: dict[str, list[Any]] = defaultdict(list)
    waiting_by_group: dict[str, list[Any]] = defaultdict(list)
    for row in matches:
        by_group[_group_of(getattr(row, dimension))].append(row)
    for row in waiting:
        waiting_by_group[_group_of(getattr(row, dimension))].append(row)
    groups = sorted(by_group.keys() | waiting_by_group.keys())
    rows = []
    figures: dict[str, dict[str, float | None]] = {}
    for group in groups:
        matched = by_group[group]
        fitted = [r for r in matched if r.match_score is not None]
        firsts = [r for r in matched if r.first]
        rows.append(
            (
                {dimension: group},
                {
                    "waiting_at_end": len(waiting_by_group[group]),
                    "matched": len(matched),
                    "first_matches": len(firsts),
                    "declined_by_mentee": sum(1 for r in matched if r.declined),
                    "fit_recorded": len(fitted),
                    "top_suggestion": sum(1 for r in fitted if r.mentor_rank == 1),
                    "not_suggestible": sum(1 for r in fitted if r.mentor_rank is None),
                },
            )
        )
        figures[group] = {
            "median_days_waiting_at_end": _median(
                _days(period.after_last_instant, r.recorded_at) for r in waiting_by_group[group]
            ),
            "median_days_to_first_match": _median(
                _days(r.proposed_at, r.recorded_at) for r in firsts
            ),
            "mean_match_score": (
                round(statistics.fmean(r.match_score for r in fitted), 3) if fitted else None
            ),
            "median_suggestible_mentors": _median(r.suggestible_mentors for r in fitted),
        }
    return TABULATOR.table(
        f"matching_by_{dimension}",
        f"Matching by the mentee's {dimension}",
        "Per group of mentees: those recorded by the end of the period and never offered a "
        "match by then (`waiting_at_end`); matches proposed in the period, the mentee's first "
        "among them, and those the mentee declined; of matches whose fit was recorded when "
        "proposed, those to the best-scoring suggestion and those to a mentor who was not "
        "among the suggestions. Figures: median days waited by those still waiting at the end "
        "of the period, median days from the mentee's record to their first match, mean "
        "match score (0..1), median number of mentors who could be suggested.",
        [dimension],
        rows,
        _figures(figures),
    )


def _figures(
    figures: dict[str, dict[str, float | None]],
) -> Callable[[dict[str, Count], dict[str, str]], dict[str, float | None]]:
    """A group's figures, or none where the count they rest on is suppressed: a median of
    two people's waits would say what each waited."""
    basis = {
        "median_days_waiting_at_end": "waiting_at_end",
        "median_days_to_first_match": "first_matches",
        "mean_match_score": "fit_recorded",
        "median_suggestible_mentors": "fit_recorded",
    }

    def shown(counts: dict[str, Count], group: dict[str, str]) -> dict[str, float | None]:
        (value,) = group.values()
        found = {
            name: figure if counts[basis[name]].value else None
            for name, figure in figures[value].items()
        }
        found["share_declined"] = share(counts["declined_by_mentee"], counts["matched"])
        found["share_top_suggestion"] = share(counts["top_suggestion"], counts["fit_recorded"])
        return found

    return shown
