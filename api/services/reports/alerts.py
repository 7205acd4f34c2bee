"""The alerts table of the programme report: alerts raised in the period by rule and
severity, how many were resolved in it (and how many cleared by themselves), and the median
time from raising to resolving."""

from typing import Any

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import Alert
from api.models.report import ReportTable
from api.services.alert_rules import RULES
from api.services.reports.period import Period
from api.services.reports.sql import hours_between, run, tally
from api.services.reports.tables import Tabulator, mentees_in_scope, mentors_in_scope


def _in_scope(org_id: Any, period: Period) -> list[Any]:
    conditions = [col(Alert.org_id) == org_id]
    if period.region:  # the mentee's region, or for an alert about a mentor, the mentor's
        conditions.append(
            sa.or_(
                col(Alert.mentee_id).in_(mentees_in_scope(org_id, period)),
                sa.and_(
                    col(Alert.mentee_id).is_(None),
                    col(Alert.mentor_id).in_(mentors_in_scope(org_id, period)),
                ),
            )
        )
    return conditions


async def alerts(
    db: AsyncSession, org_id: Any, period: Period, tab: Tabulator
) -> list[ReportTable]:
    start, end = period.first_instant, period.after_last_instant
    raised_in = sa.and_(col(Alert.raised_at) >= start, col(Alert.raised_at) < end)
    resolved_in = sa.and_(col(Alert.resolved_at) >= start, col(Alert.resolved_at) < end)
    by_system = col(Alert.resolved_by).like("system:%")
    counted = (
        await run(
            db,
            sa.select(
                col(Alert.rule),
                col(Alert.severity),
                tally(raised_in, "raised"),
                tally(resolved_in, "resolved"),
                tally(sa.and_(resolved_in, by_system), "cleared_by_themselves"),
            )
            .where(*_in_scope(org_id, period), sa.or_(raised_in, resolved_in))
            .group_by(col(Alert.rule), col(Alert.severity)),
        )
    ).all()
    medians = await _median_hours(db, org_id, period, resolved_in)
    found = {(r.rule, r.severity): r for r in counted}
    # every rule has its row (zeros say it raised nothing), then anything else raised
    keys = [(rule.name.value, rule.severity.value) for rule in RULES.values()]
    keys += sorted(k for k in found if k not in keys)
    rows = []
    for rule, severity in keys:
        row = found.get((rule, severity))
        values = {
            "raised": row.raised if row else 0,
            "resolved": row.resolved if row else 0,
            "cleared_by_themselves": row.cleared_by_themselves if row else 0,
        }
        rows.append(({"rule": rule, "severity": severity}, values))

    def figures(c: dict[str, Any], group: dict[str, str]) -> dict[str, float | None]:
        median = medians.get((group["rule"], group["severity"]))
        if median is None or c["resolved"].value in (None, 0):
            return {"median_hours_to_resolve": None}
        return {"median_hours_to_resolve": round(float(median), 1)}

    return [
        tab.table(
            "alerts",
            "Alerts raised and time to resolve",
            "Early-warning alerts raised in the period, by rule and severity; those resolved in "
            "the period (by staff or, when the condition cleared, by themselves) and the "
            "median hours from raising to resolving.",
            ["rule", "severity"],
            rows,
            figures,
            breakdown=False,
        )
    ]


async def _median_hours(
    db: AsyncSession, org_id: Any, period: Period, resolved_in: Any
) -> dict[tuple[str, str], float]:
    """Per rule and severity, the median hours to resolve of the alerts resolved in the
    period (the middle one, or the mean of the middle two)."""
    group = (col(Alert.rule), col(Alert.severity))
    resolved = (
        sa.select(
            *group,
            hours_between(col(Alert.resolved_at), col(Alert.raised_at)).label("hours"),
        )
        .where(*_in_scope(org_id, period), resolved_in)
        .subquery()
    )
    ranked = sa.select(
        resolved.c.rule,
        resolved.c.severity,
        resolved.c.hours,
        sa.func.row_number()
        .over(partition_by=(resolved.c.rule, resolved.c.severity), order_by=resolved.c.hours)
        .label("n"),
        sa.func.count().over(partition_by=(resolved.c.rule, resolved.c.severity)).label("total"),
    ).subquery()
    middle = (
        sa.select(ranked.c.rule, ranked.c.severity, sa.func.avg(ranked.c.hours))
        .where(ranked.c.n.in_([(ranked.c.total + 1) // 2, (ranked.c.total + 2) // 2]))
        .group_by(ranked.c.rule, ranked.c.severity)
    )
    return {(rule, severity): hours for rule, severity, hours in (await run(db, middle)).all()}
