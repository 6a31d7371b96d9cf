"""Clients of the store's test servers, from a loopback address of the test's choosing: the creation
limit counts per client address, so a test that exhausts it uses an address no other test uses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import anyio
import httpx

from tests.api.support import TIMEOUT

T = TypeVar("T")


def client_from(base_url: str, address: str = "127.0.0.1") -> httpx.Client:
    """An HTTP client of `base_url` whose connections come from `address` (any of 127.0.0.0/8 on Linux)."""
    return httpx.Client(base_url=base_url, timeout=TIMEOUT, transport=httpx.HTTPTransport(local_address=address))


def run_async(function: Callable[..., Awaitable[T]], *args: Any) -> T:
    """`anyio.run` on a thread of its own: when the browser tests ran first in this session, Playwright's
    sync API keeps an event loop running in the main thread, where a second one may not start."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(anyio.run, function, *args).result()
