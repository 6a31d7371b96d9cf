"""The sweep panel's screenshot for the README: `python -m tests.e2e.screenshot_sweeps`.

Starts the real server, opens the default comparison at a laptop's size, opens the sweep panel and
sweeps every run's learning rate, and saves docs/screenshot-sweeps.png: the LR curves with each
run's best lr starred, the fair comparison's target and budget, and the comparison on the map.
"""

from __future__ import annotations

from tests.e2e.shoot import open_drawn, save, served_browser

SETTLED = "() => document.querySelector('.stage').getAttribute('aria-busy') === 'false'"


def main() -> None:
    with served_browser() as (browser, url):
        page = open_drawn(browser, url, 1440, 900)
        page.get_by_test_id("sweep-button").click()
        page.get_by_role("button", name="Sweep learning rates").click()
        status = page.locator("#sweep-tabpanel-lr .sweep-status")
        status.filter(has_text="Swept").wait_for(timeout=180_000)
        page.wait_for_function(SETTLED, timeout=60_000)
        for column in (".controls", ".charts"):  # clicking scrolled them
            page.locator(column).evaluate("el => el.scrollTo(0, 0)")
        page.mouse.move(0, 0)
        page.wait_for_timeout(400)  # the last frame, and no hover label
        save(page, "sweeps")


if __name__ == "__main__":
    main()
