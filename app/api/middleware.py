"""Pure ASGI middleware: the request body limit, the security headers and the last-resort error answer."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.jsonio import StrictJSONResponse

log = logging.getLogger("optimlab")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; "
    # Plotly.js writes <style> elements and style attributes while it draws.
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
)  # frame-ancestors comes last: the origins allowed to embed the page (design.md §11) are appended to it
# FastAPI's own /docs and /redoc pages load Swagger UI from its CDN; the app itself never does.
CSP_EXEMPT_PREFIXES = ("/docs", "/redoc")


class BodyTooLarge(HTTPException):
    """Raised from `receive`: an HTTPException, so FastAPI's body reader lets it through as a 413
    rather than folding it into its generic 400 "error parsing the body"."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"request body larger than {max_bytes} bytes")


class TrackedSend:
    """`send`, remembering whether the response has begun: after that, no other answer can be given."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        self.started = self.started or message["type"] == "http.response.start"
        await self.send(message)


class BodyLimitMiddleware:
    """413 for bodies over the limit, whether announced by Content-Length or streamed in chunks."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = StrictJSONResponse({"detail": f"request body larger than {self.max_bytes} bytes"}, status_code=413)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await too_large(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        tracked = TrackedSend(send)
        try:
            await self.app(scope, limited_receive, tracked)
        except BodyTooLarge:
            if not tracked.started:
                await too_large(scope, receive, send)


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy and the usual hardening headers on every response."""

    def __init__(self, app: ASGIApp, frame_ancestors: Sequence[str] = ()) -> None:
        self.app = app
        self.policy = " ".join([CONTENT_SECURITY_POLICY, *frame_ancestors])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exempt = scope["path"].startswith(CSP_EXEMPT_PREFIXES)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if not exempt:
                    headers["Content-Security-Policy"] = self.policy
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
            await send(message)

        await self.app(scope, receive, with_headers)


class UnexpectedErrorMiddleware:
    """Last resort: an exception nobody expected (a bug of ours) is logged and answered with a 400 that
    says so; it must not look like the user's fault, nor take the server down.

    Starlette runs a handler for `Exception` outside every middleware, so its answer would miss the
    security headers; this one is added first (innermost), inside SecurityHeadersMiddleware.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracked = TrackedSend(send)
        try:
            await self.app(scope, receive, tracked)
        except HTTPException:
            raise  # BodyTooLarge, raised while reading the body: BodyLimitMiddleware answers it
        except Exception as err:
            if tracked.started:
                raise  # too late to answer: the server closes the connection
            log.exception("unexpected error on %s %s", scope["method"], scope["path"])
            detail = f"the request could not be processed ({type(err).__name__}); it was logged"
            await StrictJSONResponse({"detail": detail}, status_code=400)(scope, receive, send)
