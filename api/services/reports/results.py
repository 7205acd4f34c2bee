"""Report tables about results: outcomes at milestones, distance travelled, and mentors."""

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
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
from api.services.reports.sql import run, tally
from api.services.reports.tables import Group, Tabulator, mentees_in_scope, mentors_in_scope
from api.services.suppression import Count, share

SUPERVISION_DAYS = 90
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
    """Each mentee's latest record at each milestone (a correction supersedes the first)."""
    rank = (
        sa.func.row_number()
        .over(
            partition_by=(col(Outcome.mentee_id), col(Outcome.milestone)),
            order_by=(col(Outcome.recorded_on).desc(), col(Outcome.created_at).desc()),
        )
        .label("rank")
    )
    ranked = (
        sa.select(Outcome, rank)
        .where(
            col(Outcome.org_id) == org_id,
            col(Outcome.mentee_id).in_(mentees_in_scope(org_id, period)),
        )
        .subquery()
    )
    return aliased(Outcome, ranked), ranked.c.rank


async def outcomes(
    db: AsyncSession, org_id: Any, period: Period, tab: Tabulator
) -> list[ReportTable]:
    """Milestones recorded in the period, each against the same mentees' `start` record."""
    at, at_rank = _latest_outcomes(org_id, period)
    start, start_rank = _latest_outcomes(org_id, period)
    columns = [sa.func.count().label("mentees")]
    for name, measure in MEASURES.items():
        columns += [tally(measure(start), f"{name}:start"), tally(measure(at), f"{name}:then")]
    rows = (
        await run(
            db,
            sa.select(col(at.milestone), *columns)
            .join(start, col(start.mentee_id) == col(at.mentee_id))
            .where(
                at_rank == 1,
                start_rank == 1,
                col(start.milestone) == Milestone.start,
                col(at.milestone) != Milestone.start,
                col(at.recorded_on).between(period.start, period.end),
            )
            .group_by(col(at.milestone)),
        )
    ).all()
    found = {r.milestone: r._asdict() for r in rows}
    compared = [
        (
            {"milestone": milestone.value, "measure": name},
            {
                "mentees": found.get(milestone, {}).get("mentees", 0),
                "at_start": found.get(milestone, {}).get(f"{name}:start", 0),
                "at_milestone": found.get(milestone, {}).get(f"{name}:then", 0),
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
    for field in ("accommodation", "employment"):
        column = col(getattr(at, field))
        spread = (
            await run(
                db,
                sa.select(col(at.milestone), column, sa.func.count())
                .where(at_rank == 1, col(at.recorded_on).between(period.start, period.end))
                .group_by(col(at.milestone), column),
            )
        ).all()
        order = [m.value for m in Milestone]
        spread = sorted(spread, key=lambda r: (order.index(r[0]), r[1]))
        tables.append(
            tab.table(
                f"outcomes_{field}",
                f"{field.capitalize()} at each milestone",
                f"Each mentee's latest record per milestone dated in the period, by {field}.",
                ["milestone", field],
                [({"milestone": m, field: v}, {"mentees": n}) for m, v, n in spread],
            )
        )
    return tables


async def distance_travelled(
    db: AsyncSession, org_id: Any, period: Period, tab: Tabulator
) -> list[ReportTable]:
    """Per pathway: mentees assessed twice or more in the period, first score to latest."""
    per_pathway = []
    for pathway in Pathway:
        score = col(Assessment.scores)[pathway.value].as_integer()
        order = (col(Assessment.taken_on), col(Assessment.created_at))
        scored = (
            sa.select(
                col(Assessment.mentee_id).label("mentee_id"),
                score.label("score"),
                sa.func.row_number()
                .over(partition_by=col(Assessment.mentee_id), order_by=order)
                .label("first"),
                sa.func.row_number()
                .over(
                    partition_by=col(Assessment.mentee_id),
                    order_by=tuple(c.desc() for c in order),
                )
                .label("last"),
            )
            .where(
                col(Assessment.org_id) == org_id,
                col(Assessment.mentee_id).in_(mentees_in_scope(org_id, period)),
                col(Assessment.taken_on).between(period.start, period.end),
                score.is_not(None),
            )
            .subquery()
        )
        first, last = scored.alias(), scored.alias()
        change = last.c.score - first.c.score
        per_pathway.append(
            sa.select(
                sa.literal(pathway.value).label("pathway"),
                sa.func.count().label("mentees"),
                tally(change > 0, "improved"),
                tally(change == 0, "same"),
                tally(change < 0, "worse"),
                sa.func.coalesce(sa.func.sum(change), 0).label("total_change"),
            )
            .select_from(first)
            .join(last, last.c.mentee_id == first.c.mentee_id)
            .where(first.c.first == 1, last.c.last == 1, last.c.first > 1)
        )
    rows = (await run(db, sa.union_all(*per_pathway))).all()

    totals = {r.pathway: r.total_change for r in rows}

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
                    {"pathway": r.pathway},
                    {
                        "mentees": r.mentees,
                        "improved": r.improved,
                        "same": r.same,
                        "worse": r.worse,
                    },
                )
                for r in rows
            ],
            mean_change,
            breakdown=False,
        )
    ]


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
        )
    ]
