"""Embedding (design.md §11): the page may be framed by itself and by the origins in
OPTIMLAB_FRAME_ANCESTORS, and by nobody else — said by the CSP's frame-ancestors on a real server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pydantic import ValidationError

from app.settings import Settings
from tests.conftest import start_server, stop_server
from tests.ship.test_headers import csp_directives

COURSE = "https://course.example.edu"
LOCAL_COURSE = "http://localhost:3000"


def frame_ancestors(url: str, path: str = "/") -> list[str]:
    response = httpx.get(url + path, timeout=30)
    assert response.status_code in (200, 404), response.text
    assert "x-frame-options" not in response.headers, "it would overrule frame-ancestors in older browsers"
    return csp_directives(response.headers["content-security-policy"])["frame-ancestors"]


@pytest.fixture(scope="module")
def embeddable_url() -> Iterator[str]:
    proc, url = start_server({"OPTIMLAB_FRAME_ANCESTORS": f"{COURSE} {LOCAL_COURSE}"})
    yield url
    stop_server(proc)


def test_by_default_only_the_page_itself_may_frame_it(server_url: str) -> None:
    assert frame_ancestors(server_url) == ["'self'"]


def test_configured_origins_may_frame_the_page_and_no_others(embeddable_url: str) -> None:
    for path in ("/", "/?embed=1", "/api/health", "/l/AAAAAAAAAAA"):
        allowed = frame_ancestors(embeddable_url, path)
        assert allowed == ["'self'", COURSE, LOCAL_COURSE], path
        assert "*" not in allowed and "https://evil.example" not in allowed


@pytest.mark.parametrize(
    "value",
    ["https://course.example.edu; script-src *", "*", "https:", "'unsafe-inline'", "javascript:alert(1)", "course"],
)
def test_anything_but_origins_is_refused_at_start_up(value: str) -> None:
    with pytest.raises(ValidationError, match="not an origin"):
        Settings(frame_ancestors=value)


def test_origins_may_be_separated_by_spaces_or_commas() -> None:
    assert Settings(frame_ancestors=f"{COURSE},  https://*.example.org:8443").frame_ancestors == [
        COURSE,
        "https://*.example.org:8443",
    ]
