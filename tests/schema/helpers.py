from typing import Any

import httpx

URL = "/api/v1/graphql"


async def gql(
    client: httpx.AsyncClient, headers: dict[str, str], query: str, **variables: Any
) -> dict[str, Any]:
    """POST a GraphQL document; returns the whole answer (`data` and maybe `errors`)."""
    response = await client.post(
        URL, json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error_statuses(answer: dict[str, Any]) -> list[int]:
    return [e.get("extensions", {}).get("status") for e in answer.get("errors", [])]
