"""The LR curves tab beyond lr, in Chromium against the real server (design.md §11): it sweeps β₁ (or any float a
run's optimizer or scheduler takes) and uses the best one, and with gradient noise on the fair comparison says
on the page, and does, what it scores each lr by: the median final loss over several noise seeds."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_sweeps import (
    STEPS,
    api_best,
    capture,
    lr_of,
    open_short,
    open_short_noisy,
    open_tab,
    paths,
    until,
    wait_drawn,
    wait_traces,
)

pytestmark = pytest.mark.e2e

FAIR_SEEDS = 9  # static/js/sweeps/requests.js


def test_the_curves_sweep_beta1_and_use_the_best(page: Page, server_url: str) -> None:
    open_short(page, server_url)
    sweeps = capture(page, "/api/sweeps/stream")
    open_tab(page, "lr")
    name = page.get_by_test_id("curve-name")
    expect(name.locator("option[value='betas[0]']")).to_have_count(1)
    expect(name.locator("option[value='momentum']")).to_have_count(1)  # SGD's and RMSprop's
    name.select_option("betas[0]")
    page.get_by_role("button", name="Sweep betas[0]").click()
    wait_traces(page, "lr-sweep-plot", "lr-curve", "ts.length === 1 && ts[0].x.length === 25")
    # Only Adam takes betas: one sweep, over β₁ from 0 to 0.99, its other hyperparameters as they are.
    [body] = sweeps
    assert body["run"]["optimizer"]["id"] == "Adam"
    assert body["vary"]["name"] == "betas[0]" and "seeds" not in body["vary"]
    assert (body["vary"]["values"][0], body["vary"]["values"][-1]) == (0, 0.99)
    expect(page.get_by_test_id("lr-sweep-plot").locator(".xtitle")).to_have_text("betas[0]")
    rows = page.locator("#sweep-tabpanel-lr .sweep-run")
    expect(rows.nth(0)).to_contain_text("it has no betas[0]")

    best = api_best(page, server_url, body)
    adam = rows.nth(1)
    assert float(adam.get_attribute("data-best")) == best
    before = paths(page)
    adam.get_by_test_id("use-best-lr").click()
    expect(page.locator("#f-runs-1-optimizer-params-betas")).to_have_value(str(best))
    expect(page.locator("#f-runs-1-optimizer-params-betas-1")).to_have_value("0.999")
    wait_drawn(page, before)


def test_with_noise_the_fair_comparison_scores_each_lr_by_a_median_over_seeds(page: Page, server_url: str) -> None:
    open_short_noisy(page, server_url, seed=3)
    sweeps = capture(page, "/api/sweeps/stream")
    open_tab(page, "lr")
    seeds = page.get_by_test_id("fair-seeds")
    expect(seeds).to_be_visible()
    expect(seeds).to_contain_text(f"the median final loss over {FAIR_SEEDS} noise seeds")
    expect(seeds).to_contain_text(f"{FAIR_SEEDS * 25 * STEPS:,} run-steps per noisy run")

    before = paths(page)
    page.get_by_test_id("tune-all").click()
    expect(page.locator("#sweep-tabpanel-lr .sweep-status")).to_contain_text("Tuned 4 runs", timeout=60_000)
    # The noisy SGD run is scored over its own seed and the next eight; the exact runs by their one run.
    assert sweeps[0]["vary"]["seeds"] == list(range(3, 3 + FAIR_SEEDS))
    assert all("seeds" not in body["vary"] for body in sweeps[1:])
    until(page, lambda: lr_of(page, 0) == api_best(page, server_url, sweeps[0]))
    expect(page.locator("#sweep-tabpanel-lr .sweep-run").nth(0)).to_contain_text(f"(median of {FAIR_SEEDS} seeds)")
    wait_drawn(page, before)
