"""Playback, the shared cursor, the inspector, moving starts on the map, and the three views
(design.md §1 items 4–6 and 11, §7), in Chromium against the real server.

The cursor is drawn as layout shapes on the 2-D maps (named "cursor:<run>") and as a vertical
line on the loss and LR plots; in 3-D as scene annotations. The inspector gives every value's
exact number in `data-value` (JSON), so it is compared with the API's `record_state` output
to the last bit.
"""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

FULL = 501
MAP = '[data-testid="contour-plot"]'
INSPECTOR = '[data-testid="inspector"]'

# The default comparison, as design.md §7 and static/js/state/experiment.js define it.
DEFAULT_RUNS = [
    {"id": "SGD", "params": {"lr": 0.0015, "momentum": 0.9}},
    {"id": "Adam", "params": {"lr": 0.1}},
    {"id": "RMSprop", "params": {"lr": 0.01}},
    {"id": "Adagrad", "params": {"lr": 0.5}},
]

PATHS_JS = """() => JSON.stringify((document.querySelector('[data-testid="contour-plot"]').data || [])
  .filter(t => t.meta && t.meta.role === "path").map(t => [t.x.length, t.x[0], t.y[0], t.x.at(-1), t.y.at(-1)]))"""

SETTLED_JS = f"""([count, length, before]) => {{
  const now = JSON.parse(({PATHS_JS})());
  return document.querySelector(".stage").getAttribute("aria-busy") === "false" && now.length === count
    && now.every(([n]) => n === length) && JSON.stringify(now) !== before;
}}"""

# Where each run's cursor dot is on the map, and where the loss plot's cursor line is.
CURSOR_JS = """() => {
  const map = document.querySelector('[data-testid="contour-plot"]');
  const loss = document.querySelector('[data-testid="loss-plot"]');
  const dots = (map.layout.shapes || []).filter(s => (s.name || "").startsWith("cursor:"))
    .map(s => [Number(s.name.split(":")[1]), s.xanchor, s.yanchor]);
  const line = (loss.layout.shapes || []).find(s => s.name === "cursor");
  const scrubber = Number(document.querySelector('[data-testid="scrubber"]').value);
  return {dots, line: line ? line.x0 : null, scrubber};
}"""


def wait_drawn(page: Page, count: int = 4, before: str | None = None, length: int = FULL) -> None:
    page.wait_for_function(SETTLED_JS, arg=[count, length, before], timeout=30_000)


def paths(page: Page) -> str:
    return page.evaluate(PATHS_JS)


def open_workbench(page: Page, url: str) -> None:
    page.goto(url)
    wait_drawn(page)


def cursor(page: Page) -> dict:
    return page.evaluate(CURSOR_JS)


def path_points(page: Page, step: int) -> list[list[float]]:
    return page.evaluate(
        f"""() => document.querySelector('{MAP}').data.filter(t => t.meta && t.meta.role === "path")
             .map(t => [t.x[{step}], t.y[{step}]])"""
    )


def wait_step(page: Page, step: int) -> None:
    """Until the scrubber, every cursor dot and the loss plot's line are at `step`."""
    page.wait_for_function(
        f"""(k) => {{
          const c = ({CURSOR_JS})();
          const paths = document.querySelector('{MAP}').data.filter(t => t.meta && t.meta.role === "path");
          return c.scrubber === k && c.line === k && c.dots.length === paths.length
            && c.dots.every(([i, x, y]) => x === paths[i].x[k] && y === paths[i].y[k]);
        }}""",
        arg=step,
        timeout=10_000,
    )


def state_request(runs: list[dict], steps: int = 500) -> dict:
    return {
        "surface": {"id": "rosenbrock", "params": {}},
        "steps": steps,
        "tolerance": 1e-6,
        "record_state": True,
        "runs": [{"start": [-1.5, 2], "optimizer": run, **extra} for run, extra in runs],
    }


def inspected(page: Page, run: int, group: str, quantity: str, step: int):
    """The exact value the inspector shows for `quantity` of `run`, once it shows `step`."""
    item = page.locator(
        f'{INSPECTOR} [data-run="{run}"][data-step="{step}"] [data-group="{group}"][data-quantity="{quantity}"]'
    )
    expect(item).to_have_count(1, timeout=15_000)
    return json.loads(item.get_attribute("data-value"))


