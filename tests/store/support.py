"""Clients of the store's test servers, from a loopback address of the test's choosing: the creation
limit counts per client address, so a test that exhausts it uses an address no other test uses."""

from __future__ import annotations

import httpx

from tests.api.support import TIMEOUT


def client_from(base_url: str, address: str = "127.0.0.1") -> httpx.Client:
    """An HTTP client of `base_url` whose connections come from `address` (any of 127.0.0.0/8 on Linux)."""
    return httpx.Client(base_url=base_url, timeout=TIMEOUT, transport=httpx.HTTPTransport(local_address=address))
