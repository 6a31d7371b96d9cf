"""/docs and /redoc with the network cut off (a classroom without internet), under the app's CSP.

Every request that would leave the server is aborted and recorded; console errors (a CSP violation is
one) and the CSP's own violation reports are recorded too. The reference pages must still list every
operation of /openapi.json.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Route

pytestmark = pytest.mark.e2e

# Collects the CSP's refusals as the page reports them to itself (injected by the browser, not inline).
WATCH_CSP = """window.cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));"""

# How many operations each page shows, once it has drawn them.
SWAGGER_OPERATIONS = "() => document.querySelectorAll('#swagger-ui .opblock .opblock-summary-path').length"
REDOC_OPERATIONS = "() => document.querySelectorAll('.api-content [id^=\"operation/\"]').length"
# ReDoc's side menu credits Redocly with a logo from cdn.redoc.ly, whatever its options say. Offline the
# CSP (img-src 'self') refuses it before any request leaves; the component then hides itself.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@dataclass
class OfflinePage:
    page: Page
    aborted: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("window.cspViolations")


@pytest.fixture
def offline(browser_context: BrowserContext, server_url: str) -> Iterator[OfflinePage]:
    """A page for which only this server answers; anything else is aborted and recorded."""
    page = browser_context.new_page()
    watched = OfflinePage(page)

    def only_the_server(route: Route) -> None:
        if route.request.url.startswith(server_url + "/"):
            route.continue_()
        else:
            watched.aborted.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", only_the_server)
    page.add_init_script(WATCH_CSP)
    page.on("console", lambda message: message.type == "error" and watched.console_errors.append(message.text))
    page.on("pageerror", lambda error: watched.console_errors.append(f"uncaught: {error}"))
    yield watched
    page.close()


@pytest.fixture(scope="module")
def operations(server_url: str) -> list[str]:
    schema: dict[str, Any] = httpx.get(server_url + "/openapi.json", timeout=30).json()
    return [path for path, item in schema["paths"].items() for _ in item]


def open_reference(offline: OfflinePage, url: str, shown: str, operations: list[str]) -> None:
    """Open the page under the strict CSP and wait until it shows every operation."""
    response = offline.page.goto(url)
    assert response is not None and response.status == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'self'" in csp
    offline.page.wait_for_function(f"() => ({shown})() >= {len(operations)}", timeout=60_000)
    assert offline.page.evaluate(shown) == len(operations)
    for path in set(operations):
        assert offline.page.get_by_text(path, exact=True).count() > 0, f"{path} is not shown"


def test_swagger_ui_lists_every_operation_offline(offline: OfflinePage, server_url: str, operations: list[str]) -> None:
    open_reference(offline, server_url + "/docs", SWAGGER_OPERATIONS, operations)
    assert offline.csp_violations() == []
    assert offline.aborted == [], "Swagger UI asked for something outside the server"
    assert offline.console_errors == []


def test_redoc_lists_every_operation_offline(offline: OfflinePage, server_url: str, operations: list[str]) -> None:
    open_reference(offline, server_url + "/redoc", REDOC_OPERATIONS, operations)
    assert offline.aborted == [], "the logo must be refused by the CSP, not sent and aborted"
    assert offline.csp_violations() in ([], [f"img-src {REDOC_LOGO}"])
    assert all(REDOC_LOGO in error for error in offline.console_errors), offline.console_errors