def test_playback_moves_one_cursor_on_every_plot(page: Page, server_url: str) -> None:
    open_workbench(page, server_url)
    # At first the cursor sits at the newest record: the end.
    wait_step(page, 500)
    page.keyboard.press("Home")
    wait_step(page, 0)

    play = page.get_by_test_id("play-button")
    play.click()
    expect(play).to_have_attribute("aria-label", "Pause")
    page.wait_for_function(f"() => ({CURSOR_JS})().scrubber >= 40", timeout=10_000)
    play.click()
    expect(play).to_have_attribute("aria-label", "Play")
    paused = cursor(page)["scrubber"]
    assert 40 <= paused < 500
    wait_step(page, paused)  # every path's marker is at the step the scrubber shows
    # Paused means paused: a few hundred ms later nothing has moved.
    page.evaluate("() => new Promise(resolve => setTimeout(resolve, 300))")
    assert cursor(page)["scrubber"] == paused

    page.keyboard.press("ArrowRight")
    wait_step(page, paused + 1)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    wait_step(page, paused - 1)
    page.keyboard.press("End")
    wait_step(page, 500)

    # Space toggles playback; playing from the end starts over.
    page.keyboard.press("Space")
    expect(play).to_have_attribute("aria-label", "Pause")
    page.wait_for_function(f"() => ({CURSOR_JS})().scrubber < 500", timeout=5_000)
    page.keyboard.press("Space")
    expect(play).to_have_attribute("aria-label", "Play")

    # The scrubber drives the cursor too; the step buttons step.
    page.get_by_test_id("scrubber").fill("250")
    wait_step(page, 250)
    page.get_by_role("button", name="Step forward").click()
    wait_step(page, 251)

    # Hovering a curve moves the cursor to the hovered step.
    box = page.get_by_test_id("loss-plot").locator(".nsewdrag").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.5)
    page.wait_for_function(f"() => ({CURSOR_JS})().scrubber !== 251", timeout=5_000)
    hovered = cursor(page)["scrubber"]
    assert 0 < hovered < 250
    wait_step(page, hovered)


