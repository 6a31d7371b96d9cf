"""Showing the mechanics in Chromium against the real server (design.md §11): clipping from the run cards, theory
beside measurement on the quadratic (the summary's rates, the lr × momentum map's boundary and optimum), and the
momentum plot."""

from __future__ import annotations

import math

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_share_teach import (
    DEFAULT_LABELS,
    HASH_DOC_JS,
    LESSONS,
    drawn_paths,
    encode_hash,
    hash_document,
    load_lesson,
    open_default,
    open_lessons,
    path_fingerprint,
    wait_settled,
)
from tests.e2e.test_sweeps import capture, click_cell, open_tab, traces, until, wait_traces

pytestmark = pytest.mark.e2e

RATES_JS = """() => [...document.querySelectorAll('[data-testid="summary-table"] tbody tr')].map(row => {
  const theory = row.querySelector('[data-testid="rate-theory"]');
  return [row.querySelector('[data-testid="rate-measured"]').textContent,
          theory ? theory.textContent.replace(/^theory /, "") : null];
})"""

OPTIMUM_JS = """() => {
  const t = document.querySelector('[data-testid="grid2-plot"]').data
    .find(t => t.meta && t.meta.role === "theory-optimum");
  return [t.meta.lr, t.meta.momentum, t.x[0], t.y[0]];
}"""


def test_clipping_from_a_run_card_reaches_the_run_and_the_link(page: Page, server_url: str) -> None:
    open_default(page, server_url)
    bodies = capture(page, "/api/experiments/stream")
    card = page.locator(".run-card").first
    card.locator(".clipping > summary").click()
    before = path_fingerprint(page)
    card.get_by_test_id("clip-select").select_option(label="norm")
    wait_settled(page, DEFAULT_LABELS, before)
    assert bodies[-1]["runs"][0]["clip"] == {"norm": 1.0}
    assert [run["clip"] for run in bodies[-1]["runs"][1:]] == [None] * 3
    # The default SGD run starts where the gradient's norm is far above 1: clipped, its first step is lr long
    # (torch divides by the norm + 1e-6, and the page draws what the stream sends).
    [x, y] = drawn_paths(page)[0]
    lr = bodies[-1]["runs"][0]["optimizer"]["params"]["lr"]
    assert math.dist((x[0], y[0]), (x[1], y[1])) == pytest.approx(lr, rel=1e-6)

    bound = card.locator("#f-runs-0-clip-norm")
    bound.fill("0.5")
    bound.press("Enter")
    page.wait_for_function(f"() => String(({HASH_DOC_JS})().r[0].p) === 'norm,0.5'")
    document = hash_document(page)
    assert document is not None and document["r"][0]["p"] == ["norm", 0.5] and "p" not in document["r"][1]

    # The link reopens clipped: the card shows it, and the run is requested clipped.
    fresh = page.context.new_page()
    try:
        opened = capture(fresh, "/api/experiments/stream")
        fresh.goto(page.url)
        wait_settled(fresh, DEFAULT_LABELS)
        expect(fresh.get_by_test_id("clip-select").first).to_have_value('"norm"')
        expect(fresh.locator("#f-runs-0-clip-norm")).to_have_value("0.5")
        assert opened[-1]["runs"][0]["clip"] == {"norm": 0.5}
    finally:
        fresh.close()


def test_the_ravine_lesson_shows_theory_beside_measurement(page: Page, server_url: str) -> None:
    lesson = next(entry for entry in LESSONS if entry["id"] == "best-momentum-ravine")
    open_lessons(page, server_url)
    load_lesson(page, lesson)
    rates = page.evaluate(RATES_JS)
    assert all(theory is not None for _, theory in rates)  # every run is plain SGD on the quadratic
    best_rate = 9 / 11  # √β* for κ = 100
    measured, theory = (float(text) for text in rates[1])  # the run at (α*, β*)
    assert theory == pytest.approx(best_rate, abs=1e-4)
    assert measured == pytest.approx(best_rate, rel=0.01)

    # The lr × momentum map of the first run (SGD) draws the boundary and marks (α*, β*).
    open_tab(page, "grid2")
    expect(page.get_by_test_id("grid2-x-name")).to_have_value("lr")
    expect(page.get_by_test_id("grid2-y-name")).to_have_value("momentum")
    page.get_by_test_id("grid2-resolution").select_option("6")
    wait_traces(page, "grid2-plot", "theory-optimum", "ts.length === 1")
    lr, momentum, x, y = page.evaluate(OPTIMUM_JS)
    assert (round(lr, 4), round(momentum, 3)) == (0.0331, 0.669)
    assert (10**x, y) == (pytest.approx(lr), momentum)  # on the map's log lr axis
    wait_traces(page, "grid2-plot", "theory-boundary", "ts.length === 1 && ts[0].x.length > 2")
    expect(page.locator("#sweep-tabpanel-grid2 .sweep-hint")).to_contain_text("stability boundary")


