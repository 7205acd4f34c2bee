"""The committed contracts match what the app serves."""

import json
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


async def test_committed_openapi_matches_the_served_document(client: httpx.AsyncClient) -> None:
    served = (await client.get("/api/v1/openapi.json")).json()
    committed = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    assert served == committed, "the API changed: run `make openapi` and commit the result"


async def test_every_operation_is_documented(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    assert document["components"]["securitySchemes"]["OAuth2"]["type"] == "oauth2"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path} has no summary"
            assert operation.get("tags"), f"{method} {path} has no tag"
            assert operation.get("description"), f"{method} {path} has no description"
