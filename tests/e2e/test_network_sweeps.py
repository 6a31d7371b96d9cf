"""The sweep panel in network mode (issue 18 item 8; design.md §10) in Chromium against the real server: the LR
curves sweep each run's lr on /api/trainings/sweeps, the best drawn is the API's `best` (lowest final validation
loss), and "Use best" and the fair comparison give the runs those lrs.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from bench.browser import FIRST_DRAWN_JS
from tests.e2e.test_network_mode import DEFAULT_RUNS, field, open_network, snapshot, wait_trained
from tests.e2e.test_sweeps import capture, open_tab

pytestmark = pytest.mark.e2e

EPOCHS = 2  # short trainings (20 steps): each run's curve is 25 of them

BESTS_JS = """() => (document.querySelector('[data-testid="lr-sweep-plot"]').data || [])
  .filter((t) => t.meta && t.meta.role === "lr-best").map((t) => t.x[0] ?? null)"""


def card_lr(page: Page, index: int) -> float:
    card = page.locator("#network-run-list .run-card").nth(index)
    return float(card.get_by_label("lr", exact=True).input_value())


def api_bests(client: httpx.Client, bodies: list[dict]) -> list[float]:
    """The best lr the API reports for each training sweep the page asked for."""
    return [client.post("/api/trainings/sweeps", json=body, timeout=120).json()["best"]["value"] for body in bodies]


def test_network_lr_curves_draw_the_apis_best_and_use_it(page: Page, server_url: str, client: httpx.Client) -> None:
    open_network(page, server_url)
    before = snapshot(page)
    field(page, "epochs").locator("input").fill(str(EPOCHS))
    wait_trained(page, epochs=EPOCHS, before=before)
    bodies = capture(page, "/api/trainings/sweeps/stream")

    page.get_by_test_id("sweep-button").click()
    expect(page.get_by_test_id("sweep-tab-lr")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("sweep-tab-basin")).to_be_hidden()  # surfaces only
    expect(page.locator("#fair-statement")).to_contain_text(
        f"Target: the lowest final validation loss after {EPOCHS} epochs"
    )
    page.get_by_role("button", name="Sweep learning rates").click()
    page.wait_for_function(f"() => ({BESTS_JS})().length === {DEFAULT_RUNS}", timeout=120_000)

    assert len(bodies) == DEFAULT_RUNS
    assert all(body["epochs"] == EPOCHS and body["vary"]["name"] == "lr" for body in bodies)
    assert [body["run"]["optimizer"]["id"] for body in bodies] == ["SGD", "SGD", "Adam", "RMSprop"]
    bests = api_bests(client, bodies)
    assert page.evaluate(BESTS_JS) == bests
    axis = page.evaluate("() => document.querySelector('[data-testid=\"lr-sweep-plot\"]').layout.yaxis.title.text")
    assert "validation loss" in axis and f"after {EPOCHS} epochs" in axis

    # "Use best" gives run 1 its best lr, and the training re-runs with it.
    before = snapshot(page)
    page.get_by_test_id("use-best-lr").first.click()
    wait_trained(page, epochs=EPOCHS, before=before)
    assert card_lr(page, 0) == pytest.approx(bests[0])

    # The fair comparison: every run at its best lr (run 1's curve is swept again around its new lr).
    before = snapshot(page)
    page.get_by_test_id("tune-all").click()
    expect(page.get_by_role("status").filter(has_text="Tuned 4 runs")).to_contain_text(
        f"lowest final validation loss after {EPOCHS} epochs", timeout=120_000
    )
    wait_trained(page, epochs=EPOCHS, before=before)
    assert len(bodies) == DEFAULT_RUNS + 1  # the other three curves still describe their runs
    tuned = [api_bests(client, bodies[-1:])[0], *bests[1:]]
    assert [card_lr(page, i) for i in range(DEFAULT_RUNS)] == pytest.approx(tuned)
    assert page.evaluate(BESTS_JS) == tuned


def test_each_mode_keeps_its_own_sweep_tab(page: Page, server_url: str) -> None:
    """The Seeds tab, left for network mode (which has only LR curves), is the tab shown on coming back."""
    page.goto(server_url)
    page.wait_for_function(FIRST_DRAWN_JS, timeout=30_000)
    open_tab(page, "seeds")
    expect(page.get_by_test_id("sweep-tab-seeds")).to_have_attribute("aria-selected", "true")

    page.get_by_test_id("mode-select").select_option("network")
    expect(page.get_by_test_id("sweep-tab-seeds")).to_be_hidden()
    expect(page.get_by_test_id("sweep-tab-lr")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#sweep-tabpanel-lr")).to_be_visible()

    page.get_by_test_id("mode-select").select_option("surfaces")
    expect(page.get_by_test_id("sweep-tab-seeds")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("sweep-tab-lr")).to_have_attribute("aria-selected", "false")
    expect(page.locator("#sweep-tabpanel-seeds")).to_be_visible()
    expect(page.locator("#sweep-tabpanel-lr")).to_be_hidden()
