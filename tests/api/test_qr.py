"""GET /api/qr: the page's URL as a QR code students can scan, checked against segno's own encoding."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

import httpx
import pytest
import segno

from app.api.qr import MAX_URL_LENGTH, lan_address, qr_target

EXPERIMENT_URL = "https://optimlab.example.org/lab/?x=1#v1=eyJzIjoicm9zZW5icm9jayJ9"


def dark_modules(svg: str) -> set[tuple[int, int]]:
    """The (column, row) of every dark module in segno's SVG path (`M x y`, `m dx dy`, `h n` runs)."""
    path = re.search(r'<path[^>]*\bstroke="#000"[^>]*\bd="([^"]+)"', svg)
    assert path, svg[:300]
    x = y = 0.0
    modules = set()
    for command, a, b in re.findall(r"([MmHh])\s*(-?[\d.]+)(?:[\s,]+(-?[\d.]+))?", path.group(1)):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:  # a horizontal run of dark modules on row y - 0.5
            length = float(a) if command == "h" else float(a) - x
            modules |= {(int(x) + i, int(y)) for i in range(int(length))}
            x += length
    return modules


def segno_modules(text: str, border: int = 4) -> set[tuple[int, int]]:
    """What segno itself encodes for `text` (error level L, as the page's codes use)."""
    code = segno.make(text, error="l", micro=False)
    rows = enumerate(code.matrix)
    return {(col + border, row + border) for row, line in rows for col, dark in enumerate(line) if dark}


def test_a_public_url_is_encoded_as_given(client: httpx.Client) -> None:
    response = client.get("/api/qr", params={"url": EXPERIMENT_URL})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["x-qr-url"] == EXPERIMENT_URL
    svg = response.text
    assert svg.startswith("<svg") and "viewBox" in svg and "<script" not in svg
    assert dark_modules(svg) == segno_modules(EXPERIMENT_URL)


def test_a_loopback_url_points_at_an_address_phones_can_reach(client: httpx.Client) -> None:
    url = "http://127.0.0.1:8000/?a=b#v1=abc"
    response = client.get("/api/qr", params={"url": url})
    assert response.status_code == 200
    target = urlsplit(response.headers["x-qr-url"])
    kept = (target.scheme, target.port, target.path, target.query, target.fragment)
    assert kept == ("http", 8000, "/", "a=b", "v1=abc")
    address = ipaddress.ip_address(target.hostname)
    # This machine's LAN address when it has one, else the URL unchanged (nowhere better to point).
    assert address.is_loopback or (address.is_private and address.version == 4)
    assert dark_modules(response.text) == segno_modules(response.headers["x-qr-url"])


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://example.org/", "not http"),
        ("/relative#v1=x", "not absolute"),
        ("http://exa mple.org/", "a space"),
        ("http://example.org/é", "not ASCII"),
        ("http://example.org:99999/", "a bad port"),
        ("http://example.org/" + "a" * MAX_URL_LENGTH, "too long"),
        ("", "empty"),
    ],
)
def test_a_bad_or_too_long_url_is_a_422(client: httpx.Client, url: str, why: str) -> None:
    response = client.get("/api/qr", params={"url": url})
    assert response.status_code == 422, why
    assert response.json()["detail"][0]["loc"] == ["query", "url"]


def test_a_missing_url_is_a_422(client: httpx.Client) -> None:
    response = client.get("/api/qr")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "url"]


def test_the_public_url_setting_replaces_scheme_host_and_port() -> None:
    target = qr_target("http://localhost:8000/?x=1#v1=abc", "https://lab.school.org/optimlab/")
    assert target == "https://lab.school.org/optimlab/?x=1#v1=abc"
    assert qr_target("http://10.0.0.5:8000/#v1=abc", "https://lab.school.org") == "https://lab.school.org/#v1=abc"


def test_a_loopback_host_becomes_the_lan_address_and_keeps_the_experiment() -> None:
    lan = lambda: "192.168.1.20"  # noqa: E731
    assert qr_target("http://127.0.0.1:8000/#v1=abc", None, lan) == "http://192.168.1.20:8000/#v1=abc"
    assert qr_target("http://localhost/#v1=abc", None, lan) == "http://192.168.1.20/#v1=abc"
    assert qr_target("http://[::1]:8000/#v1=abc", None, lan) == "http://192.168.1.20:8000/#v1=abc"
    # A URL that already names a reachable host, or no LAN address to use: unchanged.
    assert qr_target("http://10.0.0.5:8000/#v1=abc", None, lan) == "http://10.0.0.5:8000/#v1=abc"
    assert qr_target("http://127.0.0.1:8000/#v1=abc", None, lambda: None) == "http://127.0.0.1:8000/#v1=abc"


def test_the_lan_address_is_private_and_not_loopback_when_found() -> None:
    address = lan_address()
    if address is not None:
        parsed = ipaddress.ip_address(address)
        assert parsed.is_private and not parsed.is_loopback and not parsed.is_link_local
