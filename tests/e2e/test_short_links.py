"""Short links on the page (design.md §11): the short-link button stores the page's state on the
server; the presenter's QR code holds that short link (at most 41×41 modules, so it scans from the back
of a room); and a short link made before a restart still opens its experiment after it (SQLite file
under OPTIMLAB_DATA_DIR)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import start_server, stop_server

pytestmark = pytest.mark.e2e

MAX_MODULES = 41
QUIET_ZONE = 4  # modules of white border on each side (app/api/qr.py)


def settled(page: Page) -> None:
    page.wait_for_function(
        "() => document.querySelector('.stage').getAttribute('aria-busy') === 'false'"
        " && location.hash.startsWith('#v')",
        timeout=30_000,
    )


def short_link_of(page: Page) -> str:
    """Click "Short link" and return the URL it made."""
    button = page.get_by_test_id("short-link")
    button.click()
    page.wait_for_function("() => document.querySelector('[data-testid=\"short-link\"]').dataset.url")
    url = button.get_attribute("data-url")
    expect(page.get_by_test_id("page-notice").locator("input")).to_have_value(url)
    return url


def qr_modules(svg: str) -> int:
    """The symbol's width in modules: segno's viewBox is the symbol plus the quiet zone, one unit a module."""
    width = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    assert width and width.group(1) == width.group(2), svg[:200]
    return int(width.group(1)) - 2 * QUIET_ZONE


def test_the_presenters_qr_code_holds_a_short_link_of_at_most_41_modules(page: Page, server_url: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(server_url + "/")
    settled(page)
    state = urlsplit(page.url).fragment
    assert len(state) > 300  # a full experiment: far too long for a small code
    page.get_by_test_id("presenter-button").click()
    svg = page.get_by_test_id("qr-code").locator("svg")
    expect(svg).to_be_visible()
    page.wait_for_function("() => document.querySelector('[data-testid=\"qr-code\"]').dataset.url")
    target = urlsplit(page.get_by_test_id("qr-code").get_attribute("data-url"))
    assert re.fullmatch(r"/l/[A-Za-z0-9_-]+", target.path), target
    assert qr_modules(svg.evaluate("s => s.outerHTML")) <= MAX_MODULES
    page.keyboard.press("Escape")


def test_a_short_link_survives_a_server_restart(browser: Browser, tmp_path: Path) -> None:
    env = {"OPTIMLAB_DATA_DIR": str(tmp_path)}
    proc, url = start_server(env)
    page = browser.new_page()
    try:
        page.goto(url + "/")
        settled(page)
        state = urlsplit(page.url).fragment
        short = urlsplit(short_link_of(page))
        assert short.netloc == urlsplit(url).netloc and len(short.path) < 20, short
    finally:
        page.close()
        stop_server(proc)
    assert list(tmp_path.iterdir()), "the store left no file in OPTIMLAB_DATA_DIR"

    proc, url = start_server(env)
    page = browser.new_page()
    try:
        page.goto(url + short.path)
        settled(page)
        assert urlsplit(page.url).path == "/"
        assert urlsplit(page.url).fragment == state
    finally:
        page.close()
        stop_server(proc)
