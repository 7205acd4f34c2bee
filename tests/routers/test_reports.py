"""The programme report on a small programme with known answers (tests/report_factories.py)."""

import csv
import io
from datetime import date
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import Outcome, Person
from api.models.base import utcnow
from api.settings import Settings
from tests.factories import World
from tests.report_factories import FROM, TO, Programme, build_programme

URL = "/api/v1/reports/programme"
PERIOD = {"from": FROM.isoformat(), "to": TO.isoformat()}


@pytest.fixture
async def programme(db: AsyncSession, settings: Settings) -> Programme:
    return await build_programme(db, settings)


async def report(
    client: httpx.AsyncClient, programme: Programme, who: str, **params: str
) -> dict[str, Any]:
    response = await client.get(URL, params={**PERIOD, **params}, headers=programme.headers(who))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def row(body: dict[str, Any], table: str, **group: str) -> dict[str, Any]:
    found = next(t for t in body["tables"] if t["key"] == table)
    return next(r for r in found["rows"] if r["group"] == group)


def n(body: dict[str, Any], table: str, count: str, **group: str) -> int | None:
    value: int | None = row(body, table, **group)["counts"][count]["value"]
    return value


def figure(body: dict[str, Any], table: str, name: str, **group: str) -> float | None:
    value: float | None = row(body, table, **group)["figures"][name]
    return value


async def test_staff_see_every_figure_exactly(
    client: httpx.AsyncClient, programme: Programme
) -> None:
    body = await report(client, programme, "coordinator")
    assert body["exact_counts"] is True and body["from"] == "2026-01-01"
    assert [n(body, "relationships", m) for m in ("started", "active", "ended")] == [5, 6, 4]
    assert n(body, "endings", "ended", ending_reason="completed") == 2
    assert n(body, "endings", "ended", ending_reason="lost_contact") == 1
    assert n(body, "endings", "ended", ending_reason="other") == 1
    # durations 28, 59, 111, 120 days
    assert figure(body, "duration", "median_days") == 85.0
    assert n(body, "duration_bands", "ended", duration="under_3_months") == 2
    assert n(body, "duration_bands", "ended", duration="3_to_6_months") == 2
    assert n(body, "duration_bands", "ended", duration="12_months_or_more") == 0
    # released: Alan (seen 2 days after), Beth (19 days after), Dee (not seen after release)
    gate = row(body, "through_the_gate")
    assert {k: v["value"] for k, v in gate["counts"].items()} == {
        "released": 3,
        "window_closed_7_days": 3,
        "held_within_7_days": 1,
        "window_closed_28_days": 3,
        "held_within_28_days": 2,
    }
    assert gate["figures"] == {"rate_7_days": 0.333, "rate_28_days": 0.667}


async def test_sessions_goals_and_referrals(
    client: httpx.AsyncClient, programme: Programme
) -> None:
    body = await report(client, programme, "coordinator")
    community = row(body, "sessions", setting="community", format="one_to_one")["counts"]
    assert community["held"]["value"] == 4 and community["missed_by_mentee"]["value"] == 1
    assert n(body, "sessions", "held", setting="phone", format="one_to_one") == 1
    assert n(body, "goals", "goals", pathway="accommodation") == 2
    assert figure(body, "goals", "share_achieved", pathway="accommodation") == 0.5
    assert figure(body, "goals", "share_achieved", pathway="health") == 1.0
    assert (
        n(
            body,
            "referrals_out",
            "referrals",
            category="accommodation",
            status="completed",
            outcome="achieved",
        )
        == 1
    )
    assert n(body, "referrals_in", "referrals", partner="partner system", status="accepted") == 1


async def test_outcomes_distance_and_mentors(
    client: httpx.AsyncClient, programme: Programme
) -> None:
    body = await report(client, programme, "coordinator")

    def compared(measure: str) -> tuple[int | None, ...]:
        r = row(body, "outcomes_compared_with_start", milestone="3_months", measure=measure)
        return tuple(r["counts"][k]["value"] for k in ("mentees", "at_start", "at_milestone"))

    assert compared("settled_accommodation") == (2, 0, 1)
    assert compared("in_work_training_or_education") == (2, 0, 2)
    assert compared("gp_registered") == (2, 0, 1)
    assert (
        n(body, "outcomes_compared_with_start", "mentees", milestone="end", measure="recalled") == 0
    )
    # Beth's corrected 3-month record (temporary) replaces the first (rough sleeping)
    assert (
        n(
            body,
            "outcomes_accommodation",
            "mentees",
            milestone="3_months",
            accommodation="temporary",
        )
        == 1
    )
    # Alan's start record is dated before the period
    assert n(body, "outcomes_employment", "mentees", milestone="start", employment="none") == 1

    accommodation = row(body, "distance_travelled", pathway="accommodation")
    assert {k: v["value"] for k, v in accommodation["counts"].items()} == {
        "mentees": 2,
        "improved": 1,
        "same": 1,
        "worse": 0,
    }
    assert accommodation["figures"] == {"mean_change": 2.0}
    assert figure(body, "distance_travelled", "mean_change", pathway="health") == -3.0

    mentors = row(body, "mentors")["counts"]
    assert {k: mentors[k]["value"] for k in ("mentors", "caseload_1", "trained")} == {
        "mentors": 2,
        "caseload_1": 2,
        "trained": 1,
    }
    assert mentors["vetting_in_date"]["value"] == 1
    assert mentors["supervised_in_90_days"]["value"] == 1
    assert body["not_reported"] == []


