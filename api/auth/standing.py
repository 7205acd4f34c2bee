"""Where each request finds the account behind its token, without a database round trip.

Every authenticated request needs its account's standing (active, role, organisation, token
generation), so that a disabled login or a revoked token fails at once. Read through the
request's session, that is the whole fixed cost of a request: on SQLite six hand-offs to
aiosqlite's thread, on PostgreSQL a pool ping, a `BEGIN`, the `SELECT` and the commit. So:

- **SQLite**: the row is read through a plain, synchronous connection to the same file, on the
  event loop itself (tens of microseconds; a WAL reader never waits for a writer). Nothing is
  remembered, so nothing can be stale.
- **PostgreSQL**: each worker remembers what it read, for as long as it *hears* every change.
  A trigger (migration `i16a_account_changes`) sends `NOTIFY throughgate_accounts` in the
  same transaction as any change to a login's or client's standing, whoever makes it; each
  worker listens on a connection of its own and forgets everything on each notice. While that
  connection is down, nothing is remembered and every request reads. An entry also lives at
  most `MAX_AGE_SECONDS`, so a connection that died without a word cannot keep one forever.

Either way the rule applied to what is found stays in `api.auth.deps.active_account`.
"""

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    Connection,
    Delete,
    Engine,
    Select,
    Update,
    bindparam,
    create_engine,
    event,
    literal,
    select,
)
from sqlalchemy.engine import ExecutionContext, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import StaticPool
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from api.models import ApiClient, UserAccount
from api.settings import Settings

log = logging.getLogger("throughgate.standing")

CHANNEL = "throughgate_accounts"  # the migration's trigger notifies it
MAX_AGE_SECONDS = 30.0
RECONNECT_SECONDS = 1.0
PING_SECONDS = 10.0  # how long the listener waits for a notice before it checks its connection
WATCHED_TABLES = frozenset({"user_account", "api_client"})
CHANGED = "account_changed"  # on a connection's info: it wrote an account since it began


@dataclass(frozen=True)
class Standing:
    """What authentication needs to know of an account."""

    kind: str  # "user" or "client", as in the token's subject
    id: uuid.UUID
    org_id: uuid.UUID
    role: str
    is_active: bool
    token_generation: int
    person_id: uuid.UUID | None


_Row = Select[str, uuid.UUID, uuid.UUID, str, bool, int, uuid.UUID | None]


def _statement(model: type[UserAccount] | type[ApiClient], kind: str) -> _Row:
    person = col(UserAccount.person_id) if model is UserAccount else literal(None)
    return select(
        literal(kind),
        col(model.id),
        col(model.org_id),
        col(model.role),
        col(model.is_active),
        col(model.token_generation),
        person,
    ).where(col(model.id) == bindparam("id"))


# Built once: building and keying a statement per request took five times as long as running it.
STATEMENTS = {"user": _statement(UserAccount, "user"), "client": _statement(ApiClient, "client")}


async def _read(db: AsyncSession, kind: str, account_id: uuid.UUID) -> Standing | None:
    connection = await db.connection()  # a plain row: no ORM object to load
    return _standing((await connection.execute(STATEMENTS[kind], {"id": account_id})).first())


def _standing(row: Any) -> Standing | None:
    return Standing(*row) if row else None


class StandingReader(Protocol):
    async def standing(self, db: AsyncSession, kind: str, account_id: uuid.UUID) -> Standing | None:
        """The account `kind:account_id`, or None."""

    async def run(self) -> None:
        """Whatever must run beside the requests for as long as the application serves."""

    async def started(self) -> None:
        """Return once what `run` starts is ready (a benchmark waits for it; `serve` not)."""

    def close(self) -> None: ...


class ReadThroughSession:
    """Any other database: the request's own session reads the row."""

    async def standing(self, db: AsyncSession, kind: str, account_id: uuid.UUID) -> Standing | None:
        return await _read(db, kind, account_id)

    async def run(self) -> None:
        return None

    async def started(self) -> None:
        return None

    def close(self) -> None:
        return None


