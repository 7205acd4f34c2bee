"""Swagger UI, ReDoc and GraphiQL served from this service, never from a CDN.

Swagger UI and ReDoc come from the pinned `fastapi-offline` package; GraphiQL and React
from `api/static/graphiql` (see its README). The pages hold no inline script, so the
Content-Security-Policy for HTML (api/middleware.py) can forbid every script not served here.
In production the pages are off unless `THROUGHGATE_DOCS=true`.
"""

from html import escape
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.routers.resource_router import ResourceRouter

OWN_STATIC = Path(__file__).with_name("static")
PACKAGED_STATIC = Path(fastapi_offline.__file__).with_name("static")


def install_docs(app: FastAPI, *, prefix: str) -> None:
    """Mount the assets and the Swagger UI and ReDoc pages under `prefix`."""
    static = f"{prefix}/static"
    app.mount(f"{static}/vendor", StaticFiles(directory=PACKAGED_STATIC), name="docs-vendor")
    app.mount(static, StaticFiles(directory=OWN_STATIC), name="docs-static")
    openapi_url = app.openapi_url or ""
    router = ResourceRouter(prefix=prefix, include_in_schema=False)

    @router.get("/docs")
    async def swagger_ui() -> HTMLResponse:
        return _page(
            app.title,
            styles=[f"{static}/vendor/swagger-ui.css"],
            body=f'<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>',
            scripts=[f"{static}/vendor/swagger-ui-bundle.js", f"{static}/docs/swagger-init.js"],
            icon=f"{static}/vendor/favicon.png",
        )

    @router.get("/redoc")
    async def redoc() -> HTMLResponse:
        return _page(
            app.title,
            body=f'<redoc spec-url="{escape(openapi_url)}"></redoc>',
            scripts=[f"{static}/vendor/redoc.standalone.js"],
            icon=f"{static}/vendor/favicon.png",
        )

    app.include_router(router)


def graphiql_page(*, endpoint: str, static: str) -> HTMLResponse:
    return _page(
        "Throughgate GraphiQL",
        styles=[f"{static}/graphiql/graphiql.min.css", f"{static}/docs/graphiql.css"],
        body=f'<div id="graphiql" data-endpoint="{escape(endpoint)}">Loading…</div>',
        scripts=[
            f"{static}/graphiql/react.production.min.js",
            f"{static}/graphiql/react-dom.production.min.js",
            f"{static}/graphiql/graphiql.min.js",
            f"{static}/docs/graphiql-init.js",
        ],
    )


def _page(
    title: str,
    *,
    body: str = "",
    styles: tuple[str, ...] | list[str] = (),
    scripts: tuple[str, ...] | list[str] = (),
    icon: str | None = None,
) -> HTMLResponse:
    head = [
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        *(f'<link rel="stylesheet" href="{href}">' for href in styles),
        *([f'<link rel="icon" href="{icon}">'] if icon else []),
    ]
    tail = "".join(f'<script src="{src}"></script>' for src in scripts)
    return HTMLResponse(
        f'<!doctype html><html lang="en"><head>{"".join(head)}</head>'
        f"<body>{body}{tail}</body></html>"
    )
