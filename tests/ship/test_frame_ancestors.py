"""Embedding (design.md §11): the page may be framed by itself and by the origins in
OPTIMLAB_FRAME_ANCESTORS, and by nobody else — said by the CSP's frame-ancestors on a real server."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from app.settings import Settings
from tests.conftest import COURSE, LOCAL_COURSE
from tests.ship.test_headers import csp_directives


def frame_ancestors(url: str, path: str = "/") -> list[str]:
    response = httpx.get(url + path, timeout=30)
    assert response.status_code in (200, 404), response.text
    assert "x-frame-options" not in response.headers, "it would overrule frame-ancestors in older browsers"
    return csp_directives(response.headers["content-security-policy"])["frame-ancestors"]


def test_by_default_only_the_page_itself_may_frame_it(server_url: str) -> None:
    assert frame_ancestors(server_url) == ["'self'"]


def test_configured_origins_may_frame_the_page_and_no_others(configured_server_url: str) -> None:
    for path in ("/", "/?embed=1", "/api/health", "/l/AAAAAAAAAAA"):
        allowed = frame_ancestors(configured_server_url, path)
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
