"""Security headers on the real server: a strict CSP, nosniff, a referrer policy, CORS only when
configured, static files that stay in their folder, and a page with no inline script."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import CORS_ORIGIN, ROOT

TIMEOUT = httpx.Timeout(30.0, connect=5.0)
OTHER_ORIGIN = "http://evil.test"
EXPERIMENT = {"surface": {"id": "quadratic"}, "steps": 3, "runs": [{"optimizer": {"id": "SGD"}}]}
STRICT_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives.setdefault(name.lower(), sources)  # the first occurrence of a directive wins
    return directives


def fetch_all(url: str) -> Iterator[tuple[str, httpx.Response]]:
    """One response of every kind the server sends: page, JSON, 422, 404, static, script, stream."""
    with httpx.Client(base_url=url, timeout=TIMEOUT) as client:
        yield "page", client.get("/")
        yield "health", client.get("/api/health")
        yield "catalog", client.get("/api/catalog")
        yield "grid", client.get("/api/surfaces/quadratic/grid", params={"resolution": 3})
        yield "experiment", client.post("/api/experiments", json=EXPERIMENT)
        yield "422", client.post("/api/experiments", json={"surface": {"id": "quadratic"}})
        yield "413", client.post("/api/experiments", content=b"x" * 70_000, headers={"content-type": "text/plain"})
        yield "404", client.get("/api/nothing-here")
        yield "static", client.get("/static/favicon.svg")
        yield "plotly", client.get("/static/vendor/plotly.min.js")
        yield "docs", client.get("/docs")
        yield "redoc", client.get("/redoc")
        yield "docs-asset", client.get("/docs/assets/swagger-ui-bundle.js")
        yield "code", client.post("/api/code", json={"surface": EXPERIMENT["surface"], "run": EXPERIMENT["runs"][0]})
        with client.stream("POST", "/api/experiments/stream", json=EXPERIMENT) as streamed:
            streamed.read()
            yield "stream", streamed


@pytest.fixture(scope="module")
def responses(server_url: str) -> dict[str, httpx.Response]:
    return dict(fetch_all(server_url))


def test_every_response_has_a_strict_content_security_policy(responses: dict[str, httpx.Response]) -> None:
    for kind, response in responses.items():
        header = response.headers.get("content-security-policy")
        assert header, f"{kind} ({response.request.url.path}) has no Content-Security-Policy"
        csp = csp_directives(header)
        assert csp.get("default-src") == ["'self'"], (kind, header)
        assert csp.get("script-src") == ["'self'"], f"{kind}: scripts from this origin only: {header}"
        assert csp.get("object-src") == ["'none'"], (kind, header)
        assert "base-uri" in csp, (kind, header)
        assert csp.get("frame-ancestors") in (["'self'"], ["'none'"]), f"{kind}: no framing by other sites: {header}"
        for name, sources in csp.items():
            forbidden = {"'unsafe-eval'", "*", "http:", "https:"}
            if name != "style-src":  # Plotly writes style attributes as it draws; scripts stay strict
                forbidden.add("'unsafe-inline'")
            assert not forbidden & set(sources), f"{kind}: {name} {' '.join(sources)}"


def test_every_response_forbids_sniffing_and_limits_the_referrer(responses: dict[str, httpx.Response]) -> None:
    for kind, response in responses.items():
        assert response.headers.get("x-content-type-options") == "nosniff", kind
        assert response.headers.get("referrer-policy") in STRICT_REFERRER_POLICIES, kind


def test_the_responses_are_what_they_claim(responses: dict[str, httpx.Response]) -> None:
    """The headers above were checked on the real thing, not on a row of 404s."""
    expected = {"page": 200, "health": 200, "catalog": 200, "grid": 200, "experiment": 200, "422": 422, "413": 413,
                "404": 404, "static": 200, "plotly": 200, "docs": 200, "redoc": 200, "docs-asset": 200, "code": 200,
                "stream": 200}  # fmt: skip
    assert {kind: response.status_code for kind, response in responses.items()} == expected


# --- CORS ----------------------------------------------------------------------------------------


def cross_origin_requests(url: str, origin: str) -> dict[str, httpx.Response]:
    with httpx.Client(base_url=url, timeout=TIMEOUT, headers={"Origin": origin}) as client:
        return {
            "get": client.get("/api/health"),
            "post": client.post("/api/experiments", json=EXPERIMENT),
            "preflight": client.options(
                "/api/experiments",
                headers={"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
            ),
        }


def test_no_cors_by_default(server_url: str) -> None:
    for kind, response in cross_origin_requests(server_url, CORS_ORIGIN).items():
        assert "access-control-allow-origin" not in response.headers, kind
        assert response.status_code < 500, kind


def test_cors_allows_exactly_the_configured_origins(configured_server_url: str) -> None:
    allowed = cross_origin_requests(configured_server_url, CORS_ORIGIN)
    for kind, response in allowed.items():
        assert response.status_code == 200, (kind, response.text)
        assert response.headers.get("access-control-allow-origin") == CORS_ORIGIN, kind
    assert "POST" in allowed["preflight"].headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in allowed["get"].headers

    for kind, response in cross_origin_requests(configured_server_url, OTHER_ORIGIN).items():
        assert "access-control-allow-origin" not in response.headers, kind
        assert response.status_code < 500, kind
    # The configured server keeps its other headers.
    assert allowed["get"].headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in allowed["get"].headers["content-security-policy"]


# --- static files stay in their folder -------------------------------------------------------------

SECRETS = {
    "app/main.py": (ROOT / "app" / "main.py").read_text(),
    "pyproject.toml": (ROOT / "pyproject.toml").read_text(),
}
TRAVERSALS = [
    "/static/../app/main.py",
    "/static/%2e%2e/app/main.py",
    "/static/%2E%2E/app/main.py",
    "/static/..%2fapp%2fmain.py",
    "/static/..%2Fpyproject.toml",
    "/static/%2e%2e%2fpyproject.toml",
    "/static/%252e%252e/pyproject.toml",
    "/static/..%5c..%5cpyproject.toml",
    "/static/js/../../pyproject.toml",
    "/static/js/%2e%2e/%2e%2e/app/main.py",
    "/static//../pyproject.toml",
    "/static/./../pyproject.toml",
    "/static/%2fetc%2fpasswd",
    "/static//etc/passwd",
    "/static/../../../../../../etc/passwd",
    "/static/..%00/pyproject.toml",
    "/static/vendor/../../pyproject.toml",
    "/static/vendor/plotly.min.js/../../../pyproject.toml",
]


def raw_get(url: str, path: str) -> tuple[int, bytes]:
    """GET with the path sent byte for byte: httpx would resolve the dot segments before sending."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("path", TRAVERSALS)
