"""`GET /metrics` for Prometheus: open in development; in production only with its own token.

Each request is counted and timed under the route template FastAPI chose for it
(`/api/v1/people/{person_id}`). The template is looked up by the route itself once the
request has been routed; the instrumentator's own middleware matched each request against
every route of the application again, which cost up to 0.4 ms a request.
"""

import secrets
from time import perf_counter
from typing import Annotated

from fastapi import Depends, FastAPI, Header
from fastapi.routing import iter_route_contexts
from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_fastapi_instrumentator import Instrumentator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import NotFound
from api.settings import Settings

UNROUTED = "none"  # a request no route answered (a 404, a static file)
NOT_COUNTED = frozenset({"/metrics", "/healthz", "/readyz"})


class RequestMetrics:
    """Counts requests by method, status class and route template, and times them."""

    def __init__(self, app: ASGIApp, *, application: FastAPI, registry: CollectorRegistry) -> None:
        self.app = app
        self.application = application
        self.templates: dict[int, str] | None = None  # id(route) -> template, built at first use
        self.requests = Counter(
            "http_requests_total",
            "Requests by method, status class and route template.",
            ("method", "status", "handler"),
            registry=registry,
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Time to answer, by method and route template.",
            ("method", "handler"),
            registry=registry,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = 500  # unless a response starts

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            handler = self._template(scope)
            if handler not in NOT_COUNTED:
                method = scope["method"]
                self.requests.labels(method, f"{status // 100}xx", handler).inc()
                self.duration.labels(method, handler).observe(perf_counter() - started)

    def _template(self, scope: Scope) -> str:
        """The template of the route the request was routed to (routing sets it on the
        scope), from a table of every route's full path made once."""
        if self.templates is None:
            self.templates = {
                id(context.route): str(context.path_format)
                for context in iter_route_contexts(self.application.routes)
            }
        return self.templates.get(id(scope.get("route")), UNROUTED)


def expose_metrics(app: FastAPI, settings: Settings) -> None:
    registry = CollectorRegistry()  # each application counts its own requests
    for collector in (GCCollector, PlatformCollector, ProcessCollector):
        collector(registry=registry)
    app.add_middleware(RequestMetrics, application=app, registry=registry)
    exposition = Instrumentator(registry=registry)  # serves the registry, or every worker's
    if settings.env != "production":
        exposition.expose(app, include_in_schema=False)
        return
    if settings.metrics_token is None:  # nobody may scrape: no route at all
        return
    expected = f"Bearer {settings.metrics_token.get_secret_value()}"

    async def scraper_only(authorization: Annotated[str | None, Header()] = None) -> None:
        if authorization is None or not secrets.compare_digest(authorization, expected):
            raise NotFound("There is nothing at this path.")

    exposition.expose(app, include_in_schema=False, dependencies=[Depends(scraper_only)])
