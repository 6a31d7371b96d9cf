"""A server's limits come from its environment and reach clients whole (design.md §12)."""

from __future__ import annotations

import httpx

from tests.api.support import TIMEOUT, strict_loads
from tests.conftest import CONFIGURED_LIMITS


def test_the_catalog_sends_every_configured_limit_by_name(configured_server_url: str) -> None:
    response = httpx.get(f"{configured_server_url}/api/catalog", timeout=TIMEOUT)
    assert strict_loads(response.text)["limits"] == CONFIGURED_LIMITS.as_dict()


def test_a_lowered_seed_cap_is_enforced_with_the_field_named(configured_server_url: str) -> None:
    body = {
        "surface": {"id": "booth"},
        "steps": 10,
        "run": {"optimizer": {"id": "SGD", "params": {"lr": 0.01}}, "noise": {"std": 1.0, "seed": 0}},
        "vary": {"kind": "seed", "seeds": [1, 2, 3, 4]},
    }
    response = httpx.post(f"{configured_server_url}/api/sweeps", json=body, timeout=TIMEOUT)
    assert response.status_code == 422, response.text
    [error] = strict_loads(response.text)["detail"]
    assert error["loc"] == ["body", "vary", "seeds"] and "at most 3" in error["msg"]
    body["vary"] = {"kind": "seed", "seeds": [1, 2, 3]}
    assert httpx.post(f"{configured_server_url}/api/sweeps", json=body, timeout=TIMEOUT).status_code == 200
