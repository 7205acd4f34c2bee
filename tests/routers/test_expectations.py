"""Expectations, compared: each side states what it expects of a relationship (the mentee and
the mentor themself, or staff), matching counts where they agree and names where they do
not, and a relationship keeps what both sides agreed and when each did."""

import uuid
from datetime import datetime
from typing import Any

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import MenteeProfile, MentoringRelationship, MentorProfile, Person
from tests.factories import World, make_mentee, make_mentor
from tests.schema.helpers import gql

API = "/api/v1"

MENTEE_EXPECTS = {
    "contact_frequency": "weekly",
    "settings": ["custody", "phone"],
    "pathways": ["accommodation"],
    "length_months": 12,
    "communication": ["letter"],
}
AGREEING = {
    "contact_frequency": "weekly",
    "settings": ["custody"],
    "pathways": ["accommodation", "health"],
    "length_months": 18,
    "communication": ["letter", "phone"],
}
DIFFERING = {
    "contact_frequency": "fortnightly",
    "settings": ["video"],
    "pathways": ["health"],
    "length_months": 6,
    "communication": ["email", "text"],
}
NOTHING: dict[str, Any] = {
    "contact_frequency": None,
    "settings": [],
    "pathways": [],
    "length_months": None,
    "communication": [],
}


def columns(expects: dict[str, Any]) -> dict[str, Any]:
    """As a profile's columns, for the factories."""
    return {f"expected_{name}": value for name, value in expects.items()}


async def state(
    client: httpx.AsyncClient, headers: dict[str, str], person: Any, body: dict[str, Any]
) -> httpx.Response:
    return await client.put(f"{API}/people/{person}/expectations", json=body, headers=headers)


