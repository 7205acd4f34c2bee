"""Field rules, field by field, from lists written here (the contract), never from the sets
the code uses: dropping a field from the code's set fails a test.

- staff-only mentor fields: a mentor may edit their own record, but not these;
- sensitive fields: omitted (REST) or null with an error (GraphQL) without
  `people:sensitive`, and writing them needs it;
- write-only fields: credentials are taken in and never given back.
"""

import json
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from graphql import GraphQLObjectType

from api.auth.scopes import ROLE_SCOPES, scope_string
from api.models.enums import Role
from api.schema.schema import build_schema
from tests.factories import PASSWORD, World
from tests.schema.helpers import gql

API = "/api/v1"

# The programme decides these about a mentor (README "Rules on people"); a new value each.
STAFF_ONLY_MENTOR_FIELDS = {
    "max_caseload": 7,
    "training_completed_on": "2024-06-01",
    "vetting_status": "expired",
    "vetting_expires_on": "2031-12-31",
    "last_supervision_on": "2025-06-01",
}

# What only staff change about a mentee, even their own mentor.
STAFF_ONLY_MENTEE_FIELDS = {"external_ref": "NDL-77"}

# Sensitive fields (contract §1, and the referral facts a partner sends): where each
# lives, and a value to write.
SENSITIVE_PERSON_FIELDS = {
    ("mentee", "risk_level"): "very_high",
    ("mentee", "offence_summary"): "Burglary, 2019.",
    ("mentee", "mappa_level"): "2",
    ("mentee", "licence_end_date"): "2027-05-01",
    ("mentee", "probation_practitioner"): {"name": "Jo Smith", "email": None, "phone": None},
    ("mentor", "lived_experience"): False,
    # Special category data on the person themself (mentee or mentor).
    ("person", "ethnicity"): "black_caribbean",
    ("person", "religion"): "Muslim",
    ("person", "cultural_background"): "Somali",
}
# The same values in GraphQL, where they differ, and how to select each field.
GRAPHQL_VALUES: dict[str, Any] = {"mappa_level": "level_2", "ethnicity": "black_caribbean"}
GRAPHQL_SELECTIONS = {"probation_practitioner": "probationPractitioner { name }"}

# Taken in, never given back: no response of either API has a field of these names.
WRITE_ONLY = {"password", "password_hash", "client_secret", "secret_hash", "token_hash"}

SENSITIVE_ERROR = "This field needs the people:sensitive scope."
WITHOUT_SENSITIVE = scope_string(ROLE_SCOPES[Role.coordinator] - {"people:sensitive"})


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


async def person(client: httpx.AsyncClient, world: World, person_id: uuid.UUID) -> Any:
    response = await client.get(f"{API}/people/{person_id}", headers=world.headers("admin"))
    assert response.status_code == 200
    return response.json()


# --- staff-only mentor fields ----------------------------------------------------------------


UPDATE_PERSON = """mutation ($id: UUID!, $input: PersonUpdateInput!) {
    updatePerson(id: $id, input: $input) { __typename ... on Problem { status: httpStatus } } }"""

# Staff-only fields of the mentor's own record and of their mentee's, with a new value each.
STAFF_ONLY = {
    **{("mentor", field): value for field, value in STAFF_ONLY_MENTOR_FIELDS.items()},
    **{("mentee", field): value for field, value in STAFF_ONLY_MENTEE_FIELDS.items()},
}


@pytest.mark.parametrize(("profile", "field"), sorted(STAFF_ONLY))
async def test_a_mentor_cannot_change_a_staff_only_field(
    client: httpx.AsyncClient, world: World, profile: str, field: str
) -> None:
    person_id = world.mentor.id if profile == "mentor" else world.my_mentee.id
    value = STAFF_ONLY[(profile, field)]
    path = f"{API}/people/{person_id}"
    before = (await person(client, world, person_id))[profile][field]
    rest = await client.patch(path, json={profile: {field: value}}, headers=world.headers("mentor"))
    assert rest.status_code == 403
    variables = {"id": str(person_id), "input": {profile: {camel(field): value}}}
    answer = await gql(client, world.headers("mentor"), UPDATE_PERSON, **variables)
    assert answer["data"]["updatePerson"] == {"__typename": "Problem", "status": 403}
    assert (await person(client, world, person_id))[profile][field] == before
    allowed = await gql(client, world.headers("coordinator"), UPDATE_PERSON, **variables)
    assert allowed["data"]["updatePerson"]["__typename"] == "Person"
    assert (await person(client, world, person_id))[profile][field] == value


async def test_a_mentor_may_change_the_rest_of_their_own_record(
    client: httpx.AsyncClient, world: World
) -> None:
    body = {"mentor": {"availability": "Tuesdays"}, "pronouns": "he/him"}
    response = await client.patch(
        f"{API}/people/{world.mentor.id}", json=body, headers=world.headers("mentor")
    )
    assert response.status_code == 200
    assert response.json()["mentor"]["availability"] == "Tuesdays"


