"""What short links and decks share (design.md §11): the store, and a per-client limit on creating.

Creating is the only write a visitor can make, so it is rate-limited per client address (behind a
reverse proxy, uvicorn's `--forwarded-allow-ips` / FORWARDED_ALLOW_IPS makes that the visitor's
address). The counts live in each server process: N replicas allow up to N times the rate, which
bounds a flood as well as one shared count would, without a round trip per request.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar

import limits
from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from app.api.deps import get_settings
from app.api.schemas import BODY_TOO_LARGE, VALIDATION_ERROR, MessageBody
from app.settings import Settings
from app.store import Store, StoreUnavailable

T = TypeVar("T")
STORE_RETRY_SECONDS = 5

TOO_MANY: dict[int | str, dict] = {
    429: {
        "model": MessageBody,
        "description": "this client created too many links or decks lately; retry after the given seconds",
        "headers": {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
    },
}
STORE_DOWN: dict[int | str, dict] = {
    503: {"model": MessageBody, "description": "the store is unreachable; retry after the given seconds"},
}


class CreationLimit:
    """`share_rate_limit` (e.g. "30/minute;300/hour") per client and per kind of document."""

    def __init__(self, rates: str) -> None:
        self.rates = limits.parse_many(rates)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, kind: str, client: str) -> None:
        """Count one creation, or raise a 429 saying when the oldest one in the full window expires."""
        for rate in self.rates:
            if not self.limiter.hit(rate, kind, client):
                reset = self.limiter.get_window_stats(rate, kind, client).reset_time
                wait = max(1, math.ceil(reset - time.time()))
                raise HTTPException(
                    429,
                    f"this client may create {kind} at most {rate}; retry in {wait} s",
                    headers={"Retry-After": str(wait)},
                )


def get_store(request: Request) -> Store:
    return request.app.state.store


def limit_creation(request: Request) -> None:
    """A dependency of the POST routes: the kind is the route's last path segment (links, decks)."""
    kind = request.url.path.rstrip("/").rsplit("/", 1)[-1]
    client = request.client.host if request.client else "unknown"
    request.app.state.creation_limit.hit(kind, client)


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
# How each creating route is declared: 201, limited per client, and every error it may answer.
CREATES: dict[str, Any] = {
    "status_code": 201,
    "dependencies": [Depends(limit_creation)],
    "responses": VALIDATION_ERROR | BODY_TOO_LARGE | TOO_MANY | STORE_DOWN,
}


def invalid_field(field: str, message: str, kind: str) -> RequestValidationError:
    """A 422 at a body field, for the limits that are settings and so not in the pydantic model."""
    return RequestValidationError([{"loc": ("body", field), "msg": message, "type": kind}])


async def stored(call: Awaitable[T]) -> T:
    """A store call's result, or a 503 with Retry-After when the database cannot answer."""
    try:
        return await call
    except StoreUnavailable as err:
        raise HTTPException(503, str(err), headers={"Retry-After": str(STORE_RETRY_SECONDS)}) from err
