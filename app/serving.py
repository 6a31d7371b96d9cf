"""How the app is served: uvicorn, with limits for clients that send slowly or without end (design.md §12).

uvicorn times out only an idle keep-alive connection, and any byte received restarts even that clock;
it reads a request's head (request line and headers) without a size limit. A client trickling its
headers a byte at a time would hold a connection for ever, and one sending headers without end would
fill the memory. `GuardedHttpProtocol` bounds both. The body has its own deadline and size limit in
the app (app/api/middleware.py), which sees it arrive.

`optimlab serve`, `make run` and the Dockerfile all start the server through `serve()`.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.settings import Settings

# Request line and headers together. Browsers send well under 8 KiB; nginx's default limit is 32 KiB.
MAX_HEAD_BYTES = 64 * 1024
KEEP_ALIVE_SECONDS = 5  # uvicorn's default, stated: how long an idle connection is kept for the next request


class HeadTooLarge(Exception):
    """Raised from a parser callback: httptools stops parsing, and uvicorn answers 400 and closes."""


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with a deadline for each request's head and a cap on its size.

    The deadline runs from the connection's start, and again from each response's end, until the next
    head is complete; when it passes with no request in progress, the connection is closed.
    """

    def __init__(self, *args: Any, head_seconds: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_seconds = head_seconds
        self.head_timer: asyncio.TimerHandle | None = None
        self.head_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.head_bytes = 0

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._stop_waiting()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._await_head()

    def _count(self, size: int) -> None:
        self.head_bytes += size
        if self.head_bytes > MAX_HEAD_BYTES:
            raise HeadTooLarge(f"request head larger than {MAX_HEAD_BYTES} bytes")

    def _await_head(self) -> None:
        self._stop_waiting()
        self.head_timer = self.loop.call_later(self.head_seconds, self._head_overdue)

    def _stop_waiting(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_overdue(self) -> None:
        self.head_timer = None
        in_progress = self.cycle is not None and not self.cycle.response_complete
        if not in_progress and not self.transport.is_closing():
            self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's configuration for this app, beyond the app itself."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "http": functools.partial(GuardedHttpProtocol, head_seconds=settings.request_seconds),
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
    }


def serve(app: FastAPI, settings: Settings) -> None:
    uvicorn.run(app, **uvicorn_options(settings))