# --- sensitive fields --------------------------------------------------------------------------


def owner_of(world: World, profile: str) -> uuid.UUID:
    return world.mentor.id if profile == "mentor" else world.my_mentee.id


def within(profile: str, values: Any) -> Any:
    """A person's fields (`person`) or those of their nested profile."""
    return values if profile == "person" else values[profile]


def nest(profile: str, values: dict[str, Any]) -> dict[str, Any]:
    return values if profile == "person" else {profile: values}


def kind_of(profile: str) -> str:
    return "mentee" if profile == "person" else profile


@pytest.mark.parametrize(("profile", "field"), sorted(SENSITIVE_PERSON_FIELDS))
async def test_a_sensitive_person_field_is_omitted_without_the_scope_over_rest(
    client: httpx.AsyncClient, world: World, profile: str, field: str
) -> None:
    person_id = str(owner_of(world, profile))

    def pick(body: Any) -> Any:
        people = body.get("items", [body])
        return within(profile, next(p for p in people if p["id"] == person_id))

    for path in (f"{API}/people/{person_id}", f"{API}/people?kind={kind_of(profile)}&limit=200"):
        narrowed = await client.get(path, headers=world.headers("coordinator", WITHOUT_SENSITIVE))
        assert field not in pick(narrowed.json()), path
        full = await client.get(path, headers=world.headers("coordinator"))
        assert field in pick(full.json()), path


@pytest.mark.parametrize(("profile", "field"), sorted(SENSITIVE_PERSON_FIELDS))
async def test_a_sensitive_person_field_is_null_with_an_error_without_the_scope_over_graphql(
    client: httpx.AsyncClient, world: World, profile: str, field: str
) -> None:
    selection = GRAPHQL_SELECTIONS.get(field, camel(field))
    if profile != "person":
        selection = f"{profile} {{ {selection} }}"
    query = f"query ($id: UUID!) {{ person(id: $id) {{ {selection} }} }}"
    person_id = owner_of(world, profile)
    variables = {"id": str(person_id)}
    value = SENSITIVE_PERSON_FIELDS[(profile, field)]
    await client.patch(  # a value to hide
        f"{API}/people/{person_id}",
        json=nest(profile, {field: value}),
        headers=world.headers("admin"),
    )
    narrowed = await gql(
        client, world.headers("coordinator", WITHOUT_SENSITIVE), query, **variables
    )
    assert within(profile, narrowed["data"]["person"])[camel(field)] is None
    assert [e["message"] for e in narrowed["errors"]] == [SENSITIVE_ERROR]
    full = await gql(client, world.headers("coordinator"), query, **variables)
    assert "errors" not in full
    assert within(profile, full["data"]["person"])[camel(field)] is not None


@pytest.mark.parametrize(("profile", "field"), sorted(SENSITIVE_PERSON_FIELDS))
async def test_writing_a_sensitive_person_field_needs_the_scope(
    client: httpx.AsyncClient, world: World, profile: str, field: str
) -> None:
    person_id = owner_of(world, profile)
    value = SENSITIVE_PERSON_FIELDS[(profile, field)]
    before = within(profile, await person(client, world, person_id)).get(field)
    narrowed = world.headers("coordinator", WITHOUT_SENSITIVE)
    rest = await client.patch(
        f"{API}/people/{person_id}", json=nest(profile, {field: value}), headers=narrowed
    )
    assert rest.status_code == 403
    graphql_value = GRAPHQL_VALUES.get(field, value)
    variables = {"id": str(person_id), "input": nest(profile, {camel(field): graphql_value})}
    answer = await gql(client, narrowed, UPDATE_PERSON, **variables)
    assert answer["data"]["updatePerson"] == {"__typename": "Problem", "status": 403}
    assert within(profile, await person(client, world, person_id)).get(field) == before
    allowed = await client.patch(
        f"{API}/people/{person_id}",
        json=nest(profile, {field: value}),
        headers=world.headers("coordinator"),
    )
    assert within(profile, allowed.json())[field] == value


Make = Callable[[httpx.AsyncClient, World], Awaitable[str]]


