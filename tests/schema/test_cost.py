"""The GraphQL cost limit counts a page's size however the document gives it."""

from typing import Any

import httpx
import pytest

from tests.factories import World
from tests.schema.helpers import gql

# Under a page of people, lists within lists: about 1,311 objects per person on the page.
NESTED = (
    "nodes { relationships { history { by } sessions { id } "
    "mentor { relationships { history { by } } } } }"
)

# Each form at 50 people per page (~65,000 objects: refused); at 10 (~13,000) it runs.
FORMS: dict[str, tuple[str, dict[str, Any]]] = {
    "literal": ("{ people(first: %(n)s) { %(nested)s } }", {}),
    "variable": ("query ($n: Int!) { people(first: $n) { %(nested)s } }", {"n": "%(n)s"}),
    "named fragment": (
        "{ ...Page } fragment Page on Query { people(first: %(n)s) { ...Nodes } } "
        "fragment Nodes on PersonConnection { %(nested)s }",
        {},
    ),
    "inline fragment": (
        "{ ... on Query { people(first: %(n)s) { ... on PersonConnection { %(nested)s } } } }",
        {},
    ),
}


def document(form: str, size: int) -> tuple[str, dict[str, Any]]:
    query, variables = FORMS[form]
    values = {"n": size, "nested": NESTED}
    return query % values, {k: int(v % values) for k, v in variables.items()}


def refused_for_cost(answer: dict[str, Any]) -> bool:
    return answer.get("data") is None and any(
        "limit is" in error["message"] for error in answer.get("errors", [])
    )


@pytest.mark.parametrize("form", sorted(FORMS))
async def test_a_large_page_is_refused_however_its_size_is_given(
    client: httpx.AsyncClient, world: World, form: str
) -> None:
    headers = world.headers("admin")
    large, large_variables = document(form, 50)
    small, small_variables = document(form, 10)
    assert refused_for_cost(await gql(client, headers, large, **large_variables))
    runs = await gql(client, headers, small, **small_variables)
    assert "errors" not in runs, runs
    assert runs["data"]


async def test_a_page_left_to_its_default_counts_as_the_default(
    client: httpx.AsyncClient, world: World
) -> None:
    # `people` pages 50 by default: the same document as the literal 50, refused alike.
    answer = await gql(client, world.headers("admin"), "{ people { " + NESTED + " } }")
    assert refused_for_cost(answer)


@pytest.mark.parametrize(("declared", "refused"), [("= 50", True), ("= 10", False)])
async def test_a_variable_left_out_counts_as_its_declared_default(
    client: httpx.AsyncClient, world: World, declared: str, refused: bool
) -> None:
    query = f"query ($n: Int! {declared}) {{ people(first: $n) {{ {NESTED} }} }}"
    answer = await gql(client, world.headers("admin"), query)
    assert refused_for_cost(answer) is refused, answer


async def test_a_fragment_spread_twice_counts_twice(
    client: httpx.AsyncClient, world: World
) -> None:
    # 2 x ~21,000: each spread alone would pass.
    one = "people(first: 16) { ...Nodes }"
    fragment = "fragment Nodes on PersonConnection { " + NESTED + " }"
    alone = await gql(client, world.headers("admin"), f"{{ a: {one} }} {fragment}")
    assert "errors" not in alone, alone
    twice = await gql(client, world.headers("admin"), f"{{ a: {one} b: {one} }} {fragment}")
    assert refused_for_cost(twice)


async def test_a_document_seen_before_is_costed_again_with_its_new_variables(
    client: httpx.AsyncClient, world: World
) -> None:
    # A document is parsed and validated once, then cached; its cost is not: the same text
    # that ran with a small page is refused when its variable asks for a large one.
    headers = world.headers("admin")
    query, _ = document("variable", 0)
    runs = await gql(client, headers, query, n=10)
    assert "errors" not in runs, runs
    assert refused_for_cost(await gql(client, headers, query, n=50))
    again = await gql(client, headers, query, n=10)
    assert "errors" not in again, again


async def test_a_refused_document_is_refused_again(client: httpx.AsyncClient, world: World) -> None:
    too_deep = (
        "{ people { nodes { " + "relationships { mentor { " * 4 + "id" + " } }" * 4 + " } } }"
    )
    for _ in range(2):
        answer = await gql(client, world.headers("admin"), too_deep)
        assert answer.get("data") is None
        assert any("depth" in error["message"] for error in answer["errors"]), answer