async def test_each_side_states_their_own_and_staff_either(
    client: httpx.AsyncClient, world: World
) -> None:
    own = await state(client, world.headers("mentee"), world.self_mentee.id, MENTEE_EXPECTS)
    assert own.status_code == 200, own.text
    assert own.json() == MENTEE_EXPECTS
    mine = await client.get(f"{API}/people/{world.self_mentee.id}", headers=world.headers("mentee"))
    assert mine.json()["mentee"]["expectations"] == MENTEE_EXPECTS

    mentor = await state(client, world.headers("mentor"), world.mentor.id, DIFFERING)
    assert mentor.status_code == 200, mentor.text
    read = await client.get(f"{API}/people/{world.mentor.id}", headers=world.headers("mentor"))
    assert read.json()["mentor"]["expectations"] == DIFFERING

    for person in (world.other_mentee.id, world.other_mentor.id):
        staff = await state(client, world.headers("coordinator"), person, {"length_months": 9})
        assert staff.status_code == 200, staff.text
        assert staff.json() == {**NOTHING, "length_months": 9}  # the whole statement replaced

    refused = {
        # a mentor does not speak for their mentee, and never finds another mentor
        ("mentor", world.my_mentee.id): 403,
        ("mentor", world.other_mentor.id): 404,
        # a mentee reaches only themself; a partner and an analyst never
        ("mentee", world.my_mentee.id): 404,
        ("partner", world.other_mentee.id): 403,
        ("analyst", world.other_mentee.id): 403,
        # another organisation's staff do not find the person at all
        ("foreign_coordinator", world.my_mentee.id): 404,
    }
    for (who, person), status in refused.items():
        answer = await state(client, world.headers(who), person, AGREEING)
        assert answer.status_code == status, (who, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    untouched = await client.get(
        f"{API}/people/{world.my_mentee.id}", headers=world.headers("coordinator")
    )
    assert untouched.json()["mentee"]["expectations"] == NOTHING
    other_mentor = await client.get(
        f"{API}/people/{world.other_mentor.id}", headers=world.headers("coordinator")
    )
    assert other_mentor.json()["mentor"]["expectations"] == {**NOTHING, "length_months": 9}


async def test_bad_expectations_are_a_problem_and_change_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    staff = world.headers("coordinator")
    assert (await state(client, staff, world.my_mentee.id, MENTEE_EXPECTS)).status_code == 200
    for bad in (
        {"contact_frequency": "daily"},
        {"settings": ["pub"]},
        {"settings": None},
        {"pathways": ["accommodation", "accommodation", "x"]},
        {"length_months": 0},
        {"length_months": "12"},
        {"communication": ["pigeon"]},
        {"communication": ["text"] * 6},  # more than the schema's maxItems, repeats or not
        {"hopes": "a friend"},
    ):
        answer = await state(client, staff, world.my_mentee.id, bad)
        assert answer.status_code == 422, bad
        assert answer.headers["content-type"].startswith("application/problem+json")
    read = await client.get(f"{API}/people/{world.my_mentee.id}", headers=staff)
    assert read.json()["mentee"]["expectations"] == MENTEE_EXPECTS


STATE = """mutation ($person: UUID!, $input: ExpectationsInput!) {
  stateExpectations(personId: $person, input: $input) {
    __typename
    ... on Person { mentee { expectations { contactFrequency settings lengthMonths } } }
    ... on Problem { status: httpStatus detail }
  }
}"""


async def test_graphql_states_them_through_the_same_rules(
    client: httpx.AsyncClient, world: World
) -> None:
    body = {"contactFrequency": "monthly", "settings": ["video"], "lengthMonths": 6}
    own = await gql(
        client, world.headers("mentee"), STATE, person=str(world.self_mentee.id), input=body
    )
    assert own["data"]["stateExpectations"] == {
        "__typename": "Person",
        "mentee": {
            "expectations": {
                "contactFrequency": "monthly",
                "settings": ["video"],
                "lengthMonths": 6,
            }
        },
    }
    for who, person, status in (
        ("mentor", world.my_mentee.id, 403),
        ("partner", world.other_mentee.id, 403),
        ("coordinator", world.my_mentee.id, 422),
    ):
        sent = {**body, "lengthMonths": 0} if status == 422 else body
        answer = await gql(client, world.headers(who), STATE, person=str(person), input=sent)
        problem = answer["data"]["stateExpectations"]
        assert (problem["__typename"], problem["status"]) == ("Problem", status), who
    read = await gql(
        client,
        world.headers("coordinator"),
        "query ($id: UUID!) { person(id: $id) { mentee { expectations { contactFrequency } } } }",
        id=str(world.my_mentee.id),
    )
    assert read["data"]["person"]["mentee"]["expectations"] == {"contactFrequency": None}


async def _suggested(
    client: httpx.AsyncClient, world: World, mentee: Person
) -> dict[str, dict[str, Any]]:
    answer = await client.get(
        f"{API}/people/{mentee.id}/match-suggestions",
        params={"limit": 50},
        headers=world.headers("coordinator"),
    )
    assert answer.status_code == 200, answer.text
    return {item["mentor_id"]: item for item in answer.json()["items"]}


def _expectation_reasons(item: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r["effect"], r["detail"]) for r in item["reasons"] if r["factor"] == "expectations"]


