"""A server whose database cannot be reached still computes, and answers 503 with Retry-After for links
and decks rather than an error page or a hang (design.md §11, §12)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bench.server import free_port
from tests.api.support import experiment, strict_loads
from tests.conftest import start_server, stop_server
from tests.store.support import client_from

# Nothing listens there: every connection is refused at once.
UNREACHABLE = "postgresql+psycopg://optimlab@127.0.0.1:{port}/optimlab?connect_timeout=3"


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    proc, url = start_server({"OPTIMLAB_DATABASE_URL": UNREACHABLE.format(port=free_port())})
    try:
        with client_from(url) as session:
            yield session
    finally:
        stop_server(proc)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/links", {"state": "v1=abc"}),
        ("GET", "/l/AAAAAAAAAAA", None),
        ("POST", "/api/decks", {"lessons": [{"id": "a", "title": "A", "text": "", "look_for": "",
                                             "experiment": {"surface": {"id": "quadratic"},
                                                            "runs": [{"optimizer": {"id": "SGD"}}]}}]}),
        ("GET", "/api/decks/AAAAAAAAAAA", None),
    ],
)  # fmt: skip
def test_links_and_decks_answer_503_with_retry_after(client: httpx.Client, method: str, path: str, body: dict) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1
    assert "unavailable" in strict_loads(response.text)["detail"]


def test_everything_else_still_works(client: httpx.Client) -> None:
    assert client.get("/api/health").status_code == 200
    response = client.post("/api/experiments", json=experiment("quadratic", 20))
    assert response.status_code == 200, response.text
    assert strict_loads(response.text)["runs"][0]["status"] == "completed"
