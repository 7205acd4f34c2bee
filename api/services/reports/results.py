"""Report tables about results: outcomes at milestones, distance travelled, and mentors."""

from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import Assessment, MentoringRelationship, MentorProfile, Outcome
from api.models.enums import (
    OPEN_RELATIONSHIP_STATUSES,
    Employment,
    Milestone,
    Pathway,
    VettingStatus,
)
from api.models.report import ReportTable
from api.services.reports.period import Period
from api.services.reports.sql import json_entries, run, tally
from api.services.reports.tables import Group, Tabulator, mentees_in_scope, mentors_in_scope
from api.services.suppression import Count, share

SUPERVISION_DAYS = 90
SPREAD_FIELDS = ("accommodation", "employment")
IN_WORK_OR_LEARNING = (
    Employment.employed,
    Employment.self_employed,
    Employment.training,
    Employment.education,
)
# Each outcome measure as a condition on one outcome row (`o`).
MEASURES: dict[str, Any] = {
    "settled_accommodation": lambda o: o.accommodation == "settled",
    "in_work_training_or_education": lambda o: o.employment.in_(IN_WORK_OR_LEARNING),
    "drug_alcohol_treatment": lambda o: o.drug_alcohol_treatment.is_(True),
    "gp_registered": lambda o: o.gp_registered.is_(True),
    "bank_account": lambda o: o.bank_account.is_(True),
    "id_documents": lambda o: o.id_documents.is_(True),
    "benefits_in_payment": lambda o: o.benefits_in_payment.is_(True),
    "reoffended_known": lambda o: o.reoffended_known.is_(True),
    "recalled": lambda o: o.recalled.is_(True),
}


def _latest_outcomes(org_id: Any, period: Period) -> Any:
    """Each mentee's latest record at each milestone (a correction supersedes the first),
    with its measures as bits of one number (`bits`, measure i being 2**i), beside the bits
    of the mentee's latest `start` record (`start_bits`, null without one).

    One window over one scan: each mentee's records, their latest `start` first, then each
    milestone's records latest first, so a record is its milestone's latest when the one
    before it is of another milestone."""
    is_start = col(Outcome.milestone) == Milestone.start
    bits = sum(
        (sa.case((measure(Outcome), 2**i), else_=0) for i, measure in enumerate(MEASURES.values())),
        start=sa.literal(0),
    )

    def over(function: Any) -> Any:
        return function.over(
            partition_by=col(Outcome.mentee_id),
            order_by=(
                sa.case((is_start, 0), else_=1),
                col(Outcome.milestone),
                col(Outcome.recorded_on).desc(),
                col(Outcome.created_at).desc(),
            ),
        )

    ordered = (
        sa.select(
            col(Outcome.milestone),
            col(Outcome.recorded_on),
            col(Outcome.accommodation),
            col(Outcome.employment),
            bits.label("bits"),
            over(sa.func.first_value(sa.case((is_start, bits)))).label("start_bits"),
            over(sa.func.lag(col(Outcome.milestone))).label("previous_milestone"),
        )
        .where(
            col(Outcome.org_id) == org_id,
            col(Outcome.mentee_id).in_(mentees_in_scope(org_id, period)),
        )
        .subquery()
    )
    return (
        sa.select(ordered)
        .where(ordered.c.previous_milestone.is_distinct_from(ordered.c.milestone))
        .subquery()
    )