async def test_matching_counts_agreement_and_names_each_mismatch(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    agreeing = await make_mentor(db, world.org, profile=columns(AGREEING))
    differing = await make_mentor(db, world.org, profile=columns(DIFFERING))
    silent = await make_mentor(db, world.org)
    partly = await make_mentor(db, world.org, profile={"expected_contact_frequency": "weekly"})
    # half the needs covered by every mentor, so no score is already the highest
    mentee = await make_mentee(
        db, world.org, profile={"needs": ["accommodation", "sex_work"], **columns(MENTEE_EXPECTS)}
    )

    items = await _suggested(client, world, mentee)
    assert _expectation_reasons(items[str(agreeing.id)]) == [
        ("raised", "both expect weekly contact"),
        ("raised", "both would meet in custody"),
        ("raised", "both would focus on accommodation"),
        ("raised", "expects 12 months; mentor can stay 18"),
        ("raised", "both would keep in touch by letter"),
    ]
    assert _expectation_reasons(items[str(differing.id)]) == [
        ("lowered", "expects weekly contact; mentor offers fortnightly"),
        ("lowered", "would meet in custody or by phone; mentor offers by video"),
        ("lowered", "would focus on accommodation; mentor on health"),
        ("lowered", "expects 12 months; mentor expects only 6"),
        ("lowered", "would keep in touch by letter; mentor by email or text"),
    ]
    assert _expectation_reasons(items[str(silent.id)]) == [
        (
            "not_counted",
            "the mentor has not said how often to be in touch, where to meet, what to focus "
            "on, how long to mentor or how to keep in touch",
        )
    ]
    assert _expectation_reasons(items[str(partly.id)])[0] == (
        "raised",
        "both expect weekly contact",
    )
    # counted only where both state something: full agreement raises the score above a
    # mentor who said nothing, and full disagreement lowers it below
    score = {
        name: items[str(m.id)]["score"]
        for name, m in (
            ("agreeing", agreeing),
            ("differing", differing),
            ("silent", silent),
            ("partly", partly),
        )
    }
    assert score["agreeing"] == score["partly"] > score["silent"] > score["differing"]
    ranked = [i["mentor_id"] for i in items.values()]
    assert (
        ranked.index(str(agreeing.id))
        < ranked.index(str(silent.id))
        < ranked.index(str(differing.id))
    )

    # the explanation of one mentor says the same
    explained = await client.get(
        f"{API}/people/{mentee.id}/match-suggestions/{differing.id}",
        headers=world.headers("coordinator"),
    )
    assert explained.status_code == 200, explained.text
    assert explained.json()["score"] == score["differing"]
    assert _expectation_reasons(explained.json()) == _expectation_reasons(items[str(differing.id)])

    # an admin weighs it, or switches it off
    off = await client.patch(
        f"{API}/organisation",
        json={"matching_weights": {"expectations": 0}},
        headers=world.headers("admin"),
    )
    assert off.status_code == 200, off.text
    assert off.json()["matching_weights"]["expectations"] == 0
    items = await _suggested(client, world, mentee)
    assert len({items[str(m.id)]["score"] for m in (agreeing, differing, silent, partly)}) == 1
    assert all(_expectation_reasons(item) == [] for item in items.values())


async def test_a_mentee_who_states_nothing_is_matched_as_before(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    await make_mentor(db, world.org, profile=columns(AGREEING))
    mentee = await make_mentee(db, world.org)
    for item in (await _suggested(client, world, mentee)).values():
        assert _expectation_reasons(item) == []


AT = ("menteeAgreedAt", "mentorAgreedAt")
RELATIONSHIP = """query ($id: UUID!) {
  relationship(id: $id) {
    expectations
    agreedExpectations { contactFrequency settings lengthMonths menteeAgreedAt mentorAgreedAt }
  }
}"""


async def test_the_relationship_keeps_what_both_agreed_and_when(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    staff = world.headers("coordinator")
    mentor = await make_mentor(db, world.org, profile=columns(AGREEING))
    mentee = await make_mentee(db, world.org, profile=columns(MENTEE_EXPECTS))
    proposed = await client.post(
        f"{API}/relationships",
        json={"mentee_id": str(mentee.id), "mentor_id": str(mentor.id), "expectations": "Tea."},
        headers=staff,
    )
    assert proposed.status_code == 201, proposed.text
    relationship = proposed.json()
    # left out: what both profiles agree on (lists: what they share; the mentee's length)
    assert relationship["agreed_expectations"] == {
        "contact_frequency": "weekly",
        "settings": ["custody"],
        "pathways": ["accommodation"],
        "length_months": 12,
        "communication": ["letter"],
        "mentee_agreed_at": None,
        "mentor_agreed_at": None,
    }
    assert relationship["expectations"] == "Tea."  # the free text stays
    path = f"{API}/relationships/{relationship['id']}"
    changed = await client.patch(
        path, json={"agreed_expectations": {"contact_frequency": "fortnightly"}}, headers=staff
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["agreed_expectations"]["contact_frequency"] == "fortnightly"
    assert changed.json()["agreed_expectations"]["settings"] == []

    agreed = await client.post(f"{path}/agree", json={"note": "At the visit."}, headers=staff)
    assert agreed.status_code == 200, agreed.text
    mentee_at = agreed.json()["agreed_expectations"]["mentee_agreed_at"]
    assert mentee_at == agreed.json()["mentee_agreement"]["at"]
    late = await client.patch(
        path, json={"agreed_expectations": {"contact_frequency": "monthly"}}, headers=staff
    )
    assert late.status_code == 409, late.text
    assert late.headers["content-type"].startswith("application/problem+json")

    active = await client.post(f"{path}/activate", json={}, headers=staff)
    assert active.status_code == 200, active.text
    kept = active.json()["agreed_expectations"]
    assert kept["contact_frequency"] == "fortnightly"
    assert kept["mentee_agreed_at"] == mentee_at and kept["mentor_agreed_at"] is not None
    assert kept["mentor_agreed_at"] >= mentee_at
    again = await client.patch(
        path, json={"agreed_expectations": {"contact_frequency": "weekly"}}, headers=staff
    )
    assert again.status_code == 409

    read = await gql(client, staff, RELATIONSHIP, id=relationship["id"])
    found = read["data"]["relationship"]
    assert found["expectations"] == "Tea."
    when = {k: datetime.fromisoformat(found["agreedExpectations"].pop(k)) for k in AT}
    assert found["agreedExpectations"] == {
        "contactFrequency": "fortnightly",
        "settings": [],
        "lengthMonths": None,
    }
    assert when == {
        "menteeAgreedAt": datetime.fromisoformat(mentee_at),
        "mentorAgreedAt": datetime.fromisoformat(kept["mentor_agreed_at"]),
    }


async def test_a_proposal_takes_what_it_is_given_or_nothing_agreed(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    staff = world.headers("coordinator")
    differing = await make_mentor(db, world.org, profile=columns(DIFFERING))
    cases: list[tuple[dict[str, Any], Any]] = [
        ({}, None),  # the two profiles agree on nothing
        ({"agreed_expectations": None}, None),
        (
            {"agreed_expectations": {"length_months": 3, "settings": ["video"]}},
            {**NOTHING, "length_months": 3, "settings": ["video"]},
        ),
    ]
    for extra, expected in cases:
        mentee = await make_mentee(db, world.org, profile=columns(MENTEE_EXPECTS))
        body = {"mentee_id": str(mentee.id), "mentor_id": str(differing.id), **extra}
        proposed = await client.post(f"{API}/relationships", json=body, headers=staff)
        assert proposed.status_code == 201, proposed.text
        found = proposed.json()["agreed_expectations"]
        if expected is None:
            assert found is None, extra
        else:
            assert {k: found[k] for k in expected} == expected
    bad = await client.post(
        f"{API}/relationships",
        json={
            "mentee_id": str(world.other_mentee.id),
            "mentor_id": str(differing.id),
            "agreed_expectations": {"contact_frequency": "hourly"},
        },
        headers=staff,
    )
    assert bad.status_code == 422


async def test_erasure_empties_both_profiles_and_the_agreed_expectations(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentor = await make_mentor(db, world.org, profile=columns(AGREEING))
    mentee = await make_mentee(db, world.org, profile=columns(MENTEE_EXPECTS))
    staff = world.headers("coordinator")
    proposed = await client.post(
        f"{API}/relationships",
        json={"mentee_id": str(mentee.id), "mentor_id": str(mentor.id)},
        headers=staff,
    )
    path = f"{API}/relationships/{proposed.json()['id']}"
    await client.post(f"{path}/agree", json={"note": "Said yes on the phone."}, headers=staff)
    ended = await client.post(
        f"{path}/end",
        json={"ending_reason": "mentee_withdrew", "ending_summary": "Moved on."},
        headers=staff,
    )
    assert ended.status_code == 200, ended.text

    export = await client.get(
        f"{API}/people/{mentee.id}/subject-access-export", headers=world.headers("admin")
    )
    assert export.status_code == 200, export.text
    records = export.json()["records"]
    assert records["mentee_profile"][0]["expected_contact_frequency"] == "weekly"
    assert records["mentoring_relationship"][0]["agreed_expectations"]["length_months"] == 12

    for person in (mentee, mentor):
        erased = await client.post(
            f"{API}/people/{person.id}/erase", headers=world.headers("admin")
        )
        assert erased.status_code == 200, erased.text
    profiles = [
        await db.get(MenteeProfile, mentee.id, populate_existing=True),
        await db.get(MentorProfile, mentor.id, populate_existing=True),
    ]
    for profile in profiles:
        assert profile is not None
        assert (
            profile.expected_contact_frequency,
            profile.expected_settings,
            profile.expected_pathways,
            profile.expected_length_months,
            profile.expected_communication,
        ) == (None, [], [], None, [])
    relationship = await db.get(
        MentoringRelationship, uuid.UUID(proposed.json()["id"]), populate_existing=True
    )
    assert relationship is not None
    assert relationship.agreed_expectations is None
    assert relationship.mentee_agreement_note is None


async def test_each_side_agrees_for_itself(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    """The mentee agrees themself (and reads what they agreed); the mentor's activation
    records the mentor's side."""
    staff = world.headers("coordinator")
    theirs = await client.get(
        f"{API}/relationships", params={"mentee_id": str(world.self_mentee.id)}, headers=staff
    )
    first = theirs.json()["items"][0]["id"]
    declined = await client.post(
        f"{API}/relationships/{first}/decline",
        json={"reason": "Not this one."},
        headers=world.headers("mentee"),
    )
    assert declined.status_code == 200, declined.text
    proposed = await client.post(
        f"{API}/relationships",
        json={
            "mentee_id": str(world.self_mentee.id),
            "mentor_id": str(world.other_mentor.id),
            "agreed_expectations": {"contact_frequency": "monthly"},
        },
        headers=staff,
    )
    assert proposed.status_code == 201, proposed.text
    path = f"{API}/relationships/{proposed.json()['id']}"
    agreed = await client.post(f"{path}/agree", json={}, headers=world.headers("mentee"))
    assert agreed.status_code == 200, agreed.text
    mine = await client.get(path, headers=world.headers("mentee"))
    kept = mine.json()["agreed_expectations"]
    assert kept["contact_frequency"] == "monthly"
    assert kept["mentee_agreed_at"] is not None and kept["mentor_agreed_at"] is None

    mentee = await make_mentee(db, world.org, profile=columns(MENTEE_EXPECTS))
    proposed = await client.post(
        f"{API}/relationships",
        json={"mentee_id": str(mentee.id), "mentor_id": str(world.mentor.id)},
        headers=staff,
    )
    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["agreed_expectations"] is None  # the mentor stated nothing
    path = f"{API}/relationships/{proposed.json()['id']}"
    await client.post(f"{path}/agree", json={"note": "By letter."}, headers=staff)
    active = await client.post(f"{path}/activate", json={}, headers=world.headers("mentor"))
    assert active.status_code == 200, active.text
    row = await db.get(
        MentoringRelationship, uuid.UUID(proposed.json()["id"]), populate_existing=True
    )
    assert row is not None and row.mentor_agreed_at is not None
    assert row.mentor_agreed_by == f"user:{world.accounts['mentor'].id}"