class ReadOnTheLoop(ReadThroughSession):
    """SQLite: a synchronous read on the event loop, where the thread hand-offs cost more than
    the read. If the file is busy (a checkpoint in a rare mode) the request's session reads."""

    def __init__(self, database: str) -> None:
        self._engine: Engine = create_engine(
            f"sqlite:///{database}",
            poolclass=StaticPool,
            connect_args={"check_same_thread": False, "timeout": 0.05},
        )

    async def standing(self, db: AsyncSession, kind: str, account_id: uuid.UUID) -> Standing | None:
        try:
            with self._engine.connect() as connection:
                row = connection.execute(STATEMENTS[kind], {"id": account_id}).first()
        except OperationalError:
            return await _read(db, kind, account_id)
        return _standing(row)

    def close(self) -> None:
        self._engine.dispose()


class HeardChanges(ReadThroughSession):
    """PostgreSQL: what was read, remembered while every change is heard (see the module)."""

    APPLICATION_NAME = "throughgate: account changes"  # how operators tell its connection

    def __init__(self, conninfo: str, engine: AsyncEngine) -> None:
        self._conninfo = conninfo
        self._epoch: int | None = None  # None: not listening, so remember nothing
        self._known: dict[tuple[str, uuid.UUID], tuple[Standing, float]] = {}
        self._heard = asyncio.Event()  # set while listening
        # This worker's own changes are forgotten as it commits them, not when the notice
        # comes back, so its next request already reads them.
        event.listen(engine.sync_engine, "after_cursor_execute", self._note_change)
        event.listen(engine.sync_engine, "commit", self._on_commit)
        event.listen(engine.sync_engine, "rollback", self._on_rollback)

    @property
    def listening(self) -> bool:
        return self._epoch is not None

    def _forget(self, *, listening: bool) -> None:
        self._known.clear()
        self._epoch = ((self._epoch or 0) + 1) if listening else None
        if listening:
            self._heard.set()
        else:
            self._heard.clear()

    async def started(self) -> None:
        await self._heard.wait()

    def _note_change(
        self,
        connection: Connection,
        _cursor: Any,
        _sql: str,
        _parameters: Any,
        context: ExecutionContext,
        _many: bool,
    ) -> None:
        statement = getattr(context.compiled, "statement", None)
        table = statement.table if isinstance(statement, Update | Delete) else None
        if getattr(table, "name", None) in WATCHED_TABLES:
            connection.info[CHANGED] = True

    def _on_commit(self, connection: Connection) -> None:
        if connection.info.pop(CHANGED, False) and self._epoch is not None:
            self._forget(listening=True)

    def _on_rollback(self, connection: Connection) -> None:
        # A connection lost mid-transaction took its `info` with it; asking for it would
        # raise, and turn the request's 503 into a 500.
        if not connection.invalidated:
            connection.info.pop(CHANGED, None)

    async def standing(self, db: AsyncSession, kind: str, account_id: uuid.UUID) -> Standing | None:
        key = (kind, account_id)
        now = time.monotonic()
        known = self._known.get(key)
        if known is not None and now - known[1] < MAX_AGE_SECONDS:
            return known[0]
        epoch = self._epoch
        found = await _read(db, kind, account_id)
        # Kept only if no change was heard while reading: the read may have seen the old row.
        if found is not None and epoch is not None and epoch == self._epoch:
            self._known[key] = (found, now)
        return found

    async def run(self) -> None:
        """Listen until cancelled, connecting again after any failure."""
        try:
            while True:
                try:
                    await self._listen()
                except Exception as exc:  # whatever broke the connection, connect again
                    log.warning("not hearing account changes (%s); every request reads", exc)
                self._forget(listening=False)
                await asyncio.sleep(RECONNECT_SECONDS)
        finally:
            self._forget(listening=False)

    async def _listen(self) -> None:
        import psycopg  # PostgreSQL's driver: not loaded by a SQLite service

        async with await psycopg.AsyncConnection.connect(
            self._conninfo,
            autocommit=True,
            connect_timeout=5,
            application_name=self.APPLICATION_NAME,
        ) as connection:
            await connection.execute(f"LISTEN {CHANNEL}")
            self._forget(listening=True)  # whatever changed before now is read afresh
            while True:  # notices that come in between are kept for the next call
                async for _notice in connection.notifies(timeout=PING_SECONDS, stop_after=1):
                    self._forget(listening=True)
                # A connection that died says so here; one cut off without a word, by the wait.
                await asyncio.wait_for(connection.execute("SELECT 1"), PING_SECONDS)


def standing_reader(settings: Settings, engine: AsyncEngine) -> StandingReader:
    url = make_url(settings.database_url)
    if settings.is_sqlite:
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            return ReadOnTheLoop(database)
        return ReadThroughSession()
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return HeardChanges(conninfo, engine)
