"""The LR finder panel (static/js/network/lr-finder.js) in Chromium against the real server: its button runs the
test for the selected run, the plot draws it, each "Use" hands back the API's suggested lr, and a bad run says why.

The panel is mounted by hand on the page through its documented entry point (createLrFinder), the signature
network mode wires it by; nothing else of the page is involved.
"""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page

from tests.e2e.conftest import PageLog

TRAINING: dict[str, Any] = {
    "task": {"data": {"id": "moons", "params": {"n": 200, "seed": 1}}, "model": {"hidden": [8], "activation": "tanh"}},
    "epochs": 5,
    "batch_size": 16,
    "shuffle_seed": 3,
    "runs": [
        {"optimizer": {"id": "SGD", "params": {"lr": 0.1}}},
        {"label": "Adam + StepLR", "optimizer": {"id": "Adam", "params": {"lr": 0.01}},
         "scheduler": {"id": "StepLR", "params": {"step_size": 2}}},
    ],
}  # fmt: skip

MOUNT = """async (training) => {
  const { createLrFinder } = await import("/static/js/network/lr-finder.js");
  const button = Object.assign(document.createElement("button"), { id: "lrf-button", textContent: "Find lr" });
  const plot = Object.assign(document.createElement("div"), { id: "lrf-plot" });
  plot.style.cssText = "width: 600px; height: 320px";
  const box = document.createElement("section");
  box.append(button, plot);
  document.body.prepend(box);
  window.lrfUsed = [];
  const onUse = (lr, run) => window.lrfUsed.push([lr, run]);
  createLrFinder({ button, plot, getTraining: () => ({ training, run: 1 }), onUse });
}"""


def mount(page: Page, server_url: str, training: dict[str, Any]) -> None:
    page.goto(server_url + "/")
    page.evaluate(MOUNT, training)


def test_the_button_draws_the_test_and_use_hands_back_the_apis_suggestion(
    page: Page, server_url: str, client: httpx.Client
) -> None:
    adam = TRAINING["runs"][1]["optimizer"]  # the selected run, without its scheduler
    request = {"task": TRAINING["task"], "batch_size": 16, "shuffle_seed": 3, "run": {"optimizer": adam}}
    expected = client.post("/api/trainings/lr_finder", json=request).json()
    mount(page, server_url, TRAINING)
    page.click("#lrf-button")
    steepest = page.wait_for_selector('[data-testid="lr-finder-use-steepest"]', timeout=60_000)
    assert float(steepest.get_attribute("data-lr")) == expected["suggestion"]["steepest"]
    roles = page.evaluate("() => document.getElementById('lrf-plot').data.map((t) => t.meta.role)")
    assert roles[:2] == ["loss", "smoothed"] and roles.count("suggestion") == 2
    assert page.evaluate("() => document.getElementById('lrf-plot').data[1].y") == expected["smoothed"]
    assert page.get_by_role("status").filter(has_text="steps from lr").count() == 1
    assert not page.is_disabled("#lrf-button")
    page.click('[data-testid="lr-finder-use-minimum_over_10"]')
    page.wait_for_function("() => window.lrfUsed.length === 1")
    assert page.evaluate("() => window.lrfUsed") == [[expected["suggestion"]["minimum_over_10"], 1]]


def test_a_run_the_server_refuses_says_why_and_the_button_works_again(
    page: Page, server_url: str, page_log: PageLog
) -> None:
    page_log.expect_console_error("422")
    bad = {**TRAINING, "runs": [TRAINING["runs"][0], {"optimizer": {"id": "Adam", "params": {"betas": [2, 0.9]}}}]}
    mount(page, server_url, bad)
    page.click("#lrf-button")
    page.get_by_role("status").filter(has_text="The LR finder failed").wait_for(timeout=30_000)
    assert page.locator('[data-testid="lr-finder-uses"] button').count() == 0
    assert not page.is_disabled("#lrf-button")
