"""HTTP manners of the real server, found probing it as an attacker would (design.md §6, §12): clients
that send a whole oversized body before reading still read the 413; HEAD wherever GET; bodies that are
not JSON get the 422 shape; redirects that do not echo the Host header; the QR code's LAN address kept
from remote clients; slow and endless requests cut off."""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from app.api.qr import lan_address
from app.serving import MAX_HEAD_BYTES
from tests.api.support import strict_loads
from tests.conftest import start_server, stop_server

EIGHT_MIB = 8 * 2**20
SLOW_SECONDS = 1.0  # OPTIMLAB_REQUEST_SECONDS of the slow-client server below


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    return parts.hostname, parts.port


# --- a body over the limit ------------------------------------------------------------------------


def test_urllib_posting_8_mib_reads_the_413(server_url: str) -> None:
    """urllib sends the whole body before it reads: the server drains it, then answers and closes."""
    request = urllib.request.Request(
        server_url + "/api/experiments", data=b"x" * EIGHT_MIB, headers={"content-type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 413
    assert refused.value.headers["connection"] == "close"
    assert "larger than" in strict_loads(refused.value.read())["detail"]


def test_a_chunked_body_over_the_limit_reads_the_413(server_url: str) -> None:
    """No Content-Length to refuse early: the limit is met while reading, and the rest drained."""
    connection = http.client.HTTPConnection(*address(server_url), timeout=30)
    try:
        chunks = (b"x" * 65536 for _ in range(64))  # 4 MiB
        connection.request("POST", "/api/experiments", body=chunks, encode_chunked=True,
                           headers={"content-type": "application/json"})  # fmt: skip
        response = connection.getresponse()
        assert response.status == 413
        assert "larger than" in strict_loads(response.read())["detail"]
    finally:
        connection.close()


# --- HEAD -----------------------------------------------------------------------------------------

GET_PATHS = ["/", "/api/health", "/api/catalog", "/openapi.json", "/docs", "/redoc", "/static/favicon.svg",
             "/static/vendor/plotly.min.js", "/docs/assets/swagger-ui-bundle.js"]  # fmt: skip


@pytest.mark.parametrize("path", GET_PATHS)
def test_head_is_answered_wherever_get_is(client: httpx.Client, path: str) -> None:
    got, head = client.get(path), client.head(path)
    assert got.status_code == head.status_code == 200, (got.status_code, head.status_code)
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    if "content-length" in got.headers:
        assert head.headers["content-length"] == got.headers["content-length"]


def test_head_on_a_post_only_route_is_405(client: httpx.Client) -> None:
    response = client.head("/api/experiments")
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]


# --- bodies that are not JSON ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"[" * 20_000 + b"]" * 20_000, "nested too deeply"),
        (b'{"surface": {"id": "rosenbrock"}, "steps": 1' + b"0" * 5000 + b"}", "too many digits"),
        (b'{"surface": {"id": "rosenbr\xc3\x28ck"}}', "not UTF-8"),
    ],
    ids=["20000-deep", "5000-digit-integer", "invalid-utf-8"],
)
def test_a_body_that_is_not_json_gets_the_422_shape(client: httpx.Client, content: bytes, why: str) -> None:
    response = client.post("/api/experiments", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text[:300]
    [error] = strict_loads(response.content)["detail"]
    assert error["loc"] == ["body"] and error["type"] == "json_invalid"
    assert why in error["msg"]


# --- redirects ------------------------------------------------------------------------------------


def test_redirects_are_relative_and_ignore_the_host_header(client: httpx.Client) -> None:
    response = client.get("/api/health/", headers={"host": "evil.example"}, follow_redirects=False)
    assert response.status_code in (301, 302, 307, 308)
    assert response.headers["location"] == "/api/health"
    assert client.get("/api/health/", follow_redirects=True).status_code == 200  # and it still leads there


# --- the QR code's address ------------------------------------------------------------------------


def test_x_qr_url_keeps_the_lan_address_from_remote_clients(client: httpx.Client) -> None:
    """uvicorn takes X-Forwarded-For from a proxy on this machine, so the request looks remote."""
    lan = lan_address()
    if lan is None:
        pytest.skip("this machine has no private LAN address to hide")
    page = "http://127.0.0.1:8000/#v1=abc"
    local = client.get("/api/qr", params={"url": page})
    remote = client.get("/api/qr", params={"url": page}, headers={"x-forwarded-for": "203.0.113.7"})
    assert local.status_code == remote.status_code == 200
    assert local.headers["x-qr-url"] == f"http://{lan}:8000/#v1=abc"
    assert remote.headers["x-qr-url"] == page
    assert lan.encode() not in remote.content


# --- slow and endless requests --------------------------------------------------------------------


@pytest.fixture(scope="module")
def slow_url() -> Iterator[str]:
    """A server whose clients have SLOW_SECONDS to send a request's head, and again its body."""
    proc, url = start_server({"OPTIMLAB_REQUEST_SECONDS": str(SLOW_SECONDS), "OPTIMLAB_WORKERS": "1"})
    yield url
    stop_server(proc)


def trickle(url: str, head: bytes, drip: bytes, seconds: float = 10 * SLOW_SECONDS) -> tuple[float, bytes]:
    """Send `head`, then `drip` every 0.2 s until the server answers or closes; when, and what it said."""
    began = time.monotonic()
    with socket.create_connection(address(url), timeout=0.2) as sock:
        sock.sendall(head)
        answer = b""
        while time.monotonic() - began < seconds:
            try:
                sock.sendall(drip)
                received = sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:  # reset or broken pipe: closed on us
                break
            if not received:
                break
            answer += received
        return time.monotonic() - began, answer


def test_headers_that_trickle_in_are_cut_off(slow_url: str) -> None:
    took, answer = trickle(slow_url, b"GET /api/health HTTP/1.1\r\nHost: x\r\n", b"X-Drip: 1\r\n")
    assert took < 5 * SLOW_SECONDS, "the connection stayed open"
    assert answer == b""  # no request was made


def test_a_body_that_trickles_in_gets_a_408(slow_url: str) -> None:
    head = (
        b"POST /api/experiments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
    )
    took, answer = trickle(slow_url, head, b" ")
    assert took < 5 * SLOW_SECONDS, "the connection stayed open"
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 408 Request Timeout"
    assert b"connection: close" in rest.lower()


def test_an_endless_head_is_refused(slow_url: str) -> None:
    """Headers without end are not read into memory: past MAX_HEAD_BYTES the server answers 400 and
    closes, and the client's next writes fail (before, 80 MB of headers were read and answered 200)."""
    header = b"X-Pad: " + b"a" * 4000 + b"\r\n"
    sent = 0
    with socket.create_connection(address(slow_url), timeout=10) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
        with pytest.raises(OSError):
            while sent < 1000 * MAX_HEAD_BYTES:
                sock.sendall(header)
                sent += len(header)
    assert sent < 1000 * MAX_HEAD_BYTES


def test_the_slow_client_server_still_serves_a_prompt_client(slow_url: str) -> None:
    with httpx.Client(base_url=slow_url, timeout=10) as client:
        assert client.get("/api/health").status_code == 200
        response = client.post("/api/experiments", json={"surface": {"id": "quadratic"}, "steps": 3,
                                                         "runs": [{"optimizer": {"id": "SGD"}}]})  # fmt: skip
        assert response.status_code == 200


# --- the schema states the rules ------------------------------------------------------------------


def test_openapi_states_the_rules_the_engine_enforces(client: httpx.Client) -> None:
    """What schemathesis reads (tests/ship/test_fuzz.py): exact seed bounds, the QR URL's form, and in
    words the rules JSON Schema cannot compare (two grid2 names differ, ranges with min < max)."""
    schema = strict_loads(client.get("/openapi.json").content)
    components = schema["components"]["schemas"]
    for seed in (components["NoiseSpec"]["properties"]["seed"], components["SeedVary"]["properties"]["seeds"]["items"]):
        assert int(seed["exclusiveMaximum"]) == 2**63 and "maximum" not in seed  # 2**63 - 1 would round up
    [url] = schema["paths"]["/api/qr"]["get"]["parameters"]
    assert url["schema"]["pattern"].startswith("^[Hh][Tt][Tt][Pp][Ss]?://")
    assert "other than x's" in components["Grid2Vary"]["properties"]["y"]["description"]
    assert "min < max" in components["StartVary"]["properties"]["x"]["description"]


@pytest.mark.parametrize(("seed", "status"), [(2**63 - 1, 200), (2**63, 422)])
def test_a_seed_fits_in_63_bits(client: httpx.Client, seed: int, status: int) -> None:
    body = {
        "surface": {"id": "quadratic"},
        "steps": 2,
        "runs": [{"optimizer": {"id": "SGD"}, "noise": {"std": 0.1, "seed": seed}}],
    }
    assert client.post("/api/experiments", json=body).status_code == status


@pytest.mark.parametrize(
    ("url", "status"),
    [("http://[::1]:8000/#v1=a", 200), ("HTTPS://host:65535/", 200), ("http://host:65536/", 422), ("http:///x", 422)],
)
def test_the_qr_url_is_checked_by_the_pattern_the_schema_states(client: httpx.Client, url: str, status: int) -> None:
    assert client.get("/api/qr", params={"url": url}).status_code == status