def test_static_files_cannot_escape_their_folder(server_url: str, path: str) -> None:
    status, body = raw_get(server_url, path)
    assert 400 <= status < 500, f"{path} → {status}"
    text = body.decode("utf-8", "replace")
    for name, content in SECRETS.items():
        assert content[:200] not in text, f"{path} leaked {name}"
    assert "root:" not in text, f"{path} leaked /etc/passwd"


def test_static_files_are_served_inside_their_folder(server_url: str) -> None:
    """The traversal checks above are only worth something if the mount serves files at all."""
    status, body = raw_get(server_url, "/static/js/../favicon.svg")
    assert status == 200
    assert body == (ROOT / "static" / "favicon.svg").read_bytes()


# --- the page has no inline script ----------------------------------------------------------------


class PageAudit(HTMLParser):
    """Collects what a strict CSP would block or what would defeat it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inline_scripts: list[str] = []
        self.handlers: list[str] = []
        self.javascript_urls: list[str] = []
        self.scripts: list[str] = []
        self.modules: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}=...>")
            if value and value.strip().lower().startswith("javascript:"):
                self.javascript_urls.append(f"<{tag} {name}={value}>")
        if tag == "script":
            if attributes.get("src"):
                self.scripts.append(attributes["src"] or "")
            else:
                self._in_inline_script = True
                self.inline_scripts.append("")
        if tag == "link" and attributes.get("rel") == "modulepreload":
            self.modules.append(attributes.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script:
            self.inline_scripts[-1] += data


@pytest.fixture(scope="module")
def page(server_url: str) -> PageAudit:
    response = httpx.get(server_url + "/", timeout=TIMEOUT)
    assert response.status_code == 200
    audit = PageAudit()
    audit.feed(response.text)
    audit.close()
    return audit


def test_index_has_no_inline_script_or_handlers(page: PageAudit) -> None:
    assert page.inline_scripts == [], "inline <script> is blocked by script-src 'self'"
    assert page.handlers == [], "on…= attributes are inline script"
    assert page.javascript_urls == []
    assert page.scripts, "the page loads its code from /static"


def test_index_scripts_are_same_origin_javascript(server_url: str, page: PageAudit) -> None:
    """Every script the page loads comes from this server, as JavaScript: with nosniff, a wrong
    content type would stop the browser from running it."""
    with httpx.Client(base_url=server_url, timeout=TIMEOUT) as client:
        for src in page.scripts + page.modules:
            assert src.startswith("/") and not src.startswith("//"), src
            response = client.get(src)
            assert response.status_code == 200, src
            assert "javascript" in response.headers["content-type"], (src, response.headers["content-type"])


def test_template_folder_is_not_served(server_url: str) -> None:
    for path in ("/templates/index.html", "/static/../templates/index.html", "/app/main.py"):
        status, body = raw_get(server_url, path)
        assert status == 404, path
        assert b"<!doctype" not in body.lower()
    assert Path(ROOT / "templates" / "index.html").exists()
