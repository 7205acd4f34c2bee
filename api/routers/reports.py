"""`/reports`: the programme report (JSON, CSV, a printable page) and the Justice Data Lab
cohort (a summary for report readers, the file for admins)."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, Response
from fastapi.responses import HTMLResponse, StreamingResponse

from api import tenancy
from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB, SessionFactory
from api.errors import problem_responses
from api.models.common import Day, QueryText
from api.models.report import CohortSummary, FairnessReport, ProgrammeReport, TabledReport
from api.render import csv_safe
from api.render import report as render
from api.routers.resource_router import ResourceRouter
from api.services.reports import jdl
from api.services.reports.fairness import fairness_report
from api.services.reports.period import Period
from api.services.reports.programme import programme_report

router = ResourceRouter(
    prefix="/reports", tags=["reports"], responses=problem_responses(401, 403, 422, 429)
)

CSV = "text/csv; charset=utf-8"


async def report_period(
    from_: Annotated[
        Day | None, Query(alias="from", description="First day (default: a year before `to`).")
    ] = None,
    to: Annotated[Day | None, Query(description="Last day, inclusive (default: today).")] = None,
    region: Annotated[
        QueryText | None, Query(description="Only mentees (and mentors) of this region.")
    ] = None,
) -> Period:
    return Period.of(from_, to, region)


ReportPeriod = Annotated[Period, Depends(report_period)]


def _attachment(name: str, period: Period, extension: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{name}-{period.start}-{period.end}'
        f'.{extension}"',
        "Cache-Control": "no-store",
    }


def _as_asked(report: TabledReport, name: str, period: Period, accept: str | None) -> Any:
    """The report as JSON, or as CSV (one line per figure) when the client asks for it."""
    if "text/csv" in (accept or ""):
        body = csv_safe.encode([render.CSV_HEADER, *render.csv_rows(report)])
        return Response(body, media_type=CSV, headers=_attachment(name, period, "csv"))
    return report


@router.get(
    "/programme",
    summary="Programme report",
    response_model=ProgrammeReport,
    response_model_by_alias=True,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def get_programme_report(
    db: DB,
    caller: Annotated[Principal, may("reports.read")],
    period: ReportPeriod,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    """Relationships, durations, through the gate, sessions, goals, referrals, outcomes,
    distance travelled and mentors, over a period (default: the last year). JSON, or CSV
    with `Accept: text/csv`. Counts from 1 to 4 are suppressed for readers who are not staff."""
    return _as_asked(await programme_report(db, caller, period), "programme", period, accept)


@router.get(
    "/programme.html",
    summary="Programme report as a printable page",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
)
async def get_programme_page(
    db: DB,
    caller: Annotated[Principal, may("reports.read")],
    period: ReportPeriod,
) -> HTMLResponse:
    """The same figures as a self-contained page with charts (inline SVG, nothing loaded
    from elsewhere), to print or show at a funder meeting."""
    report = await programme_report(db, caller, period)
    return HTMLResponse(
        render.html(report),
        headers={
            "Content-Security-Policy": render.CONTENT_SECURITY_POLICY,
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/matching-fairness",
    summary="Fairness of matching",
    response_model=FairnessReport,
    response_model_by_alias=True,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def get_fairness_report(
    db: DB,
    caller: Annotated[Principal, may("reports.fairness")],
    period: ReportPeriod,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    """Suggestions and matches by the mentee's gender, ethnicity and region over a period:
    who waits longer, who declines, who is offered worse-fitting matches. Staff only; counts
    from 1 to 4 are suppressed for every reader. JSON, or CSV with `Accept: text/csv`."""
    return _as_asked(await fairness_report(db, caller, period), "fairness", period, accept)


@router.get("/jdl-cohort", summary="Justice Data Lab cohort: summary", response_model=CohortSummary)
async def get_cohort_summary(
    db: DB,
    caller: Annotated[Principal, may("reports.read")],
    period: ReportPeriod,
) -> CohortSummary:
    """How many mentees started in the period, how many rows are complete, which fields are
    missing (and for staff, for whom), and whether the cohort reaches the minimum of 60."""
    return await jdl.summary(db, caller, period)


@router.get(
    "/jdl-cohort.csv",
    summary="Justice Data Lab cohort file",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def get_cohort_file(
    db: DB,
    caller: Annotated[Principal, may("reports.cohort_file")],
    request: Request,
    period: ReportPeriod,
) -> StreamingResponse:
    """One row per mentee who started in the period, in the Justice Data Lab's layout.
    Admin only; every export is in the audit log. Streamed."""
    await jdl.start_export(db, caller, period)
    factory: SessionFactory = request.app.state.db_factory

    async def body() -> AsyncIterator[bytes]:
        async with factory() as stream_db:
            tenancy.enter_organisation(stream_db, caller.org_id)
            async for chunk in csv_safe.stream(
                jdl.HEADER, jdl.rows(stream_db, caller.org_id, period)
            ):
                yield chunk

    return StreamingResponse(
        body(), media_type=CSV, headers=_attachment("jdl-cohort", period, "csv")
    )
