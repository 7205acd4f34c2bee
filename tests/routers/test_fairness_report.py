"""The fairness report: who waits, who declines, and how well matches fitted, by the mentee's
gender, ethnicity and region; small groups suppressed for every reader."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import Organisation, Person
from api.models.enums import Role
from api.settings import Settings
from tests.factories import bearer, make_mentee, make_mentor, make_org, make_user

URL = "/api/v1/reports/matching-fairness"


@dataclass
class Programme:
    org: Organisation
    coordinator: dict[str, str]
    analyst: dict[str, str]
    settings: Settings
    coordinator_account: Any


@pytest.fixture
async def programme(db: AsyncSession, settings: Settings) -> Programme:
    org = await make_org(db)
    coordinator = await make_user(db, org, Role.coordinator)
    analyst = await make_user(db, org, Role.analyst)
    return Programme(
        org, bearer(settings, coordinator), bearer(settings, analyst), settings, coordinator
    )


def table(body: dict[str, Any], dimension: str) -> dict[str, dict[str, Any]]:
    found = next(t for t in body["tables"] if t["key"] == f"matching_by_{dimension}")
    return {row["group"][dimension]: row for row in found["rows"]}


def values(row: dict[str, Any]) -> dict[str, int | None]:
    return {name: shown["value"] for name, shown in row["counts"].items()}


async def _mentees(
    db: AsyncSession, org: Organisation, n: int, days_ago: int, **fields: Any
) -> list[Person]:
    recorded = datetime.now(UTC) - timedelta(days=days_ago)
    return [await make_mentee(db, org, created_at=recorded, **fields) for _ in range(n)]


async def _propose(
    client: httpx.AsyncClient, headers: dict[str, str], mentee: Person, mentor: Person
) -> float:
    """Proposes the match and answers the score a coordinator was shown just before."""
    shown = await client.get(
        f"/api/v1/people/{mentee.id}/match-suggestions/{mentor.id}", headers=headers
    )
    assert shown.status_code == 200, shown.text
    proposed = await client.post(
        "/api/v1/relationships",
        json={"mentee_id": str(mentee.id), "mentor_id": str(mentor.id)},
        headers=headers,
    )
    assert proposed.status_code == 201, proposed.text
    return float(shown.json()["score"])


async def test_groups_show_who_waits_and_how_well_their_matches_fitted(
    client: httpx.AsyncClient, db: AsyncSession, programme: Programme
) -> None:
    org, headers = programme.org, programme.coordinator
    best = await make_mentor(
        db, org, region="North", profile={"skills": ["accommodation"], "max_caseload": 10}
    )
    weaker = await make_mentor(db, org, region="South", profile={"skills": [], "max_caseload": 10})
    women = await _mentees(
        db, org, 6, 20, gender=" Female", region="North", ethnicity="white_british"
    )
    await _mentees(db, org, 5, 10, gender="male", region="South")

    scores = [await _propose(client, headers, mentee, best) for mentee in women[:5]]
    scores.append(await _propose(client, headers, women[5], weaker))

    response = await client.get(URL, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["exact_counts"] is False
    by_gender = table(body, "gender")
    assert set(by_gender) == {"female", "male"}  # compared ignoring case and spaces
    assert values(by_gender["female"]) == {
        "waiting_at_end": 0,
        "matched": 6,
        "first_matches": 6,
        "declined_by_mentee": 0,
        "fit_recorded": 6,
        "top_suggestion": 5,
        "not_suggestible": 0,
    }
    women_figures = by_gender["female"]["figures"]
    assert women_figures["mean_match_score"] == round(sum(scores) / 6, 3)
    assert women_figures["median_suggestible_mentors"] == 2
    assert women_figures["share_top_suggestion"] == round(5 / 6, 3)
    assert 20 <= women_figures["median_days_to_first_match"] < 20.1
    men = by_gender["male"]
    assert values(men)["waiting_at_end"] == 5 and values(men)["matched"] == 0
    assert 10 <= men["figures"]["median_days_waiting_at_end"] <= 11
    assert men["figures"]["median_days_to_first_match"] is None

    by_ethnicity = table(body, "ethnicity")
    assert values(by_ethnicity["white_british"])["matched"] == 6
    assert values(by_ethnicity["not_recorded"])["waiting_at_end"] == 5
    assert values(table(body, "region")["north"])["top_suggestion"] == 5


async def test_a_decline_counts_against_its_group(
    client: httpx.AsyncClient, db: AsyncSession, programme: Programme
) -> None:
    mentor = await make_mentor(db, programme.org, profile={"max_caseload": 10})
    mentees = await _mentees(db, programme.org, 5, 3, gender="female")
    for mentee in mentees:
        await _propose(client, programme.coordinator, mentee, mentor)
    relationships = await client.get(
        "/api/v1/relationships", params={"limit": 10}, headers=programme.coordinator
    )
    for relationship in relationships.json()["items"]:
        declined = await client.post(
            f"/api/v1/relationships/{relationship['id']}/decline",
            json={"reason": "Would rather wait for a mentor nearer home."},
            headers=programme.coordinator,
        )
        assert declined.status_code == 200, declined.text

    body = (await client.get(URL, headers=programme.coordinator)).json()
    women = table(body, "gender")["female"]
    assert values(women)["declined_by_mentee"] == 5
    assert women["figures"]["share_declined"] == 1.0


async def test_a_small_group_is_suppressed_for_staff_too(
    client: httpx.AsyncClient, db: AsyncSession, programme: Programme
) -> None:
    await _mentees(db, programme.org, 2, 4, gender="nonbinary", region="East")

    response = await client.get(URL, headers=programme.coordinator)
    row = table(response.json(), "gender")["nonbinary"]
    assert row["counts"]["waiting_at_end"] == {"value": None, "suppressed": True}
    assert row["figures"]["median_days_waiting_at_end"] is None

    csv = await client.get(URL, headers={**programme.coordinator, "Accept": "text/csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "matching_by_gender,gender=nonbinary,waiting_at_end,,true" in csv.text.splitlines()


async def test_the_report_is_for_staff_and_ethnicity_for_people_sensitive(
    client: httpx.AsyncClient, db: AsyncSession, programme: Programme
) -> None:
    refused = await client.get(URL, headers=programme.analyst)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"

    without = bearer(programme.settings, programme.coordinator_account, "reports:read")
    body = (await client.get(URL, headers=without)).json()
    assert [t["key"] for t in body["tables"]] == ["matching_by_gender", "matching_by_region"]
    assert any("ethnicity" in reason for reason in body["not_reported"])
