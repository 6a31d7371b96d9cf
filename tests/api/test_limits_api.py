"""A server's limits come from its environment and reach clients whole (design.md §12)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from app.engine.limits import Limits
from tests.api.support import TIMEOUT, strict_loads
from tests.conftest import start_server, stop_server

CONFIGURED = Limits(max_steps=777, max_sweep_seeds=3)


@pytest.fixture(scope="module")
def configured_url() -> Iterator[str]:
    proc, url = start_server({"OPTIMLAB_MAX_STEPS": "777", "OPTIMLAB_MAX_SWEEP_SEEDS": "3", "OPTIMLAB_WORKERS": "1"})
    yield url
    stop_server(proc)


def test_the_catalog_sends_every_configured_limit_by_name(configured_url: str) -> None:
    response = httpx.get(f"{configured_url}/api/catalog", timeout=TIMEOUT)
    assert strict_loads(response.text)["limits"] == CONFIGURED.as_dict()


def test_a_lowered_seed_cap_is_enforced_with_the_field_named(configured_url: str) -> None:
    body = {
        "surface": {"id": "booth"},
        "steps": 10,
        "run": {"optimizer": {"id": "SGD", "params": {"lr": 0.01}}, "noise": {"std": 1.0, "seed": 0}},
        "vary": {"kind": "seed", "seeds": [1, 2, 3, 4]},
    }
    response = httpx.post(f"{configured_url}/api/sweeps", json=body, timeout=TIMEOUT)
    assert response.status_code == 422, response.text
    [error] = strict_loads(response.text)["detail"]
    assert error["loc"] == ["body", "vary", "seeds"] and "at most 3" in error["msg"]
    body["vary"] = {"kind": "seed", "seeds": [1, 2, 3]}
    assert httpx.post(f"{configured_url}/api/sweeps", json=body, timeout=TIMEOUT).status_code == 200
