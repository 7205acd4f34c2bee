"""Every operation is reached at its own path, and only there (`api/routers/resource_router.py`
turns a router away before it tries its routes, so a mistake there would send a request to
the wrong operation or to a 404)."""

import re
import uuid

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.types import Receive, Scope, Send

from api.routers.resource_router import ResourceRouter


def _concrete(route: APIRoute, template: str) -> str:
    """The template with each parameter filled with a value its convertor accepts."""

    def value(match: re.Match[str]) -> str:
        convertor = route.param_convertors[match.group(1)]
        candidate = str(uuid.uuid4())
        if re.fullmatch(convertor.regex, candidate):
            return candidate
        return re.sub(r"\\(.)", r"\1", convertor.regex.split("|")[0])  # a `one_of` word

    return re.sub(r"\{(\w+)\}", value, template)


async def test_every_operation_is_reached_at_its_own_path(app: FastAPI) -> None:
    routed: dict[str, object] = {}

    async def recording(scope: Scope, receive: Receive, send: Send) -> None:
        await app(scope, receive, send)
        routed["route"] = scope.get("route")

    transport = httpx.ASGITransport(app=recording)
    operations = 0
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for context in iter_route_contexts(app.routes):
            route = context.route
            if not isinstance(route, APIRoute):
                continue
            path = _concrete(route, str(context.path_format))
            for method in route.methods or ():
                routed.clear()
                response = await client.request(method, path)
                assert routed.get("route") is route, (method, path, response.status_code)
                operations += 1
    assert operations > 100


async def test_a_path_no_route_matches_is_a_404_and_a_trailing_slash_is_redirected(
    client: httpx.AsyncClient,
) -> None:
    unknown = await client.get("/api/v1/peoplex")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    slashed = await client.get("/api/v1/people/")
    assert slashed.status_code == 307
    assert slashed.headers["location"].endswith("/api/v1/people")


async def test_routers_find_their_routes_under_any_prefix_and_routes_added_later() -> None:
    people, caseload = ResourceRouter(prefix="/people"), ResourceRouter()

    @people.get("/{person_id}")
    async def person(person_id: str) -> str:
        return f"person {person_id}"

    @caseload.get("/caseload")
    async def mine() -> str:
        return "caseload"

    app = FastAPI()
    app.include_router(people, prefix="/v1")
    app.include_router(caseload, prefix="/v1")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/v1/people/7")).json() == "person 7"
        assert (await client.get("/v1/caseload")).json() == "caseload"
        assert (await client.get("/v1/later")).status_code == 404

        @caseload.get("/later")
        async def later() -> str:
            return "later"

        assert (await client.get("/v1/later")).json() == "later"
