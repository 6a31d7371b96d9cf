"""Screenshots of network mode for the README: `python -m tests.e2e.screenshots_network`.

Starts the real server, switches each page to network mode, waits until the default training's
landscape, paths and curves are drawn, puts the cursor part-way along and saves
docs/screenshot-network.png (a laptop's 1440×900), docs/screenshot-network-phone.png (390 px wide,
the whole stacked page) and docs/screenshot-network-presenting.png (presenter mode at a projector's
1280×720).
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page

from bench.browser import NETWORK_DRAWN_JS
from tests.e2e.shoot import open_drawn, save, served_browser

# The training is in and every plot (the curves draw a frame after the landscape) holds its traces.
TRAINED_JS = """() => document.querySelector('.stage').getAttribute('aria-busy') === 'false'
  && ['landscape-plot', 'epoch-loss-plot', 'accuracy-plot', 'lr-plot']
       .every(id => (document.querySelector(`[data-testid="${id}"]`).data || []).length > 0)"""
CURSOR_STEP = 200


def open_network(browser: Browser, url: str, width: int, height: int) -> Page:
    """A page of this size switched to network mode, trained, its cursor at CURSOR_STEP and nothing hovered."""
    page = open_drawn(browser, url, width, height)
    page.get_by_test_id("mode-select").select_option("network")
    page.wait_for_function(NETWORK_DRAWN_JS, timeout=120_000)
    page.wait_for_function(TRAINED_JS, timeout=120_000)
    page.get_by_test_id("scrubber").fill(str(CURSOR_STEP))
    page.mouse.move(1, 1)
    page.evaluate("() => document.activeElement.blur()")
    page.evaluate("() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)))")
    return page


def main() -> None:
    with served_browser() as (browser, url):
        page = open_network(browser, url, 1440, 900)
        save(page, "network")
        page.close()

        page = open_network(browser, url, 390, 844)
        save(page, "network-phone", full_page=True)
        page.close()

        page = open_network(browser, url, 1280, 720)
        page.get_by_test_id("presenter-button").click()
        page.wait_for_function(TRAINED_JS)
        page.evaluate("() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)))")
        save(page, "network-presenting")
        page.close()


if __name__ == "__main__":
    main()
