"""Establishment clearances: the prisons a mentor may visit, kept by staff, read by the mentor
themselves, and the rule and factor they are in matching for a mentee in custody."""

from datetime import date, timedelta
from typing import Any

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import EstablishmentClearance, Person
from tests.factories import World, make_clearance, make_mentee, make_mentor

API = "/api/v1"
TODAY = date.today()


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


async def suggestions(
    client: httpx.AsyncClient, world: World, mentee: Person
) -> dict[str, dict[str, Any]]:
    answer = await client.get(
        f"{API}/people/{mentee.id}/match-suggestions",
        params={"limit": 50},
        headers=world.headers("coordinator"),
    )
    assert answer.status_code == 200, answer.text
    return {item["mentor_id"]: item for item in answer.json()["items"]}


async def explanation(
    client: httpx.AsyncClient, world: World, mentee: Person, mentor: Person
) -> dict[str, Any]:
    answer = await client.get(
        f"{API}/people/{mentee.id}/match-suggestions/{mentor.id}",
        headers=world.headers("coordinator"),
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def reason(item: dict[str, Any], factor: str = "establishment_access") -> dict[str, Any]:
    (found,) = [r for r in item["reasons"] if r["factor"] == factor]
    return dict(found)


async def test_staff_record_clearances_the_mentor_reads_their_own(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    path = f"{API}/people/{world.mentor.id}/establishment-clearances"
    staff = world.headers("coordinator")
    body = {
        "establishment": "HMP Durham",
        "granted_on": days(-30).isoformat(),
        "granted_by": "HMP Durham security department",
        "expires_on": days(700).isoformat(),
    }
    made = await client.post(path, json=body, headers=staff)
    assert made.status_code == 201, made.text
    clearance = made.json()
    assert made.headers["Location"] == f"{path}/{clearance['id']}"
    assert {k: clearance[k] for k in body} == body
    assert clearance["mentor_id"] == str(world.mentor.id)

    own = await client.get(path, headers=world.headers("mentor"))
    assert own.status_code == 200
    assert [c["id"] for c in own.json()["items"]] == [clearance["id"]]
    theirs = f"{API}/people/{world.other_mentor.id}/establishment-clearances"
    assert (await client.get(theirs, headers=world.headers("mentor"))).status_code == 404
    for who in ("mentee", "partner", "analyst"):
        assert (await client.get(path, headers=world.headers(who))).status_code == 403, who
    assert (await client.post(path, json=body, headers=world.headers("mentor"))).status_code == 403
    removed = await client.delete(f"{path}/{clearance['id']}", headers=world.headers("mentor"))
    assert removed.status_code == 403
    mentee_path = f"{API}/people/{world.my_mentee.id}/establishment-clearances"
    assert (await client.get(mentee_path, headers=staff)).status_code == 404
    assert (await client.post(mentee_path, json=body, headers=staff)).status_code == 404

    for bad in (
        {**body, "expires_on": days(-31).isoformat()},  # before it was granted
        {**body, "granted_on": days(2).isoformat()},  # granted in the future
        {**body, "establishment": "  "},
        {k: v for k, v in body.items() if k != "granted_by"},
        {k: v for k, v in body.items() if k != "expires_on"},
    ):
        refused = await client.post(path, json=bad, headers=staff)
        assert refused.status_code == 422, bad
        assert refused.headers["content-type"] == "application/problem+json"
    assert len((await client.get(path, headers=staff)).json()["items"]) == 1

    assert (await client.delete(f"{path}/{clearance['id']}", headers=staff)).status_code == 204
    assert (await client.get(path, headers=staff)).json()["items"] == []
    again = await client.delete(f"{path}/{clearance['id']}", headers=staff)
    assert again.status_code == 404


async def test_a_mentee_in_custody_is_offered_only_mentors_cleared_for_their_prison(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee = await make_mentee(
        db, world.org, profile={"establishment": "HMP Durham", "release_date": days(60)}
    )
    lasting = await make_mentor(db, world.org, given_name="Lasting")
    await make_clearance(db, lasting, " hmp DURHAM ", days(365))  # names compared ignoring case
    await make_clearance(db, lasting, "HMP Durham", days(-400))  # an old one does not matter
    short = await make_mentor(db, world.org, given_name="Short")
    await make_clearance(db, short, "HMP Durham", days(10))
    today_only = await make_mentor(db, world.org, given_name="Today")
    await make_clearance(db, today_only, "HMP Durham", TODAY)  # still in force on its last day
    expired = await make_mentor(db, world.org, given_name="Expired")
    await make_clearance(db, expired, "HMP Durham", days(-1))
    elsewhere = await make_mentor(db, world.org, given_name="Elsewhere")
    await make_clearance(db, elsewhere, "HMP Frankland", days(365))

    items = await suggestions(client, world, mentee)
    assert set(items) == {str(lasting.id), str(short.id), str(today_only.id)}
    assert reason(items[str(lasting.id)]) == {
        "factor": "establishment_access",
        "effect": "raised",
        "detail": f"cleared to visit HMP Durham until {days(365)}, covering the mentee's "
        f"release on {days(60)}",
    }
    assert reason(items[str(short.id)]) == {
        "factor": "establishment_access",
        "effect": "lowered",
        "detail": f"cleared to visit HMP Durham only until {days(10)}, before the mentee's "
        f"release on {days(60)}",
    }
    assert items[str(lasting.id)]["score"] > items[str(short.id)]["score"]

    explained = await explanation(client, world, mentee, expired)
    assert explained["suggested"] is False
    assert explained["exclusions"] == [f"clearance to visit HMP Durham expired on {days(-1)}"]
    assert reason(explained)["effect"] == "lowered"
    explained = await explanation(client, world, mentee, elsewhere)
    assert explained["exclusions"] == ["not cleared to visit HMP Durham, where the mentee is held"]
    assert reason(explained)["detail"] == "not cleared to visit HMP Durham"
    explained = await explanation(client, world, mentee, lasting)
    assert (explained["suggested"], explained["exclusions"]) == (True, [])
    # the world's own mentors hold no clearance: kept out, and not held back either
    answer = await client.get(
        f"{API}/people/{mentee.id}/match-suggestions", headers=world.headers("coordinator")
    )
    assert str(world.other_mentor.id) not in {h["mentor_id"] for h in answer.json()["held_back"]}


async def test_without_a_release_date_a_clearance_should_last_ninety_days(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee = await make_mentee(db, world.org, profile={"establishment": "HMP Leeds"})
    long = await make_mentor(db, world.org)
    await make_clearance(db, long, "HMP Leeds", days(90))
    brief = await make_mentor(db, world.org)
    await make_clearance(db, brief, "HMP Leeds", days(89))
    items = await suggestions(client, world, mentee)
    assert reason(items[str(long.id)])["detail"] == (
        f"cleared to visit HMP Leeds until {days(90)}, covering the next 90 days"
    )
    assert reason(items[str(brief.id)])["effect"] == "lowered"


async def test_the_rule_and_the_factor_apply_only_in_custody_where_known(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    uncleared = await make_mentor(db, world.org)
    for profile in (
        {"custody_status": "released", "establishment": "HMP Durham"},
        {"custody_status": "community_sentence"},
    ):
        mentee = await make_mentee(db, world.org, profile=profile)
        items = await suggestions(client, world, mentee)
        assert str(uncleared.id) in items, profile
        assert "establishment_access" not in {
            r["factor"] for r in items[str(uncleared.id)]["reasons"]
        }
    unknown = await make_mentee(db, world.org, profile={"establishment": None})
    items = await suggestions(client, world, unknown)
    assert str(uncleared.id) in items
    assert reason(items[str(uncleared.id)]) == {
        "factor": "establishment_access",
        "effect": "not_counted",
        "detail": "the mentee is in custody but their establishment is not recorded: "
        "clearances not checked",
    }


async def test_the_factor_is_weighed_by_the_admin_and_the_rule_stays(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee = await make_mentee(
        db, world.org, profile={"establishment": "HMP Hull", "release_date": days(200)}
    )
    lasting = await make_mentor(db, world.org)
    await make_clearance(db, lasting, "HMP Hull", days(300))
    short = await make_mentor(db, world.org)
    await make_clearance(db, short, "HMP Hull", days(20))
    weights = await client.get(f"{API}/organisation", headers=world.headers("admin"))
    assert weights.json()["matching_weights"]["establishment_access"] == 0.05
    changed = await client.patch(
        f"{API}/organisation",
        json={"matching_weights": {"establishment_access": 0}},
        headers=world.headers("admin"),
    )
    assert changed.status_code == 200, changed.text
    items = await suggestions(client, world, mentee)
    assert set(items) == {str(lasting.id), str(short.id)}  # the rule holds at any weight
    assert items[str(lasting.id)]["score"] == items[str(short.id)]["score"]
    assert "establishment_access" not in {r["factor"] for r in items[str(short.id)]["reasons"]}


async def test_proposing_an_uncleared_mentor_is_allowed(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    """The clearance is often applied for once a match is agreed: the suggestions leave the
    mentor out, a coordinator who knows better may still propose them."""
    mentee = await make_mentee(db, world.org, profile={"establishment": "HMP Durham"})
    mentor = await make_mentor(db, world.org)
    proposed = await client.post(
        f"{API}/relationships",
        json={"mentee_id": str(mentee.id), "mentor_id": str(mentor.id)},
        headers=world.headers("coordinator"),
    )
    assert proposed.status_code == 201, proposed.text


async def test_a_mentors_clearances_are_in_their_export_and_go_with_erasure(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentor = await make_mentor(db, world.org)
    await make_clearance(db, mentor, "HMP Durham", days(100))
    admin = world.headers("admin")
    export = await client.get(f"{API}/people/{mentor.id}/subject-access-export", headers=admin)
    assert export.status_code == 200, export.text
    (held,) = export.json()["records"]["establishment_clearance"]
    assert (held["establishment"], held["granted_by"]) == ("HMP Durham", "Security department")
    erased = await client.post(f"{API}/people/{mentor.id}/erase", headers=admin)
    assert erased.status_code == 200, erased.text
    left = await db.exec(
        select(EstablishmentClearance).where(EstablishmentClearance.mentor_id == mentor.id)
    )
    assert left.all() == []