async def outcomes(
    db: AsyncSession, org_id: Any, period: Period, tab: Tabulator
) -> list[ReportTable]:
    """Milestones recorded in the period, each against the same mentees' `start` record."""
    latest = _latest_outcomes(org_id, period)
    compared_to_start = sa.and_(
        latest.c.milestone != Milestone.start, latest.c.start_bits.is_not(None)
    )
    columns = [
        sa.func.count().label("records"),
        tally(compared_to_start, "mentees"),
    ]
    for i, name in enumerate(MEASURES):
        columns += [
            tally(
                sa.and_(compared_to_start, latest.c.start_bits.bitwise_and(2**i) != 0),
                f"{name}:start",
            ),
            tally(sa.and_(compared_to_start, latest.c.bits.bitwise_and(2**i) != 0), f"{name}:then"),
        ]
    # One pass, grouped finely; the three tables are sums over these few groups.
    groups = (
        await run(
            db,
            sa.select(latest.c.milestone, latest.c.accommodation, latest.c.employment, *columns)
            .where(latest.c.recorded_on.between(period.start, period.end))
            .group_by(latest.c.milestone, latest.c.accommodation, latest.c.employment),
        )
    ).all()
    found: dict[str, Counter[str]] = defaultdict(Counter)
    spreads: dict[str, Counter[tuple[str, str]]] = {f: Counter() for f in SPREAD_FIELDS}
    for group in groups:
        values = group._asdict()
        found[group.milestone].update(
            {k: v for k, v in values.items() if ":" in k or k == "mentees"}
        )
        for field in SPREAD_FIELDS:
            spreads[field][(group.milestone, values[field])] += group.records
    compared = [
        (
            {"milestone": milestone.value, "measure": name},
            {
                "mentees": found[milestone]["mentees"],
                "at_start": found[milestone][f"{name}:start"],
                "at_milestone": found[milestone][f"{name}:then"],
            },
        )
        for milestone in Milestone
        if milestone != Milestone.start
        for name in MEASURES
    ]
    tables = [
        tab.table(
            "outcomes_compared_with_start",
            "Outcomes at each milestone, compared with the start",
            "Mentees with a record at the milestone (dated in the period) and a `start` "
            "record: how many met each measure then and at the start.",
            ["milestone", "measure"],
            compared,
            lambda c, _: {
                "share_at_start": share(c["at_start"], c["mentees"]),
                "share_at_milestone": share(c["at_milestone"], c["mentees"]),
            },
            breakdown=False,
        )
    ]
    order = [m.value for m in Milestone]
    for field in SPREAD_FIELDS:
        tables.append(
            tab.table(
                f"outcomes_{field}",
                f"{field.capitalize()} at each milestone",
                f"Each mentee's latest record per milestone dated in the period, by {field}.",
                ["milestone", field],
                [
                    ({"milestone": m, field: v}, {"mentees": n})
                    for (m, v), n in sorted(
                        spreads[field].items(),
                        key=lambda item: (order.index(item[0][0]), item[0][1]),
                    )
                ],
            )
        )
    return tables


async def distance_travelled(
    db: AsyncSession, org_id: Any, period: Period, tab: Tabulator
) -> list[ReportTable]:
    """Per pathway: mentees assessed twice or more in the period, first score to latest."""
    found = {r.pathway: r for r in await _score_changes(db, org_id, period)}
    totals = {p.value: found[p.value].total_change if p.value in found else 0 for p in Pathway}

    def mean_change(c: dict[str, Count], group: Group) -> dict[str, float | None]:
        mentees = c["mentees"].value
        return {"mean_change": round(totals[group["pathway"]] / mentees, 2) if mentees else None}

    return [
        tab.table(
            "distance_travelled",
            "Distance travelled per pathway",
            "Mentees assessed at least twice in the period on a pathway: did their score "
            "(1 to 10) rise, stay or fall from the first to the latest, and the mean change.",
            ["pathway"],
            [
                (
                    {"pathway": pathway.value},
                    {
                        part: getattr(found[pathway.value], part) if pathway.value in found else 0
                        for part in ("mentees", "improved", "same", "worse")
                    },
                )
                for pathway in Pathway
            ],
            mean_change,
            breakdown=False,
            parts=["improved", "same", "worse"],
        )
    ]


# A score packed with the order of its assessment: order * SCORE_PLACES + score, so the
# smallest packed value is the first score and the largest the latest.
_SCORE_PLACES = 100


