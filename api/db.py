"""The database engine and the per-request `db` session."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from api import tenancy  # noqa: F401  (every session gets the tenancy hook)
from api.services import (
    alert_rules,  # noqa: F401  (every flush marks what the rules read)
    audit,  # (every session audits what it reads and writes of people)
)
from api.settings import Settings

SessionFactory = async_sessionmaker[AsyncSession]
# Where a request whose work must commit together with its idempotency record finds the
# connection holding that transaction (see api/idempotency.py).
CONNECTION_STATE = "idempotent_connection"


def create_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        # No ping before each checkout: a file's connection does not drop as a server's does.
        engine = create_async_engine(
            settings.database_url, connect_args={"timeout": 30}, json_deserializer=orjson.loads
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        settings.database_url,
        json_deserializer=orjson.loads,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
        pool_recycle=1800,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    """One database session per request; service functions commit their own work."""
    factory: SessionFactory = request.app.state.db_factory
    connection = request.scope.get("state", {}).get(CONNECTION_STATE)
    if connection is not None:  # commits become savepoints in the request's transaction
        async with factory(bind=connection, join_transaction_mode="create_savepoint") as db:
            yield db
        return
    async with factory() as db:
        yield db


DB = Annotated[AsyncSession, Depends(get_db)]


async def settle_audit(db: DB) -> AsyncIterator[None]:
    """App-wide, function-scoped: when the operation has returned (and before the response
    is sent), the people it read are audited and committed (`api/services/audit.py`)."""
    yield
    await audit.settle(db)
