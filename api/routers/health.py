"""Probes for orchestrators: is the process up, can it reach its database."""

import logging

import sqlalchemy as sa
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.db import DB
from api.errors import problem_response, problem_responses
from api.routers.resource_router import ResourceRouter

router = ResourceRouter(tags=["operations"])
log = logging.getLogger("throughgate.health")


class Health(BaseModel):
    status: str


@router.get("/healthz", summary="Liveness: the process is up", response_model=Health)
async def healthz() -> Health:
    """Answers as long as the process can serve requests; touches nothing else."""
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="Readiness: the database is reachable",
    response_model=Health,
    responses=problem_responses(503),
)
async def readyz(db: DB) -> Health | JSONResponse:
    """503 while the database cannot be reached, so load balancers route elsewhere."""
    try:
        await db.exec(sa.text("SELECT 1"))  # type: ignore[call-overload]
    except Exception:  # any driver error means "not ready"
        log.warning("database not reachable", exc_info=True)
        return problem_response(503, slug="not-ready", detail="The database is not reachable.")
    return Health(status="ok")
