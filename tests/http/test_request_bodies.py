"""Request bodies are taken as documented: no coercion, nulls where the schema allows them,
and conditional requirements stated in the schema itself."""

import ast
import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest

from api.main import create_app
from api.models.common import Input
from api.settings import Settings
from tests.factories import World

ROOT = Path(__file__).parent.parent.parent
DOCUMENT = json.loads((ROOT / "openapi" / "openapi.json").read_text())


def _body_schema(name: str) -> dict[str, Any]:
    """A component schema with its references resolvable, for jsonschema."""
    return {**DOCUMENT["components"]["schemas"][name], "components": DOCUMENT["components"]}


def _valid(name: str, body: dict[str, Any]) -> bool:
    validator = jsonschema_rs.Draft202012Validator(_body_schema(name))
    return validator.is_valid(body)


async def _goal(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/goals",
        json={"mentee_id": str(world.self_mentee.id), "pathway": "accommodation", "title": "Home"},
        headers=world.headers("mentee"),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_numbers_and_booleans_are_not_coerced(
    client: httpx.AsyncClient, world: World
) -> None:
    goal = await _goal(client, world)
    reviews = f"/api/v1/goals/{goal['id']}/reviews"
    for bad in ({"note": "x", "progress": "3"}, {"note": "x", "progress": 3, "lapse": "yes"}):
        refused = await client.post(reviews, json=bad, headers=world.headers("mentee"))
        assert refused.status_code == 422, bad
    weights = await client.patch(
        "/api/v1/organisation",
        json={"matching_weights": {"supervision": True}},
        headers=world.headers("admin"),
    )
    assert weights.status_code == 422
    taken = await client.post(
        reviews, json={"note": "x", "progress": 3, "lapse": True}, headers=world.headers("mentee")
    )
    assert taken.status_code == 201  # dates, UUIDs and enums still arrive as JSON strings


async def test_a_field_that_refuses_null_is_documented_non_null(
    client: httpx.AsyncClient, world: World
) -> None:
    goal = await _goal(client, world)
    refused = await client.patch(
        f"/api/v1/goals/{goal['id']}", json={"status": None}, headers=world.headers("mentee")
    )
    assert refused.status_code == 422
    assert not _valid("GoalUpdate", {"status": None})
    assert not _valid("StepUpdate", {"status": None})
    assert _valid("GoalUpdate", {"description": None})  # an optional field still clears


def test_every_not_null_field_is_documented_non_null() -> None:
    models = _input_models()
    assert models
    for model in models:
        for name in model.not_null:
            schema = {**model.model_json_schema(), "$defs": model.model_json_schema().get("$defs")}
            assert not jsonschema_rs.Draft202012Validator(schema).is_valid({name: None}), (
                f"{model.__name__}.{name}"
            )


def test_nulls_are_refused_by_declaration_only() -> None:
    """`not_null` is the one way to refuse a null, so the schema always agrees."""
    for path in (ROOT / "api").rglob("*.py"):
        if path.name == "common.py":
            continue
        calls = [
            node
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Attribute) and node.attr == "reject_nulls"
        ]
        assert not calls, f"{path}: declare `not_null = frozenset({{...}})` on the model instead"


@pytest.mark.parametrize(
    ("schema", "body", "accepted"),
    [
        ("ReferralCreate", {"direction": "inbound", "reason": "x"}, False),
        ("ReferralCreate", {"direction": "outbound", "external_ref": "A1"}, False),
        ("PersonCreate", {"kind": "mentee", "given_name": "A", "family_name": "B"}, False),
        ("PersonCreate", {"kind": "mentor", "given_name": "A", "family_name": "B"}, True),
    ],
)
async def test_conditional_requirements_are_in_the_schema(
    client: httpx.AsyncClient, world: World, schema: str, body: dict[str, Any], accepted: bool
) -> None:
    assert _valid(schema, body) is accepted
    path = "/api/v1/referrals" if schema == "ReferralCreate" else "/api/v1/people"
    response = await client.post(path, json=body, headers=world.headers("admin"))
    assert (response.status_code == 201) is accepted, response.text


def _input_models() -> list[type[Input]]:
    import api.models  # noqa: F401  (every model module registers its subclasses)

    found: list[type[Input]] = []
    pending = list(Input.__subclasses__())
    while pending:
        model = pending.pop()
        found.append(model)
        pending.extend(model.__subclasses__())
    return found


