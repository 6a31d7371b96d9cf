"""The sweep panel in Chromium against the real server (design.md §1 items 9–10, §6 "Sweep request").

Sweeps are requested by the page through /api/sweeps/stream; the tests capture those requests and
ask /api/sweeps the same question, so "the best lr" is what the API reports, not what the page
thinks. Every test shortens the experiment to STEPS steps to stay fast.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PageLog

pytestmark = pytest.mark.e2e

STEPS = 60
FULL = STEPS + 1

PATHS_JS = """() => {
  const gd = document.querySelector('[data-testid="contour-plot"]');
  return JSON.stringify((gd.data || []).filter(t => t.meta && t.meta.role === "path")
    .map(t => [t.x.length, t.x[0], t.y[0], t.x[t.x.length - 1], t.y[t.y.length - 1]]));
}"""

SETTLED_JS = f"""([length, before]) => {{
  const now = JSON.parse(({PATHS_JS})());
  return document.querySelector(".stage").getAttribute("aria-busy") === "false" && now.length === 4
    && now.every(([n]) => n === length) && JSON.stringify(now) !== before;
}}"""

# Traces of a plot with a given meta.role, as [[x, y, z-shape]…] (z-shape for heatmaps).
TRACES_JS = """([testid, role]) => {
  const gd = document.querySelector(`[data-testid="${testid}"]`);
  return (gd.data || []).filter(t => t.meta && t.meta.role === role).map(t => ({
    x: Array.from(t.x || []), y: Array.from(t.y || []),
    z: t.z ? [t.z.length, t.z[0].length] : null,
  }));
}"""


def paths(page: Page) -> str:
    return page.evaluate(PATHS_JS)


def wait_drawn(page: Page, before: str | None = None) -> None:
    """Wait until the four paths are drawn in full (STEPS steps) and differ from `before`."""
    page.wait_for_function(SETTLED_JS, arg=[FULL, before], timeout=20_000)


def traces(page: Page, testid: str, role: str) -> list[dict]:
    return page.evaluate(TRACES_JS, [testid, role])


def wait_traces(page: Page, testid: str, role: str, check: str) -> None:
    """Wait until the traces of `role` in plot `testid` satisfy the JS expression `check` (on `ts`)."""
    page.wait_for_function(
        f"""([testid, role]) => {{
          const gd = document.querySelector(`[data-testid="${{testid}}"]`);
          const ts = (gd && gd.data || []).filter(t => t.meta && t.meta.role === role);
          return {check};
        }}""",
        arg=[testid, role],
        timeout=30_000,
    )


def open_short(page: Page, url: str) -> None:
    """The default comparison, shortened to STEPS steps (at once: the long first run is dropped) and drawn."""
    page.goto(url)
    page.locator("#f-steps").fill(str(STEPS))
    wait_drawn(page)


def capture(page: Page, path: str) -> list[dict]:
    """Collect the JSON bodies the page posts to `path`, in order."""
    bodies: list[dict] = []
    page.on("request", lambda r: r.url.endswith(path) and r.method == "POST" and bodies.append(r.post_data_json))
    return bodies


def api_best(page: Page, url: str, body: dict) -> float:
    """The best value the API reports for a `param` sweep request."""
    response = page.request.post(url + "/api/sweeps", data=body)
    assert response.ok, response.text()
    return response.json()["best"]["value"]


def lr_of(page: Page, index: int) -> float:
    return float(page.locator(f"#f-runs-{index}-optimizer-params-lr").input_value())


def open_tab(page: Page, tab: str) -> None:
    if page.get_by_test_id("sweep-panel").is_hidden():
        page.get_by_test_id("sweep-button").click()
    page.get_by_test_id(f"sweep-tab-{tab}").click()


def click_cell(page: Page, testid: str, i: int, j: int) -> None:
    """Click the centre of heatmap cell (i, j) — column i, row j — of plot `testid`."""
    x, y = page.evaluate(
        """([testid, i, j]) => {
          const gd = document.querySelector(`[data-testid="${testid}"]`);
          const heat = gd._fullData.find(t => t.type === "heatmap");
          const { xaxis, yaxis } = gd._fullLayout;
          const box = gd.getBoundingClientRect();
          return [box.left + xaxis._offset + xaxis.l2p(heat.x[i]), box.top + yaxis._offset + yaxis.l2p(heat.y[j])];
        }""",
        [testid, i, j],
    )
    # Plotly clicks what it hovers: let the hover label appear first.
    page.mouse.move(x, y)
    page.wait_for_selector(f'[data-testid="{testid}"] .hoverlayer .hovertext')
    page.mouse.click(x, y)


def until(page: Page, predicate: Callable[[], bool], timeout_ms: int = 20_000) -> None:
    """Poll a Python-side condition with Playwright's clock (no fixed sleeps)."""
    for _ in range(timeout_ms // 50):
        if predicate():
            return
        page.wait_for_timeout(50)
    raise AssertionError("condition not met in time")


# ---- LR curves and "use best LR" ----


def test_lr_curves_draw_a_curve_per_run_and_use_best_lr_reruns(page: Page, server_url: str) -> None:
    open_short(page, server_url)
    sweeps = capture(page, "/api/sweeps/stream")
    runs = capture(page, "/api/experiments/stream")
    page.get_by_test_id("sweep-button").click()
    expect(page.get_by_test_id("sweep-button")).to_have_attribute("aria-expanded", "true")
    page.get_by_role("button", name="Sweep learning rates").click()

    wait_traces(page, "lr-sweep-plot", "lr-curve", "ts.length === 4 && ts.every(t => t.x.length === 25)")
    assert [body["vary"]["kind"] for body in sweeps] == ["param"] * 4
    assert all(body["steps"] == STEPS and body["vary"]["name"] == "lr" for body in sweeps)
    # The run's own lr is one of the values: the ring shows where it is now.
    for body in sweeps:
        assert body["run"]["optimizer"]["params"]["lr"] in body["vary"]["values"]
    # Each curve has its best lr starred.
    stars = traces(page, "lr-sweep-plot", "lr-best")
    assert len(stars) == 4 and all(len(star["x"]) == 1 for star in stars)

    # Adam's best lr, as the API reports it, is the one the page offers and uses.
    adam = next(i for i, body in enumerate(sweeps) if body["run"]["optimizer"]["id"] == "Adam")
    best = api_best(page, server_url, sweeps[adam])
    row = page.locator("#sweep-tabpanel-lr .sweep-run").nth(adam)
    assert float(row.get_attribute("data-best")) == best
    assert stars[adam]["x"] == [best]
    assert lr_of(page, adam) != best

    before = paths(page)
    runs.clear()
    row.get_by_test_id("use-best-lr").click()
    until(page, lambda: lr_of(page, adam) == best)
    wait_drawn(page, before)
    assert runs and runs[-1]["runs"][adam]["optimizer"]["params"]["lr"] == best
    expect(row.get_by_test_id("use-best-lr")).to_be_disabled()  # "In use"


# ---- the basin map ----


def test_basin_map_has_the_requested_resolution_and_a_click_moves_the_start(page: Page, server_url: str) -> None:
    open_short(page, server_url)
    sweeps = capture(page, "/api/sweeps/stream")
    open_tab(page, "basin")
    page.get_by_test_id("basin-resolution").select_option("16")
    wait_traces(page, "basin-plot", "basin-map", "ts.length === 1 && ts[0].x.length === 16 && ts[0].z.length === 16")
    [heat] = traces(page, "basin-plot", "basin-map")
    assert heat["z"] == [16, 16]
    request = sweeps[-1]
    assert request["vary"] == {"kind": "start", "x": [-2, 2], "y": [-1, 3], "resolution": 16}
    assert request["run"]["optimizer"]["id"] == "SGD"

    # The colouring selector switches the channel without a new sweep.
    count = len(sweeps)
    page.get_by_test_id("basin-color-select").select_option("steps_to_tolerance")
    page.get_by_test_id("basin-color-select").select_option("minimum_index")
    wait_traces(page, "basin-plot", "basin-map", "ts.length === 1 && ts[0].zmax === 1.5")
    assert len(sweeps) == count

    before = paths(page)
    click_cell(page, "basin-plot", 3, 12)
    x, y = heat["x"][3], heat["y"][12]
    start = page.locator("#f-runs-0-start"), page.locator("#f-runs-0-start-1")
    until(page, lambda: [field.input_value() for field in start] == [str(x), str(y)])
    wait_drawn(page, before)
    first = json.loads(paths(page))[0]
    assert first[1:3] == [x, y]  # SGD's path starts in the clicked cell
    assert traces(page, "basin-plot", "map-marker")[0]["x"] == [x]  # and the ring moved there
    assert len(sweeps) == count  # a start change does not invalidate a map over starts


# ---- the fair comparison ----


def test_fair_comparison_sets_every_run_to_its_best_lr(page: Page, server_url: str) -> None:
    open_short(page, server_url)
    sweeps = capture(page, "/api/sweeps/stream")
    before = paths(page)
    page.get_by_test_id("tune-button").click()  # one click, from a closed panel
    statement = page.locator("#fair-statement")
    expect(statement).to_contain_text(f"lowest final loss after {STEPS} steps")
    expect(statement).to_contain_text("25 learning rates log-spaced over 4 decades around its current lr")
    expect(statement).to_contain_text(f"{STEPS} steps each = {25 * STEPS:,} run-steps per run")
    expect(page.locator("#sweep-tabpanel-lr .sweep-status")).to_contain_text("Tuned 4 runs", timeout=30_000)
    assert [body["run"]["optimizer"]["id"] for body in sweeps] == ["SGD", "Adam", "RMSprop", "Adagrad"]
    # The same budget for each: the same number of values and steps.
    assert {(len(body["vary"]["values"]), body["steps"]) for body in sweeps} == {(25, STEPS)}
    for index, body in enumerate(sweeps):
        assert lr_of(page, index) == api_best(page, server_url, body)
    wait_drawn(page, before)
    expect(page.get_by_test_id("summary-table")).to_contain_text("Adam (lr=")


# ---- the two-hyperparameter map ----


def test_two_hyperparameter_map_a_new_sweep_aborts_the_last_and_refusals_are_explained(
    page: Page, server_url: str, page_log: PageLog
) -> None:
    page_log.expect_console_error("status of 422")
    open_short(page, server_url)
    sweeps = capture(page, "/api/sweeps/stream")
    aborted: list[str] = []
    page.on("requestfailed", lambda r: r.url.endswith("/api/sweeps/stream") and aborted.append(r.url))
    open_tab(page, "grid2")
    expect(page.get_by_test_id("grid2-x-name")).to_have_value("lr")
    expect(page.get_by_test_id("grid2-y-name")).to_have_value("momentum")
    page.get_by_test_id("grid2-resolution").select_option("24")  # a slow one…
    page.get_by_test_id("grid2-resolution").select_option("6")  # …superseded at once
    wait_traces(page, "grid2-plot", "grid2-map", "ts.length === 1 && ts[0].x.length === 6 && ts[0].y.length === 6")
    assert aborted
    vary = sweeps[-1]["vary"]
    assert vary["kind"] == "grid2" and vary["x"]["name"] == "lr" and vary["y"]["name"] == "momentum"
    assert len(vary["x"]["values"]) == len(vary["y"]["values"]) == 6
    # A cell gives the run those two values.
    click_cell(page, "grid2-plot", 1, 4)
    momentum = page.locator("#f-runs-0-optimizer-params-momentum")
    until(page, lambda: momentum.input_value() == str(vary["y"]["values"][4]))
    assert lr_of(page, 0) == vary["x"]["values"][1]
    # A range torch refuses is explained in the panel, in the API's words.
    page.locator("#grid2-y-min").fill("-5")
    page.locator("#grid2-y-min").press("Enter")
    expect(page.locator("#sweep-tabpanel-grid2 .form-error")).to_contain_text(re.compile("momentum", re.I))


# ---- seed bands ----


def open_short_noisy(page: Page, url: str, seed: int | None = None) -> None:
    """The short default comparison with gradient noise (std 0.5, and `seed` when given) on its first run, drawn."""
    open_short(page, url)
    page.locator(".run-card").first.locator("summary", has_text="Gradient noise").click()
    before = paths(page)
    page.locator("#f-runs-0-noise-std").fill("0.5")
    if seed is not None:
        page.locator("#f-runs-0-noise-seed").fill(str(seed))
    wait_drawn(page, before)


def test_seed_band_draws_for_a_noisy_run(page: Page, server_url: str) -> None:
    open_short_noisy(page, server_url)
    open_tab(page, "seeds")
    toggles = page.get_by_test_id("seed-band-toggle")
    expect(toggles).to_have_count(4)
    expect(toggles.nth(1)).to_be_disabled()  # Adam has no noise: no band to draw
    toggles.first.check()
    wait_traces(page, "contour-plot", "seed-paths", "ts.length === 1")
    [cloud] = traces(page, "contour-plot", "seed-paths")
    assert cloud["x"].count(None) == 63  # 64 seeds' paths, one trace
    wait_traces(page, "loss-plot", "band-p10", "ts.length === 1")
    for role in ("band-p10", "band-median", "band-p90"):
        [band] = traces(page, "loss-plot", role)
        assert len(band["y"]) == FULL
    low, high = traces(page, "loss-plot", "band-p10")[0]["y"], traces(page, "loss-plot", "band-p90")[0]["y"]
    assert all(a <= b for a, b in zip(low, high, strict=True))
    # The run's own curve keeps its place: trace i of the loss plot is still run i.
    assert page.evaluate("() => document.querySelector('[data-testid=\"loss-plot\"]').data.length") == 4 + 3
    toggles.first.uncheck()
    wait_traces(page, "contour-plot", "seed-paths", "ts.length === 0")


# ---- phone, labels and keyboard ----


def test_the_panel_fits_a_phone_is_labelled_and_follows_the_keyboard(page: Page, server_url: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_short(page, server_url)
    open_tab(page, "basin")
    page.get_by_test_id("basin-resolution").select_option("16")
    wait_traces(page, "basin-plot", "basin-map", "ts.length === 1 && ts[0].x.length === 16")
    assert page.evaluate("() => document.scrollingElement.scrollWidth") <= 390
    box = page.get_by_test_id("basin-plot").bounding_box()
    assert box is not None and box["width"] > 300
    for tab in ("lr", "grid2", "seeds"):
        page.get_by_test_id(f"sweep-tab-{tab}").click()
        assert page.evaluate("() => document.scrollingElement.scrollWidth") <= 390, tab
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll("#sweep-panel input, #sweep-panel select, #sweep-panel button")]
             .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                           && !el.textContent.trim())
             .map(el => el.outerHTML.slice(0, 80))"""
    )
    assert unlabelled == []
    # Tabs follow the arrow keys, with a visible focus ring.
    lr_tab = page.get_by_test_id("sweep-tab-lr")
    lr_tab.click()
    page.keyboard.press("ArrowRight")
    basins = page.get_by_test_id("sweep-tab-basin")
    expect(basins).to_be_focused()
    expect(basins).to_have_attribute("aria-selected", "true")
    expect(page.locator("#sweep-tabpanel-basin")).to_be_visible()
    expect(page.locator("#sweep-tabpanel-lr")).to_be_hidden()
    assert basins.evaluate("el => getComputedStyle(el).outlineStyle") not in ("none", "")
    page.keyboard.press("End")
    expect(page.get_by_test_id("sweep-tab-seeds")).to_be_focused()
    # Closing returns focus to the Sweeps button.
    page.get_by_role("button", name="Close the sweeps").click()
    expect(page.get_by_test_id("sweep-panel")).to_be_hidden()
    expect(page.get_by_test_id("sweep-button")).to_be_focused()
