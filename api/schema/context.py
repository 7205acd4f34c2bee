"""The per-request GraphQL context: the database session, the caller, the DataLoaders."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.fastapi import BaseContext

from api.auth.deps import AppSettings, authenticate, oauth2
from api.auth.principal import Principal
from api.db import DB
from api.errors import Unauthorized
from api.schema.loaders import Loaders
from api.services import audit, policy


class Context(BaseContext):
    """GraphQL runs sibling fields concurrently, but one database session allows one
    operation at a time: every use of `db` in a query goes through `db_lock` (root resolvers
    via `locked()`, DataLoader batches inside the loaders)."""

    def __init__(self, db: AsyncSession, caller: Principal | None) -> None:
        super().__init__()
        self.db = db
        self._caller = caller
        self.db_lock = asyncio.Lock()
        self.loaders = Loaders(db, caller, self.db_lock) if caller else None

    @asynccontextmanager
    async def locked(self) -> AsyncIterator[AsyncSession]:
        async with self.db_lock:
            yield self.db

    @property
    def caller(self) -> Principal:
        if self._caller is None:
            raise Unauthorized("Send a bearer token in the Authorization header.")
        return self._caller

    def authorize(self, action: str) -> Principal:
        """The caller, if the access policy lets them `action` (the same 401/403 as REST)."""
        caller = policy.authorize(self.caller, action)
        audit.begin(self.db, caller, action)  # what it reads of people is audited
        return caller

    @property
    def load(self) -> Loaders:
        assert self.loaders is not None, "loaders exist once the caller is known"
        return self.loaders


async def get_context(
    request: Request,
    db: DB,
    settings: AppSettings,
    authorization: Annotated[str | None, Depends(oauth2)],
) -> Context:
    """Authenticate like REST does; only the GraphiQL page itself loads without a token."""
    wants_ide = request.method == "GET" and "text/html" in request.headers.get("accept", "")
    if authorization is None and wants_ide and settings.env == "development":
        return Context(db, None)
    return Context(db, await authenticate(request, db, settings, authorization))
