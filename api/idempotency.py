"""`Idempotency-Key` on POST: a retry with the same key and body gets the first response.

The key is scoped to the caller (the token's subject), so two clients can never see each
other's responses. The key's record, the work the request does, and the response kept for
its retries are written in ONE database transaction, and the response is sent only once that
transaction has committed:

- a request that fails or is cut off part-way (a database restart, a killed server) leaves
  nothing behind, so its retry simply runs again: no key is ever stuck "in progress";
- a response the client received is always replayable, because it was stored with the work.

A retry that arrives while the first request still runs waits for it (the key's row is
locked), then gets its response. 5xx and 429 answers are not kept. A key expires after
`idempotency_hours`; an expired key is claimed afresh.
"""

import hashlib
import re
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import delete, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth.deps import active_account
from api.db import CONNECTION_STATE
from api.errors import DomainError, problem_response
from api.models import IdempotencyRecord
from api.models.base import utcnow
from api.settings import Settings

HEADER = "idempotency-key"
KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"
_KEY = re.compile(KEY_PATTERN)
_KEPT_HEADERS = ("content-type", "location", "etag")


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        if not _KEY.match(key):
            await problem_response(
                422,
                slug="validation",
                title="Invalid request",
                detail="Idempotency-Key must be 1 to 200 visible ASCII characters.",
            )(scope, receive, send)
            return

        body = await _read_body(receive)
        state = scope["app"].state
        settings: Settings = state.settings
        async with state.engine.connect() as connection:
            await _begin_for_the_whole_request(connection)
            async with AsyncSession(
                bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            ) as db:
                try:
                    claims, _ = await active_account(
                        db, settings, state.standing, headers.get("authorization")
                    )
                except DomainError:  # let the endpoint refuse the request itself
                    await connection.rollback()
                    await self.app(scope, _replay(body), send)
                    return
                record, is_new = await _claim(db, settings, claims.subject, key, scope, body)
                if not is_new:
                    await connection.rollback()
                    await _answer_from(record, _digest(scope, body))(scope, receive, send)
                    return

                scope.setdefault("state", {})[CONNECTION_STATE] = connection
                captured = await _run_buffered(self.app, scope, body)
                if captured.status >= 500 or captured.status == 429:
                    await connection.rollback()
                else:
                    record.status_code = captured.status
                    record.response_headers = captured.kept_headers()
                    record.response_body = captured.body
                    db.add(record)
                    await db.commit()
                    await connection.commit()
        await captured.send_to(send)


async def _begin_for_the_whole_request(connection: AsyncConnection) -> None:
    await connection.begin()
    if connection.dialect.name == "sqlite":
        # The driver would otherwise start (and end) transactions of its own around
        # savepoints; one explicit write transaction holds the request's work together.
        await connection.exec_driver_sql("BEGIN IMMEDIATE")


async def _claim(
    db: AsyncSession, settings: Settings, caller: str, key: str, scope: Scope, body: bytes
) -> tuple[IdempotencyRecord, bool]:
    """The key's record: the stored one (False), or a new one this request now holds (True)."""
    now = utcnow()
    await db.exec(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.caller == caller,  # type: ignore[arg-type]
            IdempotencyRecord.expires_at <= now,  # type: ignore[arg-type]
        )
    )
    for _ in range(2):
        stored = (
            await db.exec(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.caller == caller, IdempotencyRecord.key == key
                )
            )
        ).first()
        if stored is not None:
            return stored, False
        record = IdempotencyRecord(
            caller=caller,
            key=key,
            method=scope["method"],
            path=scope["path"],
            request_hash=_digest(scope, body),
            expires_at=now + timedelta(hours=settings.idempotency_hours),
        )
        db.add(record)
        try:
            await db.commit()  # a savepoint: it waits while another request holds the key
        except IntegrityError:  # that request committed first: answer with its response
            await db.rollback()
            continue
        return record, True
    raise RuntimeError("an idempotency key could be neither claimed nor read")


def _digest(scope: Scope, body: bytes) -> str:
    parts = [scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b"")]
    return hashlib.sha256(b"\n".join([*parts, body])).hexdigest()


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _answer_from(record: IdempotencyRecord, digest: str) -> Response:
    if record.request_hash != digest:
        return problem_response(
            422,
            slug="idempotency-key-reused",
            title="Idempotency-Key reused",
            detail="This Idempotency-Key was already used with a different request.",
        )
    return Response(
        content=record.response_body,
        status_code=record.status_code or 200,
        headers=record.replay_headers(),
    )


class _Captured:
    def __init__(self) -> None:
        self.status = 500
        self.messages: list[Message] = []
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = b""

    def kept_headers(self) -> dict[str, str]:
        return {
            name.decode().lower(): value.decode()
            for name, value in self.headers
            if name.decode().lower() in _KEPT_HEADERS
        }

    async def send_to(self, send: Send) -> None:
        for message in self.messages:
            await send(message)


async def _run_buffered(app: ASGIApp, scope: Scope, body: bytes) -> _Captured:
    """Run the request; keep its response until the transaction holding its work commits."""
    captured = _Captured()

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            captured.status = message["status"]
            captured.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            captured.body += message.get("body", b"")
        captured.messages.append(message)

    await app(scope, _replay(body), capture)
    return captured