async def test_a_region_narrows_every_table(
    client: httpx.AsyncClient, programme: Programme
) -> None:
    body = await report(client, programme, "coordinator", region="north east")
    assert [n(body, "relationships", m) for m in ("started", "ended")] == [4, 3]
    wales = await report(client, programme, "coordinator", region="Wales")
    assert [n(wales, "relationships", m) for m in ("started", "ended")] == [1, 1]
    assert n(wales, "mentors", "mentors") == 0


async def test_analysts_get_small_counts_suppressed(
    client: httpx.AsyncClient, programme: Programme
) -> None:
    body = await report(client, programme, "analyst")
    assert body["exact_counts"] is False
    started = row(body, "relationships")["counts"]["started"]
    assert started == {"value": 5, "suppressed": False}
    assert row(body, "relationships")["counts"]["ended"] == {"value": None, "suppressed": True}
    assert all(r["counts"]["ended"]["suppressed"] for r in _table(body, "endings")["rows"])
    assert figure(body, "duration", "median_days") is None
    gate = row(body, "through_the_gate")
    assert gate["counts"]["released"]["suppressed"] and gate["figures"]["rate_7_days"] is None
    zero = row(body, "duration_bands", duration="12_months_or_more")["counts"]["ended"]
    assert zero == {"value": 0, "suppressed": False}
    # no person's row anywhere: every table is counts of groups
    assert "mentee_id" not in str(body) and "Archer" not in str(body)


def _table(body: dict[str, Any], key: str) -> dict[str, Any]:
    return next(t for t in body["tables"] if t["key"] == key)


async def test_csv_is_the_same_figures(client: httpx.AsyncClient, programme: Programme) -> None:
    response = await client.get(
        URL, params=PERIOD, headers={**programme.headers("analyst"), "Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(response.text)))
    assert lines[0] == ["table", "group", "measure", "value", "suppressed"]
    assert ["relationships", "", "started", "5", "false"] in lines
    assert ["relationships", "", "ended", "", "true"] in lines
    assert ["through_the_gate", "", "rate_7_days", "", "false"] in lines


@pytest.mark.parametrize("who", ["mentor", "mentee", "partner"])
async def test_only_report_readers(client: httpx.AsyncClient, world: World, who: str) -> None:
    assert (await client.get(URL, headers=world.headers(who))).status_code == 403
    assert (await client.get(f"{URL}.html", headers=world.headers(who))).status_code == 403
    assert (await client.get(URL)).status_code == 401


async def test_each_organisation_sees_its_own(
    client: httpx.AsyncClient, programme: Programme, world: World
) -> None:
    body = (
        await client.get(URL, params=PERIOD, headers=world.headers("foreign_coordinator"))
    ).json()
    assert row(body, "relationships")["counts"]["started"]["value"] == 0
    assert body["organisation"] == "Southgate"


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-07-01", "to": "2026-01-01"},
        {"from": "2026-02-30"},
        {"to": "yesterday"},
        {"from": "1990-01-01", "to": "2026-01-01"},
        {"region": "x" * 101},
        {"to": "0001-01-01"},
        {"from": "9999-12-31"},
    ],
)
async def test_bad_periods_are_problems(
    client: httpx.AsyncClient, world: World, params: dict[str, str]
) -> None:
    response = await client.get(URL, params=params, headers=world.headers("analyst"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_demo_default_period_is_the_last_year(
    client: httpx.AsyncClient, world: World
) -> None:
    body = (await client.get(URL, headers=world.headers("coordinator"))).json()
    from datetime import date, timedelta

    assert body["to"] == date.today().isoformat()
    assert body["from"] == (date.today() - timedelta(days=364)).isoformat()


async def test_outcomes_compare_with_the_latest_start_and_only_where_there_is_one(
    client: httpx.AsyncClient, programme: Programme, db: AsyncSession
) -> None:
    alan, cal = programme.mentees["a"], programme.mentees["c"]

    def outcome(mentee: Person, milestone: str, day: date, **facts: Any) -> Outcome:
        return Outcome(
            org_id=programme.org.id,
            mentee_id=mentee.id,
            milestone=milestone,
            recorded_on=day,
            recorded_by="test",
            **facts,
        )

    db.add_all(
        [
            # Alan's start corrected: registered with a GP after all
            outcome(
                alan, "start", date(2025, 12, 28), accommodation="temporary", gp_registered=True
            ),
            # Cal has a 3-month record and no start: counted at the milestone, not compared
            outcome(cal, "3_months", date(2026, 4, 1), accommodation="settled", gp_registered=True),
        ]
    )
    await db.commit()
    body = await report(client, programme, "coordinator")

    def compared(measure: str) -> tuple[int | None, ...]:
        r = row(body, "outcomes_compared_with_start", milestone="3_months", measure=measure)
        return tuple(r["counts"][k]["value"] for k in ("mentees", "at_start", "at_milestone"))

    assert compared("gp_registered") == (2, 1, 1)
    assert compared("settled_accommodation") == (2, 0, 1)
    settled = {"milestone": "3_months", "accommodation": "settled"}
    assert n(body, "outcomes_accommodation", "mentees", **settled) == 2


async def test_a_deleted_mentee_is_not_counted(
    client: httpx.AsyncClient, programme: Programme, db: AsyncSession
) -> None:
    gwen = programme.mentees["g"]  # started and ended in the period, her only session none
    gwen.deleted_at = utcnow()
    db.add(gwen)
    await db.commit()
    body = await report(client, programme, "coordinator")
    assert [n(body, "relationships", m) for m in ("started", "active", "ended")] == [4, 5, 3]
    assert [r["group"] for r in _table(body, "endings")["rows"]] == [
        {"ending_reason": "completed"},
        {"ending_reason": "lost_contact"},
    ]
    assert n(body, "duration_bands", "ended", duration="under_3_months") == 1