async def a_session(client: httpx.AsyncClient, world: World) -> str:
    relationships = await client.get(
        f"{API}/relationships?status=active", headers=world.headers("coordinator")
    )
    body = {
        "relationship_id": relationships.json()["items"][0]["id"],
        "scheduled_start": "2030-01-01T10:00:00Z",
        "setting": "community",
        "private_notes": "Spoke about a relapse.",
    }
    created = await client.post(f"{API}/sessions", json=body, headers=world.headers("coordinator"))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def a_non_association(client: httpx.AsyncClient, world: World) -> str:
    body = {"other_person_id": str(world.other_mentee.id), "kind": "victim", "reason": "Assault."}
    created = await client.post(
        f"{API}/people/{world.my_mentee.id}/non-associations",
        json=body,
        headers=world.headers("coordinator"),
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


# Sensitive fields of other records: how to make one, read it (REST and GraphQL) and write it.
SENSITIVE_RECORD_FIELDS: dict[str, dict[str, Any]] = {
    "session.private_notes": {
        "make": a_session,
        "rest": "/sessions/{id}",
        "graphql": "query ($id: UUID!) { session(id: $id) { privateNotes } }",
        "pick": lambda data: data["session"]["privateNotes"],
        "write": ("POST", "/sessions", "private_notes"),
    },
    "non_association.reason": {
        "make": a_non_association,
        "rest": "/people/{mentee}/non-associations",
        "graphql": "query ($mentee: UUID!) { nonAssociations(menteeId: $mentee) { reason } }",
        "pick": lambda data: data["nonAssociations"][0]["reason"],
        "write": ("POST", "/people/{mentee}/non-associations", "reason"),
    },
}


@pytest.mark.parametrize("name", sorted(SENSITIVE_RECORD_FIELDS))
async def test_a_sensitive_record_field_is_hidden_and_guarded_without_the_scope(
    client: httpx.AsyncClient, world: World, name: str
) -> None:
    rule = SENSITIVE_RECORD_FIELDS[name]
    field = name.split(".")[1]
    record_id = await rule["make"](client, world)
    ids = {"id": record_id, "mentee": str(world.my_mentee.id)}
    path = API + rule["rest"].format(**ids)
    narrowed, full = world.headers("coordinator", WITHOUT_SENSITIVE), world.headers("coordinator")

    def the_record(body: Any) -> Any:
        return body[0] if isinstance(body, list) else body.get("items", [body])[0]

    assert field not in the_record((await client.get(path, headers=narrowed)).json())
    assert field in the_record((await client.get(path, headers=full)).json())

    variables = {k: v for k, v in ids.items() if f"${k}" in rule["graphql"]}
    hidden = await gql(client, narrowed, rule["graphql"], **variables)
    assert rule["pick"](hidden["data"]) is None
    assert [e["message"] for e in hidden["errors"]] == [SENSITIVE_ERROR]
    shown = await gql(client, full, rule["graphql"], **variables)
    assert rule["pick"](shown["data"]) is not None

    method, write_path, write_field = rule["write"]
    before = (await client.get(path, headers=full)).json()
    body = await _body_for(client, world, name)
    refused = await client.request(
        method, API + write_path.format(**ids), json=body, headers=narrowed
    )
    assert refused.status_code == 403, refused.text
    assert body[write_field]
    assert (await client.get(path, headers=full)).json() == before


async def _body_for(client: httpx.AsyncClient, world: World, name: str) -> dict[str, Any]:
    if name == "session.private_notes":
        relationships = await client.get(
            f"{API}/relationships?status=active", headers=world.headers("coordinator")
        )
        return {
            "relationship_id": relationships.json()["items"][0]["id"],
            "scheduled_start": "2030-02-01T10:00:00Z",
            "setting": "community",
            "private_notes": "Should not be written.",
        }
    return {"other_person_id": str(world.ended_mentee.id), "kind": "other", "reason": "No."}


# --- write-only fields -------------------------------------------------------------------------


def test_no_response_of_either_api_has_a_write_only_field(app: FastAPI) -> None:
    document = app.openapi()
    for name, schema in document["components"]["schemas"].items():
        exposed = WRITE_ONLY & set(schema.get("properties", {}))
        assert not exposed or _only_a_request(document, name), (name, exposed)
    schema = build_schema()._schema
    for type_name, graphql_type in schema.type_map.items():
        if isinstance(graphql_type, GraphQLObjectType):
            snake = {re.sub(r"(?<!^)(?=[A-Z])", "_", f).lower() for f in graphql_type.fields}
            assert not WRITE_ONLY & snake, type_name


def _only_a_request(document: dict[str, Any], name: str) -> bool:
    ref = f'"#/components/schemas/{name}"'
    responses = json.dumps(
        [op.get("responses") for path in document["paths"].values() for op in path.values()]
    )
    return ref not in responses


async def test_credentials_are_never_given_back(client: httpx.AsyncClient, world: World) -> None:
    user = world.accounts["coordinator"]
    token = await client.post(
        f"{API}/auth/token",
        data={
            "grant_type": "password",
            "username": getattr(user, "email", ""),
            "password": PASSWORD,
        },
    )
    assert token.status_code == 200
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    for path in ("/me", "/organisation", "/people", "/audit-events"):
        answer = await client.get(API + path, headers=headers)
        assert PASSWORD not in answer.text, path
        assert not WRITE_ONLY & set(re.findall(r'"(\w+)":', answer.text)), path
    assert PASSWORD not in token.text
