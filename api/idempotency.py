"""`Idempotency-Key` on POST: a retry with the same key and body gets the first response.

The key is scoped to the caller (the token's subject), so two clients can never see each
other's responses. A first request still running makes its retries wait with a 409; a 5xx
or 429 is not kept, so the retry runs again.
"""

import hashlib
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import delete, select
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth.tokens import InvalidToken, decode_access_token
from api.db import SessionFactory
from api.errors import problem_response
from api.models import IdempotencyRecord
from api.models.base import utcnow
from api.settings import Settings

HEADER = "idempotency-key"
_KEPT_HEADERS = ("content-type", "location", "etag")


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan and websocket scopes carry no headers
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        if scope["method"] != "POST" or key is None:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        caller = _caller(state.settings, headers.get("authorization"))
        if caller is None:  # let the endpoint refuse the request itself
            await self.app(scope, receive, send)
            return
        if not 1 <= len(key) <= 200:
            await problem_response(
                422,
                slug="validation",
                title="Invalid request",
                detail="Idempotency-Key must be 1 to 200 characters.",
            )(scope, receive, send)
            return

        body = await _read_body(receive)
        digest = hashlib.sha256(
            b"\n".join(
                [
                    scope["method"].encode(),
                    scope["path"].encode(),
                    scope.get("query_string", b""),
                    body,
                ]
            )
        ).hexdigest()
        factory: SessionFactory = state.db_factory
        settings: Settings = state.settings

        async with factory() as db:
            record = (
                await db.exec(
                    select(IdempotencyRecord).where(
                        IdempotencyRecord.caller == caller, IdempotencyRecord.key == key
                    )
                )
            ).first()
            if record is not None and record.expires_at <= utcnow():
                await db.delete(record)
                await db.commit()
                record = None
            if record is not None:
                await _answer_from(record, digest)(scope, receive, send)
                return
            record = IdempotencyRecord(
                caller=caller,
                key=key,
                method=scope["method"],
                path=scope["path"],
                request_hash=digest,
                expires_at=utcnow() + timedelta(hours=settings.idempotency_hours),
            )
            await db.exec(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.caller == caller,  # type: ignore[arg-type]
                    IdempotencyRecord.expires_at <= utcnow(),  # type: ignore[arg-type]
                )
            )
            db.add(record)
            try:
                await db.commit()
            except IntegrityError:
                await db.rollback()
                await _in_progress()(scope, receive, send)
                return

            try:
                captured = await _run_and_capture(self.app, scope, body, send)
            except BaseException:
                await db.delete(record)
                await db.commit()
                raise
            status = captured["status"]
            if status >= 500 or status == 429:
                await db.delete(record)
            else:
                record.status_code = status
                record.response_headers = {
                    k: v for k, v in captured["headers"].items() if k in _KEPT_HEADERS
                }
                record.response_body = captured["body"]
            await db.commit()


def _caller(settings: Settings, authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        return decode_access_token(settings, token).subject
    except InvalidToken:
        return None


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _answer_from(record: IdempotencyRecord, digest: str) -> Response:
    if record.request_hash != digest:
        return problem_response(
            422,
            slug="idempotency-key-reused",
            title="Idempotency-Key reused",
            detail="This Idempotency-Key was already used with a different request.",
        )
    if record.status_code is None:
        return _in_progress()
    return Response(
        content=record.response_body,
        status_code=record.status_code,
        headers=record.replay_headers(),
    )


def _in_progress() -> Response:
    return problem_response(
        409,
        slug="idempotency-in-progress",
        title="Request in progress",
        detail="The first request with this Idempotency-Key is still running; retry shortly.",
        headers={"Retry-After": "1"},
    )


async def _run_and_capture(app: ASGIApp, scope: Scope, body: bytes, send: Send) -> dict[str, Any]:
    """Run the request with its buffered body; pass the response on and keep a copy."""
    captured: dict[str, Any] = {"status": 500, "headers": {}, "body": b""}
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            captured["status"] = message["status"]
            captured["headers"] = {
                k.decode().lower(): v.decode() for k, v in message.get("headers", [])
            }
        elif message["type"] == "http.response.body":
            captured["body"] += message.get("body", b"")
        await send(message)

    await app(scope, replay, capture)
    return captured
