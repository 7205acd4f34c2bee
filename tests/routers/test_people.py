"""/people behaviour: profiles, sensitive fields, filters, pagination, versions, audit."""

import uuid
from typing import Any

import httpx
import pytest
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import AuditEvent, Person, UserAccount
from api.models.enums import Role
from tests.factories import PASSWORD, World, bearer, make_mentee, make_user

MENTEE = {
    "kind": "mentee",
    "given_name": "Kyle",
    "family_name": "Walsh",
    "languages": ["en", "pl"],
    "region": "North East",
    "email": "kyle@example.org",
    "mentee": {
        "custody_status": "in_custody",
        "establishment": "HMP Durham",
        "release_date": "2027-01-15",
        "needs": ["accommodation", "drugs_alcohol"],
        "preferences": {"mentor_gender": "male", "peer_mentor_preferred": True},
        "external_ref": "NDL-1001",
        "risk_level": "high",
        "offence_summary": "Burglary",
    },
}


async def create(client: httpx.AsyncClient, world: World, body: dict[str, Any]) -> httpx.Response:
    return await client.post("/api/v1/people", json=body, headers=world.headers("coordinator"))


async def count_people(db: AsyncSession) -> int:
    return (await db.exec(select(func.count()).select_from(Person))).one()


async def test_create_and_read_back_a_mentee(client: httpx.AsyncClient, world: World) -> None:
    created = await create(client, world, MENTEE)
    assert created.status_code == 201
    body = created.json()
    assert created.headers["location"] == f"/api/v1/people/{body['id']}"
    assert created.headers["etag"] == '"1"'
    assert body["mentee"]["preferences"] == {
        "mentor_gender": "male",
        "peer_mentor_preferred": True,
        "shared_background": [],
        "shared_background_required": False,
    }
    assert body["mentee"]["risk_level"] == "high"
    assert "mentor" not in body
    fetched = await client.get(f"/api/v1/people/{body['id']}", headers=world.headers("admin"))
    assert fetched.json() == body


async def test_mentor_profile_defaults(client: httpx.AsyncClient, world: World) -> None:
    created = await create(
        client, world, {"kind": "mentor", "given_name": "Bernie", "family_name": "Walsh"}
    )
    assert created.status_code == 201
    assert created.json()["mentor"]["vetting_status"] == "pending"
    assert created.json()["mentor"]["max_caseload"] == 3
    assert "mentee" not in created.json()


async def test_sensitive_fields_are_omitted_not_nulled(
    client: httpx.AsyncClient, world: World
) -> None:
    mentee = (await create(client, world, MENTEE)).json()
    narrow = world.headers("coordinator", scopes="people:read")
    body = (await client.get(f"/api/v1/people/{mentee['id']}", headers=narrow)).json()
    assert "risk_level" not in body["mentee"]
    assert "offence_summary" not in body["mentee"]
    assert body["mentee"]["needs"] == ["accommodation", "drugs_alcohol"]

    mentor = await client.get(f"/api/v1/people/{world.mentor.id}", headers=world.headers("mentor"))
    assert "lived_experience" not in mentor.json()["mentor"]
    full = await client.get(f"/api/v1/people/{world.mentor.id}", headers=world.headers("admin"))
    assert full.json()["mentor"]["lived_experience"] is True


