"""Short links through a real server on each backend (design.md §11): create, follow, refuse, limit, survive."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
import segno

from tests.api.support import strict_loads
from tests.conftest import start_server, stop_server
from tests.store.conftest import TEST_RATE_LIMIT
from tests.store.support import client_from

STATE = "v1=eyJzIjoicm9zZW5icm9jayIsInIiOlt7Im8iOiJBZGFtIn1dfQ"


@pytest.fixture(scope="module")
def client(store_server: str) -> Iterator[httpx.Client]:
    with client_from(store_server) as session:
        yield session


def create(client: httpx.Client, state: str) -> dict:
    response = client.post("/api/links", json={"state": state})
    assert response.status_code == 201, response.text
    return strict_loads(response.text)


def test_a_link_redirects_to_the_page_with_its_state(client: httpx.Client) -> None:
    created = create(client, STATE)
    assert created["url"] == f"/l/{created['id']}"
    response = client.get(created["url"])
    assert response.status_code == 302
    assert response.headers["location"] == f"/#{STATE}", "relative, and the state itself in the Location"
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]


def test_ids_are_short_unguessable_and_shared_by_identical_states(client: httpx.Client) -> None:
    first, again, other = create(client, STATE + "A"), create(client, STATE + "A"), create(client, STATE + "B")
    assert first == again, "identical states share an id"
    assert other["id"] != first["id"]
    for link_id in (first["id"], other["id"]):
        assert re.fullmatch(r"[A-Za-z0-9_-]{11}", link_id), "64 random bits, URL-safe"


def test_the_qr_code_of_a_short_link_is_small_enough_to_scan(client: httpx.Client) -> None:
    """A full state of hundreds of characters needs a large code; a short link's fits 41×41 modules."""
    long_state = "v1=" + "eyJzIjoicm9zZW5icm9jayJ9" * 24  # the size of the default comparison's state
    link = create(client, long_state)
    for url in (f"http://192.168.100.200:8000{link['url']}", str(client.base_url).rstrip("/") + link["url"]):
        response = client.get("/api/qr", params={"url": url})
        assert response.status_code == 200, response.text
        side = int(re.search(r'viewBox="0 0 (\d+) \1"', response.text).group(1)) - 2 * 4  # less the quiet zone
        assert side <= 41, f"{url}: {side}×{side} modules"
    assert segno.make(f"http://192.168.100.200:8000/#{long_state}", error="l").symbol_size(border=0)[0] > 41


def test_an_unknown_link_is_404_as_json_or_as_a_page(client: httpx.Client) -> None:
    for link_id in ("AAAAAAAAAAA", "not a link id at all!", "x" * 40):
        response = client.get(f"/l/{link_id}")
        assert response.status_code == 404
        assert "no short link" in strict_loads(response.text)["detail"]
    page = client.get("/l/AAAAAAAAAAA", headers={"accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "does not exist" in page.text and 'href="/"' in page.text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"state": "v1=" + "a" * 9000}, "at most 8192 characters"),
        ({"state": "v1=abc def"}, "URL fragment"),
        ({"state": "v1=abc\r\nSet-Cookie: x=1"}, "URL fragment"),
        ({"state": "#v1=abc"}, "URL fragment"),
        ({"state": ""}, "at least 1 character"),
        ({"state": 12}, "valid string"),
        ({}, "Field required"),
    ],
)
def test_a_bad_state_is_a_422_at_state(client: httpx.Client, body: dict, message: str) -> None:
    response = client.post("/api/links", json=body)
    assert response.status_code == 422, response.text
    [error] = strict_loads(response.text)["detail"]
    assert error["loc"] == ["body", "state"]
    assert message in error["msg"]


def test_creation_is_rate_limited_per_client(store_server: str) -> None:
    allowed = int(TEST_RATE_LIMIT.split("/")[0])
    with client_from(store_server, "127.0.0.2") as eager, client_from(store_server, "127.0.0.3") as other:
        for n in range(allowed):
            assert eager.post("/api/links", json={"state": f"v1=n{n}"}).status_code == 201
        refused = eager.post("/api/links", json={"state": "v1=one-more"})
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "retry" in strict_loads(refused.text)["detail"]
        assert other.post("/api/links", json={"state": "v1=one-more"}).status_code == 201, "another client is not held"
        assert eager.get("/api/health").status_code == 200, "only creating is limited"


@pytest.mark.parametrize("store_env", ["sqlite"], indirect=True)
def test_links_survive_a_server_restart(store_env: dict[str, str]) -> None:
    """In the SQLite file under OPTIMLAB_DATA_DIR. (PostgreSQL keeps them outside the server: the other
    tests show the server reads and writes there; starting servers is slow here, so one backend.)"""
    proc, url = start_server(store_env)
    try:
        with client_from(url) as client:
            link = create(client, STATE)
    finally:
        stop_server(proc)
    proc, url = start_server(store_env)
    try:
        with client_from(url) as client:
            response = client.get(link["url"])
    finally:
        stop_server(proc)
    assert response.status_code == 302
    assert response.headers["location"] == f"/#{STATE}"
