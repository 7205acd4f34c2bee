"""The programme report: every table, for one organisation, period and region."""

from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth.principal import Principal
from api.models import Organisation
from api.models.base import utcnow
from api.models.report import ProgrammeReport
from api.services.reports import activity, alerts, results
from api.services.reports.period import Period
from api.services.reports.tables import Tabulator
from api.services.suppression import sees_exact_counts

SECTIONS = (
    activity.relationships,
    activity.durations,
    activity.through_the_gate,
    activity.sessions,
    activity.goals,
    activity.referrals,
    results.outcomes,
    results.distance_travelled,
    results.mentors,
    alerts.alerts,
)
NOT_REPORTED: list[str] = []


async def programme_report(db: AsyncSession, caller: Principal, period: Period) -> ProgrammeReport:
    """Every table of the report, as this caller may see them."""
    organisation = await db.get(Organisation, caller.org_id)
    assert organisation is not None
    tab = Tabulator(exact=sees_exact_counts(caller))
    tables = []
    for section in SECTIONS:
        tables += await section(db, caller.org_id, period, tab)
    return ProgrammeReport(
        organisation=organisation.name,
        period_from=period.start,
        period_to=period.end,
        region=period.region,
        generated_at=utcnow(),
        exact_counts=tab.exact,
        tables=tables,
        not_reported=NOT_REPORTED,
    )