async def test_writing_sensitive_fields_needs_the_scope(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    path = f"/api/v1/people/{world.my_mentee.id}"
    response = await client.patch(
        path, json={"mentee": {"risk_level": "low"}}, headers=world.headers("mentor")
    )
    assert response.status_code == 403
    await db.refresh(world.my_mentee.mentee_profile)
    assert world.my_mentee.mentee_profile is not None
    assert world.my_mentee.mentee_profile.risk_level == "medium"


async def test_a_mentor_cannot_change_their_own_vetting(
    client: httpx.AsyncClient, world: World
) -> None:
    path = f"/api/v1/people/{world.mentor.id}"
    refused = await client.patch(
        path,
        json={"mentor": {"vetting_status": "cleared", "max_caseload": 20}},
        headers=world.headers("mentor"),
    )
    assert refused.status_code == 403
    allowed = await client.patch(
        path,
        json={"phone": "07700 900123", "mentor": {"availability": "Evenings"}},
        headers=world.headers("mentor"),
    )
    assert allowed.status_code == 200
    assert allowed.json()["mentor"]["availability"] == "Evenings"
    assert allowed.json()["mentor"]["max_caseload"] == 3


@pytest.mark.parametrize(
    "body",
    [
        {**MENTEE, "kind": "visitor"},
        {**MENTEE, "given_name": ""},
        {**MENTEE, "given_name": "Ky\u0000le"},
        {**MENTEE, "unknown_field": 1},
        {**MENTEE, "email": "not-an-email"},
        {**MENTEE, "date_of_birth": "2999-01-01"},
        {**MENTEE, "date_of_birth": "01/02/1990"},
        {**MENTEE, "mentee": {**MENTEE["mentee"], "needs": ["housing"]}},  # type: ignore[dict-item]
        {**MENTEE, "mentee": {**MENTEE["mentee"], "custody_status": "free"}},  # type: ignore[dict-item]
        {**MENTEE, "mentee": {**MENTEE["mentee"], "risk_level": "extreme"}},  # type: ignore[dict-item]
        {key: value for key, value in MENTEE.items() if key != "mentee"},
        {**MENTEE, "mentor": {"skills": ["health"]}},
        {"kind": "mentor", "given_name": "A", "family_name": "B", "mentor": {"max_caseload": -1}},
        {"kind": "mentor", "given_name": "A", "family_name": "B", "mentee": MENTEE["mentee"]},
        {"kind": "mentor", "given_name": "A", "family_name": "B", "languages": "en"},
    ],
)
async def test_malformed_input_is_a_422_problem_and_changes_nothing(
    client: httpx.AsyncClient, world: World, db: AsyncSession, body: dict[str, Any]
) -> None:
    before = await count_people(db)
    response = await create(client, world, body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["status"] == 422 and problem["errors"]
    assert all("loc" in e and "msg" in e for e in problem["errors"])
    assert await count_people(db) == before


@pytest.mark.parametrize(
    "patch",
    [
        {"given_name": None},
        {"languages": None},
        {"mentee": {"custody_status": None}},
        {"mentor": {"skills": ["health"]}},  # a mentee has no mentor profile
        {"kind": "mentor"},
        {"mentee": {"needs": ["nope"]}},
    ],
)
async def test_bad_patches_change_nothing(
    client: httpx.AsyncClient, world: World, patch: dict[str, Any]
) -> None:
    path = f"/api/v1/people/{world.my_mentee.id}"
    before = (await client.get(path, headers=world.headers("admin"))).json()
    response = await client.patch(path, json=patch, headers=world.headers("admin"))
    assert response.status_code == 422, response.text
    after = (await client.get(path, headers=world.headers("admin"))).json()
    assert after == before


async def test_patch_merges_and_null_clears(client: httpx.AsyncClient, world: World) -> None:
    created = (await create(client, world, MENTEE)).json()
    path = f"/api/v1/people/{created['id']}"
    response = await client.patch(
        path,
        json={"email": None, "mentee": {"custody_status": "released", "establishment": None}},
        headers=world.headers("coordinator"),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["email"] is None
    assert body["mentee"]["custody_status"] == "released"
    assert body["mentee"]["establishment"] is None
    assert body["mentee"]["needs"] == ["accommodation", "drugs_alcohol"]
    assert body["version"] == 2 and response.headers["etag"] == '"2"'
    assert body["updated_at"] > created["updated_at"]


async def test_if_match_guards_against_lost_updates(
    client: httpx.AsyncClient, world: World
) -> None:
    path = f"/api/v1/people/{world.my_mentee.id}"
    headers = world.headers("coordinator")
    etag = (await client.get(path, headers=headers)).headers["etag"]
    first = await client.patch(
        path, json={"pronouns": "he/him"}, headers={**headers, "If-Match": etag}
    )
    assert first.status_code == 200
    stale = await client.patch(
        path, json={"pronouns": "they/them"}, headers={**headers, "If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.json()["type"] == "/problems/precondition-failed"
    garbled = await client.patch(
        path, json={"pronouns": "they/them"}, headers={**headers, "If-Match": "yesterday"}
    )
    assert garbled.status_code == 412
    deleted = await client.delete(
        f"/api/v1/people/{world.other_mentee.id}", headers={**headers, "If-Match": '"7"'}
    )
    assert deleted.status_code == 412
    assert (await client.get(path, headers=headers)).json()["pronouns"] == "he/him"


async def test_external_ref_is_unique_within_an_organisation(
    client: httpx.AsyncClient, world: World
) -> None:
    assert (await create(client, world, MENTEE)).status_code == 201
    again = await create(client, world, {**MENTEE, "given_name": "Other"})
    assert again.status_code == 409
    foreign = await client.post(
        "/api/v1/people", json=MENTEE, headers=world.headers("foreign_coordinator")
    )
    assert foreign.status_code == 201


async def test_filters_and_text_search(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    await make_mentee(
        db, world.org, given_name="Roxanne", family_name="O'Neil_100%", region="Wales"
    )
    headers = world.headers("coordinator")

    async def names(**params: str) -> set[str]:
        response = await client.get("/api/v1/people", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return {p["given_name"] for p in response.json()["items"]}

    assert await names(kind="mentor") == {"Sam", "Priya"}
    assert await names(region="wales") == {"Roxanne"}
    assert await names(q="roxa") == {"Roxanne"}
    assert await names(q="l_100%") == {"Roxanne"}  # wildcards are matched literally
    assert await names(q="_") == {"Roxanne"}
    assert await names(q="nobody") == set()
    everyone = await names()
    assert await names(updated_since="2000-01-01T00:00:00Z") == everyone
    assert await names(updated_since="2999-01-01T00:00:00Z") == set()
    nul = await client.get("/api/v1/people", params={"q": "a\x00b"}, headers=headers)
    assert nul.status_code == 422
    naive = await client.get(
        "/api/v1/people", params={"updated_since": "2000-01-01T00:00:00"}, headers=headers
    )
    assert naive.status_code == 422  # a timestamp without a zone is ambiguous
    unrepresentable = await client.get(
        "/api/v1/people", params={"updated_since": "0001-01-01T00:00:00+01:00"}, headers=headers
    )
    assert unrepresentable.status_code == 422
    assert (
        await client.get("/api/v1/people", params={"kind": "x"}, headers=headers)
    ).status_code == 422


async def test_cursor_pagination_walks_every_row_once(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    for i in range(7):
        await make_mentee(db, world.org, given_name=f"Page{i}")
    headers = world.headers("admin")
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/people", params=params, headers=headers)).json()
        seen += [p["id"] for p in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 13
    assert pages == 5
    for bad in ({"limit": "0"}, {"limit": "201"}, {"cursor": "not-a-cursor"}):
        response = await client.get("/api/v1/people", params=bad, headers=headers)
        assert response.status_code == 422, bad


async def test_deleting_a_person_switches_off_their_login(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    mentee = await make_mentee(db, world.org)
    user = await make_user(db, world.org, Role.mentee, mentee)
    path = f"/api/v1/people/{mentee.id}"
    assert (await client.delete(path, headers=world.headers("coordinator"))).status_code == 204
    await db.refresh(user)
    assert user.is_active is False
    response = await client.get("/api/v1/me", headers=bearer(world.settings, user))
    assert response.status_code == 401


async def test_unknown_person_is_404_problem(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(f"/api/v1/people/{uuid.uuid4()}", headers=world.headers("admin"))
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"
    malformed = await client.get("/api/v1/people/not-a-uuid", headers=world.headers("admin"))
    assert malformed.status_code == 422


async def test_reads_and_changes_are_audited(
    client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    path = f"/api/v1/people/{world.my_mentee.id}"
    mentor = world.accounts["mentor"]
    assert isinstance(mentor, UserAccount)
    login = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "password",
            "username": mentor.email,
            "password": PASSWORD,
            "client_id": "mentor-app",
        },
    )
    token = login.json()["access_token"]
    # the client is the one the token was issued to, never what the caller says it is
    await client.get(path, headers={"Authorization": f"Bearer {token}", "User-Agent": "x/2"})
    await client.patch(path, json={"pronouns": "he/him"}, headers=world.headers("partner"))
    await client.patch(path, json={"pronouns": "he/him"}, headers=world.headers("coordinator"))
    events = (
        await db.exec(
            select(AuditEvent)
            .where(AuditEvent.person_id == world.my_mentee.id)
            .order_by(AuditEvent.at)  # type: ignore[arg-type]
        )
    ).all()
    assert [(e.action, e.actor_role) for e in events] == [
        ("person.read", "mentor"),
        ("person.update", "coordinator"),
    ]
    assert events[0].client == "mentor-app"
    assert events[1].details == {"fields": ["pronouns"]}

    listed = await client.get(
        "/api/v1/audit-events",
        params={"person_id": str(world.my_mentee.id)},
        headers=world.headers("admin"),
    )
    assert [e["action"] for e in listed.json()["items"]] == ["person.read", "person.update"]
    assert (
        await client.get("/api/v1/audit-events", headers=world.headers("coordinator"))
    ).status_code == 403
