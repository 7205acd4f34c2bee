"""The application: REST under /api/v1, probes, metrics, error handling, middleware."""

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from api.auth.standing import standing_reader
from api.db import create_engine, session_factory, settle_audit
from api.docs import install_docs
from api.errors import install_error_handlers
from api.idempotency import IdempotencyMiddleware
from api.logs import configure_logging
from api.metrics import expose_metrics
from api.middleware import ProblemGuard, ResponseHardening
from api.openapi import install_openapi
from api.ratelimit import RateLimits
from api.routers import (
    alerts,
    assessments,
    audit,
    auth,
    caseload,
    concerns,
    consents,
    erasure,
    events,
    goals,
    group_sessions,
    health,
    logins,
    matching,
    mentor_support,
    organisation,
    outcomes,
    people,
    referrals,
    relationships,
    reports,
    services,
    sessions,
    webhooks,
)
from api.routers.common import KnownQueryOnly
from api.schema.schema import graphql_router
from api.settings import Settings, get_settings
from api.worker import Context, Worker, load_jobs

API_PREFIX = "/api/v1"

DESCRIPTION = """
Throughgate records and drives mentoring for people in prison and on probation:
people, mentoring relationships, goals, sessions, referrals and more.

**Authentication.** Get a token from `POST /api/v1/auth/token` (OAuth2, form-encoded):
partner systems use `grant_type=client_credentials`, people `grant_type=password`.
Send it as `Authorization: Bearer <token>`. Each endpoint names the scope it needs.

**Conventions.** Lists take `limit` (max 200) and `cursor` and answer
`{"items": [...], "next_cursor": ...}`. Errors are RFC 9457 `application/problem+json`.
Single records carry an `ETag`; send it back in `If-Match` on PATCH/DELETE (412 if stale).
POSTs accept an `Idempotency-Key` header: a retry with the same key and body replays the
first response. Too many requests get 429 with `Retry-After`.
"""

TAGS = [
    {"name": "auth", "description": "Tokens and the caller's identity."},
    {"name": "people", "description": "Mentees and mentors, with their profiles."},
    {"name": "matching", "description": "Suggested mentors, and people never to be matched."},
    {
        "name": "relationships",
        "description": "Mentoring relationships: proposed, active, paused, ended; "
        "phases from custody through the gate to the community; check-ins.",
    },
    {"name": "goals", "description": "The mentee's goals, their small steps and reviews."},
    {"name": "sessions", "description": "Meetings within a relationship, and group sessions."},
    {
        "name": "concerns",
        "description": "Safeguarding and wellbeing concerns: raised by mentors and staff, "
        "triaged by staff; never seen by mentees or partners.",
    },
    {"name": "mentor support", "description": "A mentor's supervision and training records."},
    {"name": "assessments", "description": "Self-assessments and distance travelled."},
    {"name": "outcomes", "description": "A mentee's outcomes at the programme's milestones."},
    {"name": "services", "description": "The signposting directory of services."},
    {
        "name": "referrals",
        "description": "Referrals into the programme from partners, and out to services.",
    },
    {
        "name": "alerts",
        "description": "Early warnings: a relationship, mentee or mentor that needs attention, "
        "raised and cleared by the rules.",
    },
    {
        "name": "reports",
        "description": "Programme reports (small counts suppressed for non-staff readers) and "
        "the Justice Data Lab cohort file.",
    },
    {
        "name": "events",
        "description": "A feed of what happened, for those who cannot receive webhooks.",
    },
    {
        "name": "webhooks",
        "description": "Subscriptions to events, delivered signed (Standard Webhooks 1.0), "
        "with retries and a delivery log.",
    },
    {"name": "organisation", "description": "Your organisation and its settings."},
    {"name": "audit", "description": "Who read or changed people's records (admin)."},
    {"name": "operations", "description": "Health probes and metrics."},
]


def _operation_id(route: APIRoute) -> str:
    return route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = Worker(Context(app.state.db_factory, settings), list(load_jobs().values()))
        running = asyncio.create_task(worker.run()) if settings.worker_in_serve else None
        hearing = asyncio.create_task(app.state.standing.run())
        # What the process built to start (modules, routes, the schema: some 300,000 objects)
        # lives as long as it does: out of the collector's reach, a full collection walks only
        # what requests made since, instead of pausing every request for 100 ms or more.
        gc.freeze()
        yield
        if running is not None:
            worker.stop()
            await running
        hearing.cancel()
        await asyncio.gather(hearing, return_exceptions=True)
        app.state.standing.close()
        await app.state.engine.dispose()

    app = FastAPI(
        title="Throughgate API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        openapi_tags=TAGS,
        generate_unique_id_function=_operation_id,
        lifespan=lifespan,
        dependencies=[Depends(settle_audit, scope="function")],
    )
    app.state.settings = settings
    app.state.engine = create_engine(settings)
    app.state.db_factory = session_factory(app.state.engine)
    app.state.rate_limits = RateLimits(settings)
    app.state.standing = standing_reader(settings, app.state.engine)

    install_error_handlers(app)
    install_openapi(app)
    # Each router joins the app itself, not through a /api/v1 router: FastAPI matches a
    # request against a nested router's routes once more for each level of nesting.
    for module in (
        auth,
        caseload,
        organisation,
        people,
        mentor_support,
        matching,
        consents,
        erasure,
        relationships,
        goals,
        sessions,
        group_sessions,
        concerns,
        assessments,
        outcomes,
        services,
        referrals,
        alerts,
        events,
        webhooks,
        reports,
        audit,
        logins,
    ):
        app.include_router(module.router, prefix=API_PREFIX, dependencies=[KnownQueryOnly])
    app.include_router(graphql_router(settings), prefix=f"{API_PREFIX}/graphql")
    app.include_router(health.router)
    if settings.docs_enabled:
        install_docs(app, prefix=API_PREFIX)
    expose_metrics(app, settings)

    app.add_middleware(IdempotencyMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"],
            expose_headers=["ETag", "Location", "Retry-After", "X-Request-ID"],
        )
    app.add_middleware(ProblemGuard)
    app.add_middleware(ResponseHardening, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")
    return app
