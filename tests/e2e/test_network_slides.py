"""Slides and trail in network mode, in Chromium against the real server (issue 18 items 1 and 6; design.md §11):
the trail cuts every landscape path (and the curves) at the cursor, the playback downloads as a WebM video of
the landscape (a frame per shown step, counted from the file's EBML structure) and the slide as one 1920×1080 PNG."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_network_mode import field, open_network, snapshot, wait_trained
from tests.e2e.test_slides import record_video, save_slide

pytestmark = pytest.mark.e2e

# The landscape's paths as their point counts, one per run; the lr plot's curves likewise.
PATH_LENGTHS_JS = """() => (document.querySelector('[data-testid="landscape-plot"]').data || [])
  .filter((t) => t.meta && t.meta.role === "path").map((t) => t.x.length)"""
LR_LENGTHS_JS = """() => (document.querySelector('[data-testid="lr-plot"]').data || []).map((t) => t.x.length)"""
# The video's training: 2 epochs of 10 steps, so every step gets a frame of its own (at most 60 are drawn,
# each a full render of the landscape: the default 300 steps took minutes of a loaded machine's CPU).
VIDEO_EPOCHS = 2


def wait_paths(page: Page, length: int, lengths_js: str = PATH_LENGTHS_JS) -> None:
    """Wait until every landscape path (or curve of `lengths_js`) has `length` points."""
    every = f"() => {{ const n = ({lengths_js})(); return n.length && n.every((k) => k === {length}); }}"
    page.wait_for_function(every)


def scrubber_max(page: Page) -> int:
    return page.evaluate("() => Number(document.querySelector('#scrubber').max)")


def test_the_trail_hides_the_landscapes_future_steps(page: Page, server_url: str) -> None:
    page.emulate_media(reduced_motion="reduce")  # the trail starts at step 0 and waits for the cursor
    open_network(page, server_url)
    steps = scrubber_max(page)
    wait_paths(page, steps + 1)
    toggle = page.get_by_test_id("trail-toggle")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    wait_paths(page, 1)  # θ0 alone
    page.get_by_test_id("scrubber").fill("95")
    wait_paths(page, 96)  # θ0 and 95 steps
    wait_paths(page, 95, LR_LENGTHS_JS)  # the lr of those 95 steps
    toggle.click()
    wait_paths(page, steps + 1)


def test_the_network_playback_downloads_as_a_webm_video_of_the_landscape(
    page: Page, server_url: str, tmp_path: Path
) -> None:
    open_network(page, server_url)
    trained = snapshot(page)
    field(page, "epochs").locator("input").fill(str(VIDEO_EPOCHS))
    wait_trained(page, epochs=VIDEO_EPOCHS, before=trained)
    record_video(page, tmp_path)
    # The page is as it was: the trail off, the whole paths on the landscape.
    expect(page.get_by_test_id("trail-toggle")).to_have_attribute("aria-pressed", "false")
    wait_paths(page, scrubber_max(page) + 1)


def test_the_network_slide_downloads_as_one_projector_sized_png(page: Page, server_url: str, tmp_path: Path) -> None:
    open_network(page, server_url)
    save_slide(page, tmp_path)
