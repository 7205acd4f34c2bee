"""The Justice Data Lab cohort: one row per mentee who started in the period.

The Ministry of Justice's Justice Data Lab matches the file against the Police National
Computer and measures reoffending against a matched comparison group. It needs at least 60
people it can match.
"""

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.models import (
    MenteeProfile,
    MentoringRelationship,
    MentoringSession,
    Organisation,
    Person,
    RelationshipEvent,
)
from api.models.enums import ConsentPurpose, Phase, SessionStatus
from api.models.report import CohortSummary, MissingIdentifiers
from api.services import audit, organisation
from api.services.consents import consenting
from api.services.reports.period import Period
from api.services.reports.sql import run
from api.services.reports.tables import mentees_in_scope
from api.services.suppression import count, counts, sees_exact_counts

JDL_MINIMUM = 60
# People audited per batch when the cohort file is exported: memory stays flat at any size.
AUDIT_BATCH = 2000
HEADER = (
    "Surname",
    "Forename",
    "Date of Birth",
    "Gender",
    "PNC ID",
    "Prison Number",
    "Index Date",
    "Intervention Start Date",
    "Intervention End Date",
    "Ending Reason",
    "Sessions Held",
)
GENDERS = {
    **dict.fromkeys(("male", "man", "m"), "Male"),
    **dict.fromkeys(("female", "woman", "f"), "Female"),
}
Rel = MentoringRelationship


async def _cohort_of(db: AsyncSession, org_id: Any, period: Period, **options: bool) -> Any:
    """The cohort as the organisation's settings have it: with only the people consenting to
    research when the organisation says the research export needs that consent."""
    org = await db.get(Organisation, org_id)
    needs_consent = org is not None and organisation.research_needs_consent(org)
    return _cohort(org_id, period, needs_consent=needs_consent, **options)


def _cohort(
    org_id: Any, period: Period, *, needs_consent: bool, with_sessions: bool = False
) -> Any:
    """Each mentee's first relationship started in the period, with what the file needs
    (the count of sessions held only when asked: the summary has no use for it)."""
    first = (
        sa.select(
            col(Rel.id).label("relationship_id"),
            col(Rel.mentee_id).label("mentee_id"),
            col(Rel.started_on).label("started_on"),
            col(Rel.ended_on).label("ended_on"),
            col(Rel.ending_reason).label("ending_reason"),
            sa.func.row_number()
            .over(
                partition_by=col(Rel.mentee_id),
                order_by=(col(Rel.started_on), col(Rel.created_at)),
            )
            .label("rank"),
        )
        .where(
            col(Rel.org_id) == org_id,
            col(Rel.mentee_id).in_(mentees_in_scope(org_id, period)),
            col(Rel.started_on).between(period.start, period.end),
        )
        .subquery()
    )
    from_custody = sa.exists().where(
        col(RelationshipEvent.relationship_id) == first.c.relationship_id,
        col(RelationshipEvent.field) == "phase",
        col(RelationshipEvent.to_value) == Phase.custody,
    )
    held = (
        sa.select(sa.func.count())
        .where(
            col(MentoringSession.relationship_id) == first.c.relationship_id,
            col(MentoringSession.status) == SessionStatus.held,
        )
        .scalar_subquery()
    )
    index_date = sa.case((from_custody, col(MenteeProfile.release_date)), else_=first.c.started_on)
    stmt = (
        sa.select(
            col(Person.id).label("mentee_id"),
            col(Person.family_name).label("surname"),
            col(Person.given_name).label("forename"),
            col(Person.date_of_birth).label("date_of_birth"),
            col(Person.gender).label("gender"),
            col(MenteeProfile.pnc_number).label("pnc_number"),
            col(MenteeProfile.prison_number).label("prison_number"),
            index_date.label("index_date"),
            first.c.started_on,
            first.c.ended_on,
            first.c.ending_reason,
            *([held.label("sessions_held")] if with_sessions else []),
        )
        .select_from(first)
        .join(Person, col(Person.id) == first.c.mentee_id)
        .join(MenteeProfile, col(MenteeProfile.person_id) == col(Person.id))
        .where(first.c.rank == 1, col(Person.erased_at).is_(None))  # nobody left to match
    )
    if needs_consent:
        stmt = stmt.where(consenting(ConsentPurpose.research_and_evaluation, Person.id))
    return stmt


