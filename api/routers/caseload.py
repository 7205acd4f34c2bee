"""`/me/caseload`: the mentor's app's first screen."""

from typing import Annotated

from api.auth.deps import may
from api.auth.principal import Principal
from api.db import DB
from api.errors import problem_responses
from api.models.caseload import Caseload
from api.routers.resource_router import ResourceRouter
from api.services import caseload

router = ResourceRouter(tags=["auth"], responses=problem_responses(401, 403, 429))


@router.get("/me/caseload", summary="My caseload", response_model=Caseload)
async def my_caseload(db: DB, caller: Annotated[Principal, may("caseload.read")]) -> Caseload:
    """A mentor's open relationships: the mentee's name, the phase, the next scheduled
    session, open goals and open alerts, in one request."""
    return await caseload.caseload(db, caller)
