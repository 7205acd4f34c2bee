"""The OpenAPI document, with the HTTP conventions every operation shares declared once.

Routes declare what is theirs (body, parameters, the problems of their own rules); this
module adds to every operation what the middleware gives them all: `X-Request-ID` on each
response, 400/413/500/503 problems, `Idempotency-Key` and `Idempotent-Replayed` on POST,
`ETag` and `Location` where a record is answered, `Retry-After` on 429 and 503, and a pattern
for `If-Match`. Every refusal is an `application/problem+json` `Problem`.

It also adds the OpenAPI `links` that say how operations follow one another: a create's 201
links to every operation under the created record's path (`POST /goals` → `GET`/`PATCH
/goals/{goal_id}`, `POST /goals/{goal_id}/steps`, …), filling the new path parameter from
the answer's `id`, those of the create's own path from its request, and `If-Match` from the
answer's `ETag`. Clients and stateful testers (schemathesis) walk the API by them.
"""

import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI

from api.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES
from api.idempotency import KEY_PATTERN

IF_MATCH_PATTERN = r'^(\*|(W/)?"[0-9]{1,18}")$'
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "This request's id (yours, if you sent one); quote it when reporting.",
        "schema": {"type": "string"},
    },
    "ETag": {
        "description": 'The record\'s version, e.g. `"3"`: send it back in `If-Match`.',
        "schema": {"type": "string", "pattern": r'^"[0-9]{1,18}"$'},
    },
    "Location": {
        "description": "Where the created record lives.",
        "schema": {"type": "string", "format": "uri-reference"},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with the "
        "same `Idempotency-Key`.",
        "schema": {"type": "string", "enum": ["true"]},
    },
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique string (a UUID will do). A retry with the same key and body gets "
    "the first answer, replayed; the same key with another body is a 422.",
    "schema": {"type": "string", "pattern": KEY_PATTERN},
}
# Problems any operation can answer, whatever its route says.
SHARED_PROBLEMS = (500, 503)
BODY_PROBLEMS = (400, 413, 415)


def install_openapi(app: FastAPI) -> None:
    app.description += _problem_type_table()
    declared: set[int] = set()

    def openapi() -> dict[str, Any]:
        document = FastAPI.openapi(app)  # FastAPI's own, cached until the routes change
        if id(document) not in declared:
            declare_conventions(document)
            declared.add(id(document))
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def declare_conventions(document: dict[str, Any]) -> dict[str, Any]:
    components = document.setdefault("components", {})
    components["headers"] = HEADERS
    components["parameters"] = {"IdempotencyKey": IDEMPOTENCY_KEY}
    schemas = components.setdefault("schemas", {})
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            _declare(method, operation, schemas)
    _link_creates(document.get("paths", {}))
    for fastapi_only in ("HTTPValidationError", "ValidationError"):
        schemas.pop(fastapi_only, None)
    return document


def _declare(method: str, operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    parameters: list[dict[str, Any]] = operation.setdefault("parameters", [])
    for parameter in parameters:
        if parameter.get("in") == "header" and parameter["name"].lower() == "if-match":
            parameter["schema"] = {"type": "string", "pattern": IF_MATCH_PATTERN}
    statuses = [*SHARED_PROBLEMS, *(BODY_PROBLEMS if "requestBody" in operation else ())]
    for status in statuses:
        responses.setdefault(str(status), {"description": HTTPStatus(status).phrase})
    if method == "post":
        parameters.append({"$ref": "#/components/parameters/IdempotencyKey"})
        responses.setdefault("422", {"description": HTTPStatus(422).phrase})
    for code, response in responses.items():
        status = int(code)
        headers = response.setdefault("headers", {})
        headers["X-Request-ID"] = _header("X-Request-ID")
        if status >= 400:
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}
            if status in (429, 503):
                headers["Retry-After"] = _header("Retry-After")
            continue
        if method == "post":
            headers["Idempotent-Replayed"] = _header("Idempotent-Replayed")
        if status == 201:
            headers["Location"] = _header("Location")
        if _answers_a_record(response, schemas):
            headers["ETag"] = _header("ETag")


_PATH_PARAMETER = re.compile(r"^\{([^}]+)\}$")


def _link_creates(paths: dict[str, dict[str, Any]]) -> None:
    """Link each create's 201 to the operations on what it created (see the module's doc)."""
    for create_path, operations in paths.items():
        created = operations.get("post", {}).get("responses", {}).get("201")
        if created is None:
            continue
        own = _path_parameters(create_path)
        links: dict[str, Any] = {}
        for path, targets in paths.items():
            first = path.removeprefix(create_path + "/").split("/")[0]
            new = _PATH_PARAMETER.match(first) if path.startswith(create_path + "/") else None
            if new is None:
                continue
            for method, target in targets.items():
                if "put" in targets and method != "put":
                    continue  # a PUT-set sub-resource (a legal hold) is absent until PUT
                # Ids further down the path (a delivery of a webhook) are not known yet.
                parameters = {name: f"$request.path.{name}" for name in own}
                parameters[new.group(1)] = "$response.body#/id"
                if any(_is_if_match(p) for p in target.get("parameters", [])):
                    parameters["header.If-Match"] = "$response.header.ETag"
                links[target["operationId"]] = {
                    "operationId": target["operationId"],
                    "parameters": parameters,
                    "description": f"`{new.group(1)}` is the created record's `id`.",
                }
        if links:
            created["links"] = links


def _path_parameters(path: str) -> list[str]:
    return [m.group(1) for part in path.split("/") if (m := _PATH_PARAMETER.match(part))]


def _is_if_match(parameter: dict[str, Any]) -> bool:
    return parameter.get("in") == "header" and str(parameter.get("name", "")).lower() == "if-match"


def _header(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _answers_a_record(response: dict[str, Any], schemas: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    name = schema.get("$ref", "").rpartition("/")[2]
    return "version" in schemas.get(name, {}).get("properties", {})


def _problem_type_table() -> str:
    rows = "\n".join(f"| `/problems/{slug}` | {text} |" for slug, text in PROBLEM_TYPES.items())
    return f"\n\n**Problem types.**\n\n| type | meaning |\n| --- | --- |\n{rows}\n"