def test_the_inspector_shows_the_optimizers_own_state_exactly(page: Page, server_url: str) -> None:
    open_workbench(page, server_url)
    page.locator(f"{INSPECTOR} > summary").click()
    step = 137
    page.get_by_test_id("scrubber").fill(str(step))

    expected = httpx.post(
        server_url + "/api/experiments", json=state_request([(run, {}) for run in DEFAULT_RUNS]), timeout=60
    ).json()["runs"]
    sgd, adam = expected[0], expected[1]
    assert inspected(page, 1, "state", "exp_avg", step) == adam["state"]["exp_avg"][step]
    assert inspected(page, 1, "state", "exp_avg_sq", step) == adam["state"]["exp_avg_sq"][step]
    assert inspected(page, 1, "state", "step", step) == adam["state"]["step"][step]
    assert inspected(page, 0, "state", "momentum_buffer", step) == sgd["state"]["momentum_buffer"][step]
    assert inspected(page, 0, "common", "grad", step) == sgd["grad"][step]
    # The effective step is the difference of the recorded points.
    delta = inspected(page, 1, "common", "delta", step)
    assert delta == [adam["x"][step] - adam["x"][step - 1], adam["y"][step] - adam["y"][step - 1]]

    adam_section = page.locator(f'{INSPECTOR} [data-run="1"]')
    item = adam_section.locator('[data-quantity="exp_avg"]')
    # Shown at 4 figures, explained in a sentence, the full value in the title.
    first = adam["state"]["exp_avg"][step][0]
    expect(item.locator(".inspect-value")).to_contain_text(f"{first:.4g}")
    expect(item.locator(".inspect-explain")).to_contain_text("moving average of the gradient")
    expect(item.locator(".inspect-value")).to_have_attribute(
        "title", f"exp_avg = {json.dumps(adam['state']['exp_avg'][step], separators=(',', ':'))}"
    )

    # Moving the cursor moves the inspector.
    page.keyboard.press("ArrowRight")
    assert inspected(page, 1, "state", "exp_avg", step + 1) == adam["state"]["exp_avg"][step + 1]

    page.get_by_label("Explain each quantity").uncheck()
    expect(page.locator(f"{INSPECTOR} .inspect-explain")).to_have_count(0)

    # On a phone, the playback bar and the open inspector fit the width.
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator(f'{INSPECTOR} [data-run="1"] [data-quantity="exp_avg"]')).to_have_count(1)
    page.wait_for_function("() => document.scrollingElement.scrollWidth <= 390")
    for control in ("play-button", "scrubber"):
        box = page.get_by_test_id(control).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll(
               ".playbar input, .playbar select, .playbar button, #map-tools select, [data-testid=inspector] input")]
             .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label"))
             .map(el => el.outerHTML.slice(0, 80))"""
    )
    assert unlabelled == []


def test_a_plateau_run_shows_its_counters_and_lbfgs_its_evaluations(page: Page, server_url: str) -> None:
    open_workbench(page, server_url)
    steps = 120  # LBFGS evaluates its closure many times per step: a shorter experiment keeps this quick
    page.locator("#f-steps").fill(str(steps))
    wait_drawn(page, length=steps + 1)
    before = paths(page)
    page.locator(".run-card").nth(2).get_by_test_id("optimizer-select").select_option("LBFGS")
    page.locator(".run-card").nth(3).get_by_test_id("scheduler-select").select_option("ReduceLROnPlateau")
    page.wait_for_function(
        """() => document.querySelector('#summary-table').textContent.includes('ReduceLROnPlateau')
               && document.querySelector('#summary-table').textContent.includes('LBFGS')"""
    )
    wait_drawn(page, before=before, length=steps + 1)
    page.locator(f"{INSPECTOR} > summary").click()
    step = 100
    page.get_by_test_id("scrubber").fill(str(step))

    plateau = {"scheduler": {"id": "ReduceLROnPlateau", "params": {}, "interval": "step", "steps_per_epoch": 1}}
    runs = [
        (DEFAULT_RUNS[0], {}),
        (DEFAULT_RUNS[1], {}),
        ({"id": "LBFGS", "params": {}}, {}),
        (DEFAULT_RUNS[3], plateau),
    ]
    expected = httpx.post(server_url + "/api/experiments", json=state_request(runs, steps), timeout=60).json()["runs"]
    counters = expected[3]["scheduler_state"]
    for name in ("best", "num_bad_epochs", "cooldown_counter"):
        assert inspected(page, 3, "scheduler", name, step) == counters[name][step]
    assert page.locator(f'{INSPECTOR} [data-run="3"] [data-quantity="num_bad_epochs"] .inspect-explain').count() == 1

    # LBFGS converges within a few steps; its first step evaluates the closure many times.
    page.get_by_test_id("scrubber").fill("1")
    evaluations = inspected(page, 2, "evaluations", "evaluations", 1)
    assert evaluations == expected[2]["evaluations"][1] and len(evaluations) > 1
    page.wait_for_function(
        f"""(n) => (document.querySelector('{MAP}').layout.shapes || [])
                     .filter(s => s.name === "evaluation:2").length === n""",
        arg=len(evaluations),
    )


AREA_JS = f"""() => {{
  const map = document.querySelector('{MAP}');
  const r = map.querySelector('.nsewdrag').getBoundingClientRect();
  const [x, y] = [map.layout.xaxis.range, map.layout.yaxis.range];
  return {{left: r.left, top: r.top, width: r.width, height: r.height, x, y}};
}}"""


def drag_area(page: Page) -> dict:
    """The map's plot area on screen and its axis ranges, once it has held still for a moment
    (the legend above the map fills when results arrive, and Plotly resizes ~100 ms later)."""
    page.wait_for_function(
        f"""() => {{
          const key = JSON.stringify(({AREA_JS})());
          const probe = window.__areaProbe ??= {{key: null, since: 0}};
          if (probe.key !== key) Object.assign(probe, {{key, since: performance.now()}});
          return performance.now() - probe.since > 400;
        }}"""
    )
    return page.evaluate(AREA_JS)


def to_pixels(area: dict, x: float, y: float) -> tuple[float, float]:
    (x0, x1), (y0, y1) = area["x"], area["y"]
    return area["left"] + (x - x0) / (x1 - x0) * area["width"], area["top"] + (y1 - y) / (y1 - y0) * area["height"]


def to_data(area: dict, px: float, py: float) -> tuple[float, float]:
    (x0, x1), (y0, y1) = area["x"], area["y"]
    return x0 + (px - area["left"]) / area["width"] * (x1 - x0), y1 - (py - area["top"]) / area["height"] * (y1 - y0)


def assert_starts(page: Page, point: tuple[float, float], area: dict, runs: list[int]) -> None:
    pixel = max((area["x"][1] - area["x"][0]) / area["width"], (area["y"][1] - area["y"][0]) / area["height"])
    drawn = json.loads(paths(page))
    for index in runs:
        _, x, y, *_ = drawn[index]
        assert abs(x - point[0]) <= pixel and abs(y - point[1]) <= pixel, (index, x, y, point)


def test_clicking_the_map_moves_every_start_and_reruns(page: Page, server_url: str) -> None:
    open_workbench(page, server_url)
    short = 150  # three re-runs follow: keep each quick
    page.locator("#f-steps").fill(str(short))
    wait_drawn(page, length=short + 1)
    area = drag_area(page)
    before = paths(page)
    px, py = area["left"] + area["width"] * 0.3, area["top"] + area["height"] * 0.55
    page.mouse.click(px, py)
    wait_drawn(page, before=before, length=short + 1)
    clicked = to_data(area, px, py)
    assert_starts(page, clicked, area, [0, 1, 2, 3])
    # The run cards follow.
    start = page.locator('[data-field="runs.0.start"] input')
    assert abs(float(start.first.input_value()) - clicked[0]) < 0.01

    # The start ring can be dragged: every run that starts there moves with it.
    before = paths(page)
    ring = to_pixels(area, *clicked)
    page.mouse.move(*ring)
    page.mouse.down()
    page.mouse.move(ring[0] + 40, ring[1] - 30, steps=4)
    page.mouse.up()
    wait_drawn(page, before=before, length=short + 1)
    dropped = to_data(area, ring[0] + 40, ring[1] - 30)
    assert_starts(page, dropped, area, [0, 1, 2, 3])
    # A drag on the ring is not a zoom.
    assert page.evaluate(f"() => document.querySelector('{MAP}').layout.xaxis.range") == area["x"]

    # Choosing one run makes a click move that run alone.
    page.get_by_label("Click the map to move the start of").select_option(label="Adam (lr=0.1)")
    before = paths(page)
    qx, qy = area["left"] + area["width"] * 0.7, area["top"] + area["height"] * 0.35
    page.mouse.click(qx, qy)
    wait_drawn(page, before=before, length=short + 1)
    assert_starts(page, to_data(area, qx, qy), area, [1])
    assert_starts(page, dropped, area, [0, 2, 3])


def test_small_multiples_and_3d_views(page: Page, server_url: str) -> None:
    open_workbench(page, server_url)
    page.get_by_test_id("view-select").select_option("multiples")
    page.wait_for_function(
        f"() => document.querySelector('{MAP}').data.filter(t => t.type === 'contour').length === 4", timeout=10_000
    )
    figure = page.evaluate(
        f"""() => {{
          const map = document.querySelector('{MAP}');
          const paths = map.data.filter(t => t.meta && t.meta.role === "path");
          return {{
            axes: paths.map(t => [t.xaxis || "x", t.yaxis || "y"]),
            subplots: [...map.querySelectorAll('.nsewdrag')].map(e => e.getAttribute('data-subplot')).sort(),
            matches: [2, 3, 4].map(i => map.layout['xaxis' + i].matches),
            colors: paths.map(t => {{  // as the browser resolves it, like the swatches' colours below
              const probe = document.body.appendChild(document.createElement("span"));
              probe.style.color = t.line.color;
              const color = getComputedStyle(probe).color;
              probe.remove();
              return color;
            }}),
          }};
        }}"""
    )
    assert figure["axes"] == [["x", "y"], ["x2", "y2"], ["x3", "y3"], ["x4", "y4"]]
    assert figure["subplots"] == ["x2y2", "x3y3", "x4y4", "xy"]
    assert figure["matches"] == ["x", "x", "x"]  # shared axes
    legend = page.locator("#legend .run-swatch").evaluate_all("ss => ss.map(s => getComputedStyle(s).backgroundColor)")
    assert figure["colors"] == legend

    # The cursor works here too: one dot per subplot, on its run's path.
    page.keyboard.press("Home")
    wait_step(page, 0)
    page.keyboard.press("ArrowRight")
    wait_step(page, 1)
    refs = page.evaluate(
        f"""() => document.querySelector('{MAP}').layout.shapes.filter(s => s.name.startsWith("cursor:"))
             .map(s => s.xref + s.yref)"""
    )
    assert refs == ["xy", "x2y2", "x3y3", "x4y4"]

    # 3-D: the surface, and each path as one scatter3d on it.
    page.get_by_test_id("scrubber").fill("60")
    page.get_by_test_id("view-select").select_option("3d")
    page.wait_for_function(
        f"() => (document.querySelector('{MAP}').data || []).some(t => t.type === 'surface')", timeout=15_000
    )
    types = page.evaluate(f"() => document.querySelector('{MAP}').data.map(t => t.type)")
    assert types.count("surface") == 1
    assert types.count("scatter3d") == 4
    expect(page.locator(f"{MAP} canvas").first).to_be_visible()
    # The cursor: a dot per run over the scene, at the step's point.
    dots = page.evaluate(
        f"""() => document.querySelector('{MAP}').layout.scene.annotations
             .filter(a => a.name.startsWith("cursor:")).map(a => [a.x, a.y])"""
    )
    assert dots == page.evaluate(
        f"""() => document.querySelector('{MAP}').data.filter(t => t.type === "scatter3d")
             .map(t => [t.x[60], t.y[60]])"""
    )
    # Clicking rotates in 3-D; the start-moving hint is hidden.
    expect(page.locator("#map-tools")).to_be_hidden()


PLOTLY_SCRIPTS_JS = """() => [...document.querySelectorAll('script[src*="/static/vendor/"]')]
  .map(s => s.src.split("/").at(-1))"""


def test_only_the_3d_view_brings_the_full_plotly_build(page: Page, server_url: str) -> None:
    # The 2-D views draw with the cartesian build (it starts in a third of the time); the first
    # switch to 3-D fetches the full one, which then draws all three plots.
    open_workbench(page, server_url)
    assert page.evaluate(PLOTLY_SCRIPTS_JS) == ["plotly-cartesian.min.js"]
    page.get_by_test_id("view-select").select_option("3d")
    # It takes a moment: the map says so meanwhile, and stops saying so once the 3-D view is drawn.
    expect(page.locator(MAP)).to_have_attribute("data-loading", "Loading the 3-D view…")
    expect(page.locator(MAP)).to_have_attribute("aria-busy", "true")
    page.wait_for_function(
        f"() => (document.querySelector('{MAP}').data || []).some(t => t.type === 'surface')", timeout=15_000
    )
    expect(page.locator(MAP)).not_to_have_attribute("data-loading", re.compile(".*"))
    expect(page.locator(MAP)).not_to_have_attribute("aria-busy", "true")
    assert page.evaluate(PLOTLY_SCRIPTS_JS) == ["plotly-cartesian.min.js", "plotly.min.js"]
    assert page.evaluate("() => document.querySelector('[data-testid=\"loss-plot\"]').data.length") == 4

    # Back on the map, everything still works with the full build: a change redraws, hovering a
    # curve moves the cursor, and 3-D again fetches nothing more.
    page.get_by_test_id("view-select").select_option("overlay")
    page.wait_for_function(
        f"() => document.querySelector('{MAP}').data.some(t => t.type === 'contour')", timeout=10_000
    )
    before = paths(page)
    page.locator("#f-steps").fill("400")
    wait_drawn(page, before=before, length=401)
    page.get_by_test_id("scrubber").fill("300")
    wait_step(page, 300)
    box = page.get_by_test_id("loss-plot").locator(".nsewdrag").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.5)
    page.wait_for_function(f"() => ({CURSOR_JS})().scrubber < 200", timeout=5_000)
    hash_2d = page.evaluate("() => location.hash")
    page.get_by_test_id("view-select").select_option("3d")
    page.wait_for_function(
        f"() => (document.querySelector('{MAP}').data || []).some(t => t.type === 'surface')", timeout=15_000
    )
    assert page.evaluate(PLOTLY_SCRIPTS_JS) == ["plotly-cartesian.min.js", "plotly.min.js"]

    # A link that opens in 3-D starts with the full build alone.
    page.wait_for_function("h => location.hash !== h", arg=hash_2d)
    linked = page.context.new_page()
    try:
        linked.goto(page.url)
        linked.wait_for_function(
            f"() => (document.querySelector('{MAP}').data || []).some(t => t.type === 'surface')", timeout=15_000
        )
        assert linked.evaluate(PLOTLY_SCRIPTS_JS) == ["plotly.min.js"]
    finally:
        linked.close()
