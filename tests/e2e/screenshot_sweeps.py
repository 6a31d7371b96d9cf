"""The sweep panel's screenshot for the README: `python -m tests.e2e.screenshot_sweeps`.

Starts the real server, opens the default comparison at a laptop's size, opens the sweep panel and
sweeps every run's learning rate, and saves docs/screenshot-sweeps.png: the LR curves with each
run's best lr starred, the fair comparison's target and budget, and the comparison on the map.
"""

from __future__ import annotations

from playwright.sync_api import sync_playwright

from tests.conftest import ROOT, start_server, stop_server
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

DRAWN = "() => performance.getEntriesByName('optimlab:first-draw').length > 0"
SETTLED = "() => document.querySelector('.stage').getAttribute('aria-busy') === 'false'"


def main() -> None:
    server, url = start_server()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900}, color_scheme="light")
            page.goto(url)
            page.wait_for_function(DRAWN, timeout=60_000)
            page.get_by_test_id("sweep-button").click()
            page.get_by_role("button", name="Sweep learning rates").click()
            status = page.locator("#sweep-tabpanel-lr .sweep-status")
            status.filter(has_text="Swept").wait_for(timeout=180_000)
            page.wait_for_function(SETTLED, timeout=60_000)
            for column in (".controls", ".charts"):  # clicking scrolled them
                page.locator(column).evaluate("el => el.scrollTo(0, 0)")
            page.mouse.move(0, 0)
            page.wait_for_timeout(400)  # the last frame, and no hover label
            path = ROOT / "docs" / "screenshot-sweeps.png"
            page.screenshot(path=path)
            print(f"saved {path.relative_to(ROOT)}")
            browser.close()
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
