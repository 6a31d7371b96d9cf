"""Pure ASGI middleware: the request body's limits, HEAD, the security headers and the last-resort error
answer (design.md §6, §12)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.jsonio import StrictJSONResponse

log = logging.getLogger("optimlab")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; "
    # Plotly.js (and Swagger UI, ReDoc on /docs, /redoc) write <style> elements and style attributes.
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
)  # frame-ancestors comes last: the origins allowed to embed the page (design.md §11) are appended to it
# A refused body is still read, and dropped, up to this much: clients such as Python's urllib send the
# whole body before they look for an answer, and a server that closes on unread data resets the
# connection under them, so they never see the 413. Beyond this, the connection is closed regardless.
DRAIN_BYTES = 16 * 2**20


class BodyRefused(HTTPException):
    """Raised from `receive`: an HTTPException, so FastAPI's body reader lets it through and its
    handler answers with this status, rather than folding it into a generic 400."""


class BodyTooLarge(BodyRefused):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"request body larger than {max_bytes} bytes")


class BodyTooSlow(BodyRefused):
    def __init__(self, seconds: float) -> None:
        super().__init__(408, f"the request body did not arrive within {seconds:g} seconds")


class TrackedSend:
    """`send`, remembering whether the response has begun: after that, no other answer can be given."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        self.started = self.started or message["type"] == "http.response.start"
        await self.send(message)


class BodyReader:
    """One request's `receive`, holding the body to a size and a deadline.

    The deadline covers the body only: once it is complete, `receive` waits for a disconnect for as
    long as a streamed answer lasts. A refused body is drained (up to DRAIN_BYTES, within the same
    deadline) before the refusal is raised, so the client can read the answer.
    """

    def __init__(self, receive: Receive, max_bytes: int, seconds: float) -> None:
        self._receive = receive
        self.max_bytes = max_bytes
        self.seconds = seconds
        self.deadline = asyncio.get_running_loop().time() + seconds
        self.received = 0
        self.complete = False
        self.refused: BodyRefused | None = None

    async def __call__(self) -> Message:
        if self.complete:
            return await self._receive()
        message = await self._next()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            self.complete = not message.get("more_body", False)
            if self.received > self.max_bytes:
                await self.refuse(BodyTooLarge(self.max_bytes))
        return message

    async def _next(self) -> Message:
        try:
            return await asyncio.wait_for(self._receive(), self.deadline - asyncio.get_running_loop().time())
        except TimeoutError:
            self.refused = BodyTooSlow(self.seconds)
            raise self.refused from None

    async def refuse(self, error: BodyRefused) -> None:
        """Drain what the client is still sending (bounded), then raise `error`."""
        self.refused = error
        drained = self.received
        while not self.complete and drained <= self.max_bytes + DRAIN_BYTES:
            try:
                message = await self._next()
            except BodyTooSlow:
                break
            self.complete = message["type"] != "http.request" or not message.get("more_body", False)
            drained += len(message.get("body", b""))
        raise error


class RequestBodyMiddleware:
    """413 for a body over the limit, whether announced by Content-Length or streamed in chunks; 408 for
    one that trickles in slower than `seconds` allows. Either answer closes the connection."""

    def __init__(self, app: ASGIApp, max_bytes: int, seconds: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = BodyReader(receive, self.max_bytes, self.seconds)
        tracked = TrackedSend(self._closing_when_refused(body, send))
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        try:
            if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
                # A client that waits for "100 Continue" has sent nothing yet: answer it at once.
                if "100-continue" in headers.get("expect", "").lower():
                    body.refused = BodyTooLarge(self.max_bytes)
                    raise body.refused
                await body.refuse(BodyTooLarge(self.max_bytes))
            await self.app(scope, body, tracked)
        except BodyRefused as refused:
            if not tracked.started:
                await StrictJSONResponse({"detail": refused.detail}, refused.status_code)(scope, receive, tracked)

    @staticmethod
    def _closing_when_refused(body: BodyReader, send: Send) -> Send:
        """`send`, adding `Connection: close` to the answer of a refused request: what is left of its
        body would be read as the next request."""

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start" and body.refused is not None:
                MutableHeaders(scope=message)["Connection"] = "close"
            await send(message)

        return closing


class HeadMiddleware:
    """HEAD wherever GET is (RFC 9110 §9.3.2): the GET is answered, without its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def relative(location: str) -> str:
    """A redirect target without scheme and host: built from the request's Host header, an absolute
    one would send a client wherever that header says (every redirect here stays on this server)."""
    parts = urlsplit(location)
    return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy, the usual hardening headers and relative redirects on every response."""

    def __init__(self, app: ASGIApp, frame_ancestors: Sequence[str] = ()) -> None:
        self.app = app
        self.policy = " ".join([CONTENT_SECURITY_POLICY, *frame_ancestors])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = self.policy
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                if "location" in headers:
                    headers["Location"] = relative(headers["location"])
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
            raise  # a refused body, raised while reading it: RequestBodyMiddleware answers it
        except Exception as err:
            if tracked.started:
                raise  # too late to answer: the server closes the connection
            log.exception("unexpected error on %s %s", scope["method"], scope["path"])
            detail = f"the request could not be processed ({type(err).__name__}); it was logged"
            await StrictJSONResponse({"detail": detail}, status_code=400)(scope, receive, send)
