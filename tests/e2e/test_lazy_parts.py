"""The parts the first picture does not need load on first use (static/js/page/lazy.js, design.md §7):
the first draw fetches none of their modules, the browser fetches them once it idles after that draw, and
a click that arrives while a part's module is still on its way acts once it has arrived."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from bench.browser import FIRST_DRAWN_JS, NETWORK_DRAWN_JS

pytestmark = pytest.mark.e2e

# The modules each part is built from, first among them the one whose arrival the tests below hold back.
LAZY_MODULES = (
    "network/page.js",
    "network/views.js",
    "a11y/network-text.js",
    "sweeps/panel.js",
    "teach/deck.js",
    "teach/presenter.js",
    "teach/code-panel.js",
    "teach/video.js",
)

# The static/js/ modules the page fetched before its first-draw mark (Resource Timing: what the browser asked for).
FETCHED_BEFORE_FIRST_DRAW_JS = """() => {
  const drawn = performance.getEntriesByName("optimlab:first-draw")[0].startTime;
  return performance.getEntriesByType("resource")
    .filter((entry) => entry.startTime < drawn && entry.name.includes("/static/js/"))
    .map((entry) => new URL(entry.name).pathname.replace("/static/js/", ""));
}"""
FETCHED_JS = """(module) => performance.getEntriesByType("resource")
  .some((entry) => entry.name.endsWith(`/static/js/${module}`))"""


def test_the_first_draw_fetches_no_lazy_module_and_the_idle_browser_fetches_them_after(
    browser: Browser, server_url: str
) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900})  # nothing cached
    try:
        page = context.new_page()
        page.goto(server_url + "/")
        page.wait_for_function(FIRST_DRAWN_JS, timeout=60_000)
        fetched = page.evaluate(FETCHED_BEFORE_FIRST_DRAW_JS)
        assert "main.js" in fetched and "views/plots.js" in fetched  # the log holds the first draw's modules
        assert not set(fetched) & set(LAZY_MODULES), fetched
        assert not [module for module in fetched if module.startswith(("network/page", "sweeps/", "figures/sweep"))]
        for module in LAZY_MODULES:  # then, in the background, so a first click need not wait
            page.wait_for_function(FETCHED_JS, arg=module, timeout=30_000)
    finally:
        context.close()


@dataclass(frozen=True)
class Opener:
    module: str  # held back until the click has been made
    click: Callable[[Page], None]
    opened: Callable[[Page], None]  # waits until the part has acted on the click


def _choose_network(page: Page) -> None:
    page.get_by_test_id("mode-select").select_option("network")


OPENERS = {
    "network mode": Opener(
        "network/page.js", _choose_network, lambda page: page.wait_for_function(NETWORK_DRAWN_JS, timeout=120_000)
    ),
    "sweeps": Opener(
        "sweeps/panel.js",
        lambda page: page.get_by_test_id("sweep-button").click(),
        lambda page: expect(page.get_by_test_id("sweep-panel")).to_be_visible(),
    ),
    "deck": Opener(
        "teach/deck.js",
        lambda page: page.get_by_test_id("save-lesson").click(),
        lambda page: expect(page.get_by_test_id("deck-dialog")).to_be_visible(),
    ),
    "presenter": Opener(
        "teach/presenter.js",
        lambda page: page.get_by_test_id("presenter-button").click(),
        lambda page: expect(page.get_by_test_id("presenter-button")).to_have_attribute("aria-pressed", "true"),
    ),
    "code panel": Opener(
        "teach/code-panel.js",
        lambda page: page.get_by_test_id("code-button").click(),
        lambda page: expect(page.get_by_test_id("code-text")).to_contain_text("import torch"),
    ),
}


def wait_for_held(held: list[Route], page: Page, timeout_s: float = 30.0) -> None:
    """Until the page has asked for the held module (on the click, or earlier in the background)."""
    deadline = time.monotonic() + timeout_s
    while not held:
        assert time.monotonic() < deadline, "the page never asked for the module"
        page.wait_for_timeout(20)  # lets Playwright deliver the route; the loop waits on `held`


@pytest.mark.parametrize("name", list(OPENERS))
def test_a_click_made_while_its_part_loads_still_opens_it(page: Page, server_url: str, name: str) -> None:
    opener = OPENERS[name]
    held: list[Route] = []
    page.route(f"**/static/js/{opener.module}", lambda route: held.append(route))
    page.goto(server_url + "/")
    page.wait_for_function(FIRST_DRAWN_JS, timeout=60_000)
    opener.click(page)
    wait_for_held(held, page)
    if name == "network mode":  # the switch itself is always loaded: the page says so at once
        expect(page.locator("body")).to_have_attribute("data-mode", "network")
    for route in held:
        route.continue_()
    opener.opened(page)


def test_a_slide_asked_for_while_its_module_loads_still_downloads(page: Page, server_url: str) -> None:
    held: list[Route] = []
    page.route("**/static/js/teach/video.js", lambda route: held.append(route))
    page.goto(server_url + "/")
    page.wait_for_function(FIRST_DRAWN_JS, timeout=60_000)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_test_id("export-slides").click()
        wait_for_held(held, page)
        for route in held:
            route.continue_()
    assert download.value.suggested_filename == "optimlab-slide.png"