async def _score_changes(db: AsyncSession, org_id: Any, period: Period) -> list[Any]:
    """For each pathway scored, the mentees assessed on it at least twice in the period, how
    many improved, stayed or fell from their first score to their latest, and the total
    change.

    One scan of the assessments, each numbered in its mentee's order (by date, then time of
    recording; two at the same moment share a number, and the lower score counts first),
    then one row per score (the JSON object's entries), grouped per mentee and pathway."""
    ordered = (
        sa.select(
            col(Assessment.mentee_id).label("mentee_id"),
            col(Assessment.scores).label("scores"),
            sa.func.dense_rank()
            .over(
                partition_by=col(Assessment.mentee_id),
                order_by=(col(Assessment.taken_on), col(Assessment.created_at)),
            )
            .label("position"),
        )
        .where(
            col(Assessment.org_id) == org_id,
            col(Assessment.mentee_id).in_(mentees_in_scope(org_id, period)),
            col(Assessment.taken_on).between(period.start, period.end),
        )
        .subquery()
    )
    entries = json_entries(ordered.c.scores).table_valued("key", "value").alias("score")
    packed = ordered.c.position * _SCORE_PLACES + sa.cast(entries.c.value, sa.Integer)
    per_mentee = (
        sa.select(
            entries.c.key.label("pathway"),
            (sa.func.max(packed) % _SCORE_PLACES - sa.func.min(packed) % _SCORE_PLACES).label(
                "change"
            ),
        )
        .select_from(ordered)
        .join(entries, sa.true())
        .where(entries.c.value.is_not(None), entries.c.key.in_([p.value for p in Pathway]))
        .group_by(ordered.c.mentee_id, entries.c.key)
        .having(sa.func.count() > 1)
        .subquery()
    )
    change = per_mentee.c.change
    return list(
        (
            await run(
                db,
                sa.select(
                    per_mentee.c.pathway,
                    sa.func.count().label("mentees"),
                    tally(change > 0, "improved"),
                    tally(change == 0, "same"),
                    tally(change < 0, "worse"),
                    sa.func.coalesce(sa.func.sum(change), 0).label("total_change"),
                ).group_by(per_mentee.c.pathway),
            )
        ).all()
    )


async def mentors(
    db: AsyncSession, org_id: Any, period: Period, tab: Tabulator
) -> list[ReportTable]:
    """Mentors now: caseloads, vetting in date, training, supervision in the last 90 days."""
    caseload = (
        sa.select(
            col(MentoringRelationship.mentor_id).label("mentor_id"),
            sa.func.count().label("open"),
        )
        .where(
            col(MentoringRelationship.org_id) == org_id,
            col(MentoringRelationship.status).in_(OPEN_RELATIONSHIP_STATUSES),
        )
        .group_by(col(MentoringRelationship.mentor_id))
        .subquery()
    )
    open_count = sa.func.coalesce(caseload.c.open, 0)
    supervised_since = period.end - timedelta(days=SUPERVISION_DAYS)
    row = (
        await run(
            db,
            sa.select(
                sa.func.count().label("mentors"),
                tally(open_count == 0, "caseload_0"),
                tally(open_count == 1, "caseload_1"),
                tally(open_count == 2, "caseload_2"),
                tally(open_count >= 3, "caseload_3_or_more"),
                tally(open_count > col(MentorProfile.max_caseload), "over_caseload"),
                tally(
                    sa.and_(
                        col(MentorProfile.vetting_status) == VettingStatus.cleared,
                        col(MentorProfile.vetting_expires_on) >= period.end,
                    ),
                    "vetting_in_date",
                ),
                tally(col(MentorProfile.training_completed_on).is_not(None), "trained"),
                tally(
                    col(MentorProfile.last_supervision_on) >= supervised_since,
                    f"supervised_in_{SUPERVISION_DAYS}_days",
                ),
                sa.func.coalesce(sa.func.sum(open_count), 0).label("open_relationships"),
            )
            .select_from(MentorProfile)
            .outerjoin(caseload, caseload.c.mentor_id == col(MentorProfile.person_id))
            .where(col(MentorProfile.person_id).in_(mentors_in_scope(org_id, period))),
        )
    ).one()
    values = row._asdict()
    return [
        tab.table(
            "mentors",
            "Mentors: caseloads and compliance",
            "Mentors as they stand at the end of the period: open relationships each, "
            "vetting cleared and in date, training completed, supervised in the 90 days "
            "before the period's end.",
            [],
            [({}, values)],
            lambda c, _: {
                "share_vetting_in_date": share(c["vetting_in_date"], c["mentors"]),
                "share_trained": share(c["trained"], c["mentors"]),
                f"share_supervised_in_{SUPERVISION_DAYS}_days": share(
                    c[f"supervised_in_{SUPERVISION_DAYS}_days"], c["mentors"]
                ),
            },
            breakdown=False,
            parts=["caseload_0", "caseload_1", "caseload_2", "caseload_3_or_more"],
        )
    ]
