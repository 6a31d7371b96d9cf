"""Trail playback in Chromium (design.md §7, §11): with the trail on, the map's paths and the loss and
LR curves end at the cursor's step — the future is hidden — and grow as playback runs; in presenter mode
a lesson plays its trail by itself, unless the viewer asked for reduced motion."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from bench.browser import FIRST_DRAWN_JS
from tests.e2e.test_share_teach import LESSONS, present_lesson

pytestmark = pytest.mark.e2e

# How many points each drawn path and curve has: {map: [...], loss: [...], lr: [...]}.
DRAWN_JS = """() => {
  const of = (id, keep) => (document.querySelector(`[data-testid="${id}"]`).data || []).filter(keep)
    .map(t => t.x.length);
  const curve = t => !(t.meta && t.meta.role);
  return { map: of("contour-plot", t => t.meta && t.meta.role === "path"), loss: of("loss-plot", curve),
           lr: of("lr-plot", curve) };
}"""
PLAYING = re.compile(r"\bis-playing\b")
SETTLED_JS = "() => document.querySelector('.stage').getAttribute('aria-busy') === 'false' && location.hash"


def drawn(page: Page) -> dict[str, list[int]]:
    return page.evaluate(DRAWN_JS)


def wait_drawn(page: Page, points: int) -> None:
    """Wait until every path and curve is drawn `points` long."""
    page.wait_for_function(
        f"() => {{ const d = ({DRAWN_JS})(); return d.map.length > 0 && "
        f"[...d.map, ...d.loss, ...d.lr].every(n => n === {points}); }}"
    )


def test_trail_hides_future_steps_and_reveals_them_with_the_cursor(page: Page, server_url: str) -> None:
    page.emulate_media(reduced_motion="reduce")  # the trail starts at step 0 and waits for the keys
    page.goto(server_url + "/")
    # The page's first-draw mark too: aria-busy is also "false" while the first stream waits for its header.
    page.wait_for_function(FIRST_DRAWN_JS, timeout=30_000)
    page.wait_for_function(SETTLED_JS)
    full = drawn(page)
    longest = max(full["map"])
    assert longest > 20 and full["loss"] == full["map"] == full["lr"]

    toggle = page.get_by_test_id("trail-toggle")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    wait_drawn(page, 1)
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    wait_drawn(page, 4)
    page.keyboard.press("End")
    page.wait_for_function(f"() => ({DRAWN_JS})().map.join() === {full['map']!r}.join()")

    # Played (motion allowed): the paths grow step by step, then stand whole at the end.
    page.emulate_media(reduced_motion="no-preference")
    page.locator("#speed-select").select_option("10")  # a shared, slow machine: a few frames suffice
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(page.get_by_test_id("play-button")).to_have_class(PLAYING)
    page.wait_for_function(f"() => {{ const n = Math.max(...({DRAWN_JS})().map); return n > 4 && n < {longest}; }}")
    expect(page.get_by_test_id("play-button")).not_to_have_class(PLAYING, timeout=30_000)
    assert drawn(page) == full


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_a_lesson_in_presenter_mode_plays_its_trail_by_itself(page: Page, server_url: str, motion: str) -> None:
    page.emulate_media(reduced_motion=motion)
    present_lesson(page, server_url, LESSONS[0])
    expect(page.get_by_test_id("trail-toggle")).to_have_attribute("aria-pressed", "true")
    playing = page.get_by_test_id("play-button")
    if motion == "reduce":  # the trail waits at step 0 for the presenter's keys
        wait_drawn(page, 1)
        expect(playing).to_have_attribute("aria-label", "Play")
    else:
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"play-button\"]')"
            ".getAttribute('aria-label') === 'Pause' || "
            "document.querySelector('#scrubber').value !== '0'"
        )
    page.keyboard.press("Escape")