CYCLED = {
    "surface": {"id": "rosenbrock", "params": {}},
    "steps": 40,
    "runs": [
        {
            "label": "SGD + OneCycleLR",
            "optimizer": {"id": "SGD", "params": {"lr": 0.001, "momentum": 0.9}},
            "scheduler": {"id": "OneCycleLR", "params": {"max_lr": 0.001}},
        },
        {"label": "Adam", "optimizer": {"id": "Adam", "params": {"lr": 0.01}}},
        {"label": "Adagrad", "optimizer": {"id": "Adagrad", "params": {"lr": 0.1}}},
    ],
}

# The momentum plot's curves and the x of each plot's cursor line.
MOMENTUM_JS = """() => {
  const curves = document.querySelector('[data-testid="momentum-plot"]').data || [];
  const line = (id) => ((document.querySelector(`[data-testid="${id}"]`).layout || {}).shapes || [])
    .map(s => s.x0).filter(x => x !== undefined);
  return { ys: curves.map(t => Array.from(t.y)), cursor: line("momentum-plot"), lossCursor: line("loss-plot") };
}"""


def test_the_momentum_plot_shows_what_the_scheduler_cycles_and_shares_the_cursor(page: Page, server_url: str) -> None:
    open_default(page, server_url)
    expect(page.locator("#momentum-chart")).to_be_hidden()  # nothing cycles momentum in the default comparison

    document = {
        "s": "rosenbrock",
        "n": CYCLED["steps"],
        "r": [{"o": [run["optimizer"]["id"], run["optimizer"]["params"]], "l": run["label"]} for run in CYCLED["runs"]],
    }
    document["r"][0]["s"] = ["OneCycleLR", {"max_lr": 0.001}]
    page.goto(server_url + "/" + encode_hash(document))
    wait_settled(page, [run["label"] for run in CYCLED["runs"]])
    expect(page.get_by_test_id("momentum-plot")).to_be_visible()
    response = page.request.post(server_url + "/api/experiments", data=CYCLED)
    assert response.ok, response.text()
    recorded = [run["momentum"] for run in response.json()["runs"] if run["momentum"] is not None]
    assert len(recorded) == 2  # SGD's momentum and Adam's β₁; Adagrad has neither
    assert page.evaluate(MOMENTUM_JS)["ys"] == recorded

    page.get_by_test_id("scrubber").fill("12")
    page.wait_for_function(f"() => {{ const m = ({MOMENTUM_JS})(); return m.cursor.includes(12); }}")
    drawn = page.evaluate(MOMENTUM_JS)
    assert drawn["cursor"] == drawn["lossCursor"]


def test_adams_two_parameter_map_is_lr_by_beta1_and_a_cell_sets_beta1_alone(page: Page, server_url: str) -> None:
    open_default(page, server_url)
    sweeps = capture(page, "/api/sweeps/stream")
    open_tab(page, "grid2")
    page.get_by_test_id("grid2-run-select").select_option(index=1)  # the default comparison's Adam
    expect(page.get_by_test_id("grid2-x-name")).to_have_value("lr")
    expect(page.get_by_test_id("grid2-y-name")).to_have_value("betas[0]")
    page.get_by_test_id("grid2-resolution").select_option("6")
    wait_traces(page, "grid2-plot", "grid2-map", "ts.length === 1 && ts[0].y.length === 6 && ts[0].y[5] < 1")
    vary = sweeps[-1]["vary"]
    assert (vary["x"]["name"], vary["y"]["name"]) == ("lr", "betas[0]")
    assert sweeps[-1]["run"]["optimizer"]["id"] == "Adam"
    assert traces(page, "grid2-plot", "theory-optimum") == []  # theory speaks of SGD only

    runs = capture(page, "/api/experiments/stream")
    click_cell(page, "grid2-plot", 1, 4)
    beta1 = page.locator("#f-runs-1-optimizer-params-betas")
    expect(beta1).to_have_value(str(vary["y"]["values"][4]))
    expect(page.locator("#f-runs-1-optimizer-params-betas-1")).to_have_value("0.999")
    until(page, lambda: bool(runs))
    assert runs[-1]["runs"][1]["optimizer"]["params"] == {
        "lr": vary["x"]["values"][1],
        "betas": [vary["y"]["values"][4], 0.999],
    }
