"""Seed bands in a shared link (static/js/state/url.js's "b" field), in Chromium against the real server: a band
switched on goes into the URL and comes back on when the link is opened; a bad "b" is dropped
and noted like any other bad field.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.test_share_teach import (
    DEFAULT_LABELS,
    HASH_DOC_JS,
    encode_hash,
    hash_document,
    path_fingerprint,
    seed_bands,
    wait_seed_band,
    wait_settled,
    watch_console,
)

pytestmark = pytest.mark.e2e

STEPS = 60

# The colour of each run's path on the map, in run order.
RUN_COLORS_JS = """() => document.querySelector('[data-testid="contour-plot"]').data
  .filter(t => t.meta && t.meta.role === "path").map(t => t.line.color)"""


def wait_bands_in_hash(page: Page, bands: list[int] | None) -> None:
    """Wait until the URL's "b" is `bands` (None: no "b" at all)."""
    page.wait_for_function(
        f"""(bands) => {{
          const doc = ({HASH_DOC_JS})();
          return doc !== null && JSON.stringify(doc.b ?? null) === JSON.stringify(bands);
        }}""",
        arg=bands,
    )


def open_seeds_tab(page: Page) -> None:
    page.get_by_test_id("sweep-button").click()
    page.get_by_test_id("sweep-tab-seeds").click()


def test_a_seed_band_goes_into_the_link_and_comes_back_when_it_is_opened(
    page: Page, server_url: str, browser_context: BrowserContext
) -> None:
    page.goto(server_url)
    page.locator("#f-steps").fill(str(STEPS))
    wait_settled(page, DEFAULT_LABELS)
    page.locator(".run-card").first.locator("summary", has_text="Gradient noise").click()
    before = path_fingerprint(page)
    page.locator("#f-runs-0-noise-std").fill("0.5")
    wait_settled(page, DEFAULT_LABELS, before)
    assert "b" not in hash_document(page)  # a noisy run alone shows no band

    open_seeds_tab(page)
    page.get_by_test_id("seed-band-toggle").first.check()
    wait_bands_in_hash(page, [0])
    wait_seed_band(page, STEPS + 1)

    fresh = browser_context.new_page()
    errors = watch_console(fresh)
    try:
        fresh.goto(page.url)
        wait_settled(fresh, DEFAULT_LABELS)
        wait_seed_band(fresh, STEPS + 1)  # the link's band, swept and drawn without a click
        [median] = seed_bands(fresh)["band-median"]
        assert median["color"] == fresh.evaluate(RUN_COLORS_JS)[0]  # the band of the run the link names
        expect(fresh.get_by_test_id("page-notice")).to_be_hidden()
        open_seeds_tab(fresh)
        toggles = fresh.get_by_test_id("seed-band-toggle")
        expect(toggles).to_have_count(4)
        for index in range(4):
            expect(toggles.nth(index)).to_be_checked(checked=index == 0)
        assert hash_document(fresh)["b"] == [0]
    finally:
        fresh.close()
    assert errors == []

    # Switching the band off takes it out of the link.
    page.get_by_test_id("seed-band-toggle").first.uncheck()
    wait_bands_in_hash(page, None)
    wait_seed_band(page, None)


def test_a_link_with_bad_seed_bands_loads_the_rest_and_says_what_it_dropped(page: Page, server_url: str) -> None:
    document = {
        "s": ["quadratic", {"a": 1, "b": 10}],
        "n": STEPS,
        "r": [
            {"o": "NoSuchOptimizer"},
            {"o": ["SGD", {"lr": 0.05}], "l": "noisy", "z": [1, 0]},
            {"o": "Adam", "l": "calm"},
        ],
        # Indices into "r" as written: 1 is the noisy run (the first one loaded); 2 has no noise.
        "b": [1, 2, 7, "x"],
    }
    page.goto(server_url + "/" + encode_hash(document))
    wait_settled(page, ["noisy", "calm"])
    notice = page.get_by_test_id("page-notice")
    for dropped in ("NoSuchOptimizer", "seed band of run 3", "seed band of run 8", 'seed band of run "x"'):
        expect(notice).to_contain_text(dropped)
    wait_seed_band(page, STEPS + 1)
    assert hash_document(page)["b"] == [0]  # as this version writes it: indices of the runs loaded

    # Not a list at all: the experiment still loads, without a band, and the notice says so.
    document["b"] = 1
    page.goto(server_url + "/" + encode_hash(document))
    expect(notice).to_contain_text("seed bands 1")
    wait_seed_band(page, None)
    wait_settled(page, ["noisy", "calm"])
    expect(page.get_by_test_id("surface-select")).to_have_value("quadratic")
    wait_bands_in_hash(page, None)
