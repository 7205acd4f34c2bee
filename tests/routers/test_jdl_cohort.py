"""The Justice Data Lab cohort: the summary, and the admin-only, audited, safe file."""

import csv
import io

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import AuditEvent
from api.models.enums import ConsentPurpose, ConsentStatus
from api.render.csv_safe import encode, safe_cell
from api.services import audit
from api.services.reports import jdl
from api.settings import Settings
from tests.factories import make_consent
from tests.report_factories import FROM, TO, Programme, build_programme

URL = "/api/v1/reports/jdl-cohort"
PERIOD = {"from": FROM.isoformat(), "to": TO.isoformat()}


@pytest.fixture
async def programme(db: AsyncSession, settings: Settings) -> Programme:
    return await build_programme(db, settings)


async def test_the_summary_for_staff_names_what_is_missing(
    client: httpx.AsyncClient, programme: Programme
) -> None:
    response = await client.get(URL, params=PERIOD, headers=programme.headers("coordinator"))
    assert response.status_code == 200, response.text
    summary = response.json()
    # Alan, Beth, Cal, Dee and Gwen started in the period (Eve before it)
    assert summary["rows"] == {"value": 5, "suppressed": False}
    assert summary["complete"]["value"] == 3
    assert summary["minimum"] == 60 and summary["meets_minimum"] is False
    assert summary["missing_counts"]["pnc_or_prison_number"]["value"] == 2
    assert summary["missing_counts"]["date_of_birth"]["value"] == 1
    missing = {m["mentee_id"]: m["missing"] for m in summary["missing"]}
    assert missing == {
        str(programme.mentees["c"].id): ["date_of_birth", "pnc_or_prison_number"],
        str(programme.mentees["g"].id): ["pnc_or_prison_number"],
    }


async def test_analysts_get_counts_only(client: httpx.AsyncClient, programme: Programme) -> None:
    summary = (await client.get(URL, params=PERIOD, headers=programme.headers("analyst"))).json()
    assert summary["rows"] == {"value": 5, "suppressed": False}
    assert summary["complete"] == {"value": None, "suppressed": True}
    assert summary["missing"] is None
    file = await client.get(f"{URL}.csv", params=PERIOD, headers=programme.headers("analyst"))
    assert file.status_code == 403


async def test_the_file_is_for_admins_and_audited(
    client: httpx.AsyncClient, programme: Programme, db: AsyncSession
) -> None:
    refused = await client.get(
        f"{URL}.csv", params=PERIOD, headers=programme.headers("coordinator")
    )
    assert refused.status_code == 403
    response = await client.get(f"{URL}.csv", params=PERIOD, headers=programme.headers("admin"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == [
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
    ]
    by_forename = {r[1]: r for r in rows[1:]}
    assert sorted(by_forename) == ["Alan", "Beth", "Cal", "Dee", "Gwen"]
    assert by_forename["Alan"] == [
        "Archer",
        "Alan",
        "04/05/1990",
        "Male",
        "2012/0052834K",
        "A1234BC",
        "01/02/2026",  # mentored from custody: the index date is the release
        "10/01/2026",
        "10/03/2026",
        "completed",
        "2",
    ]
    assert by_forename["Cal"][6] == "01/02/2026"  # in the community: the start
    assert by_forename["Cal"][2] == "" and by_forename["Cal"][9] == ""
    assert by_forename["Dee"][3] == "Unknown"
    # formula injection: text that a spreadsheet would run is escaped
    assert by_forename["Dee"][0] == "'-Dunn"
    assert by_forename["Gwen"][0] == '\'=HYPERLINK("http://evil.example")'

    audited = (
        await db.exec(select(AuditEvent).where(AuditEvent.action == "report.jdl_cohort_export"))
    ).all()
    assert len(audited) == 1
    assert audited[0].details["rows"] == 5 and audited[0].details["period_from"] == "2026-01-01"
    # and each person in the file has a row of their own, so "who saw X?" finds the export
    per_person = (
        await db.exec(
            select(AuditEvent.person_id).where(
                AuditEvent.request_id == audited[0].request_id,
                AuditEvent.action == "reports.cohort_file",
            )
        )
    ).all()
    assert len(per_person) == len(set(per_person)) == 5


async def test_a_large_file_is_audited_in_batches_that_keep_the_chain_whole(
    client: httpx.AsyncClient,
    programme: Programme,
    db: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jdl, "AUDIT_BATCH", 2)  # five people: three batches
    response = await client.get(f"{URL}.csv", params=PERIOD, headers=programme.headers("admin"))
    assert response.status_code == 200
    exported = (
        await db.exec(select(AuditEvent).where(AuditEvent.action == "report.jdl_cohort_export"))
    ).one()
    per_person = (
        await db.exec(
            select(AuditEvent.person_id).where(
                AuditEvent.request_id == exported.request_id,
                AuditEvent.action == "reports.cohort_file",
            )
        )
    ).all()
    assert set(per_person) == {programme.mentees[k].id for k in "abcdg"}
    assert len(per_person) == 5
    chain = await audit.verify(db, exported.org_id)
    assert chain.broken is None and chain.events >= 6


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+44 7700", "'+44 7700"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Smith", "Smith"),
        (-2, -2),
        (None, ""),
    ],
)
def test_every_dangerous_cell_is_escaped(value: object, written: object) -> None:
    assert safe_cell(value) == written


def test_escaped_cells_survive_csv_quoting() -> None:
    text = encode([["=cmd|' /C calc'!A0", 'a "quoted", cell']]).decode()
    assert list(csv.reader(io.StringIO(text))) == [["'=cmd|' /C calc'!A0", 'a "quoted", cell']]


async def test_the_organisation_may_require_consent_to_research(
    client: httpx.AsyncClient, programme: Programme, db: AsyncSession
) -> None:
    admin = programme.headers("admin")
    await make_consent(db, programme.mentees["a"], ConsentPurpose.research_and_evaluation)
    await make_consent(db, programme.mentees["b"], ConsentPurpose.research_and_evaluation)
    await make_consent(
        db, programme.mentees["b"], ConsentPurpose.research_and_evaluation, ConsentStatus.withdrawn
    )
    # by default the provider's lawful basis for the export is not consent
    assert (await client.get(URL, params=PERIOD, headers=admin)).json()["rows"]["value"] == 5
    changed = await client.patch(
        "/api/v1/organisation", json={"research_needs_consent": True}, headers=admin
    )
    assert changed.status_code == 200 and changed.json()["research_needs_consent"] is True
    assert (await client.get(URL, params=PERIOD, headers=admin)).json()["rows"]["value"] == 1
    file = await client.get(f"{URL}.csv", params=PERIOD, headers=admin)
    assert [row[1] for row in csv.reader(io.StringIO(file.text))][1:] == ["Alan"]
