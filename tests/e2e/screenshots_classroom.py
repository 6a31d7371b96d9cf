"""Screenshots of the classroom features for the README: `python -m tests.e2e.screenshots_classroom`.

Starts the real server and saves docs/screenshot-trail.png (trail playback part-way, the paths drawn
up to the cursor), docs/screenshot-deck.png (a deck of two saved lessons in its dialog) and
docs/screenshot-presenting-deck.png (that deck in presenter mode at a projector's 1280×720).
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page

from tests.e2e.shoot import open_drawn, save, served_browser

SETTLED = "() => document.querySelector('.stage').getAttribute('aria-busy') === 'false'"


def trail(page: Page) -> None:
    page.emulate_media(reduced_motion="reduce")  # the trail waits at step 0; the scrubber moves it
    page.get_by_test_id("trail-toggle").click()
    page.get_by_test_id("scrubber").fill("90")
    page.wait_for_function(
        """() => document.querySelector('[data-testid="contour-plot"]').data
             .filter(t => t.meta && t.meta.role === 'path').every(t => t.x.length <= 91)"""
    )
    page.mouse.move(1, 1)
    page.evaluate("() => document.activeElement.blur()")
    save(page, "trail")


def deck(page: Page) -> None:
    page.evaluate("() => localStorage.removeItem('optimlab:deck')")
    page.get_by_test_id("save-lesson").click()
    for title, look_for in (("Four optimizers on Rosenbrock", "Which one reaches ★ first?"),
                            ("Momentum's overshoot", "The swing past the valley floor.")):  # fmt: skip
        page.get_by_test_id("lesson-title-input").fill(title)
        page.get_by_test_id("lesson-look-input").fill(look_for)
        page.get_by_test_id("deck-add").click()
    save(page, "deck")
    page.get_by_test_id("deck-present").click()
    page.wait_for_function(SETTLED)


def presenting(browser: Browser, url: str) -> None:
    page = open_drawn(browser, url, 1280, 720)
    deck(page)
    page.get_by_test_id("presenter-button").click()
    page.wait_for_function(SETTLED)
    page.wait_for_function("() => document.querySelector('[data-testid=\"qr-code\"] svg')")
    save(page, "presenting-deck")
    page.close()


def main() -> None:
    with served_browser() as (browser, url):
        page = open_drawn(browser, url, 1440, 900)
        trail(page)
        page.close()
        presenting(browser, url)


if __name__ == "__main__":
    main()
