"""The programme report's alerts table: raised by rule and severity, resolved, and the
median time to resolve in the period, suppressed for analysts; the same in CSV and HTML."""

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import Alert
from api.settings import Settings
from tests.report_factories import Programme, build_programme
from tests.routers.test_reports import PERIOD, URL, figure, n, report

IN_PERIOD = datetime(2026, 3, 1, 9, tzinfo=UTC)


@pytest.fixture
async def programme(db: AsyncSession, settings: Settings) -> Programme:
    """The small programme, with alerts: six `no_session_held` raised in the period (five
    resolved after 10, 20, 30, 40 and 50 hours, three of them by themselves), one
    `vetting_expired` raised and resolved by staff, and one raised before the period."""
    built = await build_programme(db, settings)
    mentee = next(iter(built.mentees.values()))

    def alert(rule: str, severity: str, raised: datetime, hours: int | None, by: str) -> Alert:
        return Alert(
            org_id=built.org.id,
            rule=rule,
            severity=severity,
            status="resolved" if hours is not None else "open",
            subject_type="relationship",
            subject_id=mentee.id,
            mentee_id=mentee.id,
            message="m",
            raised_at=raised,
            resolved_at=raised + timedelta(hours=hours) if hours is not None else None,
            resolved_by=by if hours is not None else None,
        )

    for i, hours in enumerate((10, 20, 30, 40, 50, None)):
        by = "system:alerts" if i % 2 == 0 else "user:someone"
        db.add(alert("no_session_held", "warning", IN_PERIOD + timedelta(days=i), hours, by))
    db.add(alert("vetting_expired", "urgent", IN_PERIOD, 3, "user:someone"))
    db.add(alert("missed_sessions", "warning", IN_PERIOD - timedelta(days=200), None, ""))
    await db.commit()
    return built


def counts(body: dict[str, Any], rule: str, severity: str) -> dict[str, int | None]:
    return {
        measure: n(body, "alerts", measure, rule=rule, severity=severity)
        for measure in ("raised", "resolved", "cleared_by_themselves")
    }


async def test_staff_see_alerts_raised_and_the_median_time_to_resolve(
    client: httpx.AsyncClient, programme: Programme
) -> None:
    body = await report(client, programme, "coordinator")
    assert counts(body, "no_session_held", "warning") == {
        "raised": 6,
        "resolved": 5,
        "cleared_by_themselves": 3,
    }
    assert (
        figure(
            body, "alerts", "median_hours_to_resolve", rule="no_session_held", severity="warning"
        )
        == 30.0
    )
    assert counts(body, "vetting_expired", "urgent") == {
        "raised": 1,
        "resolved": 1,
        "cleared_by_themselves": 0,
    }
    assert (
        figure(body, "alerts", "median_hours_to_resolve", rule="vetting_expired", severity="urgent")
        == 3.0
    )
    # every rule has its row; one raised before the period is not counted
    assert counts(body, "missed_sessions", "warning")["raised"] == 0
    assert "Alerts" not in " ".join(body["not_reported"])


async def test_analysts_get_small_alert_counts_suppressed(
    client: httpx.AsyncClient, programme: Programme
) -> None:
    body = await report(client, programme, "analyst")
    assert counts(body, "no_session_held", "warning") == {
        "raised": 6,
        "resolved": 5,
        "cleared_by_themselves": None,
    }
    assert (
        figure(
            body, "alerts", "median_hours_to_resolve", rule="no_session_held", severity="warning"
        )
        == 30.0
    )
    assert counts(body, "vetting_expired", "urgent")["raised"] is None
    assert (
        figure(body, "alerts", "median_hours_to_resolve", rule="vetting_expired", severity="urgent")
        is None
    )
    assert counts(body, "missed_sessions", "warning")["raised"] == 0


async def test_alerts_in_csv_and_on_the_page(
    client: httpx.AsyncClient, programme: Programme
) -> None:
    response = await client.get(
        URL, params=PERIOD, headers={**programme.headers("analyst"), "Accept": "text/csv"}
    )
    lines = list(csv.reader(io.StringIO(response.text)))
    group = "rule=no_session_held; severity=warning"
    assert ["alerts", group, "raised", "6", "false"] in lines
    assert ["alerts", group, "median_hours_to_resolve", "30.0", "false"] in lines
    assert ["alerts", "rule=vetting_expired; severity=urgent", "raised", "", "true"] in lines
    page = await client.get(f"{URL}.html", params=PERIOD, headers=programme.headers("analyst"))
    assert page.status_code == 200
    assert '<section id="alerts">' in page.text and "no session held" in page.text