MISSING_CHECKS: dict[str, Callable[[Any], sa.ColumnElement[bool]]] = {
    "date_of_birth": lambda c: c.date_of_birth.is_(None),
    "gender": lambda c: c.gender.is_(None),
    "index_date": lambda c: c.index_date.is_(None),
    "pnc_or_prison_number": lambda c: sa.and_(c.pnc_number.is_(None), c.prison_number.is_(None)),
}


async def summary(db: AsyncSession, caller: Principal, period: Period) -> CohortSummary:
    """How many rows, how many complete, what is missing (and, for staff, for whom)."""
    # Materialised: each row's checks then read its index date, not work it out again.
    cohort = (await _cohort_of(db, caller.org_id, period)).cte("cohort").prefix_with("MATERIALIZED")
    incomplete = sa.or_(*(check(cohort.c) for check in MISSING_CHECKS.values()))
    exact = sees_exact_counts(caller)
    # One pass, grouped by what is missing: the complete rows make one group; for staff,
    # who see which mentee lacks what, each incomplete row is a group of its own.
    flags = [check(cohort.c).label(name) for name, check in MISSING_CHECKS.items()]
    who = [sa.case((incomplete, cohort.c.mentee_id)).label("mentee_id")] if exact else []
    groups = (
        await run(
            db,
            sa.select(*who, *flags, sa.func.count().label("rows"))
            .group_by(*who, *flags)
            .order_by(*who),
        )
    ).all()
    lacking = [g for g in groups if any(getattr(g, n) for n in MISSING_CHECKS)]
    rows = sum(g.rows for g in groups)
    complete = rows - sum(g.rows for g in lacking)
    missing = (
        [
            MissingIdentifiers(
                mentee_id=g.mentee_id, missing=[n for n in MISSING_CHECKS if getattr(g, n)]
            )
            for g in lacking
        ]
        if exact
        else None
    )
    return CohortSummary(
        period_from=period.start,
        period_to=period.end,
        rows=count(rows, exact=exact),
        complete=count(complete, exact=exact),
        minimum=JDL_MINIMUM,
        meets_minimum=complete >= JDL_MINIMUM,
        missing_counts=counts(
            {n: sum(g.rows for g in lacking if getattr(g, n)) for n in MISSING_CHECKS},
            exact=exact,
        ),
        missing=missing,
    )


async def start_export(db: AsyncSession, caller: Principal, period: Period) -> int:
    """Record the export in the audit log (committed before a byte is sent); the row count."""
    cohort = (await _cohort_of(db, caller.org_id, period)).subquery()
    await audit.hold_chain(db, caller.org_id)
    found = await db.stream(sa.select(cohort.c.mentee_id).execution_options(yield_per=AUDIT_BATCH))
    rows = 0
    async for people in found.scalars().partitions():
        # each person in the file: a row of their own, written a batch at a time
        audit.read_rows(db, "person", people)
        await audit.write(db)
        rows += len(people)
    audit.record(
        db,
        caller,
        "report.jdl_cohort_export",
        entity_type="report",
        period_from=period.start.isoformat(),
        period_to=period.end.isoformat(),
        region=period.region,
        rows=rows,
    )
    await db.commit()
    return rows


async def rows(db: AsyncSession, org_id: Any, period: Period) -> AsyncIterator[Sequence[Any]]:
    """The file's rows, streamed from the database (a server-side cursor on PostgreSQL)."""
    stmt = (await _cohort_of(db, org_id, period, with_sessions=True)).order_by(
        col(Person.family_name), col(Person.given_name)
    )
    result = await db.stream(stmt.execution_options(yield_per=1000))
    async for row in result:
        yield (
            row.surname,
            row.forename,
            _jdl_date(row.date_of_birth),
            GENDERS.get((row.gender or "").strip().lower(), "Unknown"),
            row.pnc_number,
            row.prison_number,
            _jdl_date(row.index_date),
            _jdl_date(row.started_on),
            _jdl_date(row.ended_on),
            row.ending_reason,
            row.sessions_held,
        )


def _jdl_date(value: date | str | None) -> str | None:
    """DD/MM/YYYY, as the Justice Data Lab's template has it."""
    if value is None:
        return None
    if isinstance(value, str):  # a CASE over dates comes back as text on SQLite
        value = date.fromisoformat(value)
    return value.strftime("%d/%m/%Y")
