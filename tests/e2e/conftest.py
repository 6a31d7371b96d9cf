"""Browser fixtures: one headless Debian Chromium per session, a fresh page per test (`page`), or for tests
that only read a drawn page, one page per module (`shared_page`; `drawn_page` on the default comparison).

Every page records its console errors, uncaught exceptions and the URLs it requested; a test
fails at teardown if the page logged an error or asked anything of another origin.

Every `wait_for_function` polls its condition every POLL_MS, not at every animation frame (Playwright's
default, "raf"): many conditions read back plot data or serialise the page's state, and 60 such reads a
second took the CPU the page needed to draw what they wait for.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Frame, Page, ViewportSize, sync_playwright

from bench.browser import CHROMIUM, CHROMIUM_ARGS, FIRST_DRAWN_JS

POLL_MS = 100
VIEWPORT: ViewportSize = {"width": 1440, "height": 900}


def _polling_every(wait_for_function: Callable[..., Any]) -> Callable[..., Any]:
    """`wait_for_function` with POLL_MS as its default polling; a wait may still pass its own."""

    @functools.wraps(wait_for_function)
    def wait(
        self: Page | Frame, expression: str, *, arg: Any = None, timeout: float | None = None, polling: Any = POLL_MS
    ) -> Any:
        return wait_for_function(self, expression, arg=arg, timeout=timeout, polling=polling)

    return wait


for _waits in (Page, Frame):
    _waits.wait_for_function = _polling_every(_waits.wait_for_function)


@dataclass
class PageLog:
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)

    def expect_console_error(self, fragment: str) -> None:
        """Allow console errors containing `fragment` (Chromium logs every 4xx answer to a fetch)."""
        self.expected.append(fragment)

    def unexpected_console_errors(self) -> list[str]:
        return [text for text in self.console_errors if not any(f in text for f in self.expected)]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def browser_context(browser: Browser) -> Iterator[BrowserContext]:
    """One context for the session, so Plotly.js is fetched and compiled once, not per test."""
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    yield context
    context.close()


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


def watched_page(context: BrowserContext, server_url: str, log: Callable[[], PageLog]) -> Page:
    """A new page whose console errors and requests to other origins go to `log()`, the running test's log."""
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and log().console_errors.append(m.text))
    page.on("pageerror", lambda error: log().console_errors.append(f"uncaught: {error}"))
    own = (server_url + "/", f"blob:{server_url}/")  # downloads are made from same-origin blob: URLs
    page.on("request", lambda r: r.url.startswith(own) or log().foreign_requests.append(r.url))
    return page


def assert_clean(page_log: PageLog) -> None:
    assert not page_log.unexpected_console_errors(), f"console errors: {page_log.console_errors}"
    assert not page_log.foreign_requests, f"requests outside the server: {page_log.foreign_requests}"


@pytest.fixture
def page(browser_context: BrowserContext, server_url: str, page_log: PageLog) -> Iterator[Page]:
    """A new page, checked for console errors and requests to other origins afterwards."""
    page = watched_page(browser_context, server_url, lambda: page_log)
    yield page
    page.close()
    assert_clean(page_log)


@dataclass
class LogSlot:
    """Where a shared page reports: the log of the test using it now."""

    log: PageLog = field(default_factory=PageLog)


@pytest.fixture(scope="module")
def _shared_page(browser_context: BrowserContext, server_url: str) -> Iterator[tuple[Page, LogSlot]]:
    slot = LogSlot()
    page = watched_page(browser_context, server_url, lambda: slot.log)
    yield page, slot
    page.close()


@pytest.fixture
def shared_page(_shared_page: tuple[Page, LogSlot], page_log: PageLog) -> Iterator[Page]:
    """One page per module, for the tests that only read what it draws: a page load (Plotly.js's start-up, the
    first experiment drawn, the lazy parts fetched when idle) costs the renderer seconds of CPU, which a test
    that reads one thing need not pay again. The first test opens it (it is about:blank); the next finds it
    as the last left it, at the context's window size again. Checked for console errors and requests to
    other origins after each test."""
    page, slot = _shared_page
    slot.log = page_log
    yield page
    page.set_viewport_size(VIEWPORT)
    assert_clean(page_log)


@pytest.fixture
def drawn_page(shared_page: Page, server_url: str) -> Page:
    """`shared_page` on the default comparison, drawn in full (opened by the module's first test to ask)."""
    if shared_page.url == "about:blank":
        shared_page.goto(server_url)
        shared_page.wait_for_function(FIRST_DRAWN_JS, timeout=60_000)
    return shared_page
