"""Network mode's per-run views in Chromium against the real server (issue 18 items 5 and 7; design.md §10):
the decision boundary at the cursor's epoch for the selected run and for every run as small multiples, the
digits' predicted labels, and the LR finder whose "Use" gives the selected run the suggested lr.

The boundaries drawn are compared with the API's own (POST /api/trainings answers every run's boundary per
epoch): a heatmap's z is p(class 1) = byte / 255 of the API's base64 grid, rows from the bottom.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_network_mode import field, open_network, picture, snapshot, wait_trained

pytestmark = pytest.mark.e2e

# network/state.js's DEFAULT_TRAINING as the API takes it: what the page trains on switching.
DEFAULT_TRAINING: dict[str, Any] = {
    "task": {"data": {"id": "moons", "params": {"n": 400, "noise": 0.2, "seed": 0, "validation": 0.25}},
             "model": {"hidden": [16, 16], "activation": "tanh", "seed": 0}},
    "epochs": 30, "batch_size": 32, "shuffle_seed": 0,
    "runs": [
        {"optimizer": {"id": "SGD", "params": {"lr": 0.1, "momentum": 0.9}}},
        {"optimizer": {"id": "SGD", "params": {"lr": 0.1, "momentum": 0.9}},
         "scheduler": {"id": "StepLR", "params": {"step_size": 10, "gamma": 0.1}, "interval": "epoch"}},
        {"optimizer": {"id": "Adam", "params": {"lr": 0.01}}},
        {"optimizer": {"id": "RMSprop", "params": {"lr": 0.01}}},
    ],
    "landscape": {"method": "pca", "resolution": 31},
}  # fmt: skip

HEATMAPS_JS = """(id) => (document.querySelector(`[data-testid="${id}"]`).data || [])
  .filter((t) => t.meta && t.meta.role === "probability").map((t) => t.z)"""
TITLE_JS = """(id) => document.querySelector(`[data-testid="${id}"]`).layout.title.text"""


def probabilities(encoded: str) -> list[list[float]]:
    """The API's encoded boundary as the page's heatmap z: z[j][i] = byte / 255, rows from the bottom."""
    raw = base64.b64decode(encoded)
    side = int(len(raw) ** 0.5)
    return [[raw[j * side + i] / 255 for i in range(side)] for j in range(side)]


def drawn_boundaries(page: Page, epoch: int) -> tuple[list, list]:
    """Wait until the boundary plot titles `epoch`, then the selected run's heatmap and every run's."""
    page.wait_for_function(f"() => ({TITLE_JS})('boundary-plot').includes('epoch {epoch}')")
    return page.evaluate(HEATMAPS_JS, "boundary-plot"), page.evaluate(HEATMAPS_JS, "boundary-multiples-plot")


def test_the_boundary_follows_the_cursor_and_the_selected_run(
    page: Page, server_url: str, client: httpx.Client
) -> None:
    expected = client.post("/api/trainings", json=DEFAULT_TRAINING, timeout=120).json()["runs"]
    open_network(page, server_url)
    selected, multiples = drawn_boundaries(page, 30)
    assert selected == [probabilities(expected[0]["boundaries"][30])]
    assert multiples == [probabilities(run["boundaries"][30]) for run in expected]
    # Playback moves it: at step 95 the epochs completed are 9.
    page.get_by_test_id("scrubber").fill("95")
    selected, multiples = drawn_boundaries(page, 9)
    assert selected == [probabilities(expected[0]["boundaries"][9])]
    assert multiples == [probabilities(run["boundaries"][9]) for run in expected]
    # The run picker selects the run the boundary shows.
    page.get_by_test_id("boundary-run").select_option(index=2)
    page.wait_for_function(f"() => ({TITLE_JS})('boundary-plot').startsWith('Adam')")
    assert page.evaluate(HEATMAPS_JS, "boundary-plot") == [probabilities(expected[2]["boundaries"][9])]
    # Training and validation points are drawn over it.
    roles = page.evaluate(
        "() => document.querySelector('[data-testid=\"boundary-plot\"]').data.map((t) => t.meta.role)"
    )
    assert roles == ["probability", "decision-boundary", "train-points", "val-points"]


def test_digits_show_the_predicted_labels_at_the_cursor(page: Page, server_url: str) -> None:
    open_network(page, server_url)
    before = snapshot(page)
    field(page, "epochs").locator("input").fill("3")
    wait_trained(page, epochs=3, before=before)
    page.get_by_test_id("dataset-select").select_option("digits")
    # Trained and drawn at the last epoch (the cursor follows the newest record).
    page.wait_for_function(
        """() => document.querySelector(".stage").getAttribute("aria-busy") === "false"
          && (document.querySelector('[data-testid="boundary-plot"]').data || []).some((t) => t.meta?.role === "digit")
          && document.querySelector('[data-testid="boundary-plot"]').layout.title.text.includes("epoch 3")""",
        timeout=120_000,
    )
    digits, title = page.evaluate(
        """() => { const plot = document.querySelector('[data-testid="boundary-plot"]');
          return [plot.data.map((t) => t.meta), plot.layout.title.text]; }"""
    )
    assert len(digits) == 12 and all(0 <= d["predicted"] <= 9 and 0 <= d["truth"] <= 9 for d in digits)
    right = sum(d["predicted"] == d["truth"] for d in digits)
    assert f"epoch 3 · {right} of 12 right" in title
    expect(page.get_by_test_id("boundary-multiples-plot")).to_be_hidden()


def test_the_lr_finders_use_sets_the_selected_runs_lr_and_reruns(page: Page, server_url: str) -> None:
    open_network(page, server_url)
    expect(page.get_by_test_id("lr-finder-plot")).to_be_hidden()
    page.get_by_test_id("lr-finder-button").click()
    use = page.wait_for_selector('[data-testid="lr-finder-use-steepest"]', timeout=120_000)
    suggested = float(use.get_attribute("data-lr"))
    roles = page.evaluate(
        "() => document.querySelector('[data-testid=\"lr-finder-plot\"]').data.map((t) => t.meta.role)"
    )
    assert roles[:2] == ["loss", "smoothed"] and roles.count("suggestion") == 2
    assert page.evaluate("() => document.querySelector('[data-testid=\"lr-finder-plot\"]').layout.xaxis.type") == "log"
    before = snapshot(page)
    use.click()
    wait_trained(page, before=before)
    # Run 1 (SGD with momentum, no scheduler) now trains at the suggestion: every step's lr is it.
    assert set(picture(page)["lr"][0]) == {suggested}
    assert float(page.locator("#network-run-list .run-card").nth(0).get_by_label("lr", exact=True).input_value()) == (
        pytest.approx(suggested)
    )


def test_the_inspector_shows_each_layers_state_norms_at_the_cursor(
    page: Page, server_url: str, client: httpx.Client
) -> None:
    expected = client.post("/api/trainings", json={**DEFAULT_TRAINING, "record_state": True}, timeout=120).json()
    sgd = expected["runs"][0]
    open_network(page, server_url)
    page.get_by_test_id("scrubber").fill("95")
    page.get_by_test_id("network-inspector").locator("summary").click()
    table = page.get_by_test_id("network-inspector").locator("table")
    expect(table).to_be_visible(timeout=120_000)
    heads = table.locator("thead th").all_inner_texts()
    assert heads == ["parameter", "‖momentum_buffer‖", "‖update‖"]
    names = table.locator("tbody tr").evaluate_all("(rows) => rows.map((r) => r.dataset.parameter)")
    assert names == list(sgd["update"]) and names[0] == "0.weight"
    for row, name in enumerate(names):
        cells = table.locator("tbody tr").nth(row).locator("td")
        momentum, update = (json.loads(cells.nth(i).get_attribute("data-value")) for i in range(2))
        assert momentum == sgd["state"][name]["momentum_buffer"][94] and update == sgd["update"][name][94]
    lr = page.get_by_test_id("network-inspector-lr").get_attribute("data-value")
    assert json.loads(lr) == sgd["steps"]["lr"][94]
