"""The HTTP envelope every response shares: no exception escapes, hardened headers, a body cap.

`ProblemGuard` turns anything unhandled into a problem document *inside* the request-id
middleware, so a 500 (or a 503 while the database is away) carries `X-Request-ID` and the
connection stays usable. `ResponseHardening` refuses oversized bodies before they are read
and sets the headers a response carrying personal data needs.
"""

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem_response, unexpected_problem

HTML_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
STATIC_SEGMENT = "/static/"


class ProblemGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:  # too late for another answer; the server ends the connection
                raise
            if isinstance(exc, HTTPException):  # raised below the routing, e.g. BodyTooLarge
                response = problem_response(exc.status_code, detail=exc.detail)
            else:
                response = unexpected_problem(exc, scope["method"], scope["path"])
            await response(scope, receive, send)


class ResponseHardening:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            too_large = BodyTooLarge(self.max_body_bytes)
            await problem_response(413, detail=too_large.detail)(scope, receive, send)
            return
        received = 0

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                raise BodyTooLarge(self.max_body_bytes)
            return message

        async def harden(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._set_headers(scope, MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, capped_receive, harden)

    def _set_headers(self, scope: Scope, headers: MutableHeaders) -> None:
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if STATIC_SEGMENT not in scope["path"]:  # pinned assets may be cached; data never
            headers.setdefault("Cache-Control", "no-store")
        if headers.get("content-type", "").startswith("text/html"):
            headers.setdefault("Content-Security-Policy", HTML_POLICY)
            headers.setdefault("X-Frame-Options", "DENY")
        if scope.get("scheme") == "https":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


class BodyTooLarge(HTTPException):
    """The body grew past the cap while it was being read (FastAPI passes HTTP errors on)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Bodies are limited to {limit} bytes.")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
