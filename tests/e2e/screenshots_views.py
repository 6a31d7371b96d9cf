"""Screenshots of the inspector, the small multiples and the 3-D view for the README:
`python -m tests.e2e.screenshots_views`.

Starts the real server, opens the default comparison at a laptop's size, puts the cursor part-way
along the paths and saves docs/screenshot-inspector.png, docs/screenshot-multiples.png and
docs/screenshot-3d.png once each view is drawn.
"""

from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e.shoot import open_drawn, save, served_browser

MAP = '[data-testid="contour-plot"]'


def go_to_step(page: Page, step: int) -> None:
    page.get_by_test_id("scrubber").fill(str(step))
    page.mouse.move(1, 1)  # no hover labels in the picture
    page.evaluate("() => document.activeElement.blur()")


def inspector(page: Page) -> None:
    go_to_step(page, 60)
    page.locator('[data-testid="inspector"] > summary').click()
    page.wait_for_function(
        """() => document.querySelectorAll('[data-testid="inspector"] [data-group="state"]').length >= 6
               && document.querySelector('.inspect-runs').getAttribute('aria-busy') === 'false'""",
        timeout=60_000,
    )
    # The charts column scrolls by itself: bring the inspector to its top.
    page.evaluate(
        """() => {
          const column = document.querySelector('.charts');
          const inspector = document.querySelector('[data-testid="inspector"]');
          column.scrollTop += inspector.getBoundingClientRect().top - column.getBoundingClientRect().top;
        }"""
    )
    save(page, "inspector")


def multiples(page: Page) -> None:
    go_to_step(page, 120)
    page.get_by_test_id("view-select").select_option("multiples")
    page.wait_for_function(f"() => document.querySelector('{MAP}').data.filter(t => t.type === 'contour').length > 1")
    page.wait_for_function("() => document.querySelector('.stage').getAttribute('aria-busy') === 'false'")
    save(page, "multiples")


def surface_3d(page: Page) -> None:
    go_to_step(page, 120)
    page.get_by_test_id("view-select").select_option("3d")
    page.wait_for_function(f"() => (document.querySelector('{MAP}').data || []).some(t => t.type === 'surface')")
    page.wait_for_function(f"() => document.querySelector('{MAP} .gl-container canvas') !== null")
    page.evaluate("() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)))")
    save(page, "3d")


def main() -> None:
    with served_browser() as (browser, url):
        # The inspector is a tall list: a taller window shows SGD's momentum and Adam's moments at once.
        for shoot, height in ((inspector, 1080), (multiples, 900), (surface_3d, 900)):
            page = open_drawn(browser, url, 1440, height)
            shoot(page)
            page.close()


if __name__ == "__main__":
    main()