async def test_a_refused_value_is_named_as_sent_never_as_a_python_enum(
    client: httpx.AsyncClient, world: World
) -> None:
    body = {
        "direction": "inbound",
        "external_ref": "PR-1",
        "person": {"kind": "mentor", "given_name": "Ana", "family_name": "Lee"},
    }
    response = await client.post("/api/v1/referrals", json=body, headers=world.headers("partner"))
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["loc"] == ["body", "person", "kind"]
    assert error["msg"] == "Input should be 'mentee'"
    assert "<" not in response.text


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/reports/programme?to=0",
        "/api/v1/goals?review_due_before=20250101",
        "/api/v1/people?updated_since=0.5",
        "/api/v1/audit-events?since=1700000000",
    ],
)
async def test_a_date_in_a_query_is_iso_text_never_a_number(
    client: httpx.AsyncClient, world: World, query: str
) -> None:
    response = await client.get(query, headers=world.headers("admin"))
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/validation"


async def test_a_date_in_a_query_reads_as_iso_text(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(
        "/api/v1/reports/programme?from=2025-01-01&to=2025-03-31", headers=world.headers("admin")
    )
    assert response.status_code == 200, response.text
    assert (response.json()["from"], response.json()["to"]) == ("2025-01-01", "2025-03-31")
    response = await client.get(
        "/api/v1/people?updated_since=2025-01-01T00:00:00Z", headers=world.headers("admin")
    )
    assert response.status_code == 200, response.text


async def test_an_integer_is_what_json_schema_calls_one(
    client: httpx.AsyncClient, world: World
) -> None:
    goal = await _goal(client, world)
    reviews = f"/api/v1/goals/{goal['id']}/reviews"
    for body, status in (
        ({"note": "x", "progress": 4.0}, 201),
        ({"note": "x", "progress": 4.5}, 422),
    ):
        assert _valid("ReviewCreate", body) is (status == 201)
        response = await client.post(reviews, json=body, headers=world.headers("mentee"))
        assert response.status_code == status, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "progress"]


@pytest.mark.parametrize(
    ("body", "accepted"),
    [
        ({"category": "other", "urgency": "soon", "description": "x"}, False),
        ({"category": "other", "urgency": "soon", "description": "x", "person_id": None}, False),
        ({"category": "other", "urgency": "soon", "description": "x", "person_id": "MINE"}, True),
    ],
)
async def test_one_of_several_fields_is_required_in_the_schema_too(
    client: httpx.AsyncClient, world: World, body: dict[str, Any], accepted: bool
) -> None:
    body = {**body, **({"person_id": str(world.my_mentee.id)} if body.get("person_id") else {})}
    assert _valid("ConcernCreate", body) is accepted
    response = await client.post("/api/v1/concerns", json=body, headers=world.headers("mentor"))
    assert (response.status_code == 201) is accepted, response.text


@pytest.mark.parametrize("day", ["1899-12-31", "0158-05-21"])
def test_a_date_before_1900_is_refused_by_the_schema_too(day: str) -> None:
    held = {"kind": "one_to_one", "held_on": day, "supervisor": "Jo"}
    assert not _valid("SupervisionCreate", held)
    assert _valid("SupervisionCreate", {**held, "held_on": "1900-01-01"})
    person = {"kind": "mentor", "given_name": "A", "family_name": "B"}
    assert _valid("PersonCreate", {**person, "date_of_birth": "1970-05-01"})
    assert not _valid("PersonCreate", {**person, "date_of_birth": day})


def test_the_document_stays_the_same_however_many_apps_serve_it(settings: Settings) -> None:
    """Each app that built its document once wrapped every whole number of a nested request
    body in more validators, until a later app's `/openapi.json` was a 500 (RecursionError)."""
    first = create_app(settings).openapi()
    for _ in range(25):
        assert create_app(settings).openapi() == first


@pytest.mark.parametrize(
    ("phone", "accepted"),
    [(" 1 ", False), ("1  ", False), ("  12", False), ("123", True), (" 1 2 ", True)],
)
async def test_a_phone_number_short_once_trimmed_is_refused_by_the_schema_too(
    client: httpx.AsyncClient, world: World, phone: str, accepted: bool
) -> None:
    """Surrounding spaces are trimmed before the length is counted, so the schema counts
    only what is left: a schema-valid number is never refused as too short."""
    body = {"kind": "mentor", "given_name": "A", "family_name": "B", "phone": phone}
    assert _valid("PersonCreate", body) is accepted
    response = await client.post("/api/v1/people", json=body, headers=world.headers("coordinator"))
    assert (response.status_code == 201) is accepted, response.text
    if accepted:
        assert response.json()["phone"] == phone.strip()
