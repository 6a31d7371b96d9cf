"""What the README's screenshot scripts share: a real server, headless Chromium, a drawn page, a save.

A script opens `served_browser()`, takes pages from `open_drawn(browser, url, width, height)`, sets
each one up and calls `save(page, name)`, which writes docs/screenshot-<name>.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Page, sync_playwright

from bench.browser import CHROMIUM, CHROMIUM_ARGS, FIRST_DRAWN_JS
from tests.conftest import ROOT, start_server, stop_server


@contextmanager
def served_browser() -> Iterator[tuple[Browser, str]]:
    """Start the server on a free port and launch Chromium; both stop on the way out."""
    server, url = start_server()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser, url
            finally:
                browser.close()
    finally:
        stop_server(server)


def open_drawn(browser: Browser, url: str, width: int, height: int) -> Page:
    """A light-scheme page of this size at `url`, once the default comparison's paths are drawn."""
    page = browser.new_page(viewport={"width": width, "height": height}, color_scheme="light")
    page.goto(url)
    page.wait_for_function(FIRST_DRAWN_JS, timeout=60_000)
    return page


def save(page: Page, name: str, *, full_page: bool = False) -> None:
    """Save the page as docs/screenshot-<name>.png (the window, or with `full_page` the whole scrolled page)."""
    path = ROOT / "docs" / f"screenshot-{name}.png"
    page.screenshot(path=path, full_page=full_page)
    print(f"saved {path.relative_to(ROOT)}")
