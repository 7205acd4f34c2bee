"""The shared HTTP conventions are in the OpenAPI document, so generated clients get them."""

import json
from pathlib import Path
from typing import Any

DOCUMENT = json.loads((Path(__file__).parents[2] / "openapi" / "openapi.json").read_text())


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, operations in DOCUMENT["paths"].items()
        for method, operation in operations.items()
    ]


def _parameters(operation: dict[str, Any]) -> list[dict[str, Any]]:
    prefix = "#/components/parameters/"
    return [
        DOCUMENT["components"]["parameters"][p["$ref"].removeprefix(prefix)] if "$ref" in p else p
        for p in operation.get("parameters", [])
    ]


def test_every_post_takes_an_idempotency_key_and_says_when_it_replayed() -> None:
    for method, path, operation in _operations():
        if method != "post":
            continue
        names = {p["name"] for p in _parameters(operation)}
        assert "Idempotency-Key" in names, path
        for code, response in operation["responses"].items():
            if code.startswith("2"):
                assert "Idempotent-Replayed" in response["headers"], (path, code)


def test_every_response_declares_its_request_id_and_every_refusal_is_a_problem() -> None:
    for _, path, operation in _operations():
        for code, response in operation["responses"].items():
            assert "X-Request-ID" in response["headers"], (path, code)
            if int(code) >= 400:
                assert list(response["content"]) == ["application/problem+json"], (path, code)
        for code in ("500", "503"):
            assert code in operation["responses"], (path, code)
        assert "Retry-After" in operation["responses"]["503"]["headers"]
        if "requestBody" in operation:
            assert "400" in operation["responses"], path


def test_no_fastapi_validation_schema_is_left() -> None:
    text = json.dumps(DOCUMENT)
    assert "HTTPValidationError" not in text
    assert "#/components/schemas/ValidationError" not in text


def test_records_carry_etag_creations_location_and_if_match_has_a_pattern() -> None:
    person = DOCUMENT["paths"]["/api/v1/people/{person_id}"]
    assert "ETag" in person["get"]["responses"]["200"]["headers"]
    created = DOCUMENT["paths"]["/api/v1/people"]["post"]["responses"]["201"]["headers"]
    assert {"Location", "ETag"} <= set(created)
    (if_match,) = [p for p in _parameters(person["patch"]) if p["name"].lower() == "if-match"]
    assert if_match["schema"]["pattern"]


def test_the_problem_types_are_documented() -> None:
    for slug in ("not-found", "method-not-allowed", "malformed-body", "unavailable"):
        assert f"`/problems/{slug}`" in DOCUMENT["info"]["description"]


def test_every_list_is_a_page_never_a_bare_array() -> None:
    for method, path, operation in _operations():
        if method != "get":
            continue
        answered = operation["responses"].get("200", {}).get("content", {})
        schema = answered.get("application/json", {}).get("schema", {})
        assert schema.get("type") != "array", f"{method.upper()} {path} answers a bare array"


def test_every_create_links_to_what_it_created() -> None:
    for _, path, operation in _operations():
        created = operation["responses"].get("201")
        if created is None:
            continue
        links = created.get("links", {})
        under = [
            (m, p, op["operationId"])
            for p, ops in DOCUMENT["paths"].items()
            if p.startswith(path + "/{")
            for m, op in ops.items()
            if "put" not in ops or m == "put"
        ]
        assert set(links) == {operation_id for _, _, operation_id in under}, path
        for target_method, target_path, operation_id in under:
            link = links[operation_id]
            new = target_path.removeprefix(path + "/").split("/")[0].strip("{}")
            assert link["parameters"][new] == "$response.body#/id"
            if any(
                p["name"] == "If-Match"
                for p in _parameters(DOCUMENT["paths"][target_path][target_method])
            ):
                assert link["parameters"]["header.If-Match"] == "$response.header.ETag"
