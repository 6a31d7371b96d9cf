"""ReduceLROnPlateau's patience in network mode's inspector, in Chromium against the real server (issue 18
items 6 and 9; design.md §10, §11): with the net-plateau lesson, the inspector at the cursor's epoch shows
the scheduler's counters exactly as POST /api/trainings with `record_state` records them for that epoch,
and they are what the lesson's look-for line cites (num_bad_epochs 3, the patience, after epoch 16; 0 after
the cut of epoch 17)."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_network_lessons import NETWORK_LESSONS, wait_lesson
from tests.e2e.test_share_teach import open_lessons

pytestmark = pytest.mark.e2e

LESSON = next(lesson for lesson in NETWORK_LESSONS if lesson["id"] == "net-plateau")
# The inspector's counters as {name: value}: each span carries its key and exact value.
COUNTERS_JS = "(spans) => Object.fromEntries(spans.map((s) => [s.dataset.key, JSON.parse(s.dataset.value)]))"


def test_the_inspector_counts_the_plateaus_bad_epochs_as_the_api_records_them(
    page: Page, server_url: str, client: httpx.Client
) -> None:
    expected = client.post("/api/trainings", json={**LESSON["training"], "record_state": True}, timeout=180).json()
    per_epoch = expected["task"]["steps_per_epoch"]
    counters = expected["runs"][1]["scheduler_state"]  # the run with ReduceLROnPlateau
    assert counters["patience"][16] == counters["num_bad_epochs"][16] == 3 and counters["num_bad_epochs"][17] == 0

    open_lessons(page, server_url)
    page.get_by_test_id("preset-select").select_option(LESSON["id"])
    wait_lesson(page, LESSON)
    page.get_by_test_id("boundary-run").select_option(index=1)
    page.get_by_test_id("network-inspector").locator("summary").click()
    plateau = page.get_by_test_id("network-inspector-plateau")
    for epoch in (16, 17):
        page.get_by_test_id("scrubber").fill(str(epoch * per_epoch))
        expect(plateau).to_contain_text(f"after epoch {epoch}:", timeout=120_000)
        shown = plateau.locator("span[data-key]").evaluate_all(COUNTERS_JS)
        assert shown == {name: values[epoch] for name, values in counters.items()}, epoch
