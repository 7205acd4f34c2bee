"""`GET /metrics` for Prometheus: open in development; in production only with its own token."""

import secrets
from typing import Annotated

from fastapi import Depends, FastAPI, Header
from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector
from prometheus_fastapi_instrumentator import Instrumentator

from api.errors import NotFound
from api.settings import Settings


def expose_metrics(app: FastAPI, settings: Settings) -> None:
    registry = CollectorRegistry()  # each application counts its own requests
    for collector in (GCCollector, PlatformCollector, ProcessCollector):
        collector(registry=registry)
    instrumentator = Instrumentator(
        excluded_handlers=["/metrics", "/healthz", "/readyz"], registry=registry
    )
    instrumentator.instrument(app)
    if settings.env != "production":
        instrumentator.expose(app, include_in_schema=False)
        return
    if settings.metrics_token is None:  # nobody may scrape: no route at all
        return
    expected = f"Bearer {settings.metrics_token.get_secret_value()}"

    def scraper_only(authorization: Annotated[str | None, Header()] = None) -> None:
        if authorization is None or not secrets.compare_digest(authorization, expected):
            raise NotFound("There is nothing at this path.")

    instrumentator.expose(app, include_in_schema=False, dependencies=[Depends(scraper_only)])
